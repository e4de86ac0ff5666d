"""CGI (RFC 3875) on real sockets: the environment, bodies both ways, the header block,
errors (502/504/403/404), streaming without buffering, and no child or fd left behind.

Scripts are written into the server's folder (``cgi/``) by each test; the helpers
below dump what the script saw as JSON so the assertions compare exact values.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest

from client import get, parse, raw, receive
from servers import REPO

PY = sys.executable
PHP_CGI = shutil.which("php-cgi")
MiB = 1 << 20

SITE = """
server {
    listen 127.0.0.1:PORT0;
    server_name a.test;
    root ROOT/cgi;
    cgi_timeout 10s;
    client_max_body_size 8m;
    location = /ping { return 200 "pong"; }
    location ^~ /slow/ { cgi_pass PY; cgi_timeout 1s; }
    location ~ \\.sh$ { cgi_pass exec; }
    location ~ \\.py(/|$) {
        cgi_pass PY;
        cgi_split_path_info ^(.+\\.py)(/.*)$;
        EXTRA
    }
}
"""

# What a script sees, exactly as the server passed it (/proc/self/environ, before any
# change Python makes at start-up such as its locale coercion of LC_CTYPE).
DUMP = """
def environ():
    raw = open("/proc/self/environ", "rb").read()
    return dict(item.decode("utf-8", "surrogateescape").split("=", 1) for item in raw.split(b"\\0") if item)

def reply(data, kind="application/json", head=""):
    sys.stdout.buffer.write(f"Content-Type: {kind}\\r\\n{head}\\r\\n".encode() + data)
    sys.stdout.flush()
