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


# -- the redesigned response path: deferred answers, sources, sinks ---------------------

from nginxlite.http.body import FULL, UNKNOWN, WAIT, Sink, Source  # noqa: E402
from nginxlite.http.response import Deferred, Response  # noqa: E402
from nginxlite.server import connection as connection_module  # noqa: E402


def answer_with(monkeypatch, handlers: dict):
    """Route the targets in ``handlers`` to test handlers (``fn(ex)`` returning a Response, a
    Deferred or a Sink); every other request goes through the real pipeline."""
    real = connection_module.respond

    def respond(ex):
        fn = handlers.get(ex.request.target)
        return fn(ex) if fn is not None else real(ex)

    monkeypatch.setattr(connection_module, "respond", respond)


class Stalling(Source):
    """A body that comes when the test says so: ``give(data)``, ``give(None)`` to end it."""

    def __init__(self, length: int = UNKNOWN) -> None:
        super().__init__(length)
        self.queue: list = []
        self.closed = 0

    def give(self, data) -> None:
        self.queue.append(data)
        self.ready()

    def pull(self):
        if not self.queue:
            return WAIT
        return self.queue.pop(0)

    def close(self) -> None:
        self.closed += 1


def text(body) -> Response:
    return Response(200, [("Content-Type", "text/plain")], body)


def streaming(harness, monkeypatch, request: bytes, conf: str = "", length: int = UNKNOWN):
    """A site whose /stream is answered from a ``Stalling`` source, and a client that sent
    ``request``: (harness, source, client)."""
    h = harness(conf)
    source = Stalling(length)
    answer_with(monkeypatch, {"/stream": lambda ex: text(source)})
    client = h.connect()
    client.sendall(request)
    return h, source, client


