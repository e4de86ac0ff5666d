"""h5bp's server-configs-nginx, loaded whole by nginx and by nginxlite: the same answers (issue 18).

The fixture (tests/fixtures/h5bp, unchanged upstream files) is copied twice to temporary
folders; ``prepare`` moves what needs root (user, logs, pid, ports 80/443, certificates,
the document root) and nothing else.  Both servers then serve one shared document tree
(fixed mtimes, so ETag and Last-Modified agree) on plain HTTP and on TLS, and every
request's answer must be nginx's header for header: the same status, the same header
lines (names and values; ``Date`` and ``Server`` left out, ``Expires`` within two seconds,
``max-age`` within one, ports in ``Location`` normalised), and the same body (decompressed
when gzipped).  The config's maps over ``$sent_http_content_type`` drive ``expires``,
``Cache-Control``, ``X-Frame-Options``, the CSP and policy headers and CORS; ``charset``,
``gzip``, ``gzip_static``, ``try_files`` cache busting, ``error_page`` and ``return 444``
come along.
"""

from __future__ import annotations

import gzip
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from client import parse, raw
from conftest import require_nginx
from helpers import CHILD_ENV
from nginxlite.http.response import parse_http_date
from servers import NGINX, Running, free_port, read_until, stop_nginxlite
from test_differential_filters import write_docs
from test_tls import make_cert

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "h5bp"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

