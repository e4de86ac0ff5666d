"""Child processes with pipes on the reactor, their exits routed by pid.

Rules:
- A child is started with ``subprocess.Popen`` rather than a hand-written
  fork/exec: its C helper runs no Python between fork and exec (no handler of
  ours, no inherited buffer flushed), gives the child default SIGPIPE/SIGXFSZ
  back (``restore_signals``: the server ignores SIGPIPE), closes every other
  inherited fd (``close_fds``), and reports a failed ``chdir`` or ``exec`` to
  the parent as the ``OSError`` it was (``FileNotFoundError``...) instead of
  leaving a child that silently exits 127.  ``Popen`` waits only for the exec.
- Each child leads its own process group (``process_group=0``), so ``kill``
  reaches what it started in the background too, and a Ctrl-C meant for the
  server's terminal does not reach it.
- stdin, stdout and stderr are pipes made here; the parent's ends come back as
  ``PipeEnd``s registered on the reactor, and nothing is registered when the
  spawn fails.
- Exits are taken by ``reap`` (on SIGCHLD): ``waitpid(-1, WNOHANG)`` until none is
  left; a pid spawned here gets its status and its ``on_exit`` callback, any other
  (the config-reload child) is dropped silently.  ``Popen.returncode`` is set at
  that moment, so ``Popen`` never waits for or warns about a child of ours.
- Exit statuses are logged in nginx's words for its worker processes: a non-zero
  code is ``[notice] "ARGV0" (pid N) exited with code C``; death by a signal is
  ``"ARGV0" (pid N) exited on signal S`` (with `` (core dumped)`` when it did),
  at ``notice`` when it is the signal ``kill`` sent and at ``alert`` otherwise
  (a crash).  Exit code 0 is not logged.
- ``close_all`` (shutdown) kills every live child and reaps it without calling
  ``on_exit`` or logging; the wait is short since SIGKILL cannot be caught.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from nginxlite.server.loop import Reactor
from nginxlite.server.pipes import PipeCallback, PipeEnd, nonblocking_pipe

if TYPE_CHECKING:
    import subprocess

LogError = Callable[[str, str], None]
ExitCallback = Callable[[int], None]


class Child:
    """One spawned process: ``returncode`` is None while it runs, then the exit code
    or ``-signal``, as ``Popen.returncode``."""

    __slots__ = ("popen", "pid", "argv0", "stdin", "stdout", "stderr", "on_exit", "returncode", "killed_with")

    def __init__(self, popen: subprocess.Popen, argv0: str, stdin: PipeEnd, stdout: PipeEnd, stderr: PipeEnd,
                 on_exit: ExitCallback) -> None:
        self.popen = popen
        self.pid = popen.pid  # also its process group id
        self.argv0 = os.fsdecode(argv0)  # (argv may be bytes: a path as the file system has it)
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.on_exit = on_exit
        self.returncode: int | None = None
        self.killed_with: int | None = None

    def close_pipes(self) -> None:
        self.stdin.close()
        self.stdout.close()
        self.stderr.close()

    def __repr__(self) -> str:
        return f"<Child {self.argv0!r} pid={self.pid} returncode={self.returncode}>"


class Children:
    def __init__(self, reactor: Reactor, log_error: LogError) -> None:
        self.reactor = reactor
        self.log_error = log_error
        self.live: dict[int, Child] = {}

    def spawn(self, argv: Sequence[str], on_exit: ExitCallback, *, cwd: str | None = None,
              env: Mapping[str, str] | None = None, on_stdin: PipeCallback | None = None,
              on_stdout: PipeCallback | None = None, on_stderr: PipeCallback | None = None) -> Child:
        """Start ``argv`` in its own process group; raises ``OSError`` when it cannot run."""
        fds: list[int] = []
        try:
            for _ in range(3):
                fds.extend(nonblocking_pipe())
            stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w = fds
            for fd in (stdin_r, stdout_w, stderr_w):
                os.set_blocking(fd, True)  # the child's ends: programs expect blocking stdio
            import subprocess  # here: a server that runs no child never loads it (about 0.5 MiB)

            popen = subprocess.Popen(list(argv), stdin=stdin_r, stdout=stdout_w, stderr=stderr_w, cwd=cwd,
                                     env=None if env is None else dict(env), close_fds=True,
                                     restore_signals=True, process_group=0)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        for fd in (stdin_r, stdout_w, stderr_w):
            os.close(fd)
        ends = [(stdin_w, "w", on_stdin), (stdout_r, "r", on_stdout), (stderr_r, "r", on_stderr)]
        registered: list[PipeEnd] = []
        try:
            for fd, mode, callback in ends:
                registered.append(PipeEnd(self.reactor, fd, mode, callback))
        except BaseException:  # the reactor refused an fd: undo, the child goes too
            for end in registered:
                end.close()
            for fd, _, _ in ends[len(registered) + 1:]:
                os.close(fd)
            self._kill_and_wait(popen)
            raise
        child = Child(popen, argv[0], *registered, on_exit)
        self.live[child.pid] = child
        return child

    def kill(self, child: Child, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the child's whole process group (gone already is fine)."""
        if child.returncode is None:
            child.killed_with = sig
        _signal_group(child.pid, sig)

    def reap(self) -> None:
        """Collect every exited child (call on SIGCHLD); route ours to their ``on_exit``."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.live.pop(pid, None)
            if child is None:
                continue  # not ours: the config-reload child, or an orphan we adopted
            code = os.waitstatus_to_exitcode(status)
            child.returncode = child.popen.returncode = code
            self.log_exit(child, status)
            self.reactor.guard(child.on_exit, code)

    def log_exit(self, child: Child, status: int) -> None:
        who = f'"{child.argv0}" (pid {child.pid})'
        if os.WIFSIGNALED(status):
            signum = os.WTERMSIG(status)
            core = " (core dumped)" if os.WCOREDUMP(status) else ""
            level = "notice" if signum == child.killed_with else "alert"
            self.log_error(level, f"{who} exited on signal {signum}{core}")
        elif child.returncode:
            self.log_error("notice", f"{who} exited with code {child.returncode}")

    def close_all(self) -> None:
        """Shutdown: kill and reap every live child, close its pipe ends; no callbacks."""
        live, self.live = self.live, {}
        for child in live.values():
            child.close_pipes()
            child.killed_with = signal.SIGKILL
            child.returncode = self._kill_and_wait(child.popen)

    @staticmethod
    def _kill_and_wait(popen: subprocess.Popen) -> int:
        _signal_group(popen.pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(popen.pid, 0)
            popen.returncode = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped elsewhere: its status is lost
            popen.returncode = -signal.SIGKILL
        return popen.returncode


def _signal_group(pgid: int, sig: int) -> None:
    """``killpg``, when the group is already gone too.  Linux keeps a group's id from
    being reused while any member lives, so after the leader is reaped this reaches
    only what it left behind."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
