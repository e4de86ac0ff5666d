"""``map`` without sockets: the table (config/maps.py) and its variables (handlers/variables.py).

The -t messages are compared with nginx's in tests/differential (corpus/http_body/map_*.conf,
map_include*); served answers in tests/integration/test_differential_map.py.
"""

from __future__ import annotations

import pytest

from nginxlite.config import load_config
from nginxlite.config.maps import MapBuilder
from nginxlite.handlers.pipeline import ConnInfo, Exchange, respond
from nginxlite.handlers.variables import expand
from nginxlite.http.parser import parse_head


def table(*lines: tuple[str, str], hostnames: bool = False):
    builder = MapBuilder("x", "$uri")
    builder.hostnames = hostnames
    for key, value in lines:
        builder.add(key, value)
    return builder.build()


def test_exact_keys_are_caseless_and_regexes_see_the_original_case():
    m = table(("/A", "exact"), ("~^/B(.)", "regex $1"), ("~*^/c", "caseless"))
    assert m.lookup("/a") == ("exact", None)
    value, match = m.lookup("/Bx")
    assert value == "regex $1" and match.group(1) == "x"
    assert m.lookup("/bx")[0] == ""  # case-sensitive regex; no default: ""
    assert m.lookup("/C")[0] == "caseless"


def test_exact_key_wins_over_an_earlier_regex_and_regexes_go_in_order():
    m = table(("~^/a", "first"), ("~^/ab", "second"), ("/abc", "exact"), ("default", "d"))
    assert m.lookup("/abc")[0] == "exact"
    assert m.lookup("/abd")[0] == "first"
    assert m.lookup("/zzz")[0] == "d"


def test_an_empty_value_matches_the_empty_key_never_a_regex():
    assert table(("~.*", "any"), ("default", "d")).lookup("")[0] == "d"
    assert table(("~.*", "any"), ("", "empty")).lookup("")[0] == "empty"


def test_a_backslash_escapes_a_special_key():
    m = table(("\\~a", "tilde"), ("\\default", "word"), ("default", "d"))
    assert m.lookup("~a")[0] == "tilde"
    assert m.lookup("default")[0] == "word"
    assert m.lookup("other")[0] == "d"


def test_hostnames_wildcards_as_server_name():
    m = table((".example.com", "dot"), ("*.foo.org", "star"), ("*.a.foo.org", "deeper"),
              ("www.bar.*", "tail"), ("exact.org", "exact"), hostnames=True)
    assert m.lookup("example.com")[0] == "dot"
    assert m.lookup("x.y.Example.com")[0] == "dot"
    assert m.lookup("foo.org")[0] == ""
    assert m.lookup("b.foo.org")[0] == "star"
    assert m.lookup("b.a.foo.org")[0] == "deeper"  # the most specific wildcard
    assert m.lookup("www.bar.co.uk")[0] == "tail"
    assert m.lookup("exact.org.")[0] == "exact"  # a trailing dot is ignored under hostnames


def test_without_hostnames_a_star_is_a_plain_key():
    m = table(("*.foo.org", "star"))
    assert m.lookup("*.foo.org")[0] == "star"
    assert m.lookup("a.foo.org")[0] == ""


@pytest.mark.parametrize("lines, hostnames, message", [
    ((("default", "a"), ("default", "b")), False, "duplicate default map parameter"),
    ((("/A", "1"), ("/a", "2")), False, 'conflicting parameter "/a"'),
    ((("~(a", "1"),), False, "pcre2_compile() failed: missing closing parenthesis in \"(a\""),
    ((("*.a.*", "1"),), True, 'invalid hostname or wildcard "*.a.*"'),
    ((("www.*.com", "1"),), True, 'invalid hostname or wildcard "www.*.com"'),
    ((("a..b", "1"),), True, 'invalid hostname or wildcard "a..b"'),
    ((("example.com", "1"), (".example.com", "2")), True, 'conflicting parameter ".example.com"'),
    (((".example.com", "1"), ("example.com", "2")), True, 'conflicting parameter "example.com"'),
    ((("*.example.com", "1"), (".example.com", "2")), True, 'conflicting parameter ".example.com"'),
    ((("www.a.*", "1"), ("WWW.a.*", "2")), True, 'conflicting parameter "WWW.a.*"'),
])
def test_errors_in_nginx_words(lines, hostnames, message):
    with pytest.raises(ValueError) as err:
        table(*lines, hostnames=hostnames)
    assert str(err.value) == message


# -- the variables, on a loaded configuration ---------------------------------------------


@pytest.fixture
def exchange(write, tmp_path):
    def _exchange(http: str, head: str = "GET / HTTP/1.1\r\nHost: x"):
        path = write("site.conf", http + "\nserver { listen 8080; location / { return 200 ok; } }")
        config = load_config(path, str(tmp_path))
        vhosts = next(iter(config.vhosts.values()))
        ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        respond(ex)
        return ex

    return _exchange


def test_a_value_is_cached_for_the_request_unless_volatile(exchange):
    ex = exchange("map $uri $cached { default $uri; } map $uri $live { volatile; default $uri; }")
    assert (expand("$cached", ex), expand("$live", ex)) == ("/", "/")
    ex.uri = "/changed"  # as a rewrite or an internal redirect would
    assert (expand("$cached", ex), expand("$live", ex)) == ("/", "/changed")


def test_a_regex_match_becomes_the_requests_captures(exchange):
    ex = exchange("map $uri $m { ~^/(?<word>[a-z]+)/(\\d+) \"$word:$2\"; }",
                  "GET /abc/42 HTTP/1.1\r\nHost: x")
    assert expand("$m", ex) == "abc:42"
    assert expand("$1 $word", ex) == "abc abc"


def test_a_map_that_needs_itself_is_empty_and_logged_not_a_crash(exchange):
    ex = exchange('map $uri $a { default "$b$b"; } map $uri $b { default "$a$a"; }')
    assert expand("[$a]", ex) == "[]"
    assert [n for n in ex.notes if 'cycle while evaluating variable' in n]


def test_a_map_may_define_a_prefix_family_name_and_a_changeable_one(exchange):
    ex = exchange("map $uri $http_x_mapped { default mapped; } map $uri $args { default a=1; }",
                  "GET /?q=2 HTTP/1.1\r\nHost: x\r\nX-Mapped: header")
    assert expand("$http_x_mapped $args $arg_q", ex) == "mapped a=1 2"
    assert expand("$http_host", ex) == "x"  # other names of the family are untouched


def test_the_last_map_of_a_name_wins(exchange):
    ex = exchange("map $uri $k { default first; } map $uri $k { default second; }")
    assert expand("$k", ex) == "second"


def test_a_map_variable_is_empty_not_missing_in_an_access_log(exchange):
    """nginx's map value is always found: "" in a log line, never "-"."""
    from nginxlite.handlers.variables import value
    ex = exchange("map $uri $nothing { /other x; }")
    assert value(ex, "nothing") == ""
