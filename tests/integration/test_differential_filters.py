"""nginx and nginxlite on one config: ``expires``, ``charset``, ``gzip`` (nginx's response filters).

Both servers serve one shared document tree (``DOCS``, fixed mtimes), so ETags and
Last-Modified agree.  Compared per request: status, Content-Type, Content-Encoding,
Vary, ETag, Last-Modified, Accept-Ranges, Content-Range, whether Content-Length and
Transfer-Encoding are present (and Content-Length's value when uncompressed),
Cache-Control (``max-age`` within a second) and Expires (within two seconds: the
two answers are made a moment apart), and the body, decompressed when gzipped.
nginx is the oracle.  A CGI script's output compressed as it streams is
nginxlite's alone (nginx has no CGI): see ``test_gzip_streams_cgi_output``.
"""

from __future__ import annotations

import gzip
import os
import re
import socket
import time
import zlib
from contextlib import contextmanager
from email.utils import formatdate

import pytest

from client import parse, raw, receive
from conftest import require_nginx
from servers import nginx_and_nginxlite
from nginxlite.http.response import parse_http_date

CONFIG = r"""
types { text/html html; text/plain txt; text/css css; application/javascript js; image/png png; }
server {
    listen 127.0.0.1:PORT0;
    server_name t;
    root DOCS;

    location /ex/ { expires 1h; }
    location /exneg/ { alias DOCS/ex/; expires -1h; }
    location /exepoch/ { alias DOCS/ex/; expires epoch; }
    location /exmax/ { alias DOCS/ex/; expires max; }
    location /exzero/ { alias DOCS/ex/; expires 0; }
    location /exmod/ { alias DOCS/ex/; expires modified 1d; }
    location /exmodfut/ { alias DOCS/ex/; expires modified 3650d; }
    location /exdaily/ { alias DOCS/ex/; expires @15h30m; }
    location /exoff/ { expires 1h; alias DOCS/ex/; location /exoff/in/ { expires off; alias DOCS/ex/; } }
    location /exhdr/ { alias DOCS/ex/; expires 1h; add_header Cache-Control private; add_header Expires x; }
    location /exvar/ { alias DOCS/ex/; expires $arg_e; }
    location = /exret { expires 1h; return 200 "ret\n"; }
    location = /exredir { expires 1h; return 302 /ex/; }
    location = /exmiss { expires 1h; }

    location /cs/ { charset utf-8; }
    location /csk/ { alias DOCS/cs/; charset koi8-r; charset_types text/css; }
    location /csall/ { alias DOCS/cs/; charset utf-8; charset_types *; }
    location /cssrc/ { alias DOCS/cs/; charset utf-8; source_charset utf-8; }
    location /csvar/ { alias DOCS/cs/; charset $arg_c; }
    location = /csret { charset utf-8; return 200 "x\n"; }
    location = /csredir { charset utf-8; return 301 /cs/; }
    location = /csredir303 { charset utf-8; return 303 /cs/; }

    location /gz/ { gzip on; gzip_types text/plain text/css; gzip_vary on; }
    location /gzlevel/ { alias DOCS/gz/; gzip on; gzip_comp_level 9; }
    location /gzmin/ { alias DOCS/gz/; gzip on; gzip_min_length 5000; gzip_vary on; }
    location /gz10/ { alias DOCS/gz/; gzip on; gzip_http_version 1.0; }
    location /gzvia/ { alias DOCS/gz/; gzip on; gzip_proxied any; }
    location /gzviaexp/ { alias DOCS/gz/; gzip on; gzip_proxied expired; expires -1h; }
    location /gzviaetag/ { alias DOCS/gz/; gzip on; gzip_proxied no_etag no_last_modified; }
    location /gzdis/ { alias DOCS/gz/; gzip on; gzip_disable msie6 "^curl/"; }
    location /gzall/ { alias DOCS/gz/; gzip on; gzip_types *; }
    location /gzerr/ { gzip on; }
    location /gzall3/ { alias DOCS/gz/; gzip on; gzip_types *; error_page 404 /gz/big.html; }
    location /gzmix/ { alias DOCS/gz/; gzip on; charset utf-8; expires 1h; gzip_vary on; add_header X-A a; }
    location /gzetag/ { alias DOCS/gz/; gzip on; etag off; }
    location /gs/ { alias DOCS/gz/; gzip_static on; gzip_vary on; }
    location /gsa/ { alias DOCS/gz/; gzip_static always; }
    location /gsnv/ { alias DOCS/gz/; gzip_static on; }
    location /gsg/ { alias DOCS/gz/; gzip_static on; gzip on; gzip_types text/plain; gzip_vary on; expires 1h;
                     charset utf-8; }
    location = /gzret { gzip on; default_type text/html; return 200 "a returned body, long enough to be compressed\n"; }
}
"""

