"""The server core on real sockets: default site, vhosts, return, error pages, framing."""

from __future__ import annotations

import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from client import get, parse, parse_all, raw
from helpers import CHILD_ENV
from servers import REPO, Running, free_port, free_port_pair, read_until

SITE = """
server {
    listen 127.0.0.1:PORT0;
    server_name a.test localhost;
    root ROOT/www/a;
    error_page 404 /errors/404.html;
    location = /r { return 200 "uri=$uri args=$args host=$host method=$request_method\\n"; }
    location /old { return 301 /new/; }
    location = /teapot { return 418; }
    location = /gone { return 410; }
    location = /away { return https://example.org/x; }
    location = /drop { return 444; }
    location = /status { stub_status; }
    location /small { client_max_body_size 100; return 200 "small ok"; }
    location /only-get/ { allow_methods GET; }
    location /denied/ { deny all; }
    location /le/ { limit_except GET { deny all; } }
}
server {
    listen 127.0.0.1:PORT0;
    server_name b.test *.wild.test;
    return 200 "SITE-B\\n";
}
server {
    listen 127.0.0.1:PORT1;
    server_name localhost;
    root ROOT/www/c;
}
"""
FILES = {
    "www/a/index.html": "SITE-A\n",
    "www/a/errors/404.html": "CUSTOM-404\n",
    "www/a/static/a.txt": "alpha",
    "www/a/only-get/f.txt": "f",
    "www/a/denied/f.txt": "f",
    "www/a/le/f.txt": "f",
    "www/c/index.html": "SITE-C\n",
}


@pytest.fixture
def site(serve):
    return serve(SITE, ports=2, files=FILES)


