"""One client connection: socket <-> ``http.parser`` <-> ``handlers.pipeline``.

Rules:
- The socket is registered once, edge-triggered for input and output.  epoll's
  reports set ``readable``/``writable``; a ``recv`` or ``send`` happens only while
  the matching flag is set, and ``EAGAIN`` clears it.  So every read and write
  follows an epoll report that the fd was ready, with no ``epoll_ctl`` per request.
- Requests are answered in order: while a response is being written, pipelined
  requests wait in the reader's buffer; the request body is read and discarded
  meanwhile so the stream stays in sync.
- One timer per connection, chosen by state: ``client_header_timeout`` from the
  first byte of a request head (408, then close), ``client_body_timeout`` between
  body reads (408, then close), ``send_timeout`` between writes (close),
  ``keepalive_timeout`` while idle (close silently).
- Socket errors are classified here: ``EAGAIN`` waits, a reset or broken pipe
  closes quietly, anything else is logged and closes.
- Closing after an error answer lingers: the write side is shut, unread input is
  drained for a short while, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from nginxlite.errors import HttpError
from nginxlite.handlers.errors import signature
from nginxlite.handlers.pipeline import ConnInfo, Exchange, end_body, feed_body, respond
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
from nginxlite.http.response import FileBody, Response, chunk, head_bytes
from nginxlite.server.loop import EPOLLERR, EPOLLIN, EPOLLRDHUP

if TYPE_CHECKING:
    from nginxlite.server.app import App

RECV_SIZE = 65536
SENDFILE_CHUNK = 2 << 20  # nginx's sendfile_max_chunk default (1.21.4+)
LINGER_TIME = 5.0
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

_HEAD, _BODY, _SEND, _KEEPALIVE, _LINGER = range(5)
_LIMITS: dict[tuple[int, int], Limits] = {}


def header_limits(buffers: tuple[int, int]) -> Limits:
    """The reader's limits for ``large_client_header_buffers NUMBER SIZE`` (one object per value)."""
    limits = _LIMITS.get(buffers)
    if limits is None:
        number, size = buffers
        limits = _LIMITS[buffers] = Limits(line=size, total=number * size)
    return limits


