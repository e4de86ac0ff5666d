"""The connection and the reactor without a server process: a real ``App`` and its
``Reactor`` driven one ``turn`` at a time on a fake clock, clients on loopback
socket pairs.  Nothing here sleeps: time passes when a test moves the clock.

These pin down what the connection does today (ordering, timers, back-pressure,
vanishing clients, request bodies) so the response path can be rebuilt under them.
"""

from __future__ import annotations

import io
import os
import re
import select
import socket

import pytest

from nginxlite.config import load_config
from nginxlite.server.app import App

LISTEN = ("127.0.0.1", 8080)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Listener:
    """What ``App.new_connection`` reads of a listener: its address."""

    key = LISTEN


def tcp_pair() -> tuple[socket.socket, socket.socket]:
    """(server end, client end) of a loopback TCP connection; no server runs."""
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        client = socket.create_connection(lsock.getsockname())
        server, _ = lsock.accept()
    return server, client


class Harness:
    def __init__(self, tmp_path, conf: str) -> None:
        (tmp_path / "logs").mkdir(exist_ok=True)
        path = tmp_path / "site.conf"
        path.write_text(f"error_log {tmp_path}/logs/error.log info;\nevents {{ }}\n"
                        f"http {{ access_log off; server {{ listen {LISTEN[0]}:{LISTEN[1]}; root {tmp_path}/www;\n"
                        f"{conf}\n}} }}\n")
        self.tmp = tmp_path
        self.clock = FakeClock()
        self.app = App(load_config(str(path), str(tmp_path)), str(path), str(tmp_path), out=io.StringIO(),
                       clock=self.clock)

    def connect(self) -> socket.socket:
        server, client = tcp_pair()
        self.app.new_connection(Listener(), server, client.getsockname())
        client.setblocking(False)
        return client

    def turn(self, times: int = 4) -> None:
        for _ in range(times):
            self.app.reactor.turn(0)

    def later(self, seconds: float) -> None:
        self.clock.now += seconds
        self.turn()

    def error_log(self) -> str:
        self.app.logs.flush()
        return (self.tmp / "logs" / "error.log").read_text()

    def close(self) -> None:
        for conn in list(self.app.connections):
            conn.close()
        self.app.logs.close()
        self.app.reactor.close()


def received(client: socket.socket) -> bytes:
    """Everything the client can read now; b"" also when the server closed."""
    out = bytearray()
    while True:
        try:
            data = client.recv(1 << 20)
        except BlockingIOError:
            return bytes(out)
        except ConnectionResetError:
            return bytes(out) + b"<reset>"
        if not data:
            return bytes(out) + b"<eof>"
        out += data


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


@pytest.fixture
def harness(tmp_path):
    made = []

    def _make(conf: str = "", files: dict[str, bytes] | None = None) -> Harness:
        www = tmp_path / "www"
        www.mkdir(exist_ok=True)
        for name, content in (files or {}).items():
            (www / name).parent.mkdir(parents=True, exist_ok=True)
            (www / name).write_bytes(content)
        made.append(Harness(tmp_path, conf))
        return made[-1]

    yield _make
    for h in made:
        h.close()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def put_site(harness, conf: str = "") -> Harness:
    """A site whose /up/ takes PUT."""
    h = harness(conf + " location /up/ { dav_methods PUT; }")
    (h.tmp / "www" / "up").mkdir()
    return h


def test_pipelined_requests_are_answered_in_order_on_one_connection(harness):
    h = harness(files={"a.txt": b"A" * 10, "b.txt": b"B" * 20})
    client = h.connect()
    client.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"GET /b.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn(8)
    data = received(client)
    assert statuses(data) == [200, 404, 200]
    assert data.index(b"A" * 10) < data.index(b"404 Not Found") < data.index(b"B" * 20)
    assert not data.endswith(b"<eof>")  # keep-alive: the connection stays open


def test_the_idle_keepalive_connection_closes_after_keepalive_timeout(harness):
    h = harness("keepalive_timeout 10s;", {"a.txt": b"A"})
    client = h.connect()
    client.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    assert statuses(received(client)) == [200]
    h.later(9)
    assert received(client) == b""
    h.later(2)
    assert received(client) == b"<eof>"
    assert not h.app.connections


def test_a_request_head_that_stops_arriving_is_a_408_after_client_header_timeout(harness):
    h = harness("client_header_timeout 5s;")
    client = h.connect()
    client.sendall(b"GET / HTTP/1.1\r\nHo")
    h.turn()
    h.later(4)
    assert received(client) == b""
    h.later(2)
    data = received(client)
    assert statuses(data) == [408] and data.endswith(b"<eof>")


