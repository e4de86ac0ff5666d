"""What a handler may use of the running server, instead of the App itself.

Rules for handlers:
- Never block: no sleeping, no blocking read or write, no waiting for a child.
  Work that has to wait is resumed from a callback: a timer (``call_later``), the
  next turn of the loop (``call_soon``), a pipe reported ready (``pipe_end``), or a
  child's exit (``children.spawn(..., on_exit=...)``).
- Never touch the client sockets, the listeners or the epoll object; the
  connection owns its socket and the reactor owns epoll.
- Every fd a handler opens that must be waited on goes through the reactor, as a
  ``PipeEnd`` (registered once, edge-triggered, the ``ready`` flag discipline),
  and is closed by the handler when done; a child's pipes come that way from
  ``children.spawn``.
- Errors are written with ``log_error`` (``logs``: the request's ``error_log``
  targets, empty for the main ones); ``stats`` is read, not replaced.
- Callbacks run inside the loop's guard: an exception is logged as an alert and
  the loop goes on, so a handler's cleanup must not rely on one being raised.
"""

from __future__ import annotations

from collections.abc import Callable

from nginxlite.server.children import Children
from nginxlite.server.loop import Reactor, Timer
from nginxlite.server.pipes import PipeCallback, PipeEnd

ServerLogError = Callable[..., None]  # (level, message, logs=()), as App.log_error


class Services:
    def __init__(self, reactor: Reactor, log_error: ServerLogError, stats: object) -> None:
        """``stats``: the server's counters (``server.app.Stats``), read by stub_status."""
        self.reactor = reactor
        self._log_error = log_error
        self.stats = stats
        self.children = Children(reactor, self.log_error)

    def clock(self) -> float:
        return self.reactor.clock()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.reactor.call_later(delay, callback)

    def cancel(self, timer: Timer | None) -> None:
        self.reactor.cancel(timer)

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.reactor.call_soon(callback)

    def log_error(self, level: str, message: str, logs: tuple = ()) -> None:
        self._log_error(level, message, logs)

    def pipe_end(self, fd: int, mode: str, callback: PipeCallback | None) -> PipeEnd:
        """Put ``fd`` (one end of a pipe; ``mode`` "r" or "w") on the reactor; the
        ``PipeEnd`` owns it from now on, even when this raises."""
        return PipeEnd(self.reactor, fd, mode, callback)
