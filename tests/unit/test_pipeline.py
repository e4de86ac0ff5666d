"""The request pipeline without sockets: a parsed request in, a response out."""

from __future__ import annotations


import pytest

from nginxlite.config import load_config
from nginxlite.handlers import static
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


def test_internal_redirect_loop_is_a_500(answer):
    response, _ = answer("server { listen 8080; root ROOT; index /loop/; location /loop/ { index /loop/; } }"
                         .replace("ROOT", "/nonexistent"), "GET /loop/ HTTP/1.1\r\nHost: x")
    assert response.status == 500


def test_missing_host_uses_the_server_for_the_empty_name(answer):
    response, ex = answer('server { listen 8080; server_name a; }'
                          'server { listen 8080; server_name ""; error_page 400 =200 @e; location @e { return 200 e; } }',
                          "GET / HTTP/1.1")
    assert (response.status, response.body) == (200, b"e")


def test_access_rules(answer):
    conf = ("server { listen 8080; root /nonexistent; location / { allow 10.0.0.0/8; deny all; }"
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


def test_cgi_is_not_served_as_source_before_it_exists(answer):
    response, _ = answer(r"server { listen 8080; root /tmp; location ~ \.py$ { cgi_pass /usr/bin/python3; } }",
                         "GET /x.py HTTP/1.1\r\nHost: x")
    assert response.status == 501