class Connection:
    __slots__ = ("app", "sock", "fd", "info", "reader", "readable", "writable", "out", "file", "parts", "timer",
                 "timer_kind", "requests", "responding", "keep_alive", "closed", "exchange", "response",
                 "sent", "head_len", "body_done", "lingering", "failed", "settings", "server_settings", "started",
                 "scheduled", "consumer", "deadline", "peer_closed", "pipelined", "continued")

    def __init__(self, app: App, sock: socket.socket, info: ConnInfo) -> None:
        self.app = app
        self.sock = sock
        self.fd = sock.fileno()
        self.info = info
        default = info.vhosts.address.default
        self.reader = RequestReader(header_limits(default.large_client_header_buffers))
        self.server_settings = default
        self.settings = default.settings
        self.readable = False
        self.writable = False
        self.peer_closed = False  # epoll saw the peer's FIN (or an error): read until recv() says so
        self.out = bytearray()
        self.file: FileBody | None = None
        self.parts: list = []
        self.timer = None
        self.timer_kind = -1
        self.deadline = 0.0
        self.requests = 0
        self.responding = False
        self.keep_alive = True
        self.closed = False
        self.exchange: Exchange | None = None
        self.response: Response | None = None
        self.sent = 0
        self.head_len = 0
        self.body_done = True
        self.lingering = False
        self.failed = False
        self.scheduled = False
        self.consumer = None  # a handler reading the request body (PUT, uploads, CGI)
        self.continued = False  # "100 Continue" went out for this request (once, as nginx)
        self.started = 0.0
        self.pipelined = False
        self.arm(_HEAD, default.client_header_timeout)

    # -- events -------------------------------------------------------------------

    def on_events(self, mask: int) -> None:
        if mask & (EPOLLIN | EPOLLERR):
            self.readable = True
            if mask & (EPOLLRDHUP | EPOLLERR):
                self.peer_closed = True
        if mask & ~EPOLLIN:
            self.writable = True
        self.pump()

    def pump(self) -> None:
        """Move bytes while epoll says we may: read, process, write.

        Fairness: once a response is complete, the next request of this connection
        waits for the reactor's next turn (``call_soon``), so a fast keep-alive
        client cannot starve the other connections.
        """
        self.scheduled = False
        done = self.app.stats.requests
        while not self.closed:
            progressed = False
            if self.readable and self.wants_input():
                progressed = self.read()
                self.process()
            if self.writable and (self.out or self.file is not None or self.parts):
                self.write()
                progressed = True
            if not progressed:
                break
            if not self.responding and self.app.stats.requests != done:
                if not self.scheduled and (self.readable or self.reader.buffered):
                    self.scheduled = True
                    self.app.reactor.call_soon(self.pump)
                break
        if not self.closed:
            self.rearm()

    def wants_input(self) -> bool:
        # Read while no response is pending, or to drain the body of the current one.
        return self.lingering or not self.responding or not self.body_done or self.reader.buffered < RECV_SIZE

    def read(self) -> bool:
        try:
            data = self.sock.recv(RECV_SIZE)
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
        if self.lingering:
            if not data:
                self.close()
            return bool(data)
        if len(data) < RECV_SIZE and not self.peer_closed:
            # Everything queued was read, and bytes arriving later report again
            # (edge-triggered): no second recv() just to see EAGAIN.  A FIN that
            # came with the data is announced by EPOLLRDHUP: then read on to EOF.
            self.readable = False
        self.reader.receive_data(data)
        if data and self.timer_kind == _BODY:
            self.arm(_BODY, self.settings.client_body_timeout)
        return bool(data)

    # -- requests -------------------------------------------------------------------

    def process(self) -> None:
        reader = self.reader
        while not self.closed and not self.lingering and not self.failed:
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
                    self.end_body(consumer)
            elif event is PAUSED:
                if self.responding:
                    return
                reader.start_next_cycle()
                if reader.idle:
                    return
            elif event is CONNECTION_CLOSED:
                if not self.responding:
                    self.close()
                return

    def begin(self, request: Request) -> None:
        self.requests += 1
        self.app.stats.requests += 1
        self.started = self.app.clock()
        self.body_done = not request.has_body
        self.continued = False
        ex = Exchange(request, self.info, started=self.started, requests=self.requests,
                      pipelined=self.pipelined)
        self.exchange = ex
        response = respond(ex)
        if ex.notes:
            self.write_notes(ex)
        self.settings = ex.settings or self.settings
        if not isinstance(response, Response):  # the handler reads the body first
            self.consumer = response
            if request.expect_continue:
                self.out += CONTINUE
                self.continued = True
            if self.body_done:  # no body bytes at all (Content-Length: 0)
                self.consumer = None
                self.end_body(response)
            return
        # As nginx's discard: body bytes that came with the head are checked before
        # answering, so a malformed body is a 400, not a 200 followed by a reset.
        try:
            while not self.body_done:
                event = self.reader.next_event()
                if event is END_OF_MESSAGE:
                    self.body_done = True
                elif type(event) is not Data:
                    break
        except ProtocolError as err:
            if response.file is not None:
                response.file.close()
            self.requests -= 1
            self.app.stats.requests -= 1
            self.fail(err.status)
            return
        self.send_response(response, request)

    def write_notes(self, ex: Exchange) -> None:
        """The error-log lines a step of the request left (once each), to its server's logs."""
        logs = ex.settings.error_log if ex.settings is not None else ()
        for note in ex.notes:
            self.app.log_error("error", note, logs)
        ex.notes.clear()

    def end_body(self, consumer) -> None:
        ex = self.exchange
        response = end_body(ex, consumer)
        if ex.notes:
            self.write_notes(ex)
        self.send_response(response, ex.request)

    def feed(self, data: bytes) -> None:
        ex = self.exchange
        failed = feed_body(ex, self.consumer, data)
        if ex.notes:
            self.write_notes(ex)
        if failed is not None:  # refused (413), disk full...: answer now and stop reading
            self.consumer = None
            failed.close = True
            self.send_response(failed, self.exchange.request)

    def fail(self, status: int) -> None:
        """A request that cannot be read: answer with the default server's page, then close."""
        self.failed = True  # the byte stream is out of sync: read no further request
        self.body_done = True
        ex = Exchange(Request("GET", "/", 1, []), self.info)
        ex.server = self.info.vhosts.address.default
        ex.settings = ex.server.settings
        from nginxlite.handlers.errors import finish
        response = finish(ex, HttpError(status))
        response.close = True
        self.exchange = ex
        self.requests += 1
        self.app.stats.requests += 1
        self.started = ex.started = self.app.clock()
        ex.requests = self.requests
        self.send_response(response, None)

    def send_response(self, response: Response, request: Request | None) -> None:
        if response.status == 444:  # return 444: close without an answer
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
        chunks = request is not None and request.minor == 1
        if response.chunked and not response.head_only and not chunks:
            keep = False  # HTTP/1.0 cannot take chunks: the end of the body is the end of the connection
        ka_header = None
        if keep and settings.keepalive_header is not None:
            ka_header = f"timeout={int(settings.keepalive_header)}"
        server = signature(settings)  # the Server header is the pages' signature
        head = head_bytes(response, self.app.date.now(), server, keep, ka_header, chunks)
        self.keep_alive = keep
        self.response = response
        if self.exchange is not None:
            self.exchange.response = response
        self.responding = True
        self.sent = 0
        self.head_len = len(head)
        self.out += head
        if response.head_only or response.status in (204, 304):
            if response.file is not None:
                response.file.close()
        elif response.parts is not None:
            self.parts = list(reversed(response.parts))
        elif response.file is not None:
            self.file = response.file
        elif response.chunked and chunks:
            self.out += chunk(response.body)
        else:
            self.out += response.body

    def finish_response(self) -> None:
        self.responding = False
        response = self.response
        ex = self.exchange
        if ex is not None:
            ex.sent, ex.head_len, ex.completed = self.sent, self.head_len, True
        self.app.access_log(self, response)
        self.response = None
        self.exchange = None
        if not self.keep_alive:
            self.start_close()
            return
        reader = self.reader
        self.pipelined = reader.buffered > 0  # the next request came with this one (nginx's $pipe)
        if self.body_done and not reader.buffered and reader.request is not None:
            reader.start_next_cycle()  # the usual case: the request was read whole, nothing more arrived
        else:
            self.process()  # the rest of the body, then any pipelined request
        if not self.responding and self.body_done and reader.idle:
            self.arm(_KEEPALIVE, self.settings.keepalive_timeout)  # the idle clock restarts

    # -- writing ---------------------------------------------------------------------

    def write(self) -> None:
        """Send buffered bytes, then file bytes (``sendfile``), then the next part, until
        the socket would block or the response is out."""
        progressed = False
        try:
            while True:
                if self.out:
                    n = self.sock.send(self.out)
                    progressed = True
                    self.sent += n
                    del self.out[:n]
                    if self.out:
                        self.writable = False
                        break
                    continue
                file = self.file
                if file is not None and file.length > 0:
                    want = min(file.length, SENDFILE_CHUNK)
                    n = os.sendfile(self.fd, file.fd, file.offset, want)
                    if n == 0:  # the file shrank under us: the response cannot be completed
                        self.close()
                        return
                    progressed = True
                    file.offset += n
                    file.length -= n
                    self.sent += n
                    if n < want:  # the socket buffer is full: epoll reports when it drains (as nginx)
                        self.writable = False
                        break
                    continue
                if not self.parts:
                    break
                part = self.parts.pop()  # multipart ranges: boundaries (bytes) and file slices
                if isinstance(part, bytes):
                    self.out += part
                else:
                    self.file = part
        except BlockingIOError:
            self.writable = False
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close()
            return
        except OSError as err:
            self.app.log_error("error", f"send() failed ({err.errno}: {err.strerror})")
            self.close()
            return
        if self.out or self.parts or (self.file is not None and self.file.length > 0):
            if progressed:
                self.arm(_SEND, self.settings.send_timeout)
            return
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.response is not None and self.response.file is not None:
            self.response.file.close()
        if self.responding:  # not only an interim "100 Continue" went out
            self.finish_response()

    # -- timers ------------------------------------------------------------------------

    def arm(self, kind: int, seconds: float) -> None:
        """Set the connection's one deadline.  Lazy: a pending timer that fires no later
        than the new deadline is kept (``on_timeout`` re-checks), so moving the deadline
        forward, as every keep-alive request does, costs no heap operation."""
        self.timer_kind = kind
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
        if self.lingering:
            return  # the linger timer is running
        if self.responding:
            if self.timer_kind != _SEND:  # the answer waits for the socket: send_timeout applies
                self.arm(_SEND, self.settings.send_timeout)
            return
        if not self.body_done:
            if self.timer_kind != _BODY:
                self.arm(_BODY, self.settings.client_body_timeout)
        elif self.reader.idle:
            if self.requests and self.timer_kind != _KEEPALIVE:
                self.arm(_KEEPALIVE, self.settings.keepalive_timeout)
        elif self.timer_kind != _HEAD:  # the first bytes of a request head: its clock starts
            self.arm(_HEAD, self.server_settings.client_header_timeout)

    def on_timeout(self) -> None:
        self.timer = None
        if self.closed or not self.deadline:
            return
        left = self.deadline - self.app.reactor.clock()
        if left > 0:  # the deadline moved since this timer was set
            self.timer = self.app.reactor.call_later(left, self.on_timeout)
            return
        kind = self.timer_kind
        if self.lingering or self.responding or kind == _KEEPALIVE or (kind == _HEAD and self.reader.idle):
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
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.close()
            return
        self.lingering = True
        self.arm(_LINGER, LINGER_TIME)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        app = self.app
        app.reactor.cancel(self.timer)
        self.timer = None
        if self.consumer is not None:  # the body never completed: nothing half-written stays
            self.consumer.abort()
            self.consumer = None
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.response is not None and self.response.file is not None:
            self.response.file.close()
        app.reactor.unregister(self.fd)
        try:
            self.sock.close()
        except OSError:
            pass
        app.connection_closed(self)
