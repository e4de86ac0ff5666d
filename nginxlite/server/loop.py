"""The reactor: one ``select.epoll`` for every listener, client and pipe, plus timers.

Rules:
- A handler is an object with ``on_events(mask)``; it is called only when epoll
  reported its fd ready.  Dispatch looks the handler up at call time, so a
  handler may unregister other fds in the same batch.
- Timers live in a heap of ``(deadline, sequence, timer)`` entries (compared in C:
  the sequence is unique, so a ``Timer`` itself is never compared); cancelling
  marks them and the heap is rebuilt when cancelled ones dominate.  The poll timeout is the
  next deadline, rounded up to the millisecond so the loop never spins just short.
- Signals arrive through ``signal.set_wakeup_fd`` on a socketpair registered like
  any other fd; handlers run in the loop, never inside the signal handler.
- ``guard`` is the loop's only catch-all: an exception in one handler is reported
  through ``on_error`` and the loop goes on.
"""

from __future__ import annotations

import errno
import heapq
import math
import select
import signal
import socket
import time
from collections.abc import Callable

EPOLLIN = select.EPOLLIN
EPOLLOUT = select.EPOLLOUT
EPOLLERR = select.EPOLLERR | select.EPOLLHUP
EPOLLRDHUP = select.EPOLLRDHUP
EPOLLET = select.EPOLLET  # every fd is registered once, edge-triggered (the ready-flag discipline)


class Timer:
    __slots__ = ("deadline", "seq", "callback")

    def __init__(self, deadline: float, seq: int, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.seq = seq
        self.callback: Callable[[], None] | None = callback

    def cancel(self) -> None:
        self.callback = None


class Reactor:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 on_error: Callable[[BaseException, object], None] | None = None) -> None:
        self.epoll = select.epoll()
        self.clock = clock
        self.handlers: dict[int, object] = {}
        self.masks: dict[int, int] = {}
        self.timers: list[tuple[float, int, Timer]] = []  # the heap (module rules)
        self.cancelled = 0
        self.seq = 0
        self.soon: list[Callable[[], None]] = []
        self.running = False
        self.on_error = on_error or (lambda exc, where: None)
        self.on_signal: Callable[[int], None] = lambda signum: None
        self.before_poll: list[Callable[[], None]] = []
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._wake_fd = -1

    # -- fds ------------------------------------------------------------------

    def register(self, fd: int, mask: int, handler: object) -> None:
        self.epoll.register(fd, mask)
        self.handlers[fd] = handler
        self.masks[fd] = mask

    def modify(self, fd: int, mask: int) -> None:
        if self.masks.get(fd) != mask:
            self.epoll.modify(fd, mask)
            self.masks[fd] = mask

    def unregister(self, fd: int) -> None:
        if self.handlers.pop(fd, None) is not None:
            self.masks.pop(fd, None)
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass

    def forget(self, fd: int) -> None:
        """Stop dispatching to ``fd``, which the caller closes right away: the kernel drops a
        closed descriptor from the epoll set by itself (one system call less than
        ``unregister``).  Only for a descriptor nothing else holds a copy of (client sockets:
        accepted close-on-exec, never duplicated)."""
        if self.handlers.pop(fd, None) is not None:
            self.masks.pop(fd, None)

    # -- timers -----------------------------------------------------------------

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        self.seq += 1
        deadline = self.clock() + delay
        timer = Timer(deadline, self.seq, callback)
        heapq.heappush(self.timers, (deadline, self.seq, timer))
        return timer

    def cancel(self, timer: Timer | None) -> None:
        if timer is not None and timer.callback is not None:
            timer.callback = None
            self.cancelled += 1
            if self.cancelled > 512 and self.cancelled > len(self.timers) // 2:
                self.timers = [entry for entry in self.timers if entry[2].callback is not None]
                heapq.heapify(self.timers)
                self.cancelled = 0

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.soon.append(callback)

    # -- signals ----------------------------------------------------------------

    def watch_signals(self, signums: list[int], handler: Callable[[int], None]) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        for signum in signums:
            signal.signal(signum, lambda *_: None)  # the wakeup fd carries the number
        self.on_signal = handler
        self._wake_fd = self._wake_r.fileno()
        self.register(self._wake_fd, EPOLLIN, self)

    def on_events(self, mask: int) -> None:  # the signal wakeup socket
        try:
            data = self._wake_r.recv(512)
        except BlockingIOError:
            return
        for signum in data:
            self.on_signal(signum)

    # -- running ----------------------------------------------------------------

    def guard(self, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - the loop's only catch-all
            self.on_error(exc, fn)

    def stop(self) -> None:
        self.running = False

    def run(self) -> None:
        self.running = True
        while self.running:
            self.turn()

    def turn(self, longest: float | None = None) -> None:
        """One pass: poll (for at most ``longest`` seconds when given), dispatch the
        ready fds, then the timers that are due, then the ``call_soon`` callbacks.
        Tests drive the loop with it, one pass at a time, on a fake clock."""
        for hook in self.before_poll:
            self.guard(hook)
        timers = self.timers
        if self.soon:
            timeout = 0.0
        else:
            while timers and timers[0][2].callback is None:
                heapq.heappop(timers)
                self.cancelled = max(0, self.cancelled - 1)
            if timers:
                timeout = max(0.0, math.ceil((timers[0][0] - self.clock()) * 1000) / 1000)
            else:
                timeout = -1
        if longest is not None and (timeout < 0 or timeout > longest):
            timeout = longest
        try:
            events = self.epoll.poll(timeout)
        except InterruptedError:
            events = []
        except OSError as err:
            if err.errno != errno.EINTR:
                raise
            events = []
        wake = self._wake_fd
        if wake >= 0 and any(fd == wake for fd, _ in events):
            self.guard(self.on_events, EPOLLIN)  # signals first: a stop applies to this batch
        handlers = self.handlers
        for fd, mask in events:
            if fd == wake:
                continue
            handler = handlers.get(fd)
            if handler is not None:
                try:
                    handler.on_events(mask)
                except Exception as exc:  # noqa: BLE001
                    self.on_error(exc, handler)
        timers = self.timers  # cancel() may have rebuilt the heap meanwhile
        if timers:
            now = self.clock()
            while timers and timers[0][0] <= now:
                timer = heapq.heappop(timers)[2]
                callback = timer.callback
                if callback is None:
                    self.cancelled = max(0, self.cancelled - 1)
                    continue
                timer.callback = None
                self.guard(callback)
                timers = self.timers
        if self.soon:
            batch, self.soon = self.soon, []
            for callback in batch:
                self.guard(callback)

    def close(self) -> None:
        if self._wake_w is not None:
            try:
                signal.set_wakeup_fd(-1)
            except ValueError:
                pass
            self._wake_r.close()
            self._wake_w.close()
        self.epoll.close()
