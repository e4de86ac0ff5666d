"""One client connection: transport <-> ``http.parser`` <-> ``handlers.pipeline``.

Rules:
- The socket is registered once, edge-triggered for input and output.  epoll's
  reports set ``readable``/``writable``; a ``recv`` or ``send`` happens only while
  the matching flag is set, and ``EAGAIN`` clears it.  So every read and write
  follows an epoll report that the fd was ready, with no ``epoll_ctl`` per request.
  The socket is reached only through its transport (``server.transport``).
- ``state`` says what the connection is doing (HEAD, IDLE, BODY, WAITING, SENDING,
  LINGERING, CLOSED) and picks its one timer: ``client_header_timeout`` from the
  first byte of a request head (408, then close), ``keepalive_timeout`` while idle
  (close silently), ``client_body_timeout`` between body reads (408, then close),
  ``send_timeout`` between writes (close); none while the answer is deferred or its
  source has stalled (the producer keeps its own time), none while a full sink is
  behind (that is not the client's fault).
- Requests are answered in order: while an answer is pending or being written,
  pipelined requests wait in the reader's buffer, read at most one buffer ahead;
  the request body is read and discarded meanwhile so the stream stays in sync.
  A sink that says ``FULL`` stops the reading the same way until it drains: TCP
  pushes back on the client, without an ``epoll_ctl``.
- A handler answers with a Response, a Sink (the body first) or a Deferred (later).
  The body is bytes, a ``FileSlice`` (``sendfile``) or a ``Source`` pulled while
  the output buffer is below ``HIGH_WATER``; a body of unknown length is framed as
  chunks here for HTTP/1.1 and ended by closing for HTTP/1.0.  A deferred answer
  passes ``pipeline.finalize`` when it arrives, as every answer does.
- Whatever the request left running is undone when the connection closes early: a
  sink is aborted, a deferred answer cancelled, a source closed.
- Socket errors are classified here: ``EAGAIN`` waits, a reset or broken pipe
  closes quietly, anything else is logged and closes.
- Closing after an error answer lingers: the write side is shut, unread input is
  drained for a short while, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Protocol

from nginxlite.errors import HttpError, traceback_text
from nginxlite.handlers.errors import signature
from nginxlite.handlers.exchange import ConnInfo, Exchange
from nginxlite.handlers.pipeline import end_body, feed_body, finish_error, respond, resume
from nginxlite.http.body import FULL, UNKNOWN, WAIT, FileSlice, Sink, Source, SourceError, close_body
from nginxlite.http.parser import (
    CONNECTION_CLOSED,
    END_OF_MESSAGE,
    NEED_DATA,
    PAUSED,
    Data,
    Limits,
    ProtocolError,
    Request,
    RequestReader,
)
from nginxlite.http.response import Deferred, Response, head_bytes
from nginxlite.server.loop import EPOLLERR, EPOLLIN, EPOLLRDHUP, Reactor
from nginxlite.server.transport import SocketTransport, set_nodelay

RECV_SIZE = 65536
SENDFILE_CHUNK = 2 << 20  # nginx's sendfile_max_chunk default (1.21.4+)
LINGER_TIME = 5.0
HIGH_WATER = 65536  # pull a body's source only while less than this is waiting to be sent
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
BROKEN = object()  # a source that raised: the response is cut short
_LIMITS: dict[tuple[int, int], Limits] = {}


class Owner(Protocol):
    """What a connection needs of the server that runs it (``server.app.App``)."""

    reactor: Reactor
    stats: object  # its ``requests`` counter is counted here
    date: object  # ``http.response.HttpDate``
    stopping: bool
    clock: Callable[[], float]

    def log_error(self, level: str, message: str, logs: tuple = ()) -> None: ...

    def access_log(self, conn: Connection, response: Response | None) -> None: ...

    def connection_closed(self, conn: Connection) -> None: ...


def header_limits(buffers: tuple[int, int]) -> Limits:
    """The reader's limits for ``large_client_header_buffers NUMBER SIZE`` (one object per value)."""
    limits = _LIMITS.get(buffers)
    if limits is None:
        number, size = buffers
        limits = _LIMITS[buffers] = Limits(line=size, total=number * size)
    return limits


