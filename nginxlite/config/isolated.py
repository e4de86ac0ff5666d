"""Loads the configuration in a short-lived child process: the server never imports lark.

Rules:
- The serving process never imports the parser.  lark and what it pulls in cost
  about 10 MiB of resident memory that a long-running server would keep for
  nothing (freed modules stay in the allocator's arenas), so a forked child runs
  ``loader.load_config`` and sends back, pickled over a pipe, the model or the
  exception it raised; then it leaves with ``os._exit`` (no atexit handlers, no
  inherited buffer flushed twice).
- Signals are blocked across ``fork``.  The child restores default dispositions
  and drops the server's wakeup fd before unblocking, so a signal never reaches
  the server's loop through the child.  It closes every inherited descriptor but
  stdin/stdout/stderr and its end of the pipe at once: a socket the server closes
  while the child runs must send its FIN then, not when the child exits.
- Start-up reads the answer blocking (``load``: nothing is served yet); a reload
  inside the running server reads it through epoll (``ChildLoad`` is the pipe's
  handler state, non-blocking).
- A child that ends without a complete answer (killed, out of memory) is a load
  failure worded as a ``ConfigError``: the running configuration stays.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import warnings

from nginxlite.config.model import Config
from nginxlite.errors import ConfigError

_READ_SIZE = 1 << 16
# Enough for any model the loader can build (it stops at its own recursion limit first).
_PICKLE_DEPTH = 20_000


class ChildLoad:
    """One load running in a child; ``fd`` is the read end of its answer pipe."""

    def __init__(self, file: str, prefix: str | None, extra: str | None, child_mask=None,
                 port: int | None = None) -> None:
        """``child_mask``: the signal mask the child runs with (default: the caller's)."""
        self.chunks: list[bytes] = []
        self.pid, self.fd = _fork_loader(file, prefix, extra, child_mask, port)

    def read(self) -> bool:
        """Read what the pipe holds; True once the child closed it (the answer is whole)."""
        while True:
            try:
                data = os.read(self.fd, _READ_SIZE)
            except BlockingIOError:
                return False
            except InterruptedError:
                continue
            if not data:
                return True
            self.chunks.append(data)

    def result(self) -> Config:
        """The loaded model; raises what the load raised (``ConfigError``, ``OSError``...)."""
        self.close()
        try:
            with warnings.catch_warnings():  # recompiling the regexes repeats the child's warnings
                warnings.simplefilter("ignore")
                answer = pickle.loads(b"".join(self.chunks))
        except Exception:  # noqa: BLE001 - a truncated or empty answer (the child died)
            answer = ConfigError(f"the configuration loader (pid {self.pid}) ended without an answer")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def load(file: str, prefix: str | None = None, extra: str | None = None,
         port: int | None = None) -> Config:
    """``load_config`` in a child, waiting for it (start-up, before anything is served)."""
    # Signals stay blocked until the child is known here, so a Ctrl-C always finds it.
    unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        child = ChildLoad(file, prefix, extra, unblocked, port)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)  # a pending Ctrl-C is raised here
        os.set_blocking(child.fd, True)
        child.read()
    except BaseException:  # interrupted (Ctrl-C): the child, maybe blocked on an include, goes too
        os.kill(child.pid, signal.SIGKILL)
        child.close()
        _reap(child.pid)
        raise
    try:
        return child.result()
    finally:
        _reap(child.pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # the server's SIGCHLD handler was first
        pass


def _fork_loader(file: str, prefix: str | None, extra: str | None, child_mask,
                 port: int | None) -> tuple[int, int]:
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        _child(write_end, blocked if child_mask is None else child_mask,  # never returns
               file, prefix, extra, port)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.close(write_end)
    os.set_blocking(read_end, False)
    return pid, read_end


def _child(out: int, mask, file: str, prefix: str | None, extra: str | None,
           port: int | None) -> None:
    try:
        signal.set_wakeup_fd(-1)
        # The server's sockets, pipes, epoll and logs: the child's copies would keep a
        # connection the server closes from sending its FIN until the child exits.
        os.closerange(3, out)
        os.closerange(out + 1, os.sysconf("SC_OPEN_MAX"))
        for signum in signal.valid_signals():
            handler = signal.getsignal(signum)
            if callable(handler) or handler is None:
                try:
                    signal.signal(signum, signal.SIG_DFL)
                except (OSError, ValueError):
                    pass
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            from nginxlite.config.loader import load_config
            answer: object = load_config(file, prefix, extra, port)
        except BaseException as err:  # noqa: BLE001 - every failure is the server's to report
            answer = err
        sys.setrecursionlimit(_PICKLE_DEPTH)  # pickling recurses once per level of the model
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # noqa: BLE001 - an answer that cannot cross is reported
            data = pickle.dumps(ConfigError(f"the configuration loader failed: cannot send "
                                            f"{type(answer).__name__} ({str(err)[:200]})"))
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]
    finally:
        os._exit(0)
