"""TLS in the event loop: a transport over ``ssl`` on the non-blocking socket.

Rules:
- ``TlsTransport`` keeps ``SocketTransport``'s contract (``server.transport``):
  ``BlockingIOError`` means "wait for epoll", a peer gone is a reset or broken
  pipe, so the connection's code is the same for both.
- The first readiness peeks one byte, as nginx: a TLS record (0x16) or an SSLv2
  hello (high bit) starts the handshake; anything else is served as plain HTTP
  and ``plain`` says so (the request is answered with nginx's 400 "The plain
  HTTP request was sent to HTTPS port").
- The handshake runs in the read path, so the connection's HEAD timer
  (``client_header_timeout``) is its deadline.  A handshake (or a TLS 1.3 key
  update) that must write while reading, or read while writing, sets
  ``read_wants_write``/``write_wants_read``: the connection then retries the
  other direction when epoll reports it.
- Decrypted bytes may wait inside OpenSSL: ``short_read_drains`` is False, the
  connection reads until ``recv`` says would-block.
- ``send`` after a would-block is retried with the same bytes at its start (the
  connection's buffer only grows at its end); ``sendfile`` is ``pread`` and
  ``send`` of at most ``SEND_MAX`` bytes a time (one ``SSL_write``, four records:
  fewer passes through Python than a record a time), its retry reads the same
  offset and length.
- ``ssl_buffer_size`` bounds each written record's plaintext (``record``): below
  16k every ``SSL_write`` is given at most that many bytes; at 16k and above
  OpenSSL's own 16384-byte records are the bound.  As nginx, the size is the
  default server's until the SNI name chooses a server, then that server's
  (the Host header does not change it).
- TLS failures (a bad hello, an alert) close quietly, as a reset does: they are
  the client's, not the server's.
- ``sni_callback`` (made by ``sni_selector``) gives the handshake the context of
  the server the name selects on the connection's address, the default server's
  when the client sends no name or an unknown one.  A server so chosen with
  ``ssl_reject_handshake on`` ends the handshake with an "unrecognized name"
  alert (nginx's words: the handshake is rejected).  The name the client sent is
  kept as it came (``server_name``: nginx's ``$ssl_server_name``).
- ``settled`` (set by the server) is called once, when the handshake is done or
  the first byte says plain HTTP: the server counts the handshakes in flight
  until then (``server.app``: the oldest is closed beyond its limit).
- ``session()`` is the handshaken ``SSLSocket`` (None before, and for plain HTTP
  on the TLS port): what the ``$ssl_*`` variables read.
"""

from __future__ import annotations

import os
import socket
import ssl

from nginxlite.config.vhosts import validate_host

RECORD = 16384  # one TLS record's plaintext
SEND_MAX = 4 * RECORD  # bytes given to one SSL_write


def _nothing() -> None:
    return None