# Connection states: what the connection is doing, which decides its one timer.
HEAD = "head"  # reading a request head (or waiting for the first byte): client_header_timeout
IDLE = "idle"  # between keep-alive requests, no byte of the next one yet: keepalive_timeout
BODY = "body"  # a sink takes the request body: client_body_timeout between reads
WAITING = "waiting"  # the handler answers later (Deferred): no timer of ours, the producer has its own
SENDING = "sending"  # writing a response: send_timeout while the socket is full
LINGERING = "lingering"  # closing after an error: draining unread input for LINGER_TIME
CLOSED = "closed"


class Connection:
    __slots__ = ("app", "sock", "transport", "fd", "info", "reader", "state", "readable", "writable",
                 "peer_closed", "out", "piece", "source", "stalled", "chunked", "timer", "armed", "deadline",
                 "requests", "keep_alive", "exchange", "response", "deferred", "consumer", "paused", "sent",
                 "head_len", "body_done", "failed", "settings", "server_settings", "started", "scheduled",
                 "pipelined", "continued", "nodelay")

    def __init__(self, app: Owner, sock: socket.socket, info: ConnInfo, transport=None) -> None:
        self.app = app
        self.sock = sock
        self.transport = transport if transport is not None else SocketTransport(sock)
        self.fd = sock.fileno()
        self.info = info
        default = info.vhosts.address.default
        self.reader = RequestReader(header_limits(default.large_client_header_buffers))
        self.server_settings = default
        self.settings = default.settings
        self.state = HEAD
        self.readable = False
        self.writable = False
        self.peer_closed = False  # epoll saw the peer's FIN (or an error): read until recv() says so
        self.out = bytearray()  # bytes to send: head, body bytes, chunk framing
        self.piece: FileSlice | None = None  # the file slice being sent (after ``out``)
        self.source: Source | None = None  # the body's source, pulled while ``out`` is short
        self.stalled = False  # the source said WAIT: its ready() resumes
        self.chunked = False  # the body is framed as chunks here (unknown length, HTTP/1.1)
        self.timer = None
        self.armed = ""  # the state the timer was armed for
        self.deadline = 0.0
        self.requests = 0
        self.keep_alive = True
        self.exchange: Exchange | None = None
        self.response: Response | None = None
        self.deferred: Deferred | None = None  # the answer the handler will give
        self.consumer: Sink | None = None  # the handler reading the request body
        self.paused = False  # the consumer is full: no more body until it drains
        self.sent = 0
        self.head_len = 0
        self.body_done = True
        self.failed = False  # the byte stream is out of sync: no further request is read
        self.scheduled = False
        self.continued = False  # "100 Continue" went out for this request (once, as nginx)
        self.started = 0.0
        self.pipelined = False
        self.nodelay = transport is not None  # TCP_NODELAY is set (a TLS connection's at accept)
        self.arm(HEAD, default.client_header_timeout)

    @property
    def responding(self) -> bool:
        """A request is being answered (its answer pending or being written)."""
        return self.state is WAITING or self.state is SENDING

    @property
    def closed(self) -> bool:
        return self.state is CLOSED

    # -- events -------------------------------------------------------------------

    def on_events(self, mask: int) -> None:
        if mask & (EPOLLIN | EPOLLERR):
            self.readable = True
            if mask & (EPOLLRDHUP | EPOLLERR):
                self.peer_closed = True
        if mask & ~EPOLLIN:
            self.writable = True
            if self.transport.read_wants_write:  # a TLS handshake that had to write
                self.readable = True
        if mask & EPOLLIN and self.transport.write_wants_read:  # a TLS write that had to read
            self.writable = True
        self.pump()

    def schedule(self) -> None:
        """Pump on the reactor's next turn (after a sink drained, a source or a deferred
        answer became ready: never from inside their callbacks)."""
        if not self.scheduled and self.state is not CLOSED:
            self.scheduled = True
            self.app.reactor.call_soon(self.pump)

    def pump(self) -> None:
        """Move bytes while epoll says we may: read, process, write.

        Fairness: once a response is complete, the next request of this connection
        waits for the reactor's next turn (``call_soon``), so a fast keep-alive
        client cannot starve the other connections.
        """
        self.scheduled = False
        stats = self.app.stats
        done = stats.requests
        while self.state is not CLOSED:
            progressed = False
            if self.readable and self.wants_input():
                progressed = self.read()
                self.process()
                if self.state is CLOSED:  # a reset seen by recv(), or the request closed it
                    return
            if self.writable and (self.out or self.piece is not None
                                  or (self.source is not None and not self.stalled)):
                self.write()
                progressed = True
            if not progressed:
                break
            if self.state is not SENDING and self.state is not WAITING and stats.requests != done:
                if self.readable or self.reader.buffered:
                    self.schedule()
                break
        if self.state is not CLOSED:
            self.rearm()

    def wants_input(self) -> bool:
        """Read while no answer is pending; else only to drain the current body, and never
        more than one buffer ahead (a full sink, pipelined requests: TCP pushes back)."""
        state = self.state
        if state is LINGERING:
            return True
        if self.paused or state is SENDING or state is WAITING:
            return self.reader.buffered < RECV_SIZE
        return True

    def read(self) -> bool:
        try:
            data = self.transport.recv(RECV_SIZE)
        except BlockingIOError:
            self.readable = False
            return False
        except (ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close()
            return False
        except OSError as err:
            self.app.log_error("error", f"recv() failed ({err.errno}: {err.strerror})")
            self.close()
            return False
        if self.state is LINGERING:
            if not data:
                self.close()
            return bool(data)
        if len(data) < RECV_SIZE and not self.peer_closed and self.transport.short_read_drains:
            # Everything queued was read, and bytes arriving later report again
            # (edge-triggered): no second recv() just to see EAGAIN.  A FIN that
            # came with the data is announced by EPOLLRDHUP: then read on to EOF.
            self.readable = False
        if not data and self.state is WAITING:
            self.close()  # the client left while its answer was being made: stop making it (nginx: 499)
            return False
        self.reader.receive_data(data)
        if data and self.armed is BODY:
            self.arm(BODY, self.settings.client_body_timeout)
        return bool(data)

    # -- requests -------------------------------------------------------------------

    def process(self) -> None:
        reader = self.reader
        while not self.failed and not self.paused:
            state = self.state
            if state is CLOSED or state is LINGERING:
                return
            try:
                event = reader.next_event()
            except ProtocolError as err:
                self.fail(err.status)
                return
            if event is NEED_DATA:
                return
            if type(event) is Request:
                self.begin(event)
            elif type(event) is Data:
                if self.consumer is not None:
                    self.feed(event.data)
                # else: a body no handler wants is read and discarded
            elif event is END_OF_MESSAGE:
                self.body_done = True
                if self.consumer is not None:
                    consumer, self.consumer = self.consumer, None
                    self.answer(end_body(self.exchange, consumer))
                elif state is BODY:  # the rest of a body discarded after its answer
                    self.state = IDLE
            elif event is PAUSED:
                if state is SENDING or state is WAITING:
                    return
                reader.start_next_cycle()
                if reader.idle:
                    return
            elif event is CONNECTION_CLOSED:
                if state is not SENDING:
                    self.close()
                return

    def begin(self, request: Request) -> None:
        if self.transport.plain:  # plain HTTP on a TLS port: nginx's 497, answered 400
            self.fail(497)
            return
        self.requests += 1
        self.app.stats.requests += 1
        self.started = self.app.clock()
        self.body_done = not (request.chunked or request.content_length)  # (not request.has_body, without its call)
        self.continued = False
        ex = Exchange(request, self.info, started=self.started, requests=self.requests,
                      pipelined=self.pipelined)
        self.exchange = ex
        result = respond(ex)
        self.settings = ex.settings or self.settings
        if type(result) is Response:
            if self.body_done:
                self.send_response(result, request)
            else:
                self.discard_then_send(result, request)
            return
        if isinstance(result, Deferred):
            self.answer(result)
            return
        # A sink: the handler reads the body first.
        self.write_notes(ex)
        self.consumer = result
        result.on_drain = self.drained
        self.set_state(BODY)
        if request.expect_continue:
            self.out += CONTINUE
            self.continued = True
        if self.body_done:  # no body bytes at all (Content-Length: 0)
            self.consumer = None
            self.answer(end_body(ex, result))

    def discard_then_send(self, response: Response, request: Request) -> None:
        """As nginx's discard: body bytes that came with the head are checked before
        answering, so a malformed body is a 400, not a 200 followed by a reset."""
        try:
            while not self.body_done:
                event = self.reader.next_event()
                if event is END_OF_MESSAGE:
                    self.body_done = True
                elif type(event) is not Data:
                    break
        except ProtocolError as err:
            close_body(response.body)
            self.write_notes(self.exchange)
            self.requests -= 1
            self.app.stats.requests -= 1
            self.fail(err.status)
            return
        self.send_response(response, request)

    def answer(self, result: Response | Deferred) -> None:
        """The handler's answer: a Response now, or a Deferred to wait for."""
        if not isinstance(result, Deferred):
            self.send_response(result, self.exchange.request)
            return
        if result.done:  # answered already (or cancelled by the producer)
            self.resolved(result)
            return
        self.write_notes(self.exchange)
        self.deferred = result
        result.on_resolve = self.resolved
        self.set_state(WAITING)

    def resolved(self, deferred: Deferred) -> None:
        """A deferred answer arrived (from another fd's event, or at once): the pipeline
        finishes it as every answer (``pipeline.resume``), then it is sent on the next turn."""
        if self.deferred is deferred:
            self.deferred = None
        answer = deferred.response
        if self.state is CLOSED:
            if isinstance(answer, Response):
                close_body(answer.body)
            return
        if answer is None:  # cancelled before it answered: nothing came
            answer = HttpError(502)
        self.answer(resume(self.exchange, answer))
        self.schedule()

    def drained(self) -> None:
        """The full sink can take more: the buffered body first, then the socket again
        (on the next turn, never inside the sink's own call)."""
        if self.paused:
            self.paused = False
            self.app.reactor.call_soon(self.resume_body)

    def resume_body(self) -> None:
        if self.state is not CLOSED and not self.paused:
            self.process()
            self.pump()

    def write_notes(self, ex: Exchange | None) -> None:
        """The error-log lines a step of the request left (once each), to its server's logs."""
        if ex is None or not ex.notes:
            return
        logs = ex.settings.error_log if ex.settings is not None else ()
        for note in ex.notes:
            self.app.log_error("error", note, logs)
        ex.notes.clear()

    def feed(self, data: bytes) -> None:
        ex = self.exchange
        result = feed_body(ex, self.consumer, data)
        if result is None:
            return
        if result is FULL:
            self.paused = True  # the sink is behind: stop reading, TCP pushes back
            return
        # Refused (413), disk full...: answer now and stop reading.
        self.consumer = None
        result.close = True
        self.send_response(result, ex.request)

    def fail(self, status: int) -> None:
        """A request that cannot be read: answer with the default server's page, then close."""
        self.failed = True  # the byte stream is out of sync: read no further request
        self.body_done = True
        self.abandon_request()
        ex = Exchange(Request("GET", "/", 1, []), self.info)
        ex.server = self.info.vhosts.address.default
        ex.settings = ex.server.settings
        response = finish_error(ex, status)
        if response.status == 497:
            response.status = 400
        response.close = True
        self.exchange = ex
        self.requests += 1
        self.app.stats.requests += 1
        self.started = ex.started = self.app.clock()
        ex.requests = self.requests
        self.send_response(response, None)

    def abandon_request(self) -> None:
        """Undo what the current request left running: a sink's half-received body, a
        deferred answer still being made."""
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            consumer.abort()
        self.paused = False
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            deferred.cancel()

    def send_response(self, response: Response, request: Request | None) -> None:
        ex = self.exchange
        if ex is not None and ex.notes:
            self.write_notes(ex)
        if response.status == 444:  # return 444: close without an answer
            close_body(response.body)
            self.close()
            return
        if request is not None and request.method == "HEAD":
            response.head_only = True
        settings = self.settings
        keep = (request is not None and request.keep_alive and not response.close
                and settings.keepalive_timeout > 0 and self.requests < settings.keepalive_requests
                and not self.app.stopping)
        if request is not None and request.expect_continue and request.has_body and not self.continued:
            if response.status == 413 or not keep:
                keep = False  # refused before the body: the client need not send it
            else:
                self.out += CONTINUE  # as nginx: the body is read (and discarded), so invite it
        raw = response.raw  # the body is the whole answer, its head included (a CGI nph- script)
        if raw:
            response.head_only = False  # (the script knows a HEAD from REQUEST_METHOD)
        chunks = request is not None and request.minor == 1 and not raw
        body = response.body
        unsized = type(body) is not bytes and body.length == UNKNOWN
        if unsized and not response.head_only and not chunks:
            keep = False  # HTTP/1.0 cannot take chunks: the end of the body is the end of the connection
        ka_header = None
        if keep and settings.keepalive_header is not None:
            ka_header = f"timeout={int(settings.keepalive_header)}"
        server = signature(settings)  # the Server header is the pages' signature
        head = b"" if raw else head_bytes(response, self.app.date.now(), server, keep, ka_header, chunks)
        self.keep_alive = keep
        self.response = response
        if ex is not None:
            ex.response = response
        self.state = SENDING  # (its send_timeout is armed by rearm if the answer does not go out at once)
        self.sent = 0
        self.head_len = len(head)
        self.out += head
        if type(body) is bytes:
            if not response.head_only and response.status not in (204, 304):
                self.out += body
        elif response.head_only or response.status in (204, 304):
            close_body(body)
        elif type(body) is FileSlice:
            self.piece = body
        else:
            self.source = body
            self.chunked = unsized and chunks
            body.on_ready = self.source_ready

    def source_ready(self) -> None:
        if self.stalled:
            self.stalled = False
            self.schedule()

    def finish_response(self) -> None:
        ex = self.exchange
        if ex is not None:
            ex.sent, ex.head_len, ex.completed = self.sent, self.head_len, True
        self.app.access_log(self, self.response)
        self.response = None
        self.exchange = None
        if not self.keep_alive:
            self.start_close()
            return
        if not self.nodelay:  # kept alive: answers may follow unacknowledged ones (nginx's tcp_nodelay)
            self.nodelay = True
            set_nodelay(self.sock)
        reader = self.reader
        buffered = len(reader.buf)
        self.pipelined = buffered > 0  # the next request came with this one (nginx's $pipe)
        self.state = IDLE if self.body_done else BODY  # between requests (or discarding the body's rest)
        if self.body_done and not buffered and reader.request is not None:
            reader.start_next_cycle()  # the usual case: the request was read whole, nothing more arrived
            self.arm(IDLE, self.settings.keepalive_timeout)  # the idle clock restarts
            return
        self.process()  # the rest of the body, then any pipelined request
        if self.state is IDLE and self.body_done and reader.idle:
            self.arm(IDLE, self.settings.keepalive_timeout)

    # -- writing ---------------------------------------------------------------------

    def write(self) -> None:
        """One loop: pull the body's source while ``out`` is below the high-water mark,
        send ``out``, then the file slice (``sendfile``), until the socket would block,
        the source says WAIT, or the response is out."""
        out = self.out
        transport = self.transport
        progressed = False
        try:
            while True:
                if self.source is not None and self.piece is None and len(out) < HIGH_WATER and not self.stalled:
                    self.pull()
                    continue
                if out:
                    n = transport.send(out)
                    progressed = True
                    self.sent += n
                    del out[:n]
                    if out:
                        self.writable = False
                        break
                    continue
                piece = self.piece
                if piece is None:
                    break
                if piece.length <= 0:
                    piece.close()
                    self.piece = None
                    continue
                want = min(piece.length, SENDFILE_CHUNK)
                n = transport.sendfile(piece.fd, piece.offset, want)
                if n == 0:  # the file shrank under us: the response cannot be completed
                    self.close()
                    return
                progressed = True
                piece.offset += n
                piece.length -= n
                self.sent += n
                if n < want:  # the socket buffer is full: epoll reports when it drains (as nginx)
                    self.writable = False
                    break
        except BlockingIOError:
            self.writable = False
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close()
            return
        except OSError as err:
            self.app.log_error("error", f"send() failed ({err.errno}: {err.strerror})")
            self.close()
            return
        if out or self.piece is not None or self.source is not None:
            if progressed and not self.stalled:
                self.arm(SENDING, self.settings.send_timeout)
            return
        if self.state is SENDING:  # not only an interim "100 Continue" went out
            self.finish_response()

    def pull(self) -> None:
        """One piece of the source into ``out`` (chunk-framed when ``chunked``) or ``piece``."""
        source = self.source
        try:
            item = source.pull()
        except SourceError as err:  # the producer failed: the response is cut
            ex = self.exchange
            self.app.log_error("error", ex.context(str(err)) if ex is not None else str(err),
                               self.settings.error_log)
            item = BROKEN
        except Exception as exc:  # noqa: BLE001 - a producer's bug cuts this response, not the server
            self.app.log_error("alert", traceback_text(exc))
            item = BROKEN
        if item is WAIT:
            self.stalled = True
            self.arm(SENDING, 0)  # the source keeps its own time: no send_timeout while it makes more
            return
        if item is None or item is BROKEN:
            self.source = None
            source.close()
            if item is BROKEN:  # the body is short: only closing can tell the client (no last chunk)
                self.keep_alive = False
                self.chunked = False
            elif self.chunked:
                self.out += b"0\r\n\r\n"
            return
        if type(item) is not bytes:  # a file slice
            if not self.chunked:
                self.piece = item
                return
            data = item.read()
            item.close()
            item = data
        if item:
            if self.chunked:
                self.out += b"%x\r\n" % len(item)
                self.out += item
                self.out += b"\r\n"
            else:
                self.out += item

    # -- timers ------------------------------------------------------------------------

    def set_state(self, state: str) -> None:
        """Enter ``state`` and arm its timer (``rearm`` picks the seconds)."""
        if self.state is not state:
            self.state = state
            self.rearm()

    def arm(self, kind: str, seconds: float) -> None:
        """Set the connection's one deadline.  Lazy: a pending timer that fires no later
        than the new deadline is kept (``on_timeout`` re-checks), so moving the deadline
        forward, as every keep-alive request does, costs no heap operation."""
        self.armed = kind
        reactor = self.app.reactor
        if seconds <= 0:
            reactor.cancel(self.timer)
            self.timer = None
            self.deadline = 0.0
            return
        self.deadline = deadline = reactor.clock() + seconds
        timer = self.timer
        if timer is not None and timer.callback is not None and timer.deadline <= deadline:
            return
        reactor.cancel(timer)
        self.timer = reactor.call_later(seconds, self.on_timeout)

    def rearm(self) -> None:
        """Pick the timer for the state the connection is in now."""
        state = self.state
        if state is SENDING:
            if self.armed is not SENDING and not self.stalled:  # the answer waits for the socket
                self.arm(SENDING, self.settings.send_timeout)
        elif state is BODY:
            if self.paused:
                if self.deadline:
                    self.arm(BODY, 0)  # our sink is behind, not the client: no client_body_timeout
            elif self.armed is not BODY or not self.deadline:
                self.arm(BODY, self.settings.client_body_timeout)
        elif state is WAITING:
            if self.deadline:
                self.arm(WAITING, 0)  # the producer keeps its own time
        elif state is IDLE or state is HEAD:
            if self.reader.idle:
                if self.requests and self.armed is not IDLE:
                    self.state = IDLE
                    self.arm(IDLE, self.settings.keepalive_timeout)
            elif self.armed is not HEAD:  # the first bytes of a request head: its clock starts
                self.state = HEAD
                self.arm(HEAD, self.server_settings.client_header_timeout)

    def on_timeout(self) -> None:
        self.timer = None
        if self.state is CLOSED or not self.deadline:
            return
        left = self.deadline - self.app.reactor.clock()
        if left > 0:  # the deadline moved since this timer was set
            self.timer = self.app.reactor.call_later(left, self.on_timeout)
            return
        kind = self.armed
        if kind is LINGERING or kind is SENDING or kind is IDLE or (kind is HEAD and self.reader.idle):
            self.close()  # linger over, client not reading, idle keep-alive, or never sent a byte
            return
        self.fail(408)  # a request head or body that stopped arriving (SPEC §5: 408, then close)
        self.pump()

    # -- closing -----------------------------------------------------------------------

    def start_close(self) -> None:
        if self.body_done and not self.reader.buffered:
            self.close()
            return
        # Unread input: shut our side, drain theirs for a while, then close (no reset).
        try:
            self.transport.shutdown_write()
        except OSError:
            self.close()
            return
        self.state = LINGERING
        self.arm(LINGERING, LINGER_TIME)

    def close(self) -> None:
        if self.state is CLOSED:
            return
        self.state = CLOSED
        self.out.clear()  # nothing more is sent, whatever was buffered
        app = self.app
        app.reactor.cancel(self.timer)
        self.timer = None
        self.abandon_request()  # the body never completed: nothing half-written stays
        piece, self.piece = self.piece, None
        if piece is not None:
            piece.close()
        source, self.source = self.source, None
        if source is not None:  # (send_response handed the body to ``piece`` or ``source``)
            source.close()
        app.reactor.forget(self.fd)  # closing the socket takes it out of the epoll set
        self.transport.close()
        app.connection_closed(self)