def test_a_connection_that_never_sends_a_byte_closes_silently(harness):
    h = harness("client_header_timeout 5s;")
    client = h.connect()
    h.turn()
    h.later(6)
    assert received(client) == b"<eof>"


def test_a_body_that_stops_arriving_is_a_408_after_client_body_timeout(harness):
    h = put_site(harness, "client_body_timeout 5s;")
    client = h.connect()
    client.sendall(b"PUT /up/f HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    h.turn()
    h.later(3)
    client.sendall(b"de")  # each read restarts the clock
    h.turn()
    h.later(3)
    assert received(client) == b""
    h.later(3)
    data = received(client)
    assert statuses(data) == [408] and data.endswith(b"<eof>")
    assert os.listdir(h.tmp / "www" / "up") == []  # nothing half-written stays


def test_a_put_body_in_pieces_lands_whole_and_only_at_the_end(harness):
    h = put_site(harness)
    client = h.connect()
    client.sendall(b"PUT /up/f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    for piece in (b"5\r\nhello\r\n", b"6\r\n world\r\n"):
        client.sendall(piece)
        h.turn()
        assert not (h.tmp / "www" / "up" / "f").exists()
    client.sendall(b"0\r\n\r\n")
    h.turn()
    assert statuses(received(client)) == [201]
    assert (h.tmp / "www" / "up" / "f").read_bytes() == b"hello world"


def test_expect_100_continue_is_answered_before_the_body(harness):
    h = put_site(harness)
    client = h.connect()
    client.sendall(b"PUT /up/f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    h.turn()
    assert received(client) == b"HTTP/1.1 100 Continue\r\n\r\n"
    client.sendall(b"abc")
    h.turn()
    assert statuses(received(client)) == [201]  # one 100 Continue only


def test_expect_100_continue_before_an_error_invites_the_body_it_discards(harness):
    h = harness()
    client = h.connect()
    client.sendall(b"POST /missing HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    h.turn()
    assert statuses(received(client)) == [100, 404]
    client.sendall(b"abcGET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    assert statuses(received(client)) == [404]  # the body was read and discarded: the stream stays in sync


def _big_file_client(h: Harness, size: int = 8 << 20) -> socket.socket:
    client = h.connect()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    return client


def test_a_client_that_does_not_read_is_closed_after_send_timeout(harness):
    h = harness("send_timeout 5s;", {"big.bin": b"x" * (8 << 20)})
    before = open_fds()
    client = _big_file_client(h)
    conn = next(iter(h.app.connections))
    assert conn.responding and not conn.writable  # the socket is full: waiting for epoll
    h.later(4)
    assert h.app.connections
    h.later(2)
    assert not h.app.connections
    client.close()
    assert open_fds() == before  # the file and the socket are closed


def test_a_slow_reader_keeps_the_connection_while_it_reads(harness):
    h = harness("send_timeout 5s; keepalive_timeout 1000s;", {"big.bin": b"x" * (1 << 20)})
    client = h.connect()
    conn = next(iter(h.app.connections))
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)  # small buffers: the server
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # waits for the client again and again
    client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    got = 0
    for _ in range(5000):
        select.select([client], [], [], 1)  # a wait for readiness: the kernel's window update takes its time
        got += len(received(client))
        if got >= 1 << 20:
            break
        h.clock.now += 1  # a second between two writes, more than send_timeout in all
        h.app.reactor.turn(0.2)
    assert got > 1 << 20 and h.clock.now - 1000 > 5 and h.app.connections  # all of it, still keep-alive


def test_a_client_that_vanishes_mid_response_closes_quietly(harness):
    h = harness("", {"big.bin": b"x" * (8 << 20)})
    before = open_fds()
    client = _big_file_client(h)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
    client.close()
    h.turn()
    assert not h.app.connections
    assert open_fds() == before
    assert "[alert]" not in h.error_log() and "failed" not in h.error_log()


def test_pipelined_input_is_not_read_without_bound_while_a_response_waits(harness):
    h = harness("", {"big.bin": b"x" * (8 << 20)})
    client = _big_file_client(h)
    conn = next(iter(h.app.connections))
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small kernel buffers both ways,
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # so only the server's reading can hold much
    request = b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
    sent = 0
    try:
        for _ in range(20000):
            sent += client.send(request)
            h.turn(1)
    except BlockingIOError:
        pass  # the server stopped reading: TCP pushed back on the client
    assert conn.reader.buffered < 2 * 65536
    assert sent < 20000 * len(request)


def test_a_malformed_request_is_a_400_and_the_connection_closes(harness):
    h = harness()
    client = h.connect()
    client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    data = received(client)
    assert statuses(data) == [400] and data.endswith(b"<eof>")
