"""nginx and nginxlite on one config: error pages, their headers, and bodies refused mid-way.

Each case is a defect a third-party suite found (issue 11, HTTP items 1-4 and 10); every
one is checked against nginx 1.22 on the same config, request by request:

- a chunked PUT with ``Expect: 100-continue`` over ``client_max_body_size``: ``100``,
  then the ``413`` error page (it used to reset the connection);
- ``error_page 413`` for a declared length over the limit: the custom page;
- a ``405`` through ``error_page 405``: the page, and nginxlite's ``Allow`` kept
  (docs/differences.md: nginxlite sends ``Allow`` on every 405, nginx never does);
- an error page is sent whole whatever ``If-None-Match``, ``If-Modified-Since`` or
  ``Range`` the request had (nginx's not-modified and range filters act on 200s only);
- ``TRACE`` and ``CONNECT``: 405, then the connection is closed;
- a 416 through ``error_page 416``: the page, with the 416's ``Content-Range`` (issue 11, item 6).
"""

from __future__ import annotations

import re
import socket

import pytest

from client import parse, raw, receive
from conftest import require_nginx
from servers import nginx_and_nginxlite

CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name loc;
    root ROOT/www;
    client_max_body_size 1m;
    error_page 413 /errors/413.html;
    error_page 404 /errors/404.html;
    error_page 405 /errors/405.html;
    location /dav/ { dav_methods PUT; client_max_body_size 100; }
    location /plain/ { error_page 418 /errors/404.html; client_max_body_size 100; dav_methods PUT; }
    location /keep/ { error_page 404 =200 /errors/404.html; }
    location /r416/ { alias ROOT/www/; error_page 416 /errors/404.html; }
}
"""
FILES = {
    "www/index.html": "index\n",
    "www/f.txt": "file\n",
    "www/errors/413.html": "CUSTOM-413 too large\n",
    "www/errors/404.html": "CUSTOM-404 not here\n",
    "www/errors/405.html": "CUSTOM-405 not allowed\n",
    "www/dav/.keep": "",
    "www/plain/.keep": "",
}


def req(target: str, method: str = "GET", extra: str = "", body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: loc\r\n{extra}Connection: close\r\n\r\n"
    return head.encode("latin-1") + body


def chunked(data: bytes, size: int = 50) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size))
    return out + b"0\r\n\r\n"


CASES = {
    "declared length over the server limit: custom 413":
        req("/", "POST", "Content-Length: 2000000\r\n"),
    "declared length over a location limit: custom 413":
        req("/dav/x", "PUT", "Content-Length: 300\r\n", b"x" * 300),
    "chunked body over the limit, no Expect":
        req("/dav/x", "PUT", "Transfer-Encoding: chunked\r\n", chunked(b"y" * 300)),
    "405 through error_page":
        req("/f.txt", "POST", "Content-Length: 3\r\n", b"abc"),
    "404 page with If-None-Match *":
        req("/missing", extra="If-None-Match: *\r\n"),
    "404 page with If-Modified-Since in the future":
        req("/missing", extra="If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n"),
    "404 page with Range":
        req("/missing", extra="Range: bytes=0-3\r\n"),
    "404 page with an unsatisfiable Range":
        req("/missing", extra="Range: bytes=1000-\r\n"),
    "404 page with If-Match that fails":
        req("/missing", extra='If-Match: "nope"\r\n'),
    "error page answering 200 keeps conditionals":
        req("/keep/missing", extra="If-None-Match: *\r\n"),
    "error page answering 200 keeps ranges":
        req("/keep/missing", extra="Range: bytes=0-3\r\n"),
    "416 through error_page keeps Content-Range":
        req("/r416/f.txt", extra="Range: bytes=1000-\r\n"),
    "built-in 413 page (error_page reset)":
        req("/plain/x", "PUT", "Content-Length: 300\r\n", b"x" * 300),
    "built-in 405 page":
        req("/plain/.keep", "POST", "Content-Length: 3\r\n", b"abc"),
}

_SIGNATURE = re.compile(rb"<hr><center>nginx(lite)?(/[0-9.]+)?</center>")
_PAGE = re.compile(rb"(<title>|<h1>)(\d{3})[^<]*(</title>|</h1>)")
WATCHED = ("Content-Range", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges", "Location")


def normalise(data: bytes) -> tuple:
    reply, _ = parse(data)
    body = _SIGNATURE.sub(b"SIGNATURE", _PAGE.sub(rb"\1\2\3", reply.body))
    present = tuple(sorted(name for name in WATCHED if reply.header(name) is not None))
    return reply.status, reply.header("Content-Range"), body, present


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    with nginx_and_nginxlite(tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx"), CONFIG,
                             files=FILES) as servers:
        yield servers


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer_as_nginx(pair, name):
    lite, ngx = pair
    assert normalise(raw(lite.port, CASES[name])) == normalise(raw(ngx.port, CASES[name]))


def test_405_through_error_page_keeps_allow(pair):
    lite, ngx = pair
    reply, _ = parse(raw(lite.port, CASES["405 through error_page"]))
    assert reply.status == 405 and reply.body == b"CUSTOM-405 not allowed\n"
    assert reply.header("Allow") == "GET, HEAD"  # nginxlite's promise (docs/differences.md)
    assert parse(raw(ngx.port, CASES["405 through error_page"]))[0].header("Allow") is None


def expect_then_send(port: int, head: bytes, body: bytes) -> list[bytes]:
    """Send the head, wait for the interim answer, then the body: the answers' status lines,
    and ``closed`` when the server closed the connection after them."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        interim = receive(sock, until=b"\r\n\r\n")
        try:
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        rest = receive(sock)
    data = interim + rest
    lines = [line.split(b" ", 2)[1] for line in re.findall(rb"HTTP/1\.1 \d{3}[^\r]*", data)]
    final, _ = parse(data[data.index(b"\r\n\r\n") + 4:] if lines[0] == b"100" else data)
    return lines + [final.body.split(b"\n")[0]]


@pytest.mark.parametrize("target, status", [("/dav/big", b"413"), ("/dav/small", b"201")])
def test_chunked_put_with_expect_continue(pair, target, status):
    """curl's way with a large upload: 100 Continue, then the chunks; over the limit, 413."""
    lite, ngx = pair
    head = (f"PUT {target} HTTP/1.1\r\nHost: loc\r\nTransfer-Encoding: chunked\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n").encode()
    body = chunked(b"z" * (300 if status == b"413" else 30))
    got, want = expect_then_send(lite.port, head, body), expect_then_send(ngx.port, head, body)
    assert got[:2] == want[:2] == [b"100", status]
    if status == b"413":
        assert got[2] == want[2] == b"CUSTOM-413 too large"


@pytest.mark.parametrize("method, target", [("TRACE", "/"), ("CONNECT", "/")])
def test_trace_and_connect_close_the_connection(pair, method, target):
    """nginx answers 405 and closes, even with keep-alive asked for and a request behind."""
    lite, ngx = pair
    data = (f"{method} {target} HTTP/1.1\r\nHost: loc\r\n\r\n"
            "GET /f.txt HTTP/1.1\r\nHost: loc\r\n\r\n").encode()
    for server in (lite, ngx):
        answer = raw(server.port, data)
        reply, rest = parse(answer)
        assert reply.status == 405, server
        assert rest == b"", f"a second answer after {method}: {rest[:40]!r}"
        assert (reply.header("Connection") or "").lower() == "close"