def test_a_deferred_answer_holds_back_the_pipelined_requests_behind_it(harness, monkeypatch):
    h = harness("keepalive_timeout 10s; send_timeout 5s;", {"a.txt": b"A"})
    waiting: list[Deferred] = []
    answer_with(monkeypatch, {"/later": lambda ex: waiting.append(Deferred()) or waiting[-1]})
    client = h.connect()
    client.sendall(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    conn = next(iter(h.app.connections))
    assert conn.state == "waiting" and received(client) == b""
    assert h.app.stats.requests == 1  # the pipelined request was not started
    h.later(1000)  # no timer of the connection's runs while the producer works
    assert h.app.connections and received(client) == b""
    waiting[0].resolve(text(b"late"))
    h.turn()
    data = received(client)
    assert statuses(data) == [200, 200] and data.index(b"late") < data.rindex(b"\r\n\r\nA")
    assert not data.endswith(b"<eof>")


def test_a_deferred_answer_is_cancelled_when_its_client_goes_away(harness, monkeypatch):
    h = harness()
    cancelled = []
    answer_with(monkeypatch, {"/later": lambda ex: Deferred(on_cancel=lambda: cancelled.append(ex.request.target))})
    client = h.connect()
    client.sendall(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    client.close()
    h.turn()
    assert cancelled == ["/later"] and not h.app.connections


def test_a_source_that_stalls_is_sent_as_it_comes_in_chunks_without_send_timeout(harness, monkeypatch):
    h, source, client = streaming(harness, monkeypatch, b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", conf="send_timeout 5s;")
    source.give(b"one")
    h.turn()
    first = received(client)
    assert b"Transfer-Encoding: chunked\r\n" in first and b"Content-Length" not in first
    assert first.endswith(b"\r\n\r\n3\r\none\r\n")
    h.later(60)  # the source keeps its own time: a stalled body is not the client's fault
    assert h.app.connections and received(client) == b""
    source.give(b"two!")
    source.give(None)
    h.turn()
    assert received(client) == b"4\r\ntwo!\r\n0\r\n\r\n"
    assert source.closed == 1 and h.app.connections  # ended: closed once, the connection kept


def test_a_source_of_unknown_length_ends_an_http_1_0_response_by_closing(harness, monkeypatch):
    h, source, client = streaming(harness, monkeypatch, b"GET /stream HTTP/1.0\r\n\r\n")
    source.give(b"raw bytes")
    source.give(None)
    h.turn()
    data = received(client)
    assert b"Connection: close" in data and data.endswith(b"\r\n\r\nraw bytes<eof>")


def test_a_source_of_known_length_is_sent_with_its_content_length(harness, monkeypatch):
    h, source, client = streaming(harness, monkeypatch, b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", length=6)
    for piece in (b"ab", b"cdef", None):
        source.give(piece)
    h.turn()
    data = received(client)
    assert b"Content-Length: 6\r\n" in data and data.endswith(b"\r\n\r\nabcdef")


def test_a_source_that_raises_cuts_its_response_and_the_server_goes_on(harness, monkeypatch):
    h = harness(files={"a.txt": b"A"})

    class Broken(Stalling):
        def pull(self):
            if self.queue:
                return self.queue.pop(0)
            raise RuntimeError("the producer broke")

    source = Broken()
    source.queue.append(b"partial")
    answer_with(monkeypatch, {"/stream": lambda ex: text(source)})
    client = h.connect()
    client.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    data = received(client)
    assert data.endswith(b"7\r\npartial\r\n<eof>")  # no last chunk: the client knows it is short
    assert source.closed == 1 and "the producer broke" in h.error_log()
    other = h.connect()
    other.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    assert statuses(received(other)) == [200]


def test_a_source_is_closed_when_the_client_vanishes_mid_response(harness, monkeypatch):
    h, source, client = streaming(harness, monkeypatch, b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    source.give(b"x" * 1000)
    h.turn()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
    client.close()
    source.give(b"y" * 1000)  # the next write finds the reset
    h.turn()
    assert not h.app.connections and source.closed == 1
    assert "failed" not in h.error_log()  # nothing is sent on a socket once it is closed


def test_a_reset_seen_while_output_is_buffered_sends_nothing_more(harness, monkeypatch):
    h = harness()
    source = Stalling()
    answer_with(monkeypatch, {"/stream": lambda ex: text(source)})
    client = h.connect()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    source.give(b"x" * (4 << 20))  # more than the socket takes: the rest waits in the buffer
    h.turn()
    conn = next(iter(h.app.connections))
    assert conn.out and not conn.writable
    client.sendall(b"more")  # unread input makes the close a reset
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()
    h.turn()
    assert not h.app.connections and source.closed == 1
    assert "failed" not in h.error_log()


def test_a_head_request_never_pulls_the_source(harness, monkeypatch):
    h, source, client = streaming(harness, monkeypatch, b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n", length=5)
    h.turn()
    data = received(client)
    assert b"Content-Length: 5\r\n" in data and data.endswith(b"\r\n\r\n") and source.closed == 1


class SlowSink(Sink):
    """Says FULL after every piece until the test drains it."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.aborted = False

    def feed(self, data: bytes):
        self.data += data
        return FULL

    def finish(self):
        return Response(201, [("Content-Type", "text/plain")], b"%d" % len(self.data))

    def abort(self) -> None:
        self.aborted = True


def test_a_full_sink_stops_the_reading_so_tcp_pushes_back_on_the_client(harness, monkeypatch):
    h = harness("client_body_timeout 5s;")
    sink = SlowSink()
    size = 8 << 20
    answer_with(monkeypatch, {"/up": lambda ex: sink})
    client = h.connect()
    conn = next(iter(h.app.connections))
    # Bounded kernel buffers, large enough that the receiver's window updates are not held
    # back (a window below the loopback MSS waits for the sender's 200 ms persist timer).
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 << 10)
    body = b"b" * size
    pending = memoryview(b"PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size + body)
    for _ in range(200):
        try:
            pending = pending[client.send(pending):]
        except BlockingIOError:
            break
        h.turn(1)
    assert len(pending) > size // 2  # the client was stopped: the server does not read meanwhile
    assert conn.paused and conn.reader.buffered <= 2 * 65536
    h.later(60)  # our sink is behind, not the client: no client_body_timeout
    assert h.app.connections and not sink.aborted
    for _ in range(100000):
        sink.drained()
        h.turn(1)
        if pending:
            # A wait for readiness, not a sleep: the kernel's window update takes its time.
            select.select([conn.sock], [client], [], 1)
            try:
                pending = pending[client.send(pending):]
            except BlockingIOError:
                pass
        if not pending and len(sink.data) == size:
            break
    assert received(client) == b""  # the end of the body waits for the sink too
    sink.drained()
    h.turn()
    data = received(client)
    assert len(sink.data) == size and statuses(data) == [201] and data.endswith(b"%d" % size)


def test_a_client_that_vanishes_mid_body_aborts_the_sink(harness, monkeypatch):
    h = harness()
    sink = SlowSink()
    answer_with(monkeypatch, {"/up": lambda ex: sink})
    client = h.connect()
    client.sendall(b"PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    h.turn()
    client.close()
    sink.drained()
    h.turn()
    assert sink.aborted and not h.app.connections


def test_a_deferred_answer_after_the_body_is_sent_when_it_resolves(harness, monkeypatch):
    h = harness()
    waiting: list[Deferred] = []

    class Later(SlowSink):
        def feed(self, data: bytes):
            self.data += data

        def finish(self):
            waiting.append(Deferred())
            return waiting[-1]

    answer_with(monkeypatch, {"/up": lambda ex: Later()})
    client = h.connect()
    client.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    h.turn()
    assert waiting and received(client) == b""
    waiting[0].resolve(text(b"done"))
    h.turn()
    assert statuses(received(client)) == [200]


def test_a_deferred_answered_before_the_connection_waits_is_sent_at_once(harness, monkeypatch):
    h = harness()

    def at_once(ex):
        deferred = Deferred()
        deferred.resolve(text(b"already"))
        return deferred

    answer_with(monkeypatch, {"/now": at_once})
    client = h.connect()
    client.sendall(b"GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
    h.turn()
    data = received(client)
    assert statuses(data) == [200] and data.endswith(b"already")
