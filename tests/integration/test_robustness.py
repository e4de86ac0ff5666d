"""Timeouts, limits and hostile clients: the server answers or closes, and keeps serving."""

from __future__ import annotations

import os
import random
import resource
import signal
import socket
import time

import pytest

from client import get, parse, raw

TIMEOUTS = """
server {
    listen 127.0.0.1:PORT0;
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_timeout 1s;
    send_timeout 1s;
    root ROOT/www;
    location = /post { return 200 "posted"; }
    location = /s { stub_status; }
}
"""
FILES = {"www/index.html": "INDEX\n", "www/big.bin": os.urandom(8 << 20)}


def wait_closed(sock: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Read until the server closes; returns what it sent and how long it took."""
    start = time.monotonic()
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data, time.monotonic() - start


@pytest.fixture
def timed(serve):
    return serve(TIMEOUTS, files=FILES)


def test_idle_connection_is_closed_silently(timed):
    with socket.create_connection(("127.0.0.1", timed.port)) as sock:
        data, took = wait_closed(sock, 10)
    assert data == b"" and 0.5 < took < 5


def test_slow_header_gets_408(timed):
    with socket.create_connection(("127.0.0.1", timed.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
        data, took = wait_closed(sock, 10)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and 0.5 < took < 5
    assert get(timed.port, "/").status == 200


def test_slow_body_gets_408(timed):
    with socket.create_connection(("127.0.0.1", timed.port)) as sock:
        sock.sendall(b"POST /post HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        data, took = wait_closed(sock, 10)
    # nginx answers a "return" location at once and discards the body; then the body stalls.
    assert data.startswith(b"HTTP/1.1 200 OK") and data.count(b"HTTP/1.1 408 Request Timeout") == 1, data
    assert took < 5


def test_keepalive_timeout_closes_after_a_request(timed):
    with socket.create_connection(("127.0.0.1", timed.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        data, took = wait_closed(sock, 10)
    assert data.startswith(b"HTTP/1.1 200 OK") and b"HTTP/1.1 408" not in data and 0.5 < took < 5


def active_connections(port: int) -> int:
    return int(get(port, "/s").body.split(b"\n")[0].split(b":")[1])


def test_client_that_stops_reading_is_dropped(timed):
    with socket.create_connection(("127.0.0.1", timed.port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        # Now the client reads nothing more: after send_timeout (1s) without progress the
        # server drops it, and serves everyone else meanwhile.
        deadline = time.monotonic() + 15
        while active_connections(timed.port) > 1:
            assert time.monotonic() < deadline, "the stalled client was never dropped"
            time.sleep(0.2)  # polling a timeout's effect: bounded, not a readiness wait


def test_fuzz_never_crashes(serve):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; }", files=FILES)
    rng = random.Random(1234)
    pieces = [b"GET", b" ", b"/", b"HTTP/1.1", b"\r\n", b"\n", b"Host: a", b":", b"\x00", b"\xff", b"%", b"..",
              b"Content-Length: 99999999999999999999", b"Transfer-Encoding: chunked", b"0\r\n\r\n", b"\t",
              b"a" * 300, b"\r\n\r\n"]
    for i in range(300):
        if i % 3 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        else:
            data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 20)))
        try:
            raw(running.port, data, timeout=2, half_close=True)  # EOF after the bytes: answer or close
        except OSError:
            pass
    assert get(running.port, "/").body == b"INDEX\n"


def test_clients_that_vanish(serve):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; }", files=FILES)
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", running.port)) as sock:
            sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
            sock.recv(10)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", running.port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert get(running.port, "/").status == 200
    # Every vanished client is noticed and its descriptor closed (bounded wait: the
    # server learns of each reset from its next read or write).
    deadline = time.monotonic() + 15
    while (fds := len(os.listdir(f"/proc/{running.proc.pid}/fd"))) >= 30:
        assert time.monotonic() < deadline, f"{fds} descriptors still open"
        time.sleep(0.1)


def test_worker_connections_cap_pauses_accepting(serve):
    running = serve("events { worker_connections 4; } http { server { listen 127.0.0.1:PORT0; "
                    "keepalive_timeout 30s; root ROOT/www; } }", files=FILES)
    held = [socket.create_connection(("127.0.0.1", running.port)) for _ in range(4)]
    for sock in held:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert parse(sock.recv(65536))[0].status == 200
    extra = socket.create_connection(("127.0.0.1", running.port), timeout=1)  # queued by the kernel
    extra.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    with pytest.raises(socket.timeout):
        extra.recv(100)  # not accepted while 4 clients are connected
    cpu_before = _cpu(running.proc.pid)
    time.sleep(1)  # measuring that an idle, capped server burns no CPU needs a span of time
    assert _cpu(running.proc.pid) - cpu_before < 0.2  # no busy loop at the cap
    held.pop().close()
    extra.settimeout(5)
    assert parse(extra.recv(65536))[0].status == 200
    extra.close()
    for sock in held:
        sock.close()


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_file_descriptor_exhaustion_is_survived(tmp_path):
    import subprocess
    import sys

    from helpers import CHILD_ENV
    from servers import free_port, read_until

    port = free_port()
    conf = tmp_path / "x.conf"
    conf.write_text(f"server {{ listen 127.0.0.1:{port}; return 200 ok; }}\n")

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))

    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(conf), "-p", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV, preexec_fn=low_limit)
    try:
        read_until(proc.stdout, b"listening on", 1, time.monotonic() + 15, proc)
        held = []
        for _ in range(30):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        cpu_before = _cpu(proc.pid)
        time.sleep(1)  # as above: an absence of CPU use is measured over time
        assert _cpu(proc.pid) - cpu_before < 0.3
        for sock in held:
            sock.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert get(port, "/", timeout=2).body == b"ok"
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    raise
        log = (tmp_path / "logs" / "error.log").read_text()
        assert "accept() failed (24: Too many open files)" in log
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) * 1024


def test_memory_stays_flat_serving_a_1gib_file_to_several_clients(serve, tmp_path):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; }", files={"www/x": "x"})
    big = running.root / "www" / "big.bin"
    with open(big, "wb") as f:
        f.truncate(1 << 30)  # sparse: 1 GiB of zeros without using the disk
    before = _rss(running.proc.pid)
    socks = [socket.create_connection(("127.0.0.1", running.port), timeout=10) for _ in range(3)]
    for sock in socks:
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    received = [0] * len(socks)
    peak = before
    import selectors
    sel = selectors.DefaultSelector()
    for i, sock in enumerate(socks):
        sel.register(sock, selectors.EVENT_READ, i)
    open_count = len(socks)
    while open_count:
        for key, _ in sel.select(timeout=10):
            chunk = key.fileobj.recv(1 << 20)
            if not chunk:
                sel.unregister(key.fileobj)
                open_count -= 1
            received[key.data] += len(chunk)
        peak = max(peak, _rss(running.proc.pid))
    for sock in socks:
        sock.close()
    assert all(n > 1 << 30 for n in received)  # the whole file and its head, each
    assert peak - before < 10 << 20, f"RSS grew by {(peak - before) >> 20} MiB"


def test_request_and_fin_in_one_burst_are_answered_and_closed(serve):
    """A client that sends its request and shuts its side at once: the FIN comes with the
    data, so the server must read on to EOF after the request (EPOLLRDHUP), answer, and
    close long before the 60 s keep-alive timeout."""
    running = serve("server { listen 127.0.0.1:PORT0; keepalive_timeout 60s; root ROOT/www; }", files=FILES)
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", running.port)) as sock:
            sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            data, _ = wait_closed(sock, 10)
        assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"INDEX\n")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def test_ctrl_c_during_a_blocked_start_up_load_exits_quietly_and_leaves_no_loader(tmp_path):
    """An include that blocks (a fifo) holds the loading child; SIGINT to the server alone
    ends both, with no traceback and 128 + SIGINT as the exit code."""
    import subprocess
    import sys

    from helpers import CHILD_ENV
    from servers import REPO

    os.mkfifo(tmp_path / "blocks.conf")
    (tmp_path / "site.conf").write_text(f"server {{ listen 127.0.0.1:1; }}\ninclude {tmp_path}/blocks.conf;\n")
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(tmp_path / "site.conf"), "-p", str(tmp_path)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    loaders: list[int] = []
    try:
        deadline = time.monotonic() + 15
        while not (loaders := _children(proc.pid)):
            assert time.monotonic() < deadline and proc.poll() is None, "no loading child appeared"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        left = [pid for pid in loaders if os.path.exists(f"/proc/{pid}")]
        for pid in left:  # a regression must not leave a blocked child behind
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGINT
    assert b"Traceback" not in out
    assert not left
