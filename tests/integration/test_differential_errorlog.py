"""nginx and nginxlite on one config, the same requests: the error-log lines must agree.

nginx writes a line with the request's context for a missing or forbidden file, a
missing index, a directory without index and a request an access rule refuses.  The
lines are compared after the parts that cannot agree are normalised: time stamp,
pid, connection number, and each server's own folder.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from client import raw
from conftest import require_nginx
from servers import nginx_and_nginxlite

CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name loc other;
    root ROOT/www;
    location /deny { deny all; }
    location /nolog { log_not_found off; }
    location /ep { error_page 404 /f.txt; }
    location /ep2 { error_page 404 /missing404.html; }
    location /tf { try_files $uri =404; }
    location /tf2 { try_files $uri /f.txt; }
    location /ai/ { autoindex on; alias ROOT/www/dir/; }
    location /two/ { index first.html second.html; }
    location /small { client_max_body_size 10; }
    location /small413 { client_max_body_size 10; error_page 413 /f.txt; }
    location /dav/ { dav_methods PUT DELETE MKCOL COPY MOVE; }
    location /dav/min/ { dav_methods DELETE; min_delete_depth 4; }
    location /cycle/ { recursive_error_pages on; error_page 404 /cycle/missing; }
    location /ncycle/ { recursive_error_pages on; error_page 404 @cycle; }
    location @cycle { recursive_error_pages on; error_page 404 @cycle; }
}
server {
    listen 127.0.0.1:PORT0;
    server_name "";
    root ROOT/www;
}
"""
FILES = {"www/f.txt": "f\n", "www/dir/.keep": "", "www/sub/index.html": "i\n", "www/two/.keep": "",
         "www/dav/f": "f\n", "www/dav/d/x": "x\n", "www/dav/min/f": "f\n"}


def req(target: str, host: str | None = "loc", method: str = "GET", extra: str = "", version: str = "1.1") -> bytes:
    head = f"{method} {target} HTTP/{version}\r\n" + (f"Host: {host}\r\n" if host is not None else "")
    return (head + extra + "Connection: close\r\n\r\n").encode("latin-1")


CASES = {
    "missing file": req("/missing"),
    "missing file again (a remembered route)": req("/missing"),
    "missing deep path": req("/missing/deep/path"),
    "file as a directory": req("/f.txt/x"),
    "missing directory's index": req("/nodir/"),
    "file's index": req("/f.txt/"),
    "first of two index files": req("/two/nodir/"),
    "directory without index": req("/dir/"),
    "access rule": req("/deny"),
    "log_not_found off": req("/nolog"),
    "log_not_found off, missing index": req("/nolog/x/"),
    "error_page to an existing file": req("/ep/x"),
    "error_page to a missing file": req("/ep2/x"),
    "try_files =404": req("/tf/x"),
    "try_files fallback": req("/tf2/x"),
    "autoindex": req("/ai/"),
    "index found": req("/sub/"),
    "query string": req("/missing?q=1"),
    "escaped path": req("/a%20b"),
    "HEAD": req("/missing", method="HEAD"),
    "referrer": req("/missing", extra="Referer: http://r.example/x\r\n"),
    "unknown host": req("/missing", host="zzz"),
    "host with port": req("/missing", host="loc:80"),
    "HTTP/1.0 without Host": req("/missing", host=None, version="1.0"),
    "found file": req("/f.txt"),
    "recursive error pages: a redirection cycle": req("/cycle/x"),
    "recursive error pages: a named-location cycle": req("/ncycle/x"),
    "body too large": req("/small", method="POST", extra="Content-Length: 16\r\n") + b"0123456789abcdef",
    "body too large, error_page 413 (logged once)":
        req("/small413", method="POST", extra="Content-Length: 16\r\n") + b"0123456789abcdef",
    "symbolic-link loop": req("/loop1"),
    "path through a symbolic-link loop": req("/loop1/x"),
    "name too long": req("/" + "a" * 300),
    # DAV refusals and failures
    "COPY without Destination": req("/dav/f", method="COPY"),
    "COPY to another host": req("/dav/f", method="COPY", extra="Destination: http://zzz/dav/g\r\n"),
    "COPY to an ftp URL": req("/dav/f", method="COPY", extra="Destination: ftp://loc/dav/g\r\n"),
    "COPY to an unsafe path": req("/dav/f", method="COPY", extra="Destination: /dav/../g?q\r\n"),
    "COPY to an unsafe encoded path": req("/dav/f", method="COPY", extra="Destination: /dav/%2E%2E/g?q\r\n"),
    "COPY HTTP/1.0 without Host": req("/dav/f", None, "COPY", "Destination: http://loc/dav/g\r\n", "1.0"),
    "COPY file to a collection": req("/dav/f", method="COPY", extra="Destination: /dav/g/\r\n"),
    "COPY with Depth 2": req("/dav/f", method="COPY", extra="Destination: /dav/g\r\nDepth: 2\r\n"),
    "MOVE with Depth 0": req("/dav/f", method="MOVE", extra="Destination: /dav/g\r\nDepth: 0\r\n"),
    "COPY with a bad Overwrite": req("/dav/f", method="COPY", extra="Destination: /dav/g\r\nOverwrite: x\r\n"),
    "COPY onto an existing file, Overwrite F":
        req("/dav/f", method="COPY", extra="Destination: /dav/d/x\r\nOverwrite: F\r\n"),
    "MOVE onto a folder without slash": req("/dav/f", method="MOVE", extra="Destination: /dav/d\r\n"),
    "COPY a folder without slash": req("/dav/d", method="COPY", extra="Destination: /dav/e\r\n"),
    "COPY a missing file": req("/dav/nope", method="COPY", extra="Destination: /dav/g\r\n"),
    "COPY with a body": req("/dav/f", method="COPY", extra="Destination: /dav/g\r\nContent-Length: 1\r\n") + b"x",
    "DELETE a missing file": req("/dav/nope", method="DELETE"),
    "DELETE below a file": req("/dav/f/x", method="DELETE"),
    "DELETE a folder without slash": req("/dav/d", method="DELETE"),
    "DELETE a folder with Depth 0": req("/dav/d/", method="DELETE", extra="Depth: 0\r\n"),
    "DELETE a file with a bad Depth": req("/dav/f", method="DELETE", extra="Depth: x\r\n"),
    "DELETE under min_delete_depth": req("/dav/min/f", method="DELETE"),
    "MKCOL without slash": req("/dav/newcol", method="MKCOL"),
    "MKCOL an existing folder": req("/dav/d/", method="MKCOL"),
    "MKCOL with a body": req("/dav/new/", method="MKCOL", extra="Content-Length: 1\r\n") + b"x",
    "PUT to a collection": req("/dav/new/", method="PUT", extra="Content-Length: 1\r\n") + b"x",
}