"""

ENV_SCRIPT = "reply(json.dumps({'env': environ(), 'cwd': os.getcwd()}).encode())\n"

# Reads its body to EOF and says what it got.
SINK_SCRIPT = """
body = sys.stdin.buffer.read()
env = environ()
reply(json.dumps({"size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                  "CONTENT_LENGTH": env.get("CONTENT_LENGTH"), "CONTENT_TYPE": env.get("CONTENT_TYPE")}).encode())
"""

CGI_VARIABLES = {"GATEWAY_INTERFACE", "SERVER_SOFTWARE", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
                 "SERVER_ADDR", "REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME", "SCRIPT_FILENAME", "PATH_INFO",
                 "PATH_TRANSLATED", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "REMOTE_PORT",
                 "DOCUMENT_ROOT", "REDIRECT_STATUS"}


def script(body: str) -> str:
    """A Python CGI script: shebang, imports, the DUMP helpers, then ``body``."""
    return f"#!{PY}\nimport hashlib, json, os, signal, subprocess, sys, time\n{DUMP}\n{body}"


def start(serve, scripts: dict[str, str | bytes], extra: str = "", env=None, mode: int = 0o755):
    """Serve SITE with ``scripts`` under cgi/ (made executable) and ``extra`` in the .py location."""
    conf = SITE.replace("EXTRA", extra).replace("PY", PY)
    running = serve(conf, files={f"cgi/{name}": text for name, text in scripts.items()}, env=env)
    for name in scripts:
        os.chmod(running.root / "cgi" / name, mode)
    return running


def request(port: int, head: str, body: bytes = b"", timeout: float = 10.0) -> bytes:
    """Raw HTTP/1.1 request ``head`` (lines without the final blank one), Host and close added."""
    return raw(port, f"{head}\r\nHost: a.test\r\nConnection: close\r\n\r\n".encode("latin-1") + body, timeout)


def dumped(reply) -> dict:
    assert reply.status == 200, (reply.status, reply.body[:300])
    return json.loads(reply.body)


def chunked(data: bytes, sizes=(1, 7, 4096, 65536, 100_000)) -> bytes:
    """``data`` in chunks of varying sizes, with the last chunk."""
    out, i, n = [], 0, 0
    while i < len(data):
        size = sizes[n % len(sizes)]
        out.append(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]))
        i, n = i + size, n + 1
    return b"".join(out) + b"0\r\n\r\n"


def processes_with(marker: str) -> list[int]:
    """Live processes (not zombies: their cmdline is empty) whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def wait_until(condition, what, limit: float = 10.0) -> None:
    """Poll ``condition`` (bounded): for an external process to die or a count to settle.
    ``what()`` describes the state when it never came true."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {limit}s: {what()}")
        time.sleep(0.05)  # waiting for a child process's death, not for the server


def process_table(marker: str) -> list[str]:
    """``pid state cmdline`` of each process holding ``marker``, for failure messages."""
    rows = []
    for pid in processes_with(marker):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rows.append(f"{pid} {state} {cmd}")
    return rows


@pytest.fixture
def marked():
    """marked(kind) -> a unique marker for a script's processes; any still alive at teardown
    (a test that failed) are SIGKILLed by pid."""
    markers = []

    def _marked(kind: str) -> str:
        markers.append(f"cgi-{kind}-{uuid.uuid4().hex}")
        return markers[-1]

    yield _marked
    for marker in markers:
        for pid in processes_with(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def error_log(running) -> str:
    path = running.root / "logs" / "error.log"
    return path.read_text(errors="replace") if path.exists() else ""


def log_line_with(running, needle: str) -> str:
    """The error-log line holding ``needle``; between reads, a request lets the server's loop turn."""
    for _ in range(100):
        for line in error_log(running).splitlines():
            if needle in line:
                return line
        assert get(running.port, "/ping").status == 200
    raise AssertionError(f"{needle!r} not in the error log:\n{error_log(running)}")


def dechunk_count(sock: socket.socket, first: bytes, on_read=None) -> tuple[int, str]:
    """Read a chunked body to its end from ``sock`` (``first`` already read after the head):
    its length and sha256, without keeping it."""
    digest, total, buf = hashlib.sha256(), 0, bytearray(first)
    while True:
        while b"\r\n" not in buf:
            buf += _recv(sock, on_read)
        line, _, rest = bytes(buf).partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        buf = bytearray(rest)
        if size == 0:
            return total, digest.hexdigest()
        while len(buf) < size + 2:
            buf += _recv(sock, on_read)
        digest.update(buf[:size])
        total += size
        del buf[:size + 2]


def _recv(sock: socket.socket, on_read) -> bytes:
    chunk = sock.recv(65536)
    assert chunk, "connection closed in the middle of the body"
    if on_read:
        on_read(len(chunk))
    return chunk


# --- the environment -------------------------------------------------------------------------------

def test_get_with_query_and_path_info_gives_the_exact_cgi_environment(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    root = running.root / "cgi"
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(b"GET /env.py/a%20b/c.txt?x=1&y=%20z HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n"
                     b"User-Agent: cgi-test\r\nX-Multi: one\r\nX-Multi: two\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n")
        client_port = sock.getsockname()[1]
        reply, _ = parse(receive(sock, 10))
    seen = dumped(reply)
    env = seen["env"]
    assert {k: env.get(k) for k in CGI_VARIABLES} == {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": env["SERVER_SOFTWARE"],
        "SERVER_NAME": "a.test",
        "SERVER_PORT": str(running.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "REQUEST_URI": "/env.py/a%20b/c.txt?x=1&y=%20z",
        "SCRIPT_NAME": "/env.py",
        "SCRIPT_FILENAME": f"{root}/env.py",
        "PATH_INFO": "/a b/c.txt",
        "PATH_TRANSLATED": f"{root}/a b/c.txt",
        "QUERY_STRING": "x=1&y=%20z",
        "CONTENT_TYPE": None,
        "CONTENT_LENGTH": None,
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": str(client_port),
        "DOCUMENT_ROOT": str(root),
        "REDIRECT_STATUS": "200",
    }
    assert env["SERVER_SOFTWARE"].startswith("nginxlite")
    assert env["HTTP_HOST"] == "a.test"
    assert env["HTTP_USER_AGENT"] == "cgi-test"
    assert env["HTTP_X_MULTI"] == "one, two"
    assert env["HTTP_COOKIE"] == "a=1; b=2"
    strays = {k for k in env if k not in CGI_VARIABLES and not k.startswith("HTTP_")}
    assert strays <= {"PATH"}  # a PATH of the server's own choosing (not its environment's) is allowed
    assert seen["cwd"] == str(root)


def test_without_path_info_path_info_is_empty_and_path_translated_absent(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    env = dumped(get(running.port, "/env.py"))["env"]
    assert env["PATH_INFO"] == ""
    assert "PATH_TRANSLATED" not in env
    assert env["QUERY_STRING"] == ""
    assert env["SCRIPT_NAME"] == "/env.py"
    assert env["REQUEST_URI"] == "/env.py"


def test_http10_request_gives_server_protocol_http10(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    data = raw(running.port, b"GET /env.py HTTP/1.0\r\nHost: a.test\r\n\r\n", timeout=10)
    head, _, body = data.partition(b"\r\n\r\n")  # no length, no chunks: the body ends at the close
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body)["env"]["SERVER_PROTOCOL"] == "HTTP/1.0"


def test_cgi_param_adds_variables_with_if_not_empty(serve):
    extra = ("cgi_param APP_MODE test-$request_method; cgi_param SKIPPED $http_x_none if_not_empty; "
             "cgi_param KEPT $http_x_none; cgi_param FROM_HEADER $http_x_given if_not_empty;")
    running = start(serve, {"env.py": script(ENV_SCRIPT)}, extra)
    env = dumped(get(running.port, "/env.py", headers="X-Given: yes\r\n"))["env"]
    assert env["APP_MODE"] == "test-GET"
    assert "SKIPPED" not in env
    assert env["KEPT"] == ""
    assert env["FROM_HEADER"] == "yes"


def test_httpoxy_a_proxy_header_never_reaches_the_script(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    env = dumped(get(running.port, "/env.py", headers="Proxy: evil\r\n"))["env"]
    assert "HTTP_PROXY" not in env
    assert "evil" not in json.dumps(env)


def test_authorization_and_headers_with_underscores_are_not_passed(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    env = dumped(get(running.port, "/env.py",
                     headers="Authorization: Basic dTpw\r\nX_Foo: 1\r\nX-Bar: 2\r\n"))["env"]
    assert env["HTTP_X_BAR"] == "2"  # the request's other headers did arrive
    assert "HTTP_X_FOO" not in env
    assert "HTTP_AUTHORIZATION" not in env


def test_the_server_environment_does_not_leak_into_the_script(serve):
    odd_path = f"/nonexistent-{uuid.uuid4().hex}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    running = start(serve, {"env.py": script(ENV_SCRIPT)}, env={"NGINXLITE_SECRET": "1", "PATH": odd_path})
    assert os.environ.get("NGINXLITE_SECRET") is None  # so the variable below can only come from the server
    secret = Path(f"/proc/{running.proc.pid}/environ").read_bytes()
    assert b"NGINXLITE_SECRET=1\0" in secret
    env = dumped(get(running.port, "/env.py"))["env"]
    assert "NGINXLITE_SECRET" not in env
    assert "PYTHONPATH" not in env  # set for the server by the tests
    assert env.get("PATH") != odd_path


# --- request bodies --------------------------------------------------------------------------------

def test_post_with_content_length_delivers_1mib_binary_and_eof(serve):
    running = start(serve, {"sink.py": script(SINK_SCRIPT)})
    body = os.urandom(MiB)
    data = request(running.port, f"POST /sink.py HTTP/1.1\r\nContent-Type: application/x-bin\r\n"
                                 f"Content-Length: {len(body)}", body, timeout=20)
    assert dumped(parse(data)[0]) == {"size": MiB, "sha256": hashlib.sha256(body).hexdigest(),
                                      "CONTENT_LENGTH": str(MiB), "CONTENT_TYPE": "application/x-bin"}


def test_chunked_post_gives_the_script_the_dechunked_body_and_its_exact_length(serve):
    running = start(serve, {"sink.py": script(SINK_SCRIPT)})
    body = os.urandom(MiB) + b"\r\n0\r\n\r\n"  # chunk syntax inside the data must not matter
    data = request(running.port, "POST /sink.py HTTP/1.1\r\nContent-Type: application/x-bin\r\n"
                                 "Transfer-Encoding: chunked", chunked(body), timeout=20)
    assert dumped(parse(data)[0]) == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                                      "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-bin"}


def test_a_script_writing_1mib_before_reading_its_body_does_not_deadlock(serve):
    talker = script("""
sys.stdout.buffer.write(b"Content-Type: application/octet-stream\\r\\n\\r\\n" + b"x" * (1 << 20))
sys.stdout.flush()
body = sys.stdin.buffer.read()
sys.stdout.buffer.write(hashlib.sha256(body).hexdigest().encode())
""")
    running = start(serve, {"talker.py": talker})
    body = os.urandom(MiB)
    data = request(running.port, f"POST /talker.py HTTP/1.1\r\nContent-Length: {len(body)}", body, timeout=30)
    reply = parse(data)[0]
    assert reply.status == 200
    assert reply.body == b"x" * MiB + hashlib.sha256(body).hexdigest().encode()


def test_get_without_a_body_has_no_content_length_and_stdin_at_eof(serve):
    running = start(serve, {"sink.py": script(SINK_SCRIPT)})
    assert dumped(get(running.port, "/sink.py")) == {"size": 0, "sha256": hashlib.sha256(b"").hexdigest(),
                                                     "CONTENT_LENGTH": None, "CONTENT_TYPE": None}


# --- the script's folder and files -----------------------------------------------------------------

def test_relative_paths_in_a_script_resolve_in_its_own_folder(serve):
    rel = script("reply(open('data.txt', 'rb').read() + os.getcwd().encode(), 'text/plain')\n")
    running = start(serve, {"sub/rel.py": rel, "sub/data.txt": "next to the script\n"})
    reply = get(running.port, "/sub/rel.py")
    assert reply.status == 200
    assert reply.body == f"next to the script\n{running.root / 'cgi' / 'sub'}".encode()


def test_missing_script_is_404(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    assert get(running.port, "/nope.py").status == 404
    assert get(running.port, "/nope.py/with/path/info").status == 404
    assert get(running.port, "/nope.sh").status == 404


def test_exec_of_a_file_that_is_not_executable_is_403(serve):
    running = start(serve, {"plain.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran'\n"}, mode=0o644)
    reply = get(running.port, "/plain.sh")
    assert reply.status == 403
    assert b"ran" not in reply.body


def test_exec_runs_an_executable_file(serve):
    running = start(serve, {"hi.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhi %s' \"$QUERY_STRING\"\n"})
    reply = get(running.port, "/hi.sh?q=1")
    assert (reply.status, reply.body) == (200, b"hi q=1")


def test_a_directory_named_like_a_script_is_403(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT), "dir.py/f": "x", "dir.sh/f": "x"})
    assert get(running.port, "/dir.py").status == 403
    assert get(running.port, "/dir.sh").status == 403


def test_a_symlink_pointing_outside_the_root_is_refused(serve, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text(script("reply(b'LEAKED', 'text/plain')\n"))
    (outside / "evil.sh").write_text("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nLEAKED'\n")
    os.chmod(outside / "evil.py", 0o755)
    os.chmod(outside / "evil.sh", 0o755)
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    (running.root / "cgi" / "link.py").symlink_to(outside / "evil.py")
    (running.root / "cgi" / "link.sh").symlink_to(outside / "evil.sh")
    for path in ("/link.py", "/link.sh"):
        reply = get(running.port, path)
        assert reply.status in (403, 404), (path, reply.status)
        assert b"LEAKED" not in reply.body


# --- the header block ------------------------------------------------------------------------------

@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_status_and_custom_headers_from_the_script(serve, eol):
    head = eol.join(["Status: 404 Not Found", "X-Custom: yes", "Content-Type: text/x-test", "", "gone"])
    running = start(serve, {"status.py": script(f"sys.stdout.write({head!r})\n")})
    reply = get(running.port, "/status.py")
    assert (reply.status, reply.reason) == (404, "Not Found")
    assert reply.header("X-Custom") == "yes"
    assert reply.header("Content-Type") == "text/x-test"
    assert reply.header("Status") is None
    assert reply.body == b"gone"


def test_an_nph_script_writes_the_whole_answer_and_the_connection_closes(serve):
    answer = "HTTP/1.1 299 Custom\r\nContent-Type: text/plain\r\nX-Raw: 1\r\n\r\nraw body"
    running = start(serve, {"nph-raw.py": script(f"sys.stdout.write({answer!r})\n")})
    data = raw(running.port, b"GET /nph-raw.py HTTP/1.1\r\nHost: a.test\r\n\r\n", 10)
    assert data == answer.encode()  # as it came: no Server, Date or framing of ours, then the end


def test_several_set_cookie_headers_are_all_kept_in_order(serve):
    cookies = script("sys.stdout.write('Set-Cookie: a=1\\r\\nSet-Cookie: b=2; Path=/\\r\\n"
                     "Content-Type: text/plain\\r\\nSet-Cookie: c=3; HttpOnly\\r\\n\\r\\nok')\n")
    running = start(serve, {"cookies.py": cookies})
    reply = get(running.port, "/cookies.py")
    assert reply.status == 200
    assert [v for k, v in reply.headers if k.lower() == "set-cookie"] == ["a=1", "b=2; Path=/", "c=3; HttpOnly"]


def test_a_script_content_length_is_kept_and_without_one_the_body_is_chunked(serve):
    sized = script("sys.stdout.write('Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello')\n")
    streamed = script("sys.stdout.write('Content-Type: text/plain\\r\\n\\r\\nhello'); sys.stdout.flush()\n"
                      "time.sleep(0.2); sys.stdout.write(' world')\n")  # (the rest comes later: chunks)
    running = start(serve, {"sized.py": sized, "streamed.py": streamed})
    reply = get(running.port, "/sized.py")
    assert (reply.header("Content-Length"), reply.header("Transfer-Encoding"), reply.body) == ("5", None, b"hello")
    reply = get(running.port, "/streamed.py")
    assert (reply.header("Transfer-Encoding"), reply.body) == ("chunked", b"hello world")


def test_a_script_sending_less_than_its_content_length_has_the_response_cut(serve):
    short = script("sys.stdout.write('Content-Type: text/plain\\r\\nContent-Length: 10\\r\\n\\r\\nhalf')\n")
    running = start(serve, {"short.py": short})
    data = request(running.port, "GET /short.py HTTP/1.1")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 10" in head
    assert body == b"half"  # then the connection closed: the client sees 4 of the 10 bytes
    assert "Traceback" not in error_log(running)


def test_head_gets_the_script_headers_without_its_body(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT)})
    data = request(running.port, "HEAD /env.py HTTP/1.1")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Type: application/json" in head
    assert body == b""


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
def test_a_204_or_304_from_the_script_has_no_body_and_no_transfer_encoding(serve, status):
    running = start(serve, {"empty.py": script(f"sys.stdout.write('Status: {status}\\r\\n\\r\\n')\n")})
    data = request(running.port, "GET /empty.py HTTP/1.1")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode())
    assert body == b""
    assert b"transfer-encoding" not in head.lower()


def test_http11_keepalive_serves_a_second_request_after_a_chunked_cgi_answer(serve):
    running = start(serve, {"env.py": script(ENV_SCRIPT + "time.sleep(0.2)\n")})  # (alive after its output: chunks)
    one = b"GET /env.py?n=1 HTTP/1.1\r\nHost: a.test\r\n\r\n"
    two = b"GET /env.py?n=2 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(one)
        first, rest = parse(receive(sock, 10, until=b"\r\n0\r\n\r\n"))
        assert rest == b""
        sock.sendall(two)
        second, _ = parse(receive(sock, 10))
    assert dumped(first)["env"]["QUERY_STRING"] == "n=1"
    assert dumped(second)["env"]["QUERY_STRING"] == "n=2"


def test_a_quick_script_is_answered_whole_whichever_framing_its_timing_gives(serve):
    # Exited before its output is read (its end of file known with it): a Content-Length;
    # read while it still runs: chunks (the unit tests pin each case down).
    running = start(serve, {"quick.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhello'\n"})
    lengths = set()
    for _ in range(20):
        reply = get(running.port, "/quick.sh")
        assert (reply.status, reply.body) == (200, b"hello")
        lengths.add((reply.header("Content-Length"), reply.header("Transfer-Encoding")))
    assert lengths <= {("5", None), (None, "chunked")}


def test_http10_client_gets_the_body_without_chunks(serve):
    streamed = script("sys.stdout.write('Content-Type: text/plain\\r\\n\\r\\nhello'); sys.stdout.flush()\n"
                      "sys.stdout.write(' world')\n")
    running = start(serve, {"streamed.py": streamed})
    data = raw(running.port, b"GET /streamed.py HTTP/1.0\r\nHost: a.test\r\n\r\n", timeout=10)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" not in head.lower()
    assert body == b"hello world"


def test_local_location_reruns_the_target_script_as_a_get(serve):
    target = script("env = environ(); reply(f\"{env['REQUEST_METHOD']} {env['SCRIPT_NAME']} {env['QUERY_STRING']} \""
                    "f\"{env.get('CONTENT_LENGTH')}\".encode(), 'text/plain')\n")
    running = start(serve, {"jump.py": script("sys.stdout.write('Location: /target.py?from=cgi\\r\\n\\r\\n')\n"),
                            "target.py": target})
    reply = get(running.port, "/jump.py", method="POST", body=b"a=1")
    assert reply.header("Location") is None
    assert (reply.status, reply.body) == (200, b"GET /target.py from=cgi None")


def test_local_location_to_a_static_file_serves_the_file(serve):
    running = start(serve, {"static.txt": "static file\n",
                            "tofile.py": script("sys.stdout.write('Location: /static.txt\\n\\n')\n")})
    reply = get(running.port, "/tofile.py")
    assert (reply.status, reply.body) == (200, b"static file\n")
    assert reply.header("Location") is None


def test_absolute_location_without_status_is_a_302(serve):
    running = start(serve, {"away.py": script("sys.stdout.write('Location: http://example.org/x?y=1\\r\\n\\r\\n')\n")})
    reply = get(running.port, "/away.py")
    assert reply.status == 302
    assert reply.header("Location") == "http://example.org/x?y=1"


def test_absolute_location_with_a_status_keeps_that_status(serve):
    running = start(serve, {"moved.py": script("sys.stdout.write('Status: 301 Moved\\r\\n"
                                               "Location: http://example.org/new\\r\\n\\r\\n')\n")})
    reply = get(running.port, "/moved.py")
    assert (reply.status, reply.header("Location")) == (301, "http://example.org/new")


BAD_OUTPUT = {
    "no_header_block": "sys.stdout.write('just a body, no headers at all\\n')",
    "header_line_without_colon": "sys.stdout.write('Content-Type text/plain\\r\\n\\r\\nLEAKED')",
    "header_block_never_ends": "sys.stdout.write('Content-Type: text/plain\\r\\nX-A: 1\\r\\n')",
    "headers_over_64k": "sys.stdout.write('Content-Type: text/plain\\r\\nX-Big: ' + 'a' * 70000 + '\\r\\n\\r\\nLEAKED')",
    "many_headers_over_64k": "sys.stdout.write(''.join(f'X-H{i}: {\"v\" * 60}\\r\\n' for i in range(1200)) + '\\r\\n')",
    "transfer_encoding": "sys.stdout.write('Content-Type: text/plain\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
                         "6\\r\\nLEAKED\\r\\n0\\r\\n\\r\\n')",
    "invalid_status": "sys.stdout.write('Status: nope\\r\\nContent-Type: text/plain\\r\\n\\r\\nLEAKED')",
    "exits_without_output": "pass",
    "exits_non_zero_without_output": "sys.exit(3)",
    "crash_before_header": "sys.stdout.write('Content-Type: text/pl'); sys.stdout.flush(); os.abort()",
    "killed_by_a_signal": "os.kill(os.getpid(), signal.SIGKILL)",
}


@pytest.mark.parametrize("case", sorted(BAD_OUTPUT))
def test_malformed_output_or_crash_is_a_502_and_the_server_goes_on(serve, case):
    running = start(serve, {"bad.py": script(BAD_OUTPUT[case] + "\n"), "env.py": script(ENV_SCRIPT)})
    reply = get(running.port, "/bad.py", timeout=10)
    assert reply.status == 502, (reply.status, reply.headers, reply.body[:200])
    assert b"LEAKED" not in reply.body
    assert dumped(get(running.port, "/env.py"))["env"]["SCRIPT_NAME"] == "/env.py"


# --- time, streaming, and what is left behind ------------------------------------------------------

@pytest.mark.parametrize("grandchild_ignores_term", [
    pytest.param(False, id="all-obey-term"),
    pytest.param(True, id="grandchild-ignores-term"),
])
def test_no_output_for_cgi_timeout_is_504_and_the_process_group_is_killed(serve, marked, grandchild_ignores_term):
    marker = marked("sleeper")
    ignore = "signal.signal(signal.SIGTERM, signal.SIG_IGN); " if grandchild_ignores_term else ""
    sleeper = script(f"""
subprocess.Popen([sys.executable, "-c", "import signal, time; {ignore}time.sleep(60)", "{marker}-grandchild"])
time.sleep(60)  # {marker}
""")
    running = start(serve, {f"slow/{marker}.py": sleeper})
    started = time.monotonic()
    reply = get(running.port, f"/slow/{marker}.py", timeout=15)
    assert reply.status == 504
    assert time.monotonic() - started < 8  # cgi_timeout 1s, not the 60 s of the script
    wait_until(lambda: not processes_with(marker), lambda: f"processes left: {process_table(marker)}")


def test_client_gone_before_any_output_kills_the_script(serve, marked):
    marker = marked("silent")
    running = start(serve, {f"{marker}.py": script(f"time.sleep(60)  # {marker}\n")})
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(f"GET /{marker}.py HTTP/1.1\r\nHost: a.test\r\n\r\n".encode())
        wait_until(lambda: processes_with(marker), lambda: "the script never started")
    wait_until(lambda: not processes_with(marker), lambda: f"processes left: {process_table(marker)}")
    assert get(running.port, "/ping").status == 200


def test_a_script_stalling_after_its_header_is_cut_at_cgi_timeout_and_killed(serve, marked):
    marker = marked("staller")
    staller = script(f"""
sys.stdout.write("Content-Type: text/plain\\r\\n\\r\\npartial"); sys.stdout.flush()
time.sleep(60)  # {marker}
""")
    running = start(serve, {f"slow/{marker}.py": staller})
    started = time.monotonic()
    data = request(running.port, f"GET /slow/{marker}.py HTTP/1.1", timeout=15)
    assert time.monotonic() - started < 8  # closed at cgi_timeout 1s, not after the script's 60 s
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    assert b"partial" in body
    assert not body.endswith(b"0\r\n\r\n")  # cut: the client can tell the body is incomplete
    wait_until(lambda: not processes_with(marker), lambda: f"processes left: {process_table(marker)}")
    assert "timed out" in log_line_with(running, marker)
    assert "Traceback" not in error_log(running)


@pytest.mark.parametrize("ignores_term", [
    pytest.param(False, id="obeys-term"),
    pytest.param(True, id="ignores-term"),
])
def test_client_disconnect_mid_output_kills_the_script_and_leaks_no_fd(serve, marked, ignores_term):
    marker = marked("endless")
    endless = script(f"""
if {ignores_term}:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{marker}-grandchild"])
sys.stdout.buffer.write(b"Content-Type: application/octet-stream\\r\\n\\r\\n")
while True:
    sys.stdout.buffer.write(b"y" * 65536)
""")
    running = start(serve, {f"{marker}.py": endless, "env.py": script(ENV_SCRIPT)})
    pid = running.proc.pid
    dumped(get(running.port, "/env.py"))  # one CGI request first: whatever is made once is made
    assert get(running.port, "/ping").status == 200
    fds_before = fd_count(pid)
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(f"GET /{marker}.py HTTP/1.1\r\nHost: a.test\r\n\r\n".encode())
        got = receive(sock, 10, until=b"y" * 65536)
        assert got.startswith(b"HTTP/1.1 200") and b"y" * 65536 in got
        assert processes_with(marker)  # the script is running
    wait_until(lambda: not processes_with(marker), lambda: f"processes left: {process_table(marker)}")
    wait_until(lambda: fd_count(pid) <= fds_before, lambda: f"server fds {fd_count(pid)}, were {fds_before}")
    assert get(running.port, "/ping").status == 200


def test_50mb_output_to_a_slow_reader_keeps_the_server_rss_flat(serve):
    size = 50 * MiB
    big = script(f"""
sys.stdout.buffer.write(b"Content-Type: application/octet-stream\\r\\n\\r\\n")
block = bytes(range(256)) * 256
for _ in range({size} // len(block)):
    sys.stdout.buffer.write(block)
""")
    running = start(serve, {"big.py": big, "env.py": script(ENV_SCRIPT)})
    pid = running.proc.pid
    dumped(get(running.port, "/env.py"))
    baseline = rss_kib(pid)
    peak = [baseline]
    rate = 25 * MiB  # bytes per second: the client is slow on purpose, this is the test's input
    began, received, reads = time.monotonic(), [0], [0]

    def on_read(n: int) -> None:
        received[0] += n
        ahead = received[0] / rate - (time.monotonic() - began)
        if ahead > 0:
            time.sleep(ahead)
        reads[0] += 1
        if reads[0] % 16 == 0:
            peak[0] = max(peak[0], rss_kib(pid))

    with socket.create_connection(("127.0.0.1", running.port), timeout=20) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /big.py HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += _recv(sock, None)
        head, _, first = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
        total, digest = dechunk_count(sock, first, on_read)
    expected = hashlib.sha256(bytes(range(256)) * 256 * (size // 65536)).hexdigest()
    assert (total, digest) == (size, expected)
    assert (peak[0] - baseline) < 16 * 1024, f"RSS grew from {baseline} KiB to {peak[0]} KiB"


def test_stderr_lines_go_to_the_error_log_with_the_request(serve):
    marker = uuid.uuid4().hex
    noisy = script(f"""
sys.stderr.write("first-{marker}\\nsecond-{marker}\\n"); sys.stderr.flush()
reply(b"fine", "text/plain")
""")
    running = start(serve, {"noisy.py": noisy})
    reply = get(running.port, "/noisy.py?q=1")
    assert (reply.status, reply.body) == (200, b"fine")
    for word in ("first", "second"):
        line = log_line_with(running, f"{word}-{marker}")
        assert 'request: "GET /noisy.py?q=1 HTTP/1.1"' in line, line
        assert "client: 127.0.0.1" in line, line


# --- the examples in cgi/ --------------------------------------------------------------------------

EXAMPLES = """
server {
    listen 127.0.0.1:PORT0;
    server_name a.test;
    root EXAMPLES;
    location ~ \\.py(/|$) { cgi_pass PY; cgi_split_path_info ^(.+\\.py)(/.*)$; }
    location ~ \\.sh$ { cgi_pass exec; }
    location ~ \\.php$ { cgi_pass PHP; }
}
"""


@pytest.fixture
def examples(serve):
    conf = EXAMPLES.replace("EXAMPLES", str(REPO / "cgi")).replace("PY", PY).replace("PHP", PHP_CGI or "/bin/false")
    return serve(conf)


def test_example_env_echo_and_hello_sh(examples):
    port = examples.port
    reply = get(port, "/env.py/extra?x=1")
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    lines = reply.body.decode().splitlines()
    assert "PATH_INFO=/extra" in lines and "QUERY_STRING=x=1" in lines and lines == sorted(lines)
    reply = get(port, "/echo.py", method="POST", headers="Content-Type: text/x-mine\r\n", body=b"\x00echo\xff")
    assert (reply.status, reply.header("Content-Type"), reply.body) == (200, "text/x-mine", b"\x00echo\xff")
    reply = get(port, "/hello.sh?q=2")
    assert reply.status == 200
    assert b"Hello from hello.sh" in reply.body and b"query=q=2" in reply.body


def test_example_form_and_upload(examples):
    port = examples.port
    assert b"<form" in get(port, "/form.py").body
    reply = get(port, "/form.py", method="POST", headers="Content-Type: application/x-www-form-urlencoded\r\n",
                body=b"name=%3Cb%3Eme%3C%2Fb%3E&comment=hi+there")
    assert b"<td>&lt;b&gt;me&lt;/b&gt;</td>" in reply.body and b"<td>hi there</td>" in reply.body
    multipart = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                 b"Content-Type: text/plain\r\n\r\nhello\r\n"
                 b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nnot a file\r\n"
                 b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n\r\n"
                 + bytes(1000) + b"\r\n--XyZ--\r\n")
    reply = get(port, "/upload.py", method="POST", headers="Content-Type: multipart/form-data; boundary=XyZ\r\n",
                body=multipart)
    assert reply.status == 200
    assert b"<li>a.txt: 5 bytes</li>" in reply.body and b"<li>b.bin: 1000 bytes</li>" in reply.body
    assert b"not a file" not in reply.body


@pytest.mark.skipif(PHP_CGI is None, reason="php-cgi is not installed (tools/run-tests installs it)")
def test_example_php_page_under_php_cgi(examples):
    reply = get(examples.port, "/hello.php?a=1&b=two")
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert reply.header("Content-Type") == "text/plain; charset=utf-8"
    lines = reply.body.decode().splitlines()
    assert lines[0].startswith("PHP ") and "SAPI cgi-fcgi" in lines
    assert "SCRIPT_NAME /hello.php" in lines and "GET a=1" in lines and "GET b=two" in lines
