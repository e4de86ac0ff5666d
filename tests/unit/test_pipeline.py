"""The request pipeline without sockets: a parsed request in, a response out."""

from __future__ import annotations


import pytest

from nginxlite.config import load_config
from nginxlite.handlers import filecache, static
from nginxlite.handlers.pipeline import ConnInfo, Exchange, respond
from nginxlite.http.parser import parse_head


@pytest.fixture
def answer(write, tmp_path):
    def _answer(conf: str, head: str, files: dict[str, str] | None = None):
        for name, text in (files or {}).items():
            write(name, text)
        path = write("site.conf", conf)
        config = load_config(path, str(tmp_path))
        vhosts = next(iter(config.vhosts.values()))
        ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        return respond(ex), ex

    return _answer


def test_an_exception_in_a_handler_is_a_500_with_its_traceback(answer, monkeypatch):
    def broken(ex):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(static, "serve", broken)
    response, ex = answer("server { listen 8080; }", "GET / HTTP/1.1\r\nHost: x")
    assert (response.status, response.close) == (500, True)
    assert b"<title>500 Internal Server Error</title>" in response.body
    assert "Traceback" in ex.notes[0] and "ZeroDivisionError: bug" in ex.notes[0]


def test_internal_redirect_loop_is_a_500(answer, tmp_path):
    response, _ = answer("server { listen 8080; root ROOT; index /loop/; location /loop/ { index /loop/; } }"
                         .replace("ROOT", str(tmp_path / "missing")), "GET /loop/ HTTP/1.1\r\nHost: x")
    assert response.status == 500


def test_missing_host_uses_the_server_for_the_empty_name(answer):
    response, ex = answer('server { listen 8080; server_name a; }'
                          'server { listen 8080; server_name ""; error_page 400 =200 @e; location @e { return 200 e; } }',
                          "GET / HTTP/1.1")
    assert (response.status, response.body) == (200, b"e")


def test_access_rules(answer, tmp_path):
    conf = (f"server {{ listen 8080; root {tmp_path / 'missing'}; location / {{ allow 10.0.0.0/8; deny all; }}"
            " location /v6 { allow ::1; deny all; } location /ret { deny all; return 200 x; } }")
    assert answer(conf, "GET / HTTP/1.1\r\nHost: x")[0].status == 404  # allowed, then no such file
    assert answer(conf, "GET /v6 HTTP/1.1\r\nHost: x")[0].status == 403
    assert answer(conf, "GET /ret HTTP/1.1\r\nHost: x")[0].status == 200  # return runs before access, as nginx


def test_allow_methods_gives_405_with_allow(answer):
    response, _ = answer("server { listen 8080; allow_methods GET POST; location / { return 200; } }",
                         "DELETE / HTTP/1.1\r\nHost: x")
    assert (response.status, dict(response.headers)["Allow"]) == (405, "GET, HEAD, POST")


def test_regex_server_name_captures(answer):
    response, _ = answer(r'server { listen 8080; server_name ~^(?<sub>\w+)\.ex\.test$; return 200 "$sub $1"; }',
                         "GET / HTTP/1.1\r\nHost: www.ex.test")
    assert response.body == b"www www"


def test_static_file_and_symlink_escape_is_the_filesystems_business(answer, tmp_path):
    response, _ = answer("server { listen 8080; root ROOT/www; }".replace("ROOT", str(tmp_path)),
                         "GET /a.txt HTTP/1.1\r\nHost: x", {"www/a.txt": "alpha"})
    assert (response.status, response.body, response.length) == (200, b"alpha", 5)  # small: read, fd closed


def test_variables(answer):
    response, _ = answer('server { listen 8080; location / { return 200 '
                         '"$request_uri|$is_args|$arg_b|$cookie_c|$http_x_y|$server_port|$remote_addr|$scheme"; } }',
                         "GET /p?a=1&b=2 HTTP/1.1\r\nHost: x\r\nCookie: c=3; d=4\r\nX-Y: z")
    assert response.body == b"/p?a=1&b=2|?|2|3|z|8080|10.0.0.1|http"


def test_add_header(answer):
    conf = ('server { listen 8080; add_header X-Srv s; location / { add_header X-A "$uri"; add_header X-E ""; '
            'add_header X-Always yes always; return 200 ok; } location /nf { add_header X-Always yes always; '
            'add_header X-Not no; return 404; } location /inherit { return 200; } }')
    response, _ = answer(conf, "GET /p HTTP/1.1\r\nHost: x")
    assert [h for h in response.headers if h[0].startswith("X-")] == [("X-A", "/p"), ("X-Always", "yes")]
    response, _ = answer(conf, "GET /nf HTTP/1.1\r\nHost: x")
    assert [h for h in response.headers if h[0].startswith("X-")] == [("X-Always", "yes")]
    response, _ = answer(conf, "GET /inherit HTTP/1.1\r\nHost: x")
    assert [h for h in response.headers if h[0].startswith("X-")] == [("X-Srv", "s")]