_PREFIX = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: \*\d+ ")


class Tail:
    """The lines a log gains from now on: nginx's stderr pipe, or nginxlite's file."""

    def __init__(self, *, fd: int | None = None, path=None) -> None:
        self.fd, self.path, self.offset, self.rest = fd, path, 0, b""
        if fd is not None:
            os.set_blocking(fd, False)
        else:
            self.offset = path.stat().st_size if path.exists() else 0

    def new_lines(self, root) -> list[str]:
        if self.fd is not None:
            data = b""
            while True:
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                data += chunk
        else:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
            self.offset += len(data)
        data, _, self.rest = (self.rest + data).rpartition(b"\n")  # whole lines now, the rest later
        lines = []
        for line in data.decode("latin-1").splitlines():
            m = _PREFIX.match(line)
            if m and m.group(1) in ("[error]", "[crit]", "[alert]"):
                lines.append(m.group(1) + " " + line[m.end():].replace(str(root), "ROOT"))
        return lines


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    lite_root, ngx_root = tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx")
    for root in (lite_root, ngx_root):
        (root / "www").mkdir(parents=True)
        (root / "www" / "loop1").symlink_to("loop2")
        (root / "www" / "loop2").symlink_to("loop1")
    with nginx_and_nginxlite(lite_root, ngx_root, CONFIG, files=FILES) as (lite, ngx):
        yield (lite, Tail(path=lite.root / "logs" / "error.log")), (ngx, Tail(fd=ngx.proc.stdout.fileno()))


def logged(server, tail, data: bytes, wait_for_line: bool) -> list[str]:
    """Send one request; its status line, then the log lines it caused (both servers
    write them before answering)."""
    status = raw(server.port, data).split(b"\r\n", 1)[0].decode("latin-1")
    deadline = time.monotonic() + (2 if wait_for_line else 0.2)
    lines = tail.new_lines(server.root)
    while not lines and time.monotonic() < deadline:  # a pipe read may split a line: read the rest
        time.sleep(0.01)
        lines = tail.new_lines(server.root)
    return [status, *lines]


@pytest.mark.parametrize("name", list(CASES))
def test_same_error_log_lines_as_nginx(pair, name):
    (lite, lite_tail), (ngx, ngx_tail) = pair
    want = logged(ngx, ngx_tail, CASES[name], wait_for_line=False)
    got = logged(lite, lite_tail, CASES[name], wait_for_line=len(want) > 1)
    assert got[1:] == want[1:]
    assert got[0].split()[1] == want[0].split()[1]  # the status (reason phrases differ on purpose)
