"""Leaks and idle levels: what the server holds open when nothing happens."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

from client import get


def test_access_logs_are_opened_at_start_so_idle_fds_do_not_grow_after_a_request(serve):
    """As nginx, every access log file is open before the first request: the descriptors
    counted idle at start are the idle ones after load (it was one more before)."""
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; access_log ROOT/logs/main.log; "
                    "location /x/ { access_log ROOT/logs/x.log; } location /d/ { access_log ROOT/logs/$host.log; } }",
                    files={"www/index.html": "x"})
    fd_dir = f"/proc/{running.proc.pid}/fd"
    held = {os.readlink(f"{fd_dir}/{fd}") for fd in os.listdir(fd_dir)}
    assert {str(running.root / "logs" / "main.log"), str(running.root / "logs" / "x.log")} <= held
    idle = len(os.listdir(fd_dir))
    assert get(running.port, "/").status == 200 and get(running.port, "/x/").status == 404
    deadline = time.monotonic() + 10
    while len(os.listdir(fd_dir)) > idle and time.monotonic() < deadline:
        time.sleep(0.05)  # the server closes the client's connection on its own time
    assert len(os.listdir(fd_dir)) == idle
    assert not (running.root / "logs" / "a.log").exists()  # a path with variables: opened as written


# -- slow and hostile clients, all at once, while a probe is served ---------------------------

HOSTILE = """
server {
    listen 127.0.0.1:PORT0;
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_timeout 1s;
    send_timeout 1s;
    root ROOT/www;
    location /up/ { root ROOT; upload_store ROOT/up; }
    location = /s { stub_status; }
}
"""
HOSTILE_FILES = {"www/index.html": "INDEX\n", "www/big.bin": b"\0" * (16 << 20), "up/.keep": ""}
RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset


def _until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """What the server sent until it closed (or reset) the connection, and when, from now."""
    start = time.monotonic()
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data, time.monotonic() - start


def _slowloris(port: int, results: dict, key: str) -> None:
    """Header bytes dripped every 0.2 s, never the end of the header."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
        sock.settimeout(0.2)
        data = b""
        try:
            while time.monotonic() - start < 10:
                sock.sendall(b"X")
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                data += chunk
                if not chunk:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        results[key] = (data, time.monotonic() - start)


def _stalled_body(port: int, results: dict, key: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /up/x.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + b"y" * 1000)
        results[key] = _until_closed(sock, 10)