MTIME = 1704164645  # 02-Jan-2024 03:04:05 GMT
BIG = "".join(f"<p>line {i} of a page that compresses well</p>\n" for i in range(3000)).encode()  # ~130 KB
DOCS = {
    "ex/f.txt": b"expires\n",
    "cs/a.html": b"<p>html</p>\n",
    "cs/a.css": b"body{}\n",
    "cs/a.txt": b"text\n",
    "cs/a.js": b"var a;\n",
    "cs/a.png": b"PNG",
    "gz/big.html": BIG,
    "gz/page.html": b"<p>a small page that is long enough</p>\n" * 20,
    "gz/tiny.html": b"<p>tiny</p>",
    "gz/mid.txt": b"some text " * 300,
    "gz/a.css": b"body { color: red; }\n" * 10,
    "gz/a.png": b"PNG" * 100,
    "gz/empty.html": b"",
    "gz/pre.txt": b"the plain file, long enough to be compressed by gzip itself\n" * 10,
    "gz/pre.txt.gz": gzip.compress(b"the precompressed file\n" * 10, mtime=0),
    "gz/only.txt.gz": gzip.compress(b"no plain file beside me\n", mtime=0),
    "gz/dir.txt": b"the plain file beside a directory named dir.txt.gz\n",
    "gz/dir.txt.gz": None,
}


def write_docs(base, docs: dict | None = None) -> None:
    for rel, content in (DOCS if docs is None else docs).items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        os.utime(path, (MTIME, MTIME))


def req(target: str, extra: str = "", method: str = "GET", version: str = "1.1") -> bytes:
    return (f"{method} {target} HTTP/{version}\r\nHost: t\r\nConnection: close\r\n{extra}\r\n").encode("latin-1")


GZ = "Accept-Encoding: gzip\r\n"
ETAG_OF = "{etag}"  # replaced by the ETag the same server sends for the same target without it

