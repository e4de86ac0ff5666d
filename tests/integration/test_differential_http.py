"""nginx and nginxlite on one config, the same raw requests: the answers must agree.

Compared: status, Location (the port normalised), Content-Type and body, with
the built-in pages' signature and reason phrases normalised (nginxlite uses RFC
9110 phrases and its own signature; docs/differences.md).  Covered here: server
selection, ``return``, ``error_page``, directory redirects and the error statuses
of the server core (the request line's version as nginx reads it), and every case of
nginx-tests http_host.t (``test_host_as_nginx``).  That TRACE and CONNECT close the
connection is checked in test_differential_errorpages.py.
"""

from __future__ import annotations

import re

import pytest

from client import parse, raw
from conftest import require_nginx
from http_host_cases import ABSOLUTE, HOST_HEADER
from servers import nginx_and_nginxlite

CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name a.test localhost;
    root ROOT/www;
    error_page 404 /errors/404.html;
    error_page 403 =200 /errors/403.html;
    error_page 410 = /code201;
    error_page 418 @teapot;
    error_page 402 https://pay.example/;
    error_page 409 =301 http://conflict.example/x;
    error_page 412 /missing-page.html;

    location = /code201 { return 201 "created by error_page\n"; }
    location @teapot { return 200 "named location\n"; }
    location = /text { return 200 "uri=$uri args=$args host=$host method=$request_method rq=$request_uri\n"; }
    location = /r301 { return 301 /target?x=1; }
    location = /r302 { return 302 http://other.example/; }
    location = /r303 { return 303 /see; }
    location = /r307 { return 307 "relative/no/slash"; }
    location = /r308 { return 308 /perm; }
    location = /url { return https://secure.example/$uri; }
    location = /c404 { return 404; }
    location = /c404text { return 404 "custom text\n"; }
    location = /c403 { return 403; }
    location = /c410 { return 410; }
    location = /c418 { return 418; }
    location = /c402 { return 402; }
    location = /c409 { return 409; }
    location = /c412 { return 412; }
    location = /c204 { return 204; }
    location = /c500 { return 500 "boom\n"; }
    location = /c599 { return 599; }
    location = /c299 { return 299; }
    location = /y.jpg { return 200 "jpeg typed\n"; }
    location /deny/ { deny all; }
    location /own/ { error_page 500 /errors/500.html; return 404; }
    location /idx/ { index missing.html page.html; }
    location /ar/ { absolute_redirect off; }
    location = /ar/ret { absolute_redirect off; return 302 /target; }
    location /pr/ { port_in_redirect off; }
    location /sr/ { server_name_in_redirect on; }
    location = /sr/ret { server_name_in_redirect on; return 301 /x; }
    location = /idx/page.html { return 200 "index redirect reached an exact location\n"; }
}
server {
    listen 127.0.0.1:PORT0;
    server_name www.example.com;
    return 200 "exact www\n";
}
server {
    listen 127.0.0.1:PORT0;
    server_name *.example.com;
    return 200 "wildcard head\n";
}
server {
    listen 127.0.0.1:PORT0;
    server_name *.sub.example.com;
    return 200 "longer wildcard head\n";
}
server {
    listen 127.0.0.1:PORT0;
    server_name www.example.*;
    return 200 "wildcard tail\n";
}
server {
    listen 127.0.0.1:PORT0;
    server_name ~^www\d+\.example\.(com|net)$;
    return 200 "regex $1\n";
}
server {
    listen 127.0.0.1:PORT0;
    server_name "" nohost.test;
    return 200 "empty name\n";
}
server {
    listen 127.0.0.1:PORT1;
    server_name other.test;
    return 200 "second port first server\n";
}
server {
    listen 127.0.0.1:PORT1 default_server;
    server_name dflt.test;
    return 200 "second port default_server\n";
}
"""

FILES = {
    "www/index.html": "INDEX\n",
    "www/errors/404.html": "CUSTOM-404\n",
    "www/errors/403.html": "CUSTOM-403\n",
    "www/errors/500.html": "CUSTOM-500\n",
    "www/dir/index.html": "DIR-INDEX\n",
    "www/noindex/file.txt": "file\n",
    "www/deny/file.txt": "file\n",
    "www/idx/page.html": "page\n",
    "www/plain.txt": "plain\n",
    "www/ar/dir/index.html": "x\n",
    "www/pr/dir/index.html": "x\n",
    "www/sr/dir/index.html": "x\n",
    "www/sp dir/index.html": "x\n",
}


def req(path: str, host: str | None = "a.test", method: str = "GET", version: str = "1.1",
        extra: str = "") -> bytes:
    lines = [f"{method} {path} HTTP/{version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1")


CASES = {
    # server selection
    "host exact": req("/", "www.example.com"),
    "host wildcard head": req("/", "x.example.com"),
    "host longest wildcard head": req("/", "x.sub.example.com"),
    "host wildcard beats regex": req("/", "www5.example.com"),
    "host regex": req("/", "www5.example.net"),
    "host wildcard tail": req("/", "www.example.co.uk"),
    "host default": req("/", "unknown.test"),
    "host upper case": req("/text", "A.TEST"),
    "host with port": req("/text", "a.test:9999"),
    "host trailing dot": req("/text", "a.test."),
    "host empty name for 1.0 without Host": req("/", None, version="1.0"),
    "host absolute-form target": req("http://www.example.com/x", "a.test"),
    "second port first server is default": b"GET / HTTP/1.1\r\nHost: nope\r\nConnection: close\r\n\r\n",
    # return
    "return text with variables": req("/text?a=1&b=%2F"),
    "return 301 relative": req("/r301"),
    "return 302 absolute": req("/r302"),
    "return 303": req("/r303"),
    "return 307 not starting with slash": req("/r307"),
    "return 308": req("/r308"),
    "return URL alone": req("/url"),
    "return 404 builtin is error_page'd": req("/c404"),
    "return 404 with text": req("/c404text"),
    "return 204": req("/c204"),
    "return 500 text": req("/c500"),
    "return 599 no page": req("/c599"),
    "return 299 no page": req("/c299"),
    "return text typed by extension": req("/y.jpg"),
    "return answers any method": req("/text", method="DELETE"),
    "return for HEAD": req("/text", method="HEAD"),
    # error_page
    "error_page uri for static 404": req("/nope"),
    "error_page =200": req("/c403"),
    "error_page = takes target status": req("/c410"),
    "error_page @named": req("/c418"),
    "error_page external url": req("/c402"),
    "error_page =301 external": req("/c409"),
    "error_page missing target falls back": req("/c412"),
    "error_page not inherited when level has own": req("/own/x"),
    "error_page for deny": req("/deny/file.txt"),
    "error_page for POST becomes GET": req("/nope", method="POST", extra="Content-Length: 0\r\n"),
    # static and redirects
    "index": req("/"),
    "directory without slash": req("/dir"),
    "directory without slash keeps args": req("/dir?x=1"),
    "directory without slash with Host port": req("/dir", "a.test:1234"),
    "directory index": req("/dir/"),
    "directory redirect, absolute_redirect off": req("/ar/dir?q=1"),
    "return redirect, absolute_redirect off": req("/ar/ret"),
    "directory redirect, port_in_redirect off": req("/pr/dir"),
    "directory redirect, server_name_in_redirect on": req("/sr/dir", "localhost"),
    "return redirect, server_name_in_redirect on": req("/sr/ret", "localhost"),
    "directory redirect re-escapes the URI": req("/sp%20dir"),
    "directory redirect without Host (HTTP/1.0)": req("/dir", None, version="1.0"),
    "directory without index": req("/noindex/"),
    "index redirect re-selects the location": req("/idx/"),
    "plain file": req("/plain.txt"),
    "file as directory": req("/plain.txt/"),
    "query ignored": req("/plain.txt?q=1"),
    "percent-decoded": req("/pl%61in.txt"),
    "dot segments": req("/dir/../plain.txt"),
    "merged slashes": req("//dir//index.html"),
    # errors
    "HTTP/1.1 without Host": b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    "invalid Host": req("/", "a..b"),
    "two Host headers": b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n",
    "above the root": req("/../x"),
    "encoded above the root": req("/%2e%2e/x"),
    "bad escape": req("/%zz"),
    "nul escape": req("/a%00b"),
    "garbage request line": b"GARBAGE\r\n\r\n",
    "lower-case method": b"get / HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "HTTP/2.0": req("/", version="2.0"),
    # the version as nginx reads it (issue 11): a leading zero, a major over 1, a long minor
    "HTTP/01.1": req("/", version="01.1"),
    "HTTP/10.1": req("/", version="10.1"),
    "HTTP/1.1000": req("/", version="1.1000"),
    "HTTP/1.999": req("/", version="1.999"),
    "HTTP/1.01": req("/", version="1.01"),
    "TRACE": req("/", method="TRACE"),
    "CONNECT /": req("/", method="CONNECT"),
    "URI too long": req("/" + "a" * 9000),
    "CL and TE": b"POST /text HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bad Content-Length": b"POST /text HTTP/1.1\r\nHost: a.test\r\nContent-Length: abc\r\n\r\n",
    "unknown transfer coding": b"POST /text HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip\r\n\r\n",
    "header name with space": b"GET / HTTP/1.1\r\nHost: a.test\r\nBad Name: x\r\n\r\n",
    "two If-Modified-Since headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nIf-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\nIf-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\nConnection: close\r\n\r\n",
    "two If-Unmodified-Since headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nIf-Unmodified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\nIf-Unmodified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\nConnection: close\r\n\r\n",
    "two If-Range headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nIf-Range: \"x\"\r\nIf-Range: \"x\"\r\nConnection: close\r\n\r\n",
    "two If-Match headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nIf-Match: *\r\nIf-Match: *\r\nConnection: close\r\n\r\n",
    "two If-None-Match headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nIf-None-Match: \"x\"\r\nIf-None-Match: \"x\"\r\nConnection: close\r\n\r\n",
    "two Transfer-Encoding headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    "two Expect headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    "two Authorization headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nAuthorization: Basic eA==\r\nAuthorization: Basic eA==\r\nConnection: close\r\n\r\n",
    "two Content-Range headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nContent-Range: bytes 0-1/2\r\nContent-Range: bytes 0-1/2\r\nConnection: close\r\n\r\n",
    "two Accept headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nAccept: text/plain\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
    "two User-Agent headers": b"GET /plain.txt HTTP/1.1\r\nHost: a.test\r\nUser-Agent: a\r\nUser-Agent: a\r\nConnection: close\r\n\r\n",
}

_PAGE = re.compile(rb"(<title>|<h1>)(\d{3})[^<]*(</title>|</h1>)")
_SIGNATURE = re.compile(rb"<hr><center>nginx(lite)?(/[0-9.]+)?</center>")


def normalise(data: bytes, port: int, head: bool) -> tuple:
    if not data:
        return ("no answer",)
    reply, _ = parse(data, head=head)
    body = _SIGNATURE.sub(b"<hr><center>SIGNATURE</center>", _PAGE.sub(rb"\1\2\3", reply.body))
    location = (reply.header("Location") or "").replace(str(port), "PORT")
    present = tuple(sorted(name for name in WATCHED if reply.header(name) is not None))
    return reply.status, location, reply.header("Content-Type"), body, present


# Headers whose presence must agree (values differ: dates, ETags of different files).
WATCHED = ("Last-Modified", "ETag", "Accept-Ranges", "Content-Length", "Transfer-Encoding")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    with nginx_and_nginxlite(tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx"), CONFIG, 2,
                             FILES) as servers:
        yield servers


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer_as_nginx(pair, name):
    lite, ngx = pair
    data = CASES[name]
    head = b"HEAD " in data[:5]
    port_index = 1 if name.startswith("second port") else 0
    got = normalise(raw(lite.ports[port_index], data), lite.ports[port_index], head)
    want = normalise(raw(ngx.ports[port_index], data), ngx.ports[port_index], head)
    assert got == want


# nginx-tests http_host.t: its config, and each case as a Host header and as an absolute-form target.
HOST_CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name localhost;
    location / { return 200 $host; }
}
"""
HOST_CASES = {f"Host: {name}": f"GET / HTTP/1.0\r\nHost: {value}\r\n\r\n" for name, value, _ in HOST_HEADER}
HOST_CASES.update({f"absolute: {name}": f"GET http://{value}/ HTTP/1.0\r\nHost: localhost\r\n\r\n"
                   for name, value, _ in ABSOLUTE})
HOST_CASES.update({
    "Host: host repeat": "GET / HTTP/1.0\r\nHost: localhost\r\nHost: again\r\n\r\n",
    "absolute with an invalid Host header": "GET http://a.test/ HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n",
    "absolute with an empty Host header": "GET http://a.test/ HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n",
    "absolute wins over Host": "GET http://A.Test./ HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
    "absolute without a path": "GET http://a.test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "absolute with a query and no path": "GET http://a.test?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "absolute any scheme": "GET ftp://a.test/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "absolute scheme starting with a digit": "GET 1http://a.test/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "absolute one slash": "GET http:/a.test/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "asterisk": "GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
})


@pytest.fixture(scope="module")
def host_pair(tmp_path_factory):
    require_nginx()
    with nginx_and_nginxlite(tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx"), HOST_CONFIG) as servers:
        yield servers


@pytest.mark.parametrize("name", list(HOST_CASES))
def test_host_as_nginx(host_pair, name):
    lite, ngx = host_pair
    data = HOST_CASES[name].encode("latin-1")
    assert normalise(raw(lite.port, data), lite.port, False) == normalise(raw(ngx.port, data), ngx.port, False)