class TlsTransport:
    short_read_drains = False

    def __init__(self, sock: socket.socket, ctx: ssl.SSLContext, vhosts) -> None:
        self.raw = sock
        self.fd = sock.fileno()
        self.ctx = ctx
        self.vhosts = vhosts  # the connection's address, for SNI
        self.ssl: ssl.SSLSocket | None = None
        self.handshaken = False
        self.plain = False  # plain HTTP on the TLS port
        self.read_wants_write = False
        self.write_wants_read = False
        self.failed = False
        self.notified = False  # close_notify sent (or tried)
        self.server_name: str | None = None  # the SNI name, set by the SNI callback
        self.record = max(1, vhosts.address.default.tls.buffer_size)  # ssl_buffer_size (SNI may change it)
        self.settled = _nothing  # called once the handshake is done or the bytes are plain HTTP

    def session(self) -> ssl.SSLSocket | None:
        return self.ssl if self.handshaken and not self.plain else None

    # -- reading -------------------------------------------------------------------

    def recv(self, n: int) -> bytes:
        if self.plain:
            return self.raw.recv(n)
        if not self.handshaken:
            if self.ssl is None:
                first = self.raw.recv(1, socket.MSG_PEEK)  # BlockingIOError: nothing yet
                if not first:
                    return b""
                if first[0] != 0x16 and not first[0] & 0x80:
                    self.plain = True
                    self.settle()
                    return self.raw.recv(n)
                self.ssl = self.ctx.wrap_socket(self.raw, server_side=True, do_handshake_on_connect=False)
                self.ssl.nginxlite_transport = self  # read by the SNI callback
            self.handshake()
        self.read_wants_write = False
        try:
            return self.ssl.recv(n)
        except ssl.SSLWantReadError:
            raise BlockingIOError from None
        except ssl.SSLWantWriteError:
            self.read_wants_write = True
            raise BlockingIOError from None
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b""
        except ssl.SSLError:
            self.failed = True
            raise ConnectionAbortedError from None

    def handshake(self) -> None:
        self.read_wants_write = False
        try:
            self.ssl.do_handshake()
        except ssl.SSLWantReadError:
            raise BlockingIOError from None
        except ssl.SSLWantWriteError:
            self.read_wants_write = True
            raise BlockingIOError from None
        except (ssl.SSLError, ValueError):  # a bad hello, an alert, no shared cipher...
            self.failed = True
            raise ConnectionAbortedError from None
        self.handshaken = True
        self.settle()

    def settle(self) -> None:
        settled, self.settled = self.settled, _nothing  # (no cycle left through the server's callback)
        if self.ssl is not None:
            self.ssl.nginxlite_transport = None  # (the SNI callback has run)
        settled()

    # -- writing -------------------------------------------------------------------

    def send(self, data) -> int:
        if self.plain:
            return self.raw.send(data)
        if not self.handshaken:  # (nothing is written before a request was read)
            raise BlockingIOError
        end = min(len(data), SEND_MAX)
        record = self.record
        if record >= RECORD:  # OpenSSL cuts its records at 16384 bytes itself
            return self.write(data if end == len(data) else data[:end])
        sent = 0
        while sent < end:  # one SSL_write per record of ssl_buffer_size bytes
            try:
                sent += self.write(data[sent:min(sent + record, end)])
            except BlockingIOError:
                if sent:
                    return sent
                raise
        return sent

    def write(self, data) -> int:
        """One ``SSL_write`` of ``data`` (all of it, or an exception)."""
        self.write_wants_read = False
        try:
            return self.ssl.send(data)
        except ssl.SSLWantWriteError:
            raise BlockingIOError from None
        except ssl.SSLWantReadError:
            self.write_wants_read = True
            raise BlockingIOError from None
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            raise BrokenPipeError from None
        except ssl.SSLError:
            self.failed = True
            raise ConnectionResetError from None

    def sendfile(self, fd: int, offset: int, count: int) -> int:
        if self.plain:
            return os.sendfile(self.fd, fd, offset, count)
        sent = 0
        while sent < count:
            data = os.pread(fd, min(SEND_MAX, count - sent), offset + sent)
            if not data:
                break  # the file shrank: the connection sees a short count (0: nothing sent)
            try:
                n = self.send(data)
            except BlockingIOError:
                if sent:
                    return sent
                raise
            sent += n
        return sent

    # -- closing -------------------------------------------------------------------

    def shutdown_write(self) -> None:
        """close_notify (best effort), then the TCP FIN; what follows is read raw and dropped."""
        if self.ssl is None:
            self.raw.shutdown(socket.SHUT_WR)
            return
        self.notify()
        self.ssl.shutdown(socket.SHUT_WR)  # (the SSL object is dropped: later reads are raw)

    def notify(self) -> None:
        if self.handshaken and not self.failed and not self.notified:
            self.notified = True
            try:
                self.ssl.unwrap()
            except (ssl.SSLError, OSError, ValueError):
                pass  # the close_notify went out, or could not: either way we are done

    def close(self) -> None:
        self.settled = _nothing
        sock = self.ssl if self.ssl is not None else self.raw
        if self.ssl is not None:
            self.ssl.nginxlite_transport = None
            self.notify()
        try:
            sock.close()
        except OSError:
            pass


def sni_selector(contexts: dict[int, ssl.SSLContext]):
    """The ``sni_callback`` of every server context: ``contexts`` maps id(Server) to its context."""

    def select(sslsock: ssl.SSLSocket, name: str | None, current: ssl.SSLContext) -> None:
        transport = getattr(sslsock, "nginxlite_transport", None)
        if transport is None:
            return None
        transport.server_name = name or None
        vhosts = transport.vhosts
        host = validate_host(name) if name else None
        server = vhosts.select(host) if host else vhosts.address.default
        transport.record = max(1, server.tls.buffer_size)  # nginx: the SNI-chosen server's
        ctx = contexts.get(id(server))
        if ctx is None:  # a server on the address without a certificate: the default's serves
            ctx = contexts.get(id(vhosts.address.default))
        if ctx is not None and ctx is not current:
            sslsock.context = ctx
        if server.tls.reject_handshake:  # nginx's ngx_http_ssl_servername
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        return None

    return select
