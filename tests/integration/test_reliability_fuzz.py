"""Black-box fuzzing of a started server: 2000 random and mutated requests.

The requests come from a corpus of valid ones (static files, ranges, conditionals,
bodies by length and chunked, an upload, DAV, pipelining, a CGI), mutated a few bytes
at a time, mixed with pieces of HTTP and plain random bytes, from a fixed seed (the
run is reproducible: the seed is in the assertion messages).  Each is sent on its
own connection, then the client's side is shut, so the server must answer or close
at once.  Afterwards: every answer was a well-formed HTTP/1.1 response; a normal
request answers 200; the RSS grew by less than a bound after a warm-up; the open
descriptors are back to their idle count; no temp file is left behind.  A 500 is what nginx answers too (a PUT without a body);
an exception would have its traceback in the error log, and is looked for there.
"""

from __future__ import annotations

import os
import random
import re
import socket
import time

from client import get, receive

SEED = 20261203
COUNT = 2000
CONF = """
server {
    listen 127.0.0.1:PORT0;
    client_header_timeout 2s;
    client_body_timeout 2s;
    keepalive_timeout 2s;
    client_max_body_size 4k;
    root ROOT/www;
    location = /post { return 200 "posted"; }
    location /dav/ { dav_methods PUT DELETE MKCOL; create_full_put_path on; }
    location /up/ { root ROOT; upload_store ROOT/up; }
    location /cgi/ { root ROOT; cgi_pass /usr/bin/python3; cgi_timeout 5s; }
    location = /s { stub_status; }
}
"""
CGI = "import os, sys\nsys.stdout.write('Content-Type: text/plain\\r\\n\\r\\n' + os.environ['REQUEST_METHOD'])\n"
FILES = {"www/index.html": "INDEX\n", "www/a.txt": "alpha\n", "www/sub/b.txt": "b\n",
         "www/dav/.keep": "", "up/.keep": "", "cgi/echo.py": CGI}

FORM = (b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n")
CORPUS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /a.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-2\r\n\r\n",
    b"GET /a.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1,3-4\r\n\r\n",
    b"GET /a.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\"\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n",
    b"HEAD /sub/ HTTP/1.0\r\n\r\n",
    b"GET /sub HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET http://a/sub/b.txt?x=%41&y HTTP/1.1\r\nHost: b\r\n\r\n",
    b"GET /%61.txt/../sub//b.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /post HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    b"POST /post HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"PUT /dav/x/y.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\ndata",
    b"DELETE /dav/x/y.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    b"MKCOL /dav/new/ HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /up/ HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n\r\n%s"
    % (len(FORM), FORM),
    b"POST /up/raw.bin HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"GET /cgi/echo.py/p/i?q=1 HTTP/1.1\r\nHost: a\r\nCookie: a=b; c=\"d\"\r\n\r\n",
    b"POST /cgi/echo.py HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /s HTTP/1.1\r\nHost: a\r\n\r\n",
]
PIECES = [b"GET", b"POST", b"PUT", b" ", b"/", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"\r\n", b"\n", b"Host: a",
          b":", b"\x00", b"\xff", b"%", b"%2e%2e/", b"..", b"Content-Length: 99999999999999999999",
          b"Content-Length: 3", b"Transfer-Encoding: chunked", b"0\r\n\r\n", b"ffffffff\r\n", b"\t", b"a" * 300,
          b"Range: bytes=-1,0-", b"Cookie: ;;==", b"\r\n\r\n"]
STATUS_LINE = re.compile(rb"HTTP/1\.1 ([1-5]\d\d) [^\r\n]*\r\n")


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randrange(1, 6)):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(5)
        if kind == 0:
            del data[at:at + rng.randrange(1, 8)]
        elif kind == 1:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        elif kind == 2 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 3:
            data[at:at] = rng.choice(PIECES)
        else:
            data[at:at] = data[at:at + rng.randrange(1, 64)] * rng.randrange(1, 4)
    return bytes(data)


def garbage(rng: random.Random, i: int) -> bytes:
    kind = i % 4
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if kind == 1:
        return b"".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 25)))
    return mutate(rng, rng.choice(CORPUS))


def send(port: int, data: bytes, half_close: bool = True) -> bytes:
    """``data`` on a new connection, then EOF (``half_close``: the server answers or closes
    at once; nginx, too, gives up a CGI whose client closed) or wait for a status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before the last bytes: fine
            pass
        return receive(sock, 5, None if half_close else b"\r\n")


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) << 10


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def log_text(running) -> str:
    return (running.root / "logs" / "error.log").read_text(errors="replace")


def settle(pid: int, idle: int, timeout: float = 15) -> int:
    """The server's descriptor count once it is back to ``idle`` (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while (fds := fd_count(pid)) > idle and time.monotonic() < deadline:
        time.sleep(0.1)  # polling the effect of closes the server makes on its own time
    return fds


def test_2000_garbage_requests_then_a_normal_one(serve):
    running = serve(CONF, files=FILES)
    pid = running.proc.pid
    idle = fd_count(pid)
    for request in CORPUS:  # the corpus is valid: each answers, none with a 5xx
        answer = send(running.port, request, half_close=False)
        status = STATUS_LINE.match(answer)
        assert status and status.group(1) < b"500", (request, answer[:200])
    assert settle(pid, idle) <= idle
    rng = random.Random(SEED)
    statuses: dict[bytes, int] = {}
    base = None
    for i in range(COUNT):
        if i == COUNT // 4:
            base = rss(pid)  # after a warm-up: caches and free lists have their size
        data = garbage(rng, i)
        answer = send(running.port, data)
        for match in STATUS_LINE.finditer(answer):
            statuses[match.group(1)] = statuses.get(match.group(1), 0) + 1
        assert not answer or STATUS_LINE.match(answer), f"seed {SEED} #{i}: {data[:200]!r} -> {answer[:200]!r}"
        if b"HTTP/1.1 500 " in answer:  # only what nginx answers so: a PUT without a body
            assert "Traceback" not in log_text(running), f"seed {SEED} #{i}: {data[:300]!r}"
    assert get(running.port, "/").status == 200
    grown = rss(pid) - base
    print(f"statuses {sorted(statuses.items())}, RSS {base >> 10} KiB + {grown >> 10} KiB")  # shown with -s
    assert grown < 4 << 20, f"RSS grew by {grown >> 10} KiB over {COUNT * 3 // 4} garbage requests"
    assert settle(pid, idle) <= idle, f"{fd_count(pid)} descriptors open, {idle} when idle"
    assert sum(n for code, n in statuses.items() if code.startswith(b"4")) > COUNT // 4, statuses
    assert not list(running.root.rglob(".nginxlite-*")), "a temporary file was left behind"
    log = log_text(running)
    assert "Traceback" not in log and "[alert]" not in log and "[crit]" not in log, log[-3000:]
