"""nginx and nginxlite on one config: variable values, recursive_error_pages, if_modified_since
and ``access_log ... if=`` (issue 11, items 13 and 15).

- every variable whose value is deterministic, in ``return`` text, must be nginx's
  (paths and ports normalised: each server has its own root and port); the others
  must have nginx's shape (dates, numbers, ids);
- ``$status`` while an error page runs is the error's (or the ``=code``'s);
- in an access log, a variable nginx does not find is ``-`` and an empty one empty;
  ``if=`` leaves out requests whose condition is empty or "0";
- ``recursive_error_pages``: off, an error in an error page gets the built-in page;
  on, the failing location's error_page applies, up to nginx's 10 redirects, then 500;
- ``if_modified_since off|exact|before`` as ngx_http_not_modified_filter_module.c.
"""

from __future__ import annotations

import base64
import os
import re

import pytest

from client import parse, raw
from conftest import require_nginx
from servers import nginx_and_nginxlite

# Variables whose value is the same for both servers, given the same request.
SAME = """
    args query_string arg_a arg_b arg_e arg_flag arg_zz arg_log is_args uri document_uri request_uri
    host http_host http_x_foo http_cookie http_x_forwarded_for http_user_agent http_x_missing
    cookie_a cookie_b cookie_c cookie_zz content_length content_type request_method request
    server_protocol scheme https server_name remote_addr server_addr binary_remote_addr remote_user
    limit_rate pipe request_completion request_body request_body_file msie http2 invalid_referer
    modern_browser fastcgi_script_name fastcgi_path_info realip_remote_addr
    upstream_addr upstream_status upstream_http_x ssl_protocol ssl_session_id proxy_add_x_forwarded_for
    proxy_protocol_addr gzip_ratio sent_http_x_nope sent_http_connection sent_http_keep_alive sent_trailer_x status bytes_sent body_bytes_sent
    document_root request_filename realpath_root connection_requests server_port hostname request_length
    limit_req_status secure_link uid_got slice_range
""".split()
# Variables whose value differs between runs: their shape is compared.
SHAPES = {
    "msec": r"\d+\.\d{3}",
    "request_time": r"\d+\.\d{3}",
    "connection_time": r"\d+\.\d{3}",
    "time_iso8601": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
    "time_local": r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}",
    "date_gmt": r"[A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d GMT",
    "date_local": r"[A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d \S+",
    "request_id": r"[0-9a-f]{32}",
    "pid": r"\d+",
    "connection": r"\d+",
    "tcpinfo_rtt": r"\d+",
    "tcpinfo_rttvar": r"\d+",
    "tcpinfo_snd_cwnd": r"\d+",
    "tcpinfo_rcv_space": r"\d+",
    "nginx_version": r"[0-9.]+",
    "connections_active": r"\d+",
    "connections_writing": r"\d+",
}
RETURNED = "".join(f"{name}=[${{{name}}}]\\n" for name in SAME + list(SHAPES))

CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name vars.test other.test;
    root ROOT/www;
    location /v/ { return 200 "RETURNED"; }
    location /st/ {
        error_page 404 /status;
        error_page 403 =201 /status;
        error_page 410 = /status;
        location /st/403 { deny all; }
        location /st/410 { return 410; }
    }
    location = /status { return 200 "status=$status\n"; }

    location /r/off/ { error_page 404 /r/second/missing; }
    location /r/on/ { recursive_error_pages on; error_page 404 /r/second/missing; }
    location /r/second/ { error_page 404 /r/page.html; }
    location /r/loop/ { recursive_error_pages on; error_page 404 /r/loop/missing; }
    location /r/named/ { recursive_error_pages on; error_page 404 @loop; }
    location @loop { recursive_error_pages on; error_page 404 @loop; }
    location /r/offloop/ { error_page 404 /r/offloop/missing; }

    location /ims/off/ { alias ROOT/www/; if_modified_since off; }
    location /ims/exact/ { alias ROOT/www/; }
    location /ims/before/ { alias ROOT/www/; if_modified_since before; }
}
""".replace("RETURNED", RETURNED)
FILES = {
    "www/f.txt": "file\n",
    "www/r/page.html": "the second location's page\n",
}
MTIME = 1700000000  # Tue, 14 Nov 2023 22:13:20 GMT
AUTH = base64.b64encode(b"alice:secret").decode()


def request(target: str, extra: str = "", method: str = "GET") -> bytes:
    close = "" if "Connection:" in extra else "Connection: close\r\n"
    return (f"{method} {target} HTTP/1.1\r\nHost: vars.test\r\n{extra}{close}\r\n").encode("latin-1")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    with nginx_and_nginxlite(tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx"), CONFIG,
                             files=FILES) as servers:
        for server in servers:
            os.utime(server.root / "www" / "f.txt", (MTIME, MTIME))
        yield servers


def values(server, data: bytes) -> dict[str, str]:
    reply, _ = parse(raw(server.port, data))
    assert reply.status == 200, reply
    text = reply.body.decode("latin-1")
    for root in {str(server.root), os.path.realpath(server.root)}:
        text = text.replace(root, "ROOT")
    text = text.replace(f"=[{server.port}]", "=[PORT]")
    return dict(re.findall(r"^(\w+)=\[(.*?)\]$", text, re.M | re.S))


VARIABLE_REQUEST = request(
    "/v/p.txt?a=1&B=2&e=&flag&log=0",
    "Cookie: a=1; b=2\r\nCookie: c=3\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n"
    "X-Foo: first\r\nX-Foo: second\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\n"
    f"Authorization: Basic {AUTH}\r\nContent-Type: text/x-test\r\n")


@pytest.fixture(scope="module")
def both_values(pair):
    lite, ngx = pair
    return values(lite, VARIABLE_REQUEST), values(ngx, VARIABLE_REQUEST)


@pytest.mark.parametrize("name", SAME)
def test_variable_has_nginx_value(both_values, name):
    lite, ngx = both_values
    assert name in ngx, f"nginx did not answer ${name}"
    assert lite.get(name) == ngx[name]


@pytest.mark.parametrize("name", list(SHAPES))
def test_variable_has_nginx_shape(both_values, name):
    lite, ngx = both_values
    assert re.fullmatch(SHAPES[name], ngx[name]), ngx[name]
    assert re.fullmatch(SHAPES[name], lite.get(name, "")), lite.get(name)


@pytest.mark.parametrize("target, extra", [
    ("/v/", ""),  # no query at all: $args and $arg_* not found
    ("/v/?", ""),  # an empty query
    ("/v/x?A=3&a=4", "Cookie: A=5\r\n"),  # names compared caselessly, the first wins
    ("/v/x", "Authorization: Basic !!!\r\n"),
    ("/v/x", "Authorization: basic " + base64.b64encode(b"nobody").decode() + "\r\n"),
    ("/v/x", "User-Agent: Opera/9.80 (MSIE 6.0)\r\n"),
    ("/v/x", "Connection: keep-alive\r\n"),
])
def test_variables_of_other_requests(pair, target, extra):
    lite, ngx = pair
    data = request(target, extra)
    if "keep-alive" in extra:
        data += request("/v/last")  # then the connection closes
    got, want = values(lite, data), values(ngx, data)
    assert {k: got.get(k) for k in SAME if got.get(k) != want[k]} == {k: want[k] for k in SAME if got.get(k) != want[k]}


@pytest.mark.parametrize("target", ["/st/missing", "/st/403", "/st/410"])
def test_status_in_an_error_page(pair, target):
    lite, ngx = pair
    got, want = parse(raw(lite.port, request(target)))[0], parse(raw(ngx.port, request(target)))[0]
    assert (got.status, got.body) == (want.status, want.body)


_SIGNATURE = re.compile(rb"<hr><center>nginx(lite)?(/[0-9.]+)?</center>")


def answer(server, data: bytes) -> tuple:
    reply, _ = parse(raw(server.port, data))
    return reply.status, _SIGNATURE.sub(b"SIGNATURE", reply.body)


@pytest.mark.parametrize("target", [
    "/r/off/missing",  # the second failure: built in
    "/r/on/missing",  # recursive: the second location's error_page applies
    "/r/loop/missing",  # the same error page again and again: 500 after 10 redirects
    "/r/named/missing",  # through a named location
    "/r/offloop/missing",
])
def test_recursive_error_pages(pair, target):
    lite, ngx = pair
    assert answer(lite, request(target)) == answer(ngx, request(target))


IMS_CASES = {
    "same date": "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n",
    "earlier date": "If-Modified-Since: Tue, 14 Nov 2023 22:13:19 GMT\r\n",
    "later date": "If-Modified-Since: Tue, 14 Nov 2023 22:13:21 GMT\r\n",
    "much later": "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n",
    "unreadable": "If-Modified-Since: yesterday\r\n",
    "same date and a matching ETag": 'If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\nIf-None-Match: "6553f100-5"\r\n',
    "later date, another ETag": 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\nIf-None-Match: "x"\r\n',
    "matching ETag only": 'If-None-Match: "6553f100-5"\r\n',
}


@pytest.mark.parametrize("mode", ["off", "exact", "before"])
@pytest.mark.parametrize("case", list(IMS_CASES))
def test_if_modified_since(pair, mode, case):
    lite, ngx = pair
    data = request(f"/ims/{mode}/f.txt", IMS_CASES[case])
    got, want = parse(raw(lite.port, data))[0], parse(raw(ngx.port, data))[0]
    assert (got.status, got.body, got.header("ETag")) == (want.status, want.body, want.header("ETag"))


LOG_CONFIG = r"""
log_format vars '$args|$is_args|$arg_a|$http_x_missing|$cookie_zz|$remote_user|$status|$body_bytes_sent|'
                '$request_completion|$pipe|$sent_http_content_type|$sent_http_content_length|'
                '$sent_http_connection|$sent_http_last_modified|$sent_http_x_nope|$upstream_addr|$request_body|'
                '$connection_requests|$content_length|$msie|$http2|$https|$query_string|$uri|$request_uri';
