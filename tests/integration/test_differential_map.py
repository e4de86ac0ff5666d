"""nginx and nginxlite on one config: ``map`` (issue 18).

The maps cover every kind of key (exact and caseless, ``""``, ``\\``-escaped, regex and
caseless regex with numbered and named captures, ``hostnames`` wildcards), values with
variables, a map over other maps, a source of two variables, and h5bp's maps over
``$sent_http_content_type`` feeding ``expires`` and ``add_header`` (its
cache_expiration.conf, x-frame-options.conf and cross-origin images).  Each request's
answer is compared as test_differential_filters compares (status, the filter headers,
Cache-Control and Expires, the body), plus the headers the maps add.  nginx is the oracle.
"""

from __future__ import annotations

import pytest

from test_differential_filters import docs_servers, req, same_answer

CONFIG = r"""
types { text/html html; text/plain txt; text/css css; application/javascript js; image/png png; }
map $sent_http_content_type $expires {
    default                     1M;
    ""                          off;
    ~*text/css                  1y;
    ~*application/javascript    1y;
    ~*image/                    1M;
    ~*text/html                 epoch;
}
map $sent_http_content_type $x_frame_options {
    ~*text/html     DENY;
}
map $sent_http_content_type $cors {
    ~*image/        "*";
}
map $http_user_agent $ua {
    default                     other;
    ""                          none;
    ~*curl/(?<cv>[0-9.]+)       "curl $cv";
    ~^Mozilla/(\d)              moz$1;
    \~tilde                     tilde;
    \default                    notdefault;
    "~Opera Mini"               opera;
    Exact-Agent                 exact;
    *.star                      star;
}
map $host $hk {
    hostnames;
    .example.com    ex;
    *.foo.org       foo;
    www.bar.*       bar;
    default         "dflt-$ua";
}
map $arg_a $chain {
    default         "[$ua|$arg_a]";
    ~^(?<n>\d+)$    num$n;
}
map "$arg_a:$arg_b" $pair {
    "1:2"           onetwo;
    ~^(\d):(\d)$    "$2-$1";
    default         none;
}
map $uri $nocap {
    ~^/e/           "[$1]";
}
server {
    listen 127.0.0.1:PORT0;
    server_name t;
    root DOCS;
    expires $expires;
    add_header X-Frame-Options $x_frame_options always;
    add_header Access-Control-Allow-Origin $cors;
    location /v/ { return 200 "ua=$ua cv=$cv hk=$hk chain=$chain n=$n pair=$pair\n"; }
    location /e/ { return 200 "nocap=$nocap\n"; }
}
"""

DOCS = {
    "s/a.html": b"<p>html</p>\n",
    "s/a.css": b"body{}\n",
    "s/a.js": b"var a;\n",
    "s/a.png": b"PNG",
    "s/a.txt": b"text\n",
    "s/noext": b"no type\n",
}


def ua(agent: str | None, target: str = "/v/") -> bytes:
    return req(target, f"User-Agent: {agent}\r\n" if agent is not None else "")


def host(name: str, target: str = "/v/") -> bytes:
    return (f"GET {target} HTTP/1.1\r\nHost: {name}\r\nUser-Agent: curl/8.1\r\n"
            f"Connection: close\r\n\r\n").encode("latin-1")


CASES: dict[str, bytes] = {
    "no User-Agent": ua(None),
    "empty User-Agent": ua(""),
    "regex with a named capture": ua("curl/8.1.2"),
    "caseless regex": ua("CURL/7.0"),
    "regex with a numbered capture": ua("Mozilla/5.0 (X11)"),
    "escaped tilde key": ua("~tilde"),
    "escaped default key": ua("default"),
    "quoted regex with a space": ua("Mozilla Opera Mini/9"),
    "exact key, caseless": ua("EXACT-agent"),
    "exact key is not a prefix": ua("Exact-Agent/2"),
    "a star without hostnames is a plain key": ua("*.star"),
    "a star key does not match a name": ua("a.star"),
    "default": ua("Wget/1.21"),
    "hostnames: .example.com matches example.com": host("example.com"),
    "hostnames: .example.com matches a subdomain": host("a.b.example.com"),
    "hostnames: caseless": host("WWW.Example.COM"),
    "hostnames: *.foo.org matches a subdomain": host("x.y.foo.org"),
    "hostnames: *.foo.org does not match foo.org": host("foo.org"),
    "hostnames: www.bar.* matches": host("www.bar.net"),
    "hostnames: www.bar.* matches a longer tail": host("www.bar.co.uk"),
    "hostnames: no match, default with a map inside": host("other.test"),
    "a map over a map": req("/v/?a=x"),
    "a map regex's named capture": req("/v/?a=42"),
    "a source of two variables, exact": req("/v/?a=1&b=2"),
    "a source of two variables, regex captures": req("/v/?a=3&b=4"),
    "a source of two variables, default": req("/v/?a=3"),
    "a regex without captures empties $1": req("/e/x"),
    "h5bp: html": req("/s/a.html"),
    "h5bp: css": req("/s/a.css"),
    "h5bp: js": req("/s/a.js"),
    "h5bp: image, with CORS": req("/s/a.png"),
    "h5bp: text, the default": req("/s/a.txt"),
    "h5bp: a built-in 404 (always)": req("/s/missing.html"),
    "h5bp: a directory redirect": req("/s"),
    "h5bp: HEAD": req("/s/a.css", method="HEAD"),
}

MAPPED = ("x-frame-options", "access-control-allow-origin")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with docs_servers(tmp_path_factory, "map", CONFIG, DOCS) as pair:
        yield pair


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer(servers, name):
    same_answer(servers, name, CASES[name], MAPPED)