def test_default_site_from_the_readme(tmp_path):
    """`nginxlite` with no arguments in the repository serves html/ on 127.0.0.1:8080."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8080)) == 0:
            pytest.skip("something already listens on 127.0.0.1:8080")
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-g", f"pid {tmp_path}/n.pid;"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV)
    try:
        lines = read_until(proc.stdout, b"listening on", 2, time.monotonic() + 15, proc)  # 8080 and 8081
        assert b"listening on http://127.0.0.1:8080" in lines
        reply = get(8080, "/")
        assert reply.status == 200 and b"Welcome to nginxlite" in reply.body
        assert reply.header("Content-Type") == "text/html"
        missing = get(8080, "/nope")
        assert missing.status == 404 and b"could not find" in missing.body
        assert get(8080, "/style.css").header("Content-Type") == "text/css"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_static_index_and_head(site):
    reply = get(site.port, "/")
    assert (reply.status, reply.body) == (200, b"SITE-A\n")
    for name in ("Date", "Server", "Content-Length", "Content-Type", "Last-Modified", "ETag"):
        assert reply.header(name), name
    assert reply.header("Server").startswith("nginxlite/")
    head = get(site.port, "/", method="HEAD")
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", "7")
    assert get(site.port, "/static/a.txt?x=1").body == b"alpha"
    assert get(site.port, "/static/%61.txt").body == b"alpha"


def test_directory_without_slash_redirects(site):
    reply = get(site.port, "/static")
    assert reply.status == 301
    assert reply.header("Location") == f"http://a.test:{site.port}/static/"


def test_virtual_hosts(site):
    assert get(site.port, "/", host="b.test").body == b"SITE-B\n"
    assert get(site.port, "/", host="B.TEST").body == b"SITE-B\n"
    assert get(site.port, "/", host=f"b.test:{site.port}").body == b"SITE-B\n"
    assert get(site.port, "/", host="x.wild.test").body == b"SITE-B\n"
    assert get(site.port, "/", host="zzz.test").body == b"SITE-A\n"  # default server: the first
    assert get(site.ports[1], "/", host="localhost").body == b"SITE-C\n"


def test_return_forms(site):
    r = get(site.port, "/r?q=1")
    assert (r.status, r.body) == (200, b"uri=/r args=q=1 host=a.test method=GET\n")
    assert r.header("Content-Type") == "text/plain"
    r = get(site.port, "/old")
    assert (r.status, r.header("Location")) == (301, f"http://a.test:{site.port}/new/")
    assert b"<title>301 Moved Permanently</title>" in r.body
    r = get(site.port, "/away")
    assert (r.status, r.header("Location")) == (302, "https://example.org/x")
    r = get(site.port, "/teapot")
    assert (r.status, r.body) == (418, b"")
    assert get(site.port, "/gone").status == 410
    assert raw(site.port, b"GET /drop HTTP/1.1\r\nHost: a.test\r\n\r\n") == b""


def test_error_page_and_builtin_pages(site):
    r = get(site.port, "/nope")
    assert (r.status, r.body, r.header("Content-Type")) == (404, b"CUSTOM-404\n", "text/html")
    r = get(site.ports[1], "/nope", host="localhost")
    assert r.status == 404 and b"<title>404 Not Found</title>" in r.body
    assert b"<hr><center>nginxlite/" in r.body


def test_methods(site):
    r = get(site.port, "/static/a.txt", method="DELETE")
    assert (r.status, r.header("Allow")) == (405, "GET, HEAD")
    r = get(site.port, "/only-get/f.txt", method="POST", body=b"x")
    assert (r.status, r.header("Allow")) == (405, "GET, HEAD")
    assert get(site.port, "/", method="FOO").status == 501
    assert get(site.port, "/", method="TRACE").status == 405
    assert get(site.port, "/denied/f.txt").status == 403
    assert get(site.port, "/le/f.txt").status == 200
    assert get(site.port, "/le/f.txt", method="POST", body=b"x").status == 403


def test_body_size_limit(site):
    assert get(site.port, "/small", method="POST", body=b"x" * 100).status == 200
    assert get(site.port, "/small", method="POST", body=b"x" * 101).status == 413
    start = time.monotonic()
    data = raw(site.port, b"POST /small HTTP/1.1\r\nHost: a.test\r\nContent-Length: 999999999\r\n\r\nx", timeout=10)
    assert data.startswith(b"HTTP/1.1 413 Content Too Large\r\n")
    assert time.monotonic() - start < 8


@pytest.mark.parametrize("request_bytes, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"get / HTTP/1.1\r\nHost: a.test\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: a.test\r\n\r\n", 505),
    (b"GET / HTTP/1.1\r\nHost a.test\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", 400),
    (b"GET /../../etc/passwd HTTP/1.1\r\nHost: a.test\r\n\r\n", 400),
    (b"GET /static/..%2f..%2f..%2fetc/passwd HTTP/1.1\r\nHost: a.test\r\n\r\n", 400),
    (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: a.test\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: a.test\r\n" + b"X-A: 1\r\n" * 1000 + b"\r\n", 431),
    (b"POST /small HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST /small HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST /small HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
])
def test_malformed_requests(site, request_bytes, status):
    data = raw(site.port, request_bytes)
    reply, _ = parse(data)
    assert reply.status == status
    assert reply.header("Connection") == "close"
    assert get(site.port, "/").status == 200  # and the server keeps serving


def test_http10_without_host_gets_the_default_server(site):
    reply, _ = parse(raw(site.port, b"GET / HTTP/1.0\r\n\r\n"))
    assert (reply.status, reply.body) == (200, b"SITE-A\n")


def test_absolute_form_target_selects_the_server(site):
    reply, _ = parse(raw(site.port, b"GET http://b.test/ HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"))
    assert reply.body == b"SITE-B\n"


def test_keep_alive_and_pipelining(site):
    data = raw(site.port, b"GET /static/a.txt HTTP/1.1\r\nHost: a.test\r\n\r\n"
                          b"POST /small HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc"
                          b"GET /r HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    replies = parse_all(data)
    assert [r.status for r in replies] == [200, 200, 200]
    assert [r.body[:5] for r in replies] == [b"alpha", b"small", b"uri=/"]
    assert [r.header("Connection") for r in replies] == ["keep-alive", "keep-alive", "close"]


def test_chunked_body_is_read_and_the_connection_reused(site):
    data = raw(site.port, b"POST /small HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
                          b"GET /r HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    assert [r.status for r in parse_all(data)] == [200, 200]


def test_request_dribbled_in_pieces(site):
    data = raw(site.port, b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", pieces=20, gap=0.01)
    assert parse(data)[0].body == b"SITE-A\n"


def test_stub_status(site):
    reply = get(site.port, "/status")
    lines = reply.body.decode().split("\n")
    assert lines[0] == "Active connections: 1 "
    assert lines[1] == "server accepts handled requests"
    accepts, handled, requests = map(int, lines[2].split())
    assert accepts == handled and requests >= 1
    assert lines[3] == "Reading: 0 Writing: 1 Waiting: 0 "


def test_access_log_is_combined_and_flushed(site):
    get(site.port, "/static/a.txt", headers="User-Agent: probe/1\r\nReferer: http://r/\r\n")
    site.signal(signal.SIGTERM)
    assert site.proc.wait(timeout=10) == 0
    line = (site.root / "logs" / "access.log").read_text().splitlines()[-1]
    assert line.startswith("127.0.0.1 - - [")
    assert line.endswith('"GET /static/a.txt HTTP/1.1" 200 5 "http://r/" "probe/1"')


def test_bind_failure_keeps_serving_the_other_ports(serve):
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        running = serve(f"server {{ listen 127.0.0.1:{taken}; listen 127.0.0.1:PORT0; return 200 ok; }}")
        assert any(f"bind() to 127.0.0.1:{taken} failed (98: Address already in use)".encode() in line
                   for line in running.output)
        assert get(running.port, "/").body == b"ok"


def test_no_port_bound_exits_1(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        conf = tmp_path / "x.conf"
        conf.write_text(f"server {{ listen 127.0.0.1:{busy.getsockname()[1]}; }}\n")
        result = subprocess.run([sys.executable, "-m", "nginxlite", "-c", str(conf), "-p", str(tmp_path)],
                                capture_output=True, text=True, timeout=30, env=CHILD_ENV)
    assert result.returncode == 1
    assert "(98: Address already in use)" in result.stdout


def test_reload_keeps_old_config_on_error_and_applies_good_one(serve):
    running = serve("server { listen 127.0.0.1:PORT0; return 200 one; }")
    conf = running.root / "site.conf"
    conf.write_text(conf.read_text().replace("return 200 one;", "bogus;"))
    running.signal(signal.SIGHUP)
    running.read_line(b"reload failed")
    assert get(running.port, "/").body == b"one"
    new_port = free_port()
    conf.write_text(f"server {{ listen 127.0.0.1:{new_port}; return 200 two; }}\n")
    running.signal(signal.SIGHUP)
    running.read_line(b"configuration reloaded")
    assert get(new_port, "/").body == b"two"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=2).close()


def test_quit_finishes_in_flight_requests(serve):
    running = serve("server { listen 127.0.0.1:PORT0; location / { return 200 ok; } location = /s { stub_status; } }")
    sock = socket.create_connection(("127.0.0.1", running.port), timeout=5)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # a request in flight
    for _ in range(100):  # until the server has read those bytes (stub_status says so)
        if b"Reading: 1 " in get(running.port, "/s").body:
            break
    else:
        pytest.fail("the server never read the partial request")
    running.signal(signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while True:  # until the server has stopped listening: the signal was handled
        try:
            socket.create_connection(("127.0.0.1", running.port), timeout=1).close()
        except (ConnectionRefusedError, ConnectionResetError):  # reset: queued when the socket closed
            break
        assert time.monotonic() < deadline, "the server kept listening after SIGQUIT"
    sock.sendall(b"\r\n")
    reply, _ = parse(sock.recv(65536))
    assert (reply.status, reply.header("Connection")) == (200, "close")
    sock.close()
    assert running.proc.wait(timeout=10) == 0


def test_pid_file_and_signal_command(serve):
    running = serve("pid run/x.pid; events {} http { server { listen 127.0.0.1:PORT0; return 200 ok; } }")
    pid_file = running.root / "run" / "x.pid"
    assert int(pid_file.read_text()) == running.proc.pid
    result = subprocess.run([sys.executable, "-m", "nginxlite", "-s", "stop", "-c", str(running.root / "site.conf"),
                             "-p", str(running.root)], capture_output=True, text=True, timeout=30, env=CHILD_ENV)
    assert result.returncode == 0, result.stderr
    assert running.proc.wait(timeout=10) == 0
    assert not pid_file.exists()


def test_expect_continue(site):
    data = raw(site.port, b"POST /small HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
                          b"abcGET /r HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert [r.status for r in parse_all(data[len(b"HTTP/1.1 100 Continue\r\n\r\n"):])] == [200, 200]
    data = raw(site.port, b"POST /small HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 413 Content Too Large\r\n")  # no 100 when the length is refused


def test_log_format_and_reopen(serve):
    running = serve("""
        http {
            log_format short '$remote_addr "$request" $status $body_bytes_sent $request_method $uri';
            server { listen 127.0.0.1:PORT0; access_log logs/short.log short; return 200 "abc"; }
        }
        events {}""")
    get(running.port, "/x?y=1")
    log = running.root / "logs" / "short.log"
    moved = running.root / "logs" / "short.log.1"
    running.signal(signal.SIGUSR1)  # buffered lines are flushed, then the file reopened
    deadline = time.monotonic() + 10
    while not (log.exists() and log.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)  # the log is written by the server's one-second flush; poll its effect
    assert log.read_text() == '127.0.0.1 "GET /x?y=1 HTTP/1.1" 200 3 GET /x\n'
    log.rename(moved)
    running.signal(signal.SIGUSR1)
    get(running.port, "/z")
    running.signal(signal.SIGTERM)
    assert running.proc.wait(timeout=10) == 0
    assert log.read_text() == '127.0.0.1 "GET /z HTTP/1.1" 200 3 GET /z\n'


def test_every_access_log_variable(serve):
    """Each variable the access log computes itself, and escaping of client-supplied ones."""
    running = serve("""
        http {
            log_format all '$remote_addr|$remote_user|$time_local|$time_iso8601|$msec|$request|$status|'
                           '$body_bytes_sent|$bytes_sent|$request_time|$request_length|$http_user_agent|'
                           '$http_x_missing|$args|$server_name';
            server { listen 127.0.0.1:PORT0; server_name a.test; access_log logs/all.log all; return 200 "abc"; }
        }
        events {}""")
    head = b'GET /x?y=1 HTTP/1.1\r\nHost: a.test\r\nUser-Agent: ag"ent\\\r\nConnection: close\r\n\r\n'
    reply = raw(running.port, head)
    running.signal(signal.SIGTERM)
    assert running.proc.wait(timeout=10) == 0
    line = (running.root / "logs" / "all.log").read_text()
    fields = line.rstrip("\n").split("|")
    assert fields[0:2] == ["127.0.0.1", "-"]
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}", fields[2])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", fields[3])  # nginx: +00:00
    assert re.fullmatch(r"\d+\.\d{3}", fields[4]) and abs(float(fields[4]) - time.time()) < 60
    assert fields[5:8] == ["GET /x?y=1 HTTP/1.1", "200", "3"]
    assert int(fields[8]) == len(reply)
    assert re.fullmatch(r"\d+\.\d{3}", fields[9])
    assert int(fields[10]) == len(head)
    assert fields[11:] == ['ag\\x22ent\\x5C', "-", "y=1", "a.test"]


def test_error_log_format(serve):
    running = serve("error_log logs/e.log info; events {} http { server { listen 127.0.0.1:PORT0; } }")
    running.signal(signal.SIGTERM)
    assert running.proc.wait(timeout=10) == 0
    lines = (running.root / "logs" / "e.log").read_text().splitlines()
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[notice\] \d+#0: nginxlite/[0-9.]+ started", lines[0])
    assert lines[-1].endswith("[notice] %d#0: exiting" % running.proc.pid)


def test_open_connections_keep_the_config_they_started_with(serve):
    running = serve("server { listen 127.0.0.1:PORT0; return 200 one; }")
    old = socket.create_connection(("127.0.0.1", running.port), timeout=5)
    old.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert parse(old.recv(65536))[0].body == b"one"
    conf = running.root / "site.conf"
    conf.write_text(conf.read_text().replace("return 200 one;", "return 200 two;"))
    running.signal(signal.SIGHUP)
    running.read_line(b"configuration reloaded")
    assert get(running.port, "/").body == b"two"  # a new connection: the new configuration
    old.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert parse(old.recv(65536))[0].body == b"one"  # the open one finishes on the old
    old.close()


def test_a_cached_small_file_is_never_served_stale(serve):
    """The small-file cache re-validates every hit: a same-size rewrite, a rename over the
    file, a removal and a permission change all show on the very next request."""
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; }", files={"www/a.txt": "one\n"})
    path = running.root / "www" / "a.txt"
    os.utime(path, (1, 1))  # long settled: the server keeps it in memory
    for _ in range(3):
        assert get(running.port, "/a.txt").body == b"one\n"
    path.write_text("two\n")
    os.utime(path, (1, 1))  # same size and the same mtime as the cached copy
    assert get(running.port, "/a.txt").body == b"two\n"
    (running.root / "www" / "b.txt").write_text("three\n")
    os.replace(running.root / "www" / "b.txt", path)
    assert get(running.port, "/a.txt").body == b"three\n"
    if os.geteuid() != 0:  # root reads anything: the permission check means nothing then
        path.chmod(0)
        assert get(running.port, "/a.txt").status == 403
        path.chmod(0o644)
    path.unlink()
    assert get(running.port, "/a.txt").status == 404


def test_error_log_stderr_is_the_stream_not_a_file(serve):
    running = serve("error_log stderr notice;\nevents {}\n"
                    "http { server { listen 127.0.0.1:PORT0; return 200 one; } }\n", name="nginx.conf")
    running.signal(signal.SIGHUP)
    line = next(line for line in running.read_line(b"[notice]") if b"[notice]" in line)
    assert re.fullmatch(rb"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[notice\] \d+#0: .*", line), line
    assert not (running.root / "stderr").exists()


def test_reloads_in_quick_succession_all_take_effect(serve):
    """Each SIGHUP loads in a child; one that arrives during a load loads again after it."""
    running = serve("server { listen 127.0.0.1:PORT0; return 200 one; }")
    conf = running.root / "site.conf"
    running.signal(signal.SIGHUP)
    conf.write_text(conf.read_text().replace("one", "two"))
    running.signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while get(running.port, "/").body != b"two":
        assert time.monotonic() < deadline, "the second reload never took effect"
        running.read_line(b"configuration reloaded")


def test_serving_goes_on_while_a_reload_loads_and_closed_connections_end_at_once(serve):
    """The reload child holds none of the server's sockets: a connection the server
    closes while the child is still loading gets its FIN at once, not when the child ends."""
    running = serve("server { listen 127.0.0.1:PORT0; return 200 one; }\ninclude ROOT/extra/*.conf;\n",
                    files={"extra/a.conf": "\n"})
    fifo = running.root / "extra" / "b.conf"
    os.mkfifo(fifo)  # the child's load blocks reading this include until we close it
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # accepted before the fork
        assert sock.recv(65536).endswith(b"one")
        running.signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while True:  # opening the fifo for writing succeeds once the child is reading it
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:
                assert time.monotonic() < deadline, "the reload child never opened the include"
                time.sleep(0.01)
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):  # socket.timeout here: the child kept the socket open
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"one")
        finally:
            os.close(writer)  # the child reads end of file and finishes its load
    running.read_line(b"configuration reloaded")
    assert get(running.port, "/").body == b"one"


def test_request_errors_go_to_the_error_log_of_their_server_or_location(serve):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www;"
                    " location /l/ { error_log ROOT/logs/location.log; }"
                    " location /quiet/ { error_log ROOT/logs/location.log crit; } }",
                    files={"www/f.txt": "f"})
    for path in ("/missing", "/l/missing", "/quiet/missing"):
        assert get(running.port, path).status == 404
    main = (running.root / "logs" / "error.log").read_text()
    location = (running.root / "logs" / "location.log").read_text()
    assert 'open() "%s/www/missing" failed' % running.root in main
    assert "/l/missing" not in main and "/quiet/missing" not in main  # a location's own log replaces the main one
    assert 'open() "%s/www/l/missing" failed (2: No such file or directory)' % running.root in location
    assert "/quiet/missing" not in location  # [error] is below that log's level (crit)


def test_a_location_error_log_that_cannot_be_opened_is_reported_at_start(serve):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www;"
                    " location /l/ { error_log ROOT/www/f.txt/location.log; } }",
                    files={"www/f.txt": "f"})
    assert any(b'[alert] open() "%s/www/f.txt/location.log" failed' % str(running.root).encode() in line
               for line in running.output), running.output
    assert get(running.port, "/l/missing").status == 404  # and the server serves on


def test_port_option_moves_every_listen_and_a_reload_keeps_it(tmp_path):
    """``--port N``: the first listen port read becomes N, the others move by as much."""
    port = free_port_pair()
    conf = tmp_path / "site.conf"
    conf.write_text("server { listen 127.0.0.1:8080; return 200 first; }\n"
                    "server { listen 127.0.0.1:8081; return 200 $server_port; }\n")
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(conf), "-p", str(tmp_path),
                             "--port", str(port), "-g", "error_log stderr notice;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV)
    running = Running(proc, [port, port + 1], tmp_path)
    try:
        lines = read_until(proc.stdout, b"listening on", 2, time.monotonic() + 15, proc)
        assert f"listening on http://127.0.0.1:{port}".encode() in b"\n".join(lines)
        assert get(port, "/").body == b"first"
        assert get(port + 1, "/").body == str(port + 1).encode()
        running.signal(signal.SIGHUP)
        running.read_line(b"configuration reloaded")
        assert get(port, "/").body == b"first" and get(port + 1, "/").status == 200
    finally:
        assert running.stop() == 0


def test_port_option_errors(tmp_path):
    conf = tmp_path / "site.conf"
    conf.write_text("server { listen 8080; }\nserver { listen 127.0.0.1:8090; }\n")
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=30, env=CHILD_ENV)
    moved = run([sys.executable, "-m", "nginxlite", "-t", "-c", str(conf), "--port=65530"])
    assert moved.returncode == 1
    assert (f"nginxlite: [emerg] --port 65530 moves port 8090 to 65540, outside 1-65535 in {conf}:2"
            in moved.stderr.splitlines())
    for bad in ("0", "65536", "http", ""):
        result = run([sys.executable, "-m", "nginxlite", "-t", "-c", str(conf), f"--port={bad}"])
        assert result.returncode == 1 and f'invalid port "{bad}" in "--port"' in result.stderr
    env = run([sys.executable, "-m", "nginxlite", "-t", "-c", str(conf)], env={**CHILD_ENV, "NGINXLITE_PORT": "x"})
    assert env.returncode == 1 and 'invalid port "x" in NGINXLITE_PORT' in env.stderr
    ok = run([sys.executable, "-m", "nginxlite", "-T", "-c", str(conf)], env={**CHILD_ENV, "NGINXLITE_PORT": "9000"})
    assert ok.returncode == 0, ok.stderr