server {
    listen 127.0.0.1:PORT0;
    server_name log.test;
    root ROOT/www;
    access_log logs/if.log vars if=$arg_log;
    access_log logs/all.log vars;
    location /v/ { return 200 "text\n"; }
    location /named/ { access_log logs/by-$arg_name.log vars; return 200 "named\n"; }
    location /noroot/ { root ROOT/nowhere; access_log logs/noroot-$arg_name.log vars; return 200 "x\n"; }
}
"""


def test_access_log_lines(tmp_path):
    """The same requests logged by both: ``-`` for what nginx does not find, and if=."""
    require_nginx()
    requests = [
        request("/v/x?log=1&a=5"),
        request("/v/x?log=0"),
        request("/v/x?log="),
        request("/v/x"),
        request("/v/x?"),
        request("/f.txt?log=yes", f"Authorization: Basic {AUTH}\r\nUser-Agent: MSIE 5.0; x\r\n"),
        request("/missing?log=1", "X-Missing: 1\r\n"),  # a 404: its page's length differs (signature)
        request("/f.txt?log=1", method="HEAD"),
        # two requests in one write: the second is pipelined, the connection's second request
        request("/v/a?log=1").replace(b"Connection: close\r\n", b"") + request("/v/b?log=1"),
        # a file per request (variables in the path); none when the root folder is missing
        request("/named/?name=one"),
        request("/named/?name=two"),
        request("/named/?name=one&again"),
        request("/noroot/?name=x"),
    ]
    with nginx_and_nginxlite(tmp_path / "lite", tmp_path / "nginx", LOG_CONFIG, files=FILES) as servers:
        for server in servers:
            os.utime(server.root / "www" / "f.txt", (MTIME, MTIME))
            for data in requests:
                raw(server.port, data)
    lite, ngx = servers
    logs = sorted(p.name for p in (ngx.root / "logs").iterdir())
    assert sorted(p.name for p in (lite.root / "logs").iterdir() if p.name != "error.log") == logs
    errors = (lite.root / "logs" / "error.log").read_text()
    assert f'testing "{lite.root}/nowhere" existence failed (2: No such file or directory) while logging request' in errors
    for name in ("if.log", "all.log", "by-one.log", "by-two.log"):
        got = (lite.root / "logs" / name).read_text().splitlines()
        want = (ngx.root / "logs" / name).read_text().splitlines()
        assert [_PAGE_LENGTH.sub(r"|404|N|\1|N|", line) for line in got] == \
            [_PAGE_LENGTH.sub(r"|404|N|\1|N|", line) for line in want], name


_PAGE_LENGTH = re.compile(r"\|404\|\d+\|([^|]*\|[^|]*\|[^|]*)\|\d+\|")  # the built-in page's lengths
