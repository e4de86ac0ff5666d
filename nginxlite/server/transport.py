"""Transports: the byte stream under a connection (a TCP socket here, TLS in ``server.tls``).

Rules:
- A transport owns ``recv``, ``send``, ``sendfile``, ``shutdown_write`` and
  ``close``; the connection calls nothing else on the socket, so a TLS
  transport replaces this one without touching HTTP logic.
- Every method is non-blocking: ``BlockingIOError`` means "not now" (the
  connection waits for epoll), other ``OSError`` are the connection's to
  classify.
- ``short_read_drains``: a ``recv`` that returns less than asked means the
  kernel buffer is empty, so the connection need not call again before epoll
  reports (true of TCP; not of TLS, whose records are buffered in user space).
- ``sendfile(fd, offset, count)`` returns the bytes sent; 0 means the file
  ended early (it shrank).  A transport that cannot use ``os.sendfile``
  implements it with ``pread`` and ``send``.
"""

from __future__ import annotations

import os
import socket


def set_nodelay(sock: socket.socket) -> None:
    """TCP_NODELAY, as nginx's ``tcp_nodelay on``: set when a connection is kept alive (a
    connection closed after one answer never needs it) or starts a TLS handshake."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass  # the peer has gone: the next read or write says so


class SocketTransport:
    """A connected, non-blocking TCP socket."""

    __slots__ = ("sock", "fd", "recv", "send")
    short_read_drains = True
    read_wants_write = False  # (a TLS transport's: see server.tls)
    write_wants_read = False
    plain = False

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.recv = sock.recv  # bound once: these two are the hot path
        self.send = sock.send

    def sendfile(self, fd: int, offset: int, count: int) -> int:
        return os.sendfile(self.fd, fd, offset, count)

    def shutdown_write(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