PAGE = b"<!doctype html><html lang=en><title>h5bp</title><p>" + b"a page long enough to be compressed. " * 20 + b"</p>\n"
DOCS = {
    "index.html": PAGE,
    "404.html": b"<!doctype html><title>Not found</title><p>Sorry, that page does not exist.</p>\n" * 5,
    "style.css": b"body { color: #222; margin: 0 auto; max-width: 40em; }\n" * 20,
    "script.js": b"console.log('hello from a script that is long enough');\n" * 10,
    "module.mjs": b"export const a = 1;\n",
    "image.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "icon.svg": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>\n' * 8,
    "favicon.ico": bytes(range(256)) * 2,
    "site.webmanifest": b'{"name": "h5bp test", "icons": []}\n' * 10,
    "data.json": b'{"a": 1, "b": [1, 2, 3]}\n' * 20,
    "feed.rss": b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>\n' * 5,
    "robots.txt": b"User-agent: *\nDisallow:\n",
    "readme.md": b"# Readme\n\nSome *markdown* text that is long enough to be compressed by gzip.\n" * 5,
    "font.woff2": b"wOF2" + bytes(300),
    "calendar.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "offline.appcache": b"CACHE MANIFEST\n",
    "doc.pdf": b"%PDF-1.4\n" + bytes(100),
    ".hidden": b"secret\n",
    ".well-known/security.txt": b"Contact: mailto:security@example.com\n",
    "backup.bak": b"old\n",
    "notes.txt~": b"editor backup\n",
    "dir/index.html": PAGE,
    "test-pre-gzip.txt": b"the plain copy of a precompressed file, long enough for gzip\n" * 10,
    "test-pre-gzip.txt.gz": gzip.compress(b"the precompressed copy\n" * 10, mtime=0),
    "image.svgz": gzip.compress(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>\n', mtime=0),
}
HOSTS = ("server.localhost", "secure.server.localhost", "www.secure.server.localhost")
GZ = "Accept-Encoding: gzip\r\n"


def head(target: str, host: str = "server.localhost", extra: str = "", method: str = "GET") -> bytes:
    return (f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: test\r\n{extra}"
            f"Connection: close\r\n\r\n").encode("latin-1")


# (name, TLS?, request)
CASES: list[tuple[str, bool, bytes]] = [
    ("home page", False, head("/")),
    ("home page, gzip", False, head("/", extra=GZ)),
    ("home page, HEAD", False, head("/", method="HEAD")),
    ("index.html", False, head("/index.html", extra=GZ)),
    ("a directory's index", False, head("/dir/", extra=GZ)),
    ("a directory without its slash", False, head("/dir")),
    ("css", False, head("/style.css", extra=GZ)),
    ("css, no gzip", False, head("/style.css")),
    ("javascript", False, head("/script.js", extra=GZ)),
    ("a module", False, head("/module.mjs")),
    ("png", False, head("/image.png", extra=GZ)),
    ("svg", False, head("/icon.svg", extra=GZ)),
    ("favicon", False, head("/favicon.ico", extra=GZ)),
    ("web manifest", False, head("/site.webmanifest", extra=GZ)),
    ("json", False, head("/data.json", extra=GZ)),
    ("rss", False, head("/feed.rss", extra=GZ)),
    ("robots.txt", False, head("/robots.txt")),
    ("markdown", False, head("/readme.md", extra=GZ)),
    ("woff2", False, head("/font.woff2")),
    ("calendar", False, head("/calendar.ics")),
    ("appcache", False, head("/offline.appcache")),
    ("pdf", False, head("/doc.pdf")),
    ("a dotfile is forbidden", False, head("/.hidden")),
    (".well-known is allowed", False, head("/.well-known/security.txt")),
    ("a backup file is forbidden", False, head("/backup.bak")),
    ("an editor's ~ file is forbidden", False, head("/notes.txt~")),
    ("cache busting: css", False, head("/style.1234567.css", extra=GZ)),
    ("cache busting: png", False, head("/image.20240101.png")),
    ("cache busting: missing", False, head("/nope.123.js")),
    ("custom 404 page", False, head("/missing.html")),
    ("custom 404 page, gzip", False, head("/missing.html", extra=GZ)),
    ("precompressed gzip", False, head("/test-pre-gzip.txt", extra=GZ)),
    ("precompressed, not accepted", False, head("/test-pre-gzip.txt")),
    ("svgz", False, head("/image.svgz")),
    ("304 by ETag", False, head("/style.css", extra="If-None-Match: {etag}\r\n")),
    ("304 by date", False, head("/image.png", extra="If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n")),
    ("a range", False, head("/image.png", extra="Range: bytes=0-15\r\n")),
    ("a range, gzip", False, head("/style.css", extra=GZ + "Range: bytes=0-15\r\n")),
    ("a query string", False, head("/style.css?v=2", extra=GZ)),
    ("www. redirects to the bare name", False, head("/a/b?c=d", host="www.server.localhost")),
    ("www-server adds www.", False, head("/x", host="www-server.localhost")),
    ("an unknown host goes to https", False, head("/p?q", host="unknown.test")),
    ("TLS: home page", True, head("/", host="secure.server.localhost", extra=GZ)),
    ("TLS: css", True, head("/style.css", host="secure.server.localhost", extra=GZ)),
    ("TLS: png with CORS", True, head("/image.png", host="secure.server.localhost")),
    ("TLS: json", True, head("/data.json", host="secure.server.localhost")),
    ("TLS: custom 404 page", True, head("/missing", host="secure.server.localhost")),
    ("TLS: a dotfile is forbidden", True, head("/.hidden", host="secure.server.localhost")),
    ("TLS: www. redirects", True, head("/y", host="www.secure.server.localhost")),
    ("TLS: HEAD", True, head("/index.html", host="secure.server.localhost", method="HEAD")),
]


def prepare(dest: Path, http_port: int, https_port: int, certs: Path, site: Path, oracle: bool) -> None:
    """The fixture in ``dest``, with what needs root moved there (and nginx's log on stderr,
    where its readiness notice is read)."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("README.md", "LICENSE.txt", "vhosts"))
    shutil.copytree(FIXTURE / "vhosts", dest / "conf.d")
    (dest / "logs").mkdir()
    for conf in dest.rglob("*.conf"):
        text = conf.read_text()
        text = re.sub(r"^\s*listen \[::\]:\d+[^;]*;\n", "", text, flags=re.M)  # no IPv6 needed here
        text = re.sub(r"\blisten 80\b", f"listen 127.0.0.1:{http_port}", text)
        text = re.sub(r"\blisten 443\b", f"listen 127.0.0.1:{https_port}", text)
        text = text.replace("/etc/nginx/certs/", f"{certs}/").replace("/var/www/server.localhost", str(site))
        conf.write_text(text)
    main = dest / "nginx.conf"
    text = main.read_text().replace("user www-data;", "")
    text = text.replace("/var/log/nginx/", f"{dest}/logs/").replace("/var/run/nginx.pid", f"{dest}/logs/nginx.pid")
    if oracle:
        text = re.sub(r"^error_log [^;]*;", "error_log stderr notice;", text, flags=re.M)
    main.write_text(text)


def start_nginx(dest: Path) -> Running:
    proc = subprocess.Popen([NGINX, "-p", f"{dest}/", "-c", str(dest / "nginx.conf"), "-e", "stderr",
                             "-g", "daemon off; master_process off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    running = Running(proc, [], dest)
    running.proc.stdout = proc.stderr
    running.output = read_until(proc.stderr, b"event method", 1, time.monotonic() + 15, proc)
    return running


def start_nginxlite(dest: Path) -> Running:
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(dest / "nginx.conf"), "-p", str(dest)],
                            cwd=dest, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV)
    running = Running(proc, [], dest)
    running.output = read_until(proc.stdout, b"listening on", 2, time.monotonic() + 15, proc)
    return running


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    base = tmp_path_factory.mktemp("h5bp")
    certs = base / "certs"
    certs.mkdir()
    cert, key = make_cert(certs, "default", ",".join(f"DNS:{h}" for h in HOSTS))
    shutil.move(cert, certs / "default.crt")
    shutil.move(key, certs / "default.key")
    write_docs(base / "site", DOCS)
    ports = {}
    for name in ("lite", "ngx"):
        ports[name] = (free_port(), free_port())
        prepare(base / name, *ports[name], certs, base / "site", oracle=name == "ngx")
    lite = start_nginxlite(base / "lite")
    try:
        ngx = start_nginx(base / "ngx")
    except BaseException:
        stop_nginxlite(lite)
        raise
    try:
        yield {"lite": (lite, ports["lite"]), "ngx": (ngx, ports["ngx"])}
    finally:
        ngx.stop()
        stop_nginxlite(lite)


def exchange(ports: tuple[int, int], tls: bool, data: bytes) -> bytes:
    if not tls:
        return raw(ports[0], data)
    host = re.search(rb"\r\nHost: ([^\r]+)", data).group(1).decode()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", ports[1]), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname=host) as tls_sock:
            tls_sock.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = tls_sock.recv(65536)
                except (ssl.SSLError, ConnectionResetError):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)


def ask(server: tuple[Running, tuple[int, int]], tls: bool, data: bytes):
    """The reply to ``data`` ({etag}: the ETag the same server sends without the condition)."""
    _, ports = server
    method = data.split(b" ", 1)[0]
    if b"{etag}" in data:
        first = parse(exchange(ports, tls, data.replace(b"If-None-Match: {etag}\r\n", b"")))[0]
        data = data.replace(b"{etag}", (first.header("ETag") or '"none"').encode())
    answer = exchange(ports, tls, data)
    if not answer:
        return None
    return parse(answer, head=method == b"HEAD")[0]


SKIPPED = {"date", "server"}


def normalised(reply) -> list[tuple[str, str]]:
    lines = []
    builtin = b"<hr><center>" in body_of(reply, signed=True)
    for name, value in reply.headers:
        key = name.lower()
        if key in SKIPPED:
            continue
        if key == "content-length" and builtin:
            value = "N"  # a built-in page names its server: "nginx" is shorter (docs/differences.md)
        if key == "location":
            value = re.sub(r"^(https?://[^/:]+):\d+", r"\1", value)
        elif key == "cache-control":
            value = re.sub(r"max-age=\d+", "max-age=N", value)
        elif key == "expires":
            value = "DATE" if parse_http_date(value) is not None else value
        lines.append((key, value))
    return sorted(lines)


def close_in_time(ngx, lite) -> None:
    for header, slack in (("cache-control", 1), ("expires", 2)):
        a, b = ngx.header(header), lite.header(header)
        if header == "expires" and a and b and parse_http_date(a) is not None:
            assert abs(parse_http_date(a) - parse_http_date(b)) <= slack, (a, b)
        if header == "cache-control" and a and b:
            ma, mb = re.search(r"max-age=(\d+)", a), re.search(r"max-age=(\d+)", b)
            if ma and mb:
                assert abs(int(ma.group(1)) - int(mb.group(1))) <= slack, (a, b)


SIGNATURE = re.compile(rb"<hr><center>[^<]*</center>")  # built-in pages name the server


def body_of(reply, signed: bool = False) -> bytes:
    body = reply.body
    if reply.header("Content-Encoding") == "gzip" and body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body if signed else SIGNATURE.sub(b"", body)


def test_fifty_requests():
    assert len(CASES) == 50


@pytest.mark.parametrize("name, tls, data", CASES, ids=[c[0] for c in CASES])
def test_same_answer_as_nginx(pair, name, tls, data):
    ngx = ask(pair["ngx"], tls, data)
    lite = ask(pair["lite"], tls, data)
    if ngx is None:  # return 444: the connection closed with no answer
        assert lite is None, name
        return
    assert lite is not None, name
    assert lite.status == ngx.status, name
    assert normalised(lite) == normalised(ngx), name
    close_in_time(ngx, lite)
    assert body_of(lite) == body_of(ngx), name


def test_unknown_tls_name_gets_no_answer(pair):
    """The default TLS server says ``return 444``: both close without a byte."""
    for server in ("ngx", "lite"):
        assert exchange(pair[server][1], True, head("/", host="nobody.test")) == b"", server