def test_a_missing_cgi_script_is_a_404_never_its_source(answer, tmp_path):
    response, ex = answer(f"server {{ listen 8080; root {tmp_path}; location ~ \\.py$ {{ cgi_pass /usr/bin/python3; }} }}",
                          "GET /x.py HTTP/1.1\r\nHost: x")
    assert response.status == 404 and "x.py\" failed (2: No such file or directory)" in ex.notes[0]


@pytest.fixture
def site(write, tmp_path):
    """A loaded config and a function answering heads on it (routes persist between calls)."""
    def _site(conf: str, files: dict[str, str]):
        for name, text in files.items():
            write(name, text)
        config = load_config(write("site.conf", conf.replace("ROOT", str(tmp_path))), str(tmp_path))
        vhosts = next(iter(config.vhosts.values()))

        def ask(head: str, remote: str = "10.0.0.1"):
            ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, remote, 5555, vhosts))
            return respond(ex)
        return vhosts, ask
    return _site


def test_a_remembered_route_answers_as_the_full_path(site, tmp_path, monkeypatch):
    monkeypatch.setattr(filecache, "SETTLE", -1e9)  # keep the files just written: the route's fast case
    vhosts, ask = site("server { listen 8080; server_name a; root ROOT/a; }"
                       "server { listen 8080; server_name b; root ROOT/b; }",
                       {"a/f.txt": "A", "b/f.txt": "B", "a/big.bin": "x" * 40000})
    for _ in range(2):  # the second round is answered from the routes
        assert ask("GET /f.txt HTTP/1.1\r\nHost: a").body == b"A"
        assert ask("GET /f.txt HTTP/1.1\r\nHost: b:8080").body == b"B"
        assert ask("HEAD /f.txt HTTP/1.1\r\nHost: a").head_only
        assert ask("GET /missing HTTP/1.1\r\nHost: a").status == 404
    assert set(vhosts.routes) == {("a", "/f.txt"), ("b:8080", "/f.txt"), ("a", "/missing")}
    assert str(tmp_path / "a" / "f.txt").encode() in filecache.CACHE.entries
    for _ in range(2):  # a file too large for the cache: opened and sent with sendfile, routed too
        big = ask("GET /big.bin HTTP/1.1\r\nHost: a")
        assert (big.status, big.body.length) == (200, 40000)
        big.body.close()
    assert ("a", "/big.bin") in vhosts.routes
    assert ask("GET /f.txt HTTP/1.1").status == 400  # HTTP/1.1 without Host: never routed
    assert ask("POST /f.txt HTTP/1.1\r\nHost: a").status == 405
    assert ask("GET /f.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-0").status == 206
    (tmp_path / "a" / "f.txt").unlink()
    (tmp_path / "a" / "f.txt").mkdir()
    assert ask("GET /f.txt HTTP/1.1\r\nHost: a").status == 301  # the file is looked at every time


@pytest.mark.parametrize("location", [
    "location / { allow 10.0.0.0/8; deny all; }",  # the client address decides
    "location / { add_header X-Uri $uri; }",
    "location / { limit_except GET { deny all; } }",
    "location ~ (f) { }",  # captures
    "location / { try_files $uri =404; }",
    "location / { root ROOT/$host; }",
])
def test_routes_are_not_remembered_when_more_than_host_and_target_decide(site, location):
    vhosts, ask = site(f"server {{ listen 8080; root ROOT; {location} }}", {"f.txt": "F", "x/f.txt": "X"})
    ask("GET /f.txt HTTP/1.1\r\nHost: x")
    assert vhosts.routes == {}


def test_access_rules_are_checked_on_every_request(site):
    _, ask = site("server { listen 8080; root ROOT; location / { allow 10.0.0.0/8; deny all; } }", {"f.txt": "F"})
    assert ask("GET /f.txt HTTP/1.1\r\nHost: x").status == 200
    assert ask("GET /f.txt HTTP/1.1\r\nHost: x", remote="192.0.2.1").status == 403


class _BrokenConsumer:
    """A request-body handler with a bug in one step."""

    def __init__(self, broken: str) -> None:
        self.broken, self.aborted, self.fed = broken, 0, b""

    def feed(self, data: bytes) -> None:
        if self.broken == "feed":
            raise KeyError("feed bug")
        self.fed += data

    def finish(self):
        raise RuntimeError("finish bug") if self.broken == "finish" else AssertionError("not reached")

    def abort(self) -> None:
        self.aborted += 1


@pytest.mark.parametrize("broken", ["feed", "finish"])
def test_a_body_consumer_bug_is_a_logged_500_and_nothing_stays(answer, broken):
    """Issue 11 item 11: the traceback reaches the notes (the error log) and the consumer's
    temp file is removed (abort), whatever the exception."""
    from nginxlite.handlers.pipeline import end_body, feed_body

    _, ex = answer("server { listen 8080; return 200 x; }", "PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3")
    consumer = _BrokenConsumer(broken)
    response = feed_body(ex, consumer, b"abc")
    if broken == "finish":
        assert response is None and consumer.fed == b"abc"
        response = end_body(ex, consumer)
    assert response.status == 500 and response.close
    assert consumer.aborted == 1
    assert any("Traceback" in note and f"{broken} bug" in note for note in ex.notes)
