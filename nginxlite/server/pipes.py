"""One end of a pipe, read or written through the reactor with the sockets' discipline.

Rules:
- The fd is made non-blocking (unless the caller made it so: ``nonblocking=True``)
  and registered once, edge-triggered: a read end for ``EPOLLIN|EPOLLRDHUP|EPOLLET``,
  a write end for ``EPOLLOUT|EPOLLET``.  No ``epoll_ctl`` happens after that until
  ``close``.
- epoll's reports set ``ready`` (and ``hangup`` on ``EPOLLHUP``/``EPOLLERR``:
  the other side is gone) and then call the owner's ``callback(end)``.
- ``read`` and ``write`` make a system call only while ``ready`` is set; the
  ``EAGAIN`` that ends a burst clears it, and the next epoll report sets it
  again.  So every transfer follows a report that the fd was ready.  A read
  that gives less than it asked for clears it too, without the ``EAGAIN``: a
  pipe's read returns short only when it has emptied the pipe, so the next
  write to it is a new edge.
- A read end knows its end of file without reading it when a report says
  ``EPOLLHUP`` (every writer is gone) without ``EPOLLIN`` (the pipe is empty),
  or when a read after such a hangup came back short (it emptied a pipe that no
  one can write to any more): ``read`` then gives ``b""`` without a system call.
- ``read`` gives bytes, ``b""`` at end of file, or ``None`` when it would block.
  ``write`` gives the count written, or 0 when nothing can be written now; a
  reader that closed (``EPIPE``: the server ignores SIGPIPE) sets ``broken`` and
  every later write gives 0 without a system call.
- A ``PipeEnd`` owns its fd from construction: if registering fails the fd is
  closed, and ``close`` unregisters and closes it exactly once.  A read end
  at its end of file (read, or known as above) is closed without ``EPOLL_CTL_DEL`` (the
  reactor ``forget``s it): every writer is gone, so no report can come from it
  even while a copy of the fd lives on in a forked child, and the kernel drops
  it from the epoll set when its last copy closes.
- ``CLOSED`` stands for an end that was never opened (a child whose stdin is
  ``/dev/null``): closed, never ready, nothing to close.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable

from nginxlite.server.loop import EPOLLERR, EPOLLET, EPOLLIN, EPOLLOUT, EPOLLRDHUP, Reactor

READ_MASK = EPOLLIN | EPOLLRDHUP | EPOLLET
WRITE_MASK = EPOLLOUT | EPOLLET
READ_SIZE = 65536
EPOLLHUP = select.EPOLLHUP
_HUP_ALONE = EPOLLHUP | EPOLLIN

PipeCallback = Callable[["PipeEnd"], None]


def nonblocking_pipe() -> tuple[int, int]:
    """A new pipe ``(read_fd, write_fd)``, both non-blocking and close-on-exec."""
    return os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)


def _ignore(end: PipeEnd) -> None:
    pass


class PipeEnd:
    """The read end (``mode="r"``) or write end (``mode="w"``) of a pipe, on the reactor."""

    __slots__ = ("reactor", "fd", "mode", "callback", "ready", "hangup", "broken", "closed", "eof")

    def __init__(self, reactor: Reactor, fd: int, mode: str, callback: PipeCallback | None = None,
                 nonblocking: bool = False) -> None:
        if mode not in ("r", "w"):
            os.close(fd)
            raise ValueError(f"pipe end mode must be 'r' or 'w', not {mode!r}")
        self.reactor = reactor
        self.fd = fd
        self.mode = mode
        self.callback: PipeCallback = callback or _ignore
        self.ready = False
        self.hangup = False
        self.broken = False
        self.closed = False
        self.eof = False
        try:
            if not nonblocking:
                os.set_blocking(fd, False)
            reactor.register(fd, READ_MASK if mode == "r" else WRITE_MASK, self)
        except BaseException:
            self.closed = True
            os.close(fd)
            raise

    def on_events(self, mask: int) -> None:
        if self.closed:
            return
        self.ready = True
        if mask & (EPOLLERR | EPOLLRDHUP):
            self.hangup = True
            if mask & _HUP_ALONE == EPOLLHUP and self.mode == "r":
                self.eof = True  # no writer and nothing in the pipe: the end of file, known
        self.callback(self)

    def read(self, size: int = READ_SIZE) -> bytes | None:
        """Up to ``size`` bytes; ``b""`` at end of file; ``None`` when it would block."""
        if not self.ready or self.closed:
            return None
        if self.eof:
            return b""  # (known without a system call: see the rules)
        try:
            data = os.read(self.fd, size)
        except BlockingIOError:
            self.ready = False
            return None
        if len(data) < size:
            if not data or self.hangup:
                self.eof = True  # (a short read after the hangup emptied a pipe no one writes to)
            else:
                self.ready = False  # the pipe is empty: its next write is a new edge
        return data

    def write(self, data: bytes | memoryview) -> int:
        """How many bytes of ``data`` were written; 0 when it would block or the reader
        is gone (then ``broken`` is set)."""
        if not self.ready or self.closed or self.broken or not data:
            return 0
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            self.ready = False
            return 0
        except BrokenPipeError:
            self.ready = False
            self.hangup = True
            self.broken = True
            return 0

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.ready = False
        if self.eof:
            self.reactor.forget(self.fd)  # no writer is left: no report can come (see the rules)
        else:
            self.reactor.unregister(self.fd)
        os.close(self.fd)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "ready" if self.ready else "waiting"
        return f"<PipeEnd fd={self.fd} mode={self.mode} {state}>"


class _Closed:
    """An end that was never opened: what a closed ``PipeEnd`` answers, for good."""

    __slots__ = ()
    fd = -1
    ready = False
    hangup = True
    broken = True
    closed = True
    eof = True

    def read(self, size: int = READ_SIZE) -> None:
        return None

    def write(self, data: bytes | memoryview) -> int:
        return 0

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "<PipeEnd never opened>"


CLOSED = _Closed()