def _stalled_reader(port: int, results: dict, key: str) -> None:
    """Asks for a big file and reads nothing more: the server's writes stop progressing."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        first = sock.recv(100)
        start = time.monotonic()
        while not _peer_gone(sock) and time.monotonic() - start < 10:
            time.sleep(0.1)  # watching the socket's TCP state, without reading
        results[key] = (first, time.monotonic() - start)


def _peer_gone(sock: socket.socket) -> bool:
    """The server closed its end: its socket for this connection is no longer ESTABLISHED
    (/proc/net/tcp; a FIN queued behind unsent data never reaches a client that reads
    nothing, so the client's own state cannot tell)."""
    ours = "%04X" % sock.getsockname()[1]
    theirs = "%04X" % sock.getpeername()[1]
    with open("/proc/net/tcp") as f:
        for row in f:
            fields = row.split()
            if fields[1].endswith(":" + theirs) and fields[2].endswith(":" + ours):
                return fields[3] != "01"
    return True


def _idle(port: int, results: dict, key: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        results[key] = _until_closed(sock, 10)


def _resets(port: int, results: dict, key: str) -> None:
    """Resets mid-request, mid-upload and mid-download, ten of each."""
    for _ in range(10):
        for data in (b"GET / HTTP/1.1\r\nHo",
                     b"POST /up/cut.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n" + b"z" * 50000,
                     b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(data)
            if data.startswith(b"GET /big"):
                sock.recv(65536)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RST)
            sock.close()
    results[key] = (b"", 0.0)


def test_slow_and_hostile_clients_are_cut_off_at_their_timeouts_while_a_probe_is_served(serve):
    running = serve(HOSTILE, files=HOSTILE_FILES)
    port = running.port
    results: dict = {}
    workers = [threading.Thread(target=fn, args=(port, results, f"{fn.__name__}{i}"), daemon=True)
               for fn in (_slowloris, _stalled_body, _stalled_reader, _idle) for i in range(5)]
    workers.append(threading.Thread(target=_resets, args=(port, results, "resets"), daemon=True))
    for worker in workers:
        worker.start()
    probes = 0
    while any(w.is_alive() for w in workers):
        reply = get(port, "/", timeout=5)  # served while the others stall
        assert reply.status == 200 and reply.body == b"INDEX\n"
        probes += 1
        time.sleep(0.1)  # the probe's pace: one request every 0.1 s
    for worker in workers:
        worker.join(15)
    assert probes >= 10
    for key, (data, took) in results.items():
        if key.startswith("_slowloris"):
            # nginx's client_header_timeout runs from the first byte: progress does not extend it.
            assert data.startswith(b"HTTP/1.1 408 "), (key, data[:100])
            assert took < 4, (key, took)
        elif key.startswith("_stalled_body"):
            assert data.startswith(b"HTTP/1.1 408 ") and took < 4, (key, data[:100], took)
        elif key.startswith("_stalled_reader"):
            assert data.startswith(b"HTTP/1.1 200") and took < 4, (key, took)
        elif key.startswith("_idle"):
            assert data == b"" and 0.5 < took < 4, (key, data[:100], took)
    assert len(results) == len(workers)
    deadline = time.monotonic() + 10
    while (left := list((running.root / "up").glob(".nginxlite-*"))) and time.monotonic() < deadline:
        time.sleep(0.1)  # the server notices each reset on its next read
    assert not left and not (running.root / "up" / "cut.bin").exists() and not (running.root / "up" / "x.bin").exists()
    assert get(port, "/s").body.startswith(b"Active connections: 1 ")


# -- many idle connections ------------------------------------------------------------------

IDLE_SITE = """
events { worker_connections 6000; }
http {
    server {
        listen 127.0.0.1:PORT0;
        client_header_timeout 4s;
        keepalive_timeout 4s;
        root ROOT/www;
        location = /s { stub_status; }
    }
}
"""
IDLE_COUNT = 5000


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_five_thousand_idle_connections_are_held_then_closed_at_their_timeouts(serve):
    """5000 connections, half of them after one answered request (keep-alive), half never
    sending a byte: all are held at once while a probe is answered, at a small memory cost,
    then each is closed by the server at its timeout (keepalive_timeout or
    client_header_timeout) and the descriptors return to the idle count."""
    import selectors

    running = serve(IDLE_SITE, files={"www/index.html": "INDEX\n"}, name="nginx.conf")
    pid = running.proc.pid
    fd_dir = f"/proc/{pid}/fd"
    idle_fds = len(os.listdir(fd_dir))
    rss_before = _rss_kib(pid)
    request = b"GET / HTTP/1.1\r\nHost: idle\r\n\r\n"
    socks: list[socket.socket] = []
    slowest = 0.0
    try:
        for i in range(IDLE_COUNT):
            sock = socket.create_connection(("127.0.0.1", running.port), timeout=10)
            if i % 2 == 0:
                sock.sendall(request)
            socks.append(sock)
            if i % 500 == 499:  # a probe between batches: the others are still served
                start = time.monotonic()
                assert get(running.port, "/").status == 200
                slowest = max(slowest, time.monotonic() - start)
        for sock in socks[::2]:  # every kept-alive one had its answer
            sock.settimeout(10)
            data = b""
            while b"INDEX\n" not in data:
                chunk = sock.recv(4096)
                assert chunk, "closed before its answer"
                data += chunk
        status = get(running.port, "/s").body.decode()
        assert f"Active connections: {IDLE_COUNT + 1}" in status, status
        rss_held = _rss_kib(pid)
        assert rss_held - rss_before < 40 * 1024, (rss_before, rss_held)
        assert slowest < 2.0, slowest
        # Now wait, without sending: the server closes every one of them.
        sel = selectors.DefaultSelector()
        for sock in socks:
            sock.setblocking(False)
            sel.register(sock, selectors.EVENT_READ)
        open_left = len(socks)
        deadline = time.monotonic() + 15
        while open_left and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                try:
                    chunk = key.fileobj.recv(4096)
                except ConnectionResetError:
                    chunk = b""
                except BlockingIOError:
                    continue
                if not chunk:  # (a 408 may come first: docs/differences.md)
                    sel.unregister(key.fileobj)
                    open_left -= 1
        sel.close()
        assert open_left == 0, f"{open_left} connections still open"
    finally:
        for sock in socks:
            sock.close()
    deadline = time.monotonic() + 10
    while len(os.listdir(fd_dir)) > idle_fds and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's last closes
    assert len(os.listdir(fd_dir)) == idle_fds
    print(f"RSS {rss_before} KiB idle, {rss_held} KiB with {IDLE_COUNT} connections; slowest probe {slowest:.3f} s")
