"""Server and location selection: the rules and examples of nginx-semantics.md §2 and §3."""

from __future__ import annotations

import os

import pytest

from nginxlite.config import load_config
from nginxlite.config.locations import find
from nginxlite.config.vhosts import validate_host


def server_of(write, body: str):
    path = write("site.conf", "server { listen 127.0.0.1:8080;\n" + body + "\n}\n")
    return load_config(path, os.path.dirname(path)).servers[0]


def chosen(server, uri: str) -> str:
    loc = find(server.tree, uri).location
    if loc is None:
        return "none"
    return loc.return_.text if loc.return_ else f"{loc.modifier}{loc.name}"


@pytest.mark.parametrize("uri, answer", [
    ("/", "exact-root"), ("/index.html", "prefix-root"),
    ("/longest/prefix/regex", "regex"), ("/longest/prefix/winsx", "prefix-wins"),
    ("/order/x", "order1"), ("/a/b.php", "php"), ("/a/c.php", "php"), ("/a/c/z.nested", "a/c"),
    ("/a/b.nested", "nested-in-a"), ("/exact", "exact"), ("/exact/", "prefix-exact"), ("/exactly", "prefix-exact"),
    ("/same/x", "inner-same"), ("/caseSens", "case"), ("/casesens", "prefix-root"),
    ("/y.jpg", "jpg"), ("/y.JpG", "jpg"), ("/@named", "prefix-root"), ("/noregex/x.php", "noregex"),
])
def test_location_examples(write, uri, answer):
    server = server_of(write, r"""
        location = / { return 200 "exact-root"; }
        location / { return 200 "prefix-root"; }
        location /longest/prefix/wins { return 200 "prefix-wins"; }
        location ~ /longest/prefix/regex { return 200 "regex"; }
        location ~ ^/order { return 200 "order1"; }
        location ~ ^/order/x { return 200 "order2"; }
        location /a {
            location ^~ /a/c { return 200 "a/c"; }
            location /a/b { }
            location ~ \.nested$ { return 200 "nested-in-a"; }
        }
        location ~ \.php$ { return 200 "php"; }
        location = /exact { return 200 "exact"; }
        location /exact { return 200 "prefix-exact"; }
        location /same { location /same { return 200 "inner-same"; } }
        location /caseSens { return 200 "case"; }
        location ~* \.JPG$ { return 200 "jpg"; }
        location @named { return 200 "named"; }
        location ^~ /noregex { return 200 "noregex"; }
    """)
    assert chosen(server, uri) == answer


def test_no_location_at_all(write):
    server = server_of(write, "location /a { }")
    assert chosen(server, "/b") == "none"


def test_regex_captures_are_kept(write):
    server = server_of(write, r"location ~ ^/u/(\d+)/(?<rest>.*)$ { }")
    m = find(server.tree, "/u/42/x/y")
    assert (m.captures.group(1), m.captures.group("rest")) == ("42", "x/y")


def test_bytes_match_as_latin1(write):
    server = server_of(write, r"location ~ ^/caf.$ { return 200 one; } location ~* ^/\xc3\x89T { return 200 up; }")
    assert chosen(server, "/cafe") == "one"
    assert chosen(server, "/caf\xc3\xa9") == "none"
    assert chosen(server, "/\xc3\x89t") == "up"


def test_trace_explains(write):
    server = server_of(write, r"location /a { } location ~ \.php$ { }")
    trace: list[str] = []
    find(server.tree, "/a/x.php", trace)
    assert trace == ["longest prefix: location /a", "regex location ~ \\.php$: matches"]


def vhosts(write, text: str):
    path = write("v.conf", text)
    cfg = load_config(path, os.path.dirname(path))
    return cfg.vhosts[("127.0.0.1", 8080)]


@pytest.mark.parametrize("host, name", [
    ("www.example.com", "exact-www"), ("x.sub.example.com", "sub-wild"), ("www5.example.com", "wild"),
    ("www.example.co.uk", "tail"), ("sub.example.com", "wild"), ("example.com", "default"),
    ("xdot.org", "default"), ("a.dot.org", "dot"), ("dot.org", "dot"), ("www7.example.net", "regex"),
    ("camelrx", "camel"), ("", "default"), ("_", "underscore"), ("mixed.test", "mixed"),
])
def test_server_examples(write, host, name):
    v = vhosts(write, r"""
        server { listen 127.0.0.1:8080; return 200 default; }
        server { listen 127.0.0.1:8080; server_name www.example.com; return 200 exact-www; }
        server { listen 127.0.0.1:8080; server_name *.example.com; return 200 wild; }
        server { listen 127.0.0.1:8080; server_name *.sub.example.com; return 200 sub-wild; }
        server { listen 127.0.0.1:8080; server_name www.example.*; return 200 tail; }
        server { listen 127.0.0.1:8080; server_name ~^www\d+\.example\.(com|net)$; return 200 regex; }
        server { listen 127.0.0.1:8080; server_name .dot.org; return 200 dot; }
        server { listen 127.0.0.1:8080; server_name ~CamelRx; return 200 camel; }
        server { listen 127.0.0.1:8080; server_name _; return 200 underscore; }
        server { listen 127.0.0.1:8080; server_name MiXeD.Test; return 200 mixed; }
    """)
    assert v.select(host).return_.text == name


def test_empty_name_matches_requests_without_host(write):
    v = vhosts(write, 'server { listen 127.0.0.1:8080; server_name a; return 200 a; }'
                      'server { listen 127.0.0.1:8080; server_name b ""; return 200 b; }')
    assert v.select("").return_.text == "b"


def test_first_server_keeps_a_conflicting_name(write):
    v = vhosts(write, 'server { listen 127.0.0.1:8080; server_name dup.test; return 200 one; }'
                      'server { listen 127.0.0.1:8080; server_name dup.test; return 200 two; }')
    assert v.select("dup.test").return_.text == "one"


@pytest.mark.parametrize("raw, host", [
    ("Example.COM", "example.com"), ("example.com:99", "example.com"), ("example.com:abc", "example.com"),
    ("example.com.", "example.com"), ("[::1]:80", "[::1]"),
    ("a..b", None), ("a/b", None), ("a b", None), ("", None), (":80", None), (".", None), ("a\x01", None),
])
def test_validate_host(raw, host):
    assert validate_host(raw) == host