CASES: dict[str, bytes] = {
    # --- expires --------------------------------------------------------------------
    "expires 1h": req("/ex/f.txt"),
    "expires 1h HEAD": req("/ex/f.txt", method="HEAD"),
    "expires -1h": req("/exneg/f.txt"),
    "expires epoch": req("/exepoch/f.txt"),
    "expires max": req("/exmax/f.txt"),
    "expires 0": req("/exzero/f.txt"),
    "expires modified, past": req("/exmod/f.txt"),
    "expires modified, future": req("/exmodfut/f.txt"),
    "expires daily": req("/exdaily/f.txt"),
    "expires off in a nested location": req("/exoff/in/f.txt"),
    "expires inherited": req("/exoff/f.txt"),
    "expires with add_header Cache-Control and Expires": req("/exhdr/f.txt"),
    "expires from a variable": req("/exvar/f.txt?e=2h"),
    "expires from a variable, max": req("/exvar/f.txt?e=max"),
    "expires from a variable, off": req("/exvar/f.txt?e=off"),
    "expires from a variable, invalid": req("/exvar/f.txt?e=xyz"),
    "expires from a variable, modified daily": req("/exvar/f.txt?e=@1h"),
    "expires on return 200": req("/exret"),
    "expires on a redirect": req("/exredir"),
    "expires not on a 404": req("/exmiss"),
    "expires on a directory redirect": req("/ex"),
    "expires on a 304": req("/ex/f.txt", f"If-Modified-Since: {formatdate(MTIME, usegmt=True)}\r\n"),
    "expires on a 206": req("/ex/f.txt", "Range: bytes=0-2\r\n"),
    "expires on a 416": req("/ex/f.txt", "Range: bytes=100-200\r\n"),
    # --- charset --------------------------------------------------------------------
    "charset html": req("/cs/a.html"),
    "charset text": req("/cs/a.txt"),
    "charset js": req("/cs/a.js"),
    "charset css not a default type": req("/cs/a.css"),
    "charset png": req("/cs/a.png"),
    "charset HEAD": req("/cs/a.html", method="HEAD"),
    "charset 304": req("/cs/a.html", f"If-Modified-Since: {formatdate(MTIME, usegmt=True)}\r\n"),
    "charset 206": req("/cs/a.html", "Range: bytes=0-2\r\n"),
    "charset_types adds to text/html": req("/csk/a.css"),
    "charset_types keeps text/html": req("/csk/a.html"),
    "charset_types replaces the defaults": req("/csk/a.txt"),
    "charset_types any": req("/csall/a.png"),
    "source_charset the same": req("/cssrc/a.html"),
    "charset from a variable": req("/csvar/a.html?c=windows-1251"),
    "charset on a return": req("/csret"),
    "charset not on a 301": req("/csredir"),
    "charset on a 303": req("/csredir303"),
    "charset on a built-in 404": req("/cs/missing.html"),
    "charset on a directory redirect": req("/cs"),
    # --- gzip -----------------------------------------------------------------------
    "gzip big file": req("/gz/big.html", GZ),
    "gzip big file, no Accept-Encoding": req("/gz/big.html"),
    "gzip small file": req("/gz/page.html", GZ),
    "gzip under gzip_min_length": req("/gz/tiny.html", GZ),
    "gzip empty file": req("/gz/empty.html", GZ),
    "gzip gzip_types text/plain": req("/gz/mid.txt", GZ),
    "gzip gzip_types css": req("/gz/a.css", GZ),
    "gzip png not a gzip type": req("/gz/a.png", GZ),
    "gzip_types any": req("/gzall/a.png", GZ),
    "gzip default types, text": req("/gzall/mid.txt", "Accept-Encoding: deflate, gzip\r\n"),
    "gzip level 9": req("/gzlevel/big.html", GZ),
    "gzip_min_length large": req("/gzmin/page.html", GZ),
    "gzip_min_length passed": req("/gzmin/big.html", GZ),
    "gzip q=0": req("/gz/page.html", "Accept-Encoding: gzip;q=0\r\n"),
    "gzip q=0.5": req("/gz/page.html", "Accept-Encoding: gzip;q=0.5\r\n"),
    "gzip q=1.0, deflate": req("/gz/page.html", "Accept-Encoding: gzip; q=1.0, deflate\r\n"),
    "gzip upper case": req("/gz/page.html", "Accept-Encoding: GZIP\r\n"),
    "gzip x-gzip only": req("/gz/page.html", "Accept-Encoding: x-gzip\r\n"),
    "gzip after br": req("/gz/page.html", "Accept-Encoding: br, gzip\r\n"),
    "gzip deflate only": req("/gz/page.html", "Accept-Encoding: deflate\r\n"),
    "gzip star": req("/gz/page.html", "Accept-Encoding: *\r\n"),
    "gzip HTTP/1.0": req("/gz/page.html", GZ, version="1.0"),
    "gzip HTTP/1.0 with gzip_http_version 1.0": req("/gz10/page.html", GZ, version="1.0"),
    "gzip HEAD": req("/gz/big.html", GZ, method="HEAD"),
    "gzip HEAD small": req("/gz/page.html", GZ, method="HEAD"),
    "gzip Range ignored": req("/gz/big.html", GZ + "Range: bytes=0-9\r\n"),
    "gzip Range small file ignored": req("/gz/page.html", GZ + "Range: bytes=0-9\r\n"),
    "gzip Range without Accept-Encoding": req("/gz/big.html", "Range: bytes=0-9\r\n"),
    "gzip If-None-Match weak": req("/gz/big.html", GZ + f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip If-None-Match weak, small file": req("/gz/page.html", GZ + f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip If-Match weak": req("/gz/page.html", GZ + f"If-Match: {ETAG_OF}\r\n"),
    "gzip If-Modified-Since": req("/gz/page.html", GZ + f"If-Modified-Since: {formatdate(MTIME, usegmt=True)}\r\n"),
    "gzip Via without gzip_proxied": req("/gz/page.html", GZ + "Via: 1.1 proxy\r\n"),
    "gzip Via, gzip_proxied any": req("/gzvia/page.html", GZ + "Via: 1.1 proxy\r\n"),
    "gzip Via, gzip_proxied expired": req("/gzviaexp/page.html", GZ + "Via: 1.1 proxy\r\n"),
    "gzip Via, gzip_proxied no_etag": req("/gzviaetag/page.html", GZ + "Via: 1.1 proxy\r\n"),
    "gzip_disable msie6": req("/gzdis/page.html", GZ + "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)\r\n"),
    "gzip_disable msie6, SV1": req("/gzdis/page.html",
                                   GZ + "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)\r\n"),
    "gzip_disable msie7": req("/gzdis/page.html", GZ + "User-Agent: Mozilla/4.0 (compatible; MSIE 7.0)\r\n"),
    "gzip_disable regex": req("/gzdis/page.html", GZ + "User-Agent: curl/8.0\r\n"),
    "gzip_disable regex, other agent": req("/gzdis/page.html", GZ + "User-Agent: Wget/1.0\r\n"),
    "gzip built-in 404": req("/gzerr/missing.html", GZ),
    "gzip 404 through error_page": req("/gzall3/missing.html", GZ),
    "gzip 403 directory": req("/gzerr/", GZ),
    "gzip directory redirect not compressed": req("/gzerr", GZ),
    "gzip with charset, expires, add_header": req("/gzmix/big.html", GZ),
    "gzip with charset, small": req("/gzmix/page.html", GZ),
    "gzip with charset, 304": req("/gzmix/page.html", GZ + f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip etag off": req("/gzetag/page.html", GZ),
    "gzip return": req("/gzret", GZ),
    # --- gzip_static ----------------------------------------------------------------
    "gzip_static on": req("/gs/pre.txt", GZ),
    "gzip_static on, no Accept-Encoding": req("/gs/pre.txt"),
    "gzip_static on, q=0": req("/gs/pre.txt", "Accept-Encoding: gzip;q=0\r\n"),
    "gzip_static on, HTTP/1.0": req("/gs/pre.txt", GZ, version="1.0"),
    "gzip_static on, HEAD": req("/gs/pre.txt", GZ, method="HEAD"),
    "gzip_static on, Range": req("/gs/pre.txt", GZ + "Range: bytes=0-3\r\n"),
    "gzip_static on, Range, no Accept-Encoding": req("/gs/pre.txt", "Range: bytes=0-3\r\n"),
    "gzip_static on, If-None-Match": req("/gs/pre.txt", GZ + f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip_static on, If-Modified-Since": req("/gs/pre.txt", GZ + f"If-Modified-Since: {formatdate(MTIME, usegmt=True)}\r\n"),
    "gzip_static on, no plain file": req("/gs/only.txt", GZ),
    "gzip_static on, no plain file, no Accept-Encoding": req("/gs/only.txt"),
    "gzip_static on, no .gz file": req("/gs/mid.txt", GZ),
    "gzip_static on, .gz is a directory": req("/gs/dir.txt", GZ),
    "gzip_static on, .gz is a directory, no Accept-Encoding": req("/gs/dir.txt"),
    "gzip_static on, missing": req("/gs/nope.txt", GZ),
    "gzip_static on, directory index": req("/gs/", GZ),
    "gzip_static on, Via": req("/gs/pre.txt", GZ + "Via: 1.1 proxy\r\n"),
    "gzip_static on without gzip_vary, no Accept-Encoding": req("/gsnv/pre.txt"),
    "gzip_static on without gzip_vary": req("/gsnv/pre.txt", GZ),
    "gzip_static always": req("/gsa/pre.txt"),
    "gzip_static always, HTTP/1.0": req("/gsa/pre.txt", version="1.0"),
    "gzip_static with gzip, expires, charset": req("/gsg/pre.txt", GZ),
    "gzip_static with gzip, no Accept-Encoding": req("/gsg/pre.txt"),
    "gzip_static with gzip, no .gz file": req("/gsg/mid.txt", GZ),
    "gzip_static with gzip, If-None-Match": req("/gsg/pre.txt", GZ + f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip_static with gzip, If-None-Match, no Accept-Encoding": req("/gsg/pre.txt", f"If-None-Match: {ETAG_OF}\r\n"),
    "gzip return HTTP/1.0 with gzip_http_version default": req("/gzret", GZ, version="1.0"),
}

COMPARED = ("content-type", "content-encoding", "vary", "etag", "last-modified", "accept-ranges", "content-range",
            "location", "x-a")


def headers_of(reply, name: str) -> list[str]:
    return [v for k, v in reply.headers if k.lower() == name]


def body_of(reply, method: str) -> bytes:
    if reply.header("Content-Encoding") == "gzip" and method != "HEAD" and reply.status not in (204, 304):
        return gzip.decompress(reply.body)
    return reply.body


def max_age(value: str) -> str:
    return re.sub(r"max-age=\d+", "max-age=N", value)


SIGNATURE = re.compile(rb"<hr><center>[^<]*</center>")  # built-in pages name the server (docs/differences.md)


def builtin(reply, method: str) -> bool:
    return b"<hr><center>" in body_of(reply, method)


def compare(name: str, ngx, lite, method: str, extra: tuple[str, ...] = ()) -> None:
    """The two answers agree (``extra``: more headers compared exactly)."""
    assert lite.status == ngx.status, name
    for header in COMPARED + extra:
        ngx_values, lite_values = headers_of(ngx, header), headers_of(lite, header)
        if header == "location":
            ngx_values = [re.sub(r":\d+/", ":PORT/", v) for v in ngx_values]
            lite_values = [re.sub(r":\d+/", ":PORT/", v) for v in lite_values]
        assert lite_values == ngx_values, f"{name}: {header}"
    for header in ("content-length", "transfer-encoding"):
        assert (lite.header(header) is None) == (ngx.header(header) is None), f"{name}: {header} presence"
    if (ngx.header("Content-Encoding") is None and ngx.header("Content-Length") is not None
            and not builtin(ngx, method)):
        assert lite.header("Content-Length") == ngx.header("Content-Length"), name
    ngx_cc, lite_cc = headers_of(ngx, "cache-control"), headers_of(lite, "cache-control")
    assert [max_age(v) for v in lite_cc] == [max_age(v) for v in ngx_cc], f"{name}: Cache-Control"
    for a, b in zip(ngx_cc, lite_cc):
        ma, mb = re.search(r"max-age=(\d+)", a), re.search(r"max-age=(\d+)", b)
        if ma and mb:
            assert abs(int(ma.group(1)) - int(mb.group(1))) <= 1, f"{name}: {a} vs {b}"
    ngx_ex, lite_ex = headers_of(ngx, "expires"), headers_of(lite, "expires")
    assert len(lite_ex) == len(ngx_ex), f"{name}: Expires {lite_ex} vs {ngx_ex}"
    for a, b in zip(ngx_ex, lite_ex):
        ta, tb = parse_http_date(a), parse_http_date(b)
        if ta is None or tb is None:
            assert a == b, name
        else:
            assert abs(ta - tb) <= 2, f"{name}: Expires {b} vs {a}"
    ngx_body, lite_body = body_of(ngx, method), body_of(lite, method)
    assert SIGNATURE.sub(b"", lite_body) == SIGNATURE.sub(b"", ngx_body), name


def ask(port: int, data: bytes):
    text = data.decode("latin-1")
    method = text.split(" ", 1)[0]
    if ETAG_OF in text:
        plain = text.replace(f"If-None-Match: {ETAG_OF}\r\n", "").replace(f"If-Match: {ETAG_OF}\r\n", "")
        first = parse(raw(port, plain.encode("latin-1")), head=method == "HEAD")[0]
        text = text.replace(ETAG_OF, first.header("ETag") or '"none"')
    return parse(raw(port, text.encode("latin-1")), head=method == "HEAD")[0], method


@contextmanager
def docs_servers(tmp_path_factory, name: str, config: str, docs: dict | None = None):
    """nginx and nginxlite on ``config`` (DOCS: a folder holding ``docs``)."""
    require_nginx()
    base = tmp_path_factory.mktemp(name)
    write_docs(base / "docs", docs)
    conf = config.replace("DOCS", str(base / "docs"))
    with nginx_and_nginxlite(base / "lite", base / "ngx", conf) as pair:
        yield pair


def same_answer(servers, name: str, data: bytes, extra: tuple[str, ...] = ()) -> None:
    lite, ngx = servers
    ngx_reply, method = ask(ngx.port, data)
    lite_reply, _ = ask(lite.port, data)
    compare(name, ngx_reply, lite_reply, method, extra)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with docs_servers(tmp_path_factory, "filters", CONFIG) as pair:
        yield pair


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer(servers, name):
    same_answer(servers, name, CASES[name])


def test_gzip_bytes_equal_nginx(servers):
    """zlib at the same level and window: the very bytes nginx sends (a static file)."""
    lite, ngx = servers
    for target in ("/gz/big.html", "/gzlevel/big.html", "/gz/page.html"):
        ngx_reply, _ = ask(ngx.port, req(target, GZ))
        lite_reply, _ = ask(lite.port, req(target, GZ))
        assert lite_reply.body == ngx_reply.body, target


def test_gzip_keepalive_pipelined(servers):
    """Two compressed answers on one connection: the chunked framing ends each exactly."""
    lite, _ = servers
    one = f"GET /gz/big.html HTTP/1.1\r\nHost: t\r\n{GZ}\r\n".encode()
    last = f"GET /gz/page.html HTTP/1.1\r\nHost: t\r\n{GZ}Connection: close\r\n\r\n".encode()
    data = raw(lite.port, one + last)
    first, rest = parse(data)
    second, rest = parse(rest)
    assert gzip.decompress(first.body) == BIG
    assert gzip.decompress(second.body) == DOCS["gz/page.html"]
    assert rest == b""


CGI_SITE = """
types { text/html html; text/plain txt; }
server {
    listen 127.0.0.1:PORT0;
    server_name t;
    root ROOT/cgi;
    location ~ \\.py$ { cgi_pass PY; gzip on; gzip_types text/plain; charset utf-8; expires 1h; }
}
"""

STREAMER = """#!PY
import os, sys, time
sys.stdout.write("Content-Type: text/plain\\r\\nCache-Control: private\\r\\n\\r\\nfirst part\\n")
sys.stdout.flush()
deadline = time.monotonic() + 10
while not os.path.exists(FLAG) and time.monotonic() < deadline:
    time.sleep(0.01)  # the test creates FLAG once it has read the first part
sys.stdout.write("second part\\n")
"""


def test_gzip_streams_cgi_output(serve, tmp_path):
    """A script's output is compressed as it comes (Z_SYNC_FLUSH per piece): the client
    decompresses the first part while the script still waits to write the second."""
    import sys
    flag = tmp_path / "flag"
    script = STREAMER.replace("PY", sys.executable).replace("FLAG", repr(str(flag)))
    running = serve(CGI_SITE.replace("PY", sys.executable), files={"cgi/s.py": script})
    os.chmod(running.root / "cgi" / "s.py", 0o755)
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(f"GET /s.py HTTP/1.1\r\nHost: t\r\n{GZ}Connection: close\r\n\r\n".encode())
        data = receive(sock, 10, until=b"\r\n\r\n")
        head, _, body = data.partition(b"\r\n\r\n")
        text = head.decode("latin-1").lower()
        assert "content-encoding: gzip" in text and "transfer-encoding: chunked" in text
        assert "content-type: text/plain; charset=utf-8" in text
        assert "cache-control: max-age=3600" in text and "private" not in text  # expires replaced it
        inflate = zlib.decompressobj(31)
        seen = b""
        deadline = time.monotonic() + 10
        while b"first part\n" not in seen and time.monotonic() < deadline:
            body += receive(sock, 0.2)
            seen = inflate.decompress(dechunk(body)[0]) if body else b""
            inflate = zlib.decompressobj(31)
        assert seen == b"first part\n"
        flag.write_text("go")
        body += receive(sock, 10)
    payload, complete = dechunk(body)
    assert complete
    assert gzip.decompress(payload) == b"first part\nsecond part\n"


def dechunk(data: bytes) -> tuple[bytes, bool]:
    """The chunks' payload received so far, and whether the last chunk came."""
    out = b""
    while b"\r\n" in data:
        line, rest = data.split(b"\r\n", 1)
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return out, True
        if len(rest) < size + 2:
            break
        out, data = out + rest[:size], rest[size + 2:]
    return out, False
