"""Child processes with pipes on the reactor, their exits routed by pid.

Rules:
- A child is started with ``os.posix_spawn`` (glibc runs it with ``vfork``
  semantics: no copy of the server's memory, no Python between fork and exec):
  its stdin, stdout and stderr are the pipes' ends (``dup2``), every other
  descriptor of the server is close-on-exec already (Python opens everything
  non-inheritable), every signal is back to its default (``setsigdef`` with all
  of them: nothing the server ignores, SIGPIPE included, is ignored in the child;
  and glibc then sets each once instead of asking for each one's handler first,
  half the system calls of the child before its ``exec``), and a failed ``exec``
  comes back as the ``OSError`` it was
  (``FileNotFoundError``...).  The working directory is set by ``chdir`` around
  the spawn (one thread: nothing else runs meanwhile), and restored with
  ``fchdir`` to the server's own, a directory fd (``O_PATH``) opened once and kept.
- Each child leads its own process group (``setpgroup``), so ``kill`` reaches
  what it started in the background too, and a Ctrl-C meant for the server's
  terminal does not reach it.  ``nice`` lowers its priority, so programs that
  loop cannot starve the server that shares their CPU.
- stdin, stdout and stderr are pipes made here (``pipe2``, non-blocking and
  close-on-exec; the child's ends made blocking again: programs expect blocking
  stdio); the parent's ends come back as ``PipeEnd``s registered on the reactor,
  and nothing is registered when the spawn fails.  With ``stdin=False`` the
  child's stdin is ``/dev/null`` (opened once and kept: it reads the end of file
  at once) and ``Child.stdin`` is ``pipes.CLOSED`` (without a ``/dev/null``: a
  pipe, closed at once).
- Exits are taken by ``reap`` (on SIGCHLD): at the end of the loop's turn
  (``call_soon``: once however many SIGCHLDs the turn brought), ``waitpid(-1,
  WNOHANG)`` until none is left; a pid spawned here gets its status and its
  ``on_exit`` callback, any other (the config-reload child) is dropped silently.
  A SIGCHLD that comes meanwhile asks for another pass.
- Exit statuses are logged in nginx's words for its worker processes: a non-zero
  code is ``[notice] "ARGV0" (pid N) exited with code C``; death by a signal is
  ``"ARGV0" (pid N) exited on signal S`` (with `` (core dumped)`` when it did),
  at ``notice`` when it is the signal ``kill`` sent and at ``alert`` otherwise
  (a crash).  Exit code 0 is not logged.
- ``close_all`` (shutdown) kills every live child and reaps it without calling
  ``on_exit`` or logging; the wait is short since SIGKILL cannot be caught.  It
  closes the kept ``/dev/null`` and directory fds too.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping, Sequence

from nginxlite.server.loop import Reactor
from nginxlite.server.pipes import CLOSED, PipeCallback, PipeEnd, nonblocking_pipe

LogError = Callable[[str, str], None]
ExitCallback = Callable[[int], None]


class Child:
    """One spawned process: ``returncode`` is None while it runs, then the exit code
    or ``-signal`` (``os.waitstatus_to_exitcode``)."""

    __slots__ = ("pid", "program", "stdin", "stdout", "stderr", "on_exit", "returncode", "killed_with")

    def __init__(self, pid: int, argv0, stdin, stdout: PipeEnd, stderr: PipeEnd,
                 on_exit: ExitCallback) -> None:
        self.pid = pid  # also its process group id
        self.program = argv0  # as given: str or bytes (``argv0`` decodes it, for the log only)
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.on_exit = on_exit
        self.returncode: int | None = None
        self.killed_with: int | None = None

    @property
    def argv0(self) -> str:
        return os.fsdecode(self.program)  # (argv may be bytes: a path as the file system has it)

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
        self.reaping = False  # a pass of ``reap`` is due at the end of this turn
        self.devnull = -1  # /dev/null, read-only, close-on-exec: the stdin of a child given none
        self.home = -1  # the server's working directory (O_PATH), to come back to after a chdir
        self._open_kept()

    def _open_kept(self) -> None:
        """The two fds kept for every spawn, if they can be opened (else again when needed)."""
        try:
            if self.devnull < 0:
                self.devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
            if self.home < 0:
                self.home = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            pass

    def spawn(self, argv: Sequence, on_exit: ExitCallback, *, cwd=None, env: Mapping | None = None,
              stdin: bool = True, on_stdin: PipeCallback | None = None, on_stdout: PipeCallback | None = None,
              on_stderr: PipeCallback | None = None, nice: int = 0) -> Child:
        """Start ``argv`` in its own process group; raises ``OSError`` when it cannot run.
        ``argv`` and ``env`` may be str or bytes (paths as the file system has them).
        ``stdin=False``: the child reads ``/dev/null``, no pipe is made for it."""
        if self.devnull < 0 or (cwd is not None and self.home < 0):
            self._open_kept()
        shut = not stdin and self.devnull < 0  # no /dev/null: an empty pipe, closed at once
        stdin = stdin or shut
        fds: list[int] = []
        try:
            if stdin:
                fds.extend(nonblocking_pipe())
            else:
                fds.extend((self.devnull, -1))
            fds.extend(nonblocking_pipe())
            fds.extend(nonblocking_pipe())
            stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w = fds
            if stdin:
                os.set_blocking(stdin_r, True)  # the child's ends: programs expect blocking stdio
            os.set_blocking(stdout_w, True)
            os.set_blocking(stderr_w, True)
            if cwd is not None and self.home < 0:
                self.home = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            pid = _spawn(argv if type(argv) is list else list(argv), os.environ if env is None else env,
                         cwd, self.home, stdin_r, stdout_w, stderr_w)
        except BaseException:
            for fd in fds[0 if stdin else 2:]:
                os.close(fd)
            raise
        if stdin:
            os.close(stdin_r)
        os.close(stdout_w)
        os.close(stderr_w)
        if nice:
            try:
                os.setpriority(os.PRIO_PROCESS, pid, nice)  # (what it starts from now on inherits it)
            except OSError:
                pass
        ends = [(stdin_w, "w", on_stdin), (stdout_r, "r", on_stdout), (stderr_r, "r", on_stderr)]
        if not stdin:
            del ends[0]
        registered: list[PipeEnd] = []
        try:
            for fd, mode, callback in ends:
                registered.append(PipeEnd(self.reactor, fd, mode, callback, nonblocking=True))
        except BaseException:  # the reactor refused an fd: undo, the child goes too
            for end in registered:
                end.close()
            for fd, _, _ in ends[len(registered) + 1:]:
                os.close(fd)
            self._kill_and_wait(pid)
            raise
        if not stdin:
            registered.insert(0, CLOSED)
        child = Child(pid, argv[0], *registered, on_exit)
        if shut:
            child.stdin.close()
        self.live[child.pid] = child
        return child

    def kill(self, child: Child, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the child's whole process group (gone already is fine)."""
        if child.returncode is None:
            child.killed_with = sig
        _signal_group(child.pid, sig)

    def reap(self) -> None:
        """Collect every exited child (call on SIGCHLD), at the end of this turn of the
        loop; route ours to their ``on_exit``."""
        if not self.reaping:
            self.reaping = True
            self.reactor.call_soon(self._reap)

    def _reap(self) -> None:
        self.reaping = False
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
            child.returncode = code
            self.log_exit(child, status)
            self.reactor.guard(child.on_exit, code)

    def log_exit(self, child: Child, status: int) -> None:
        if os.WIFSIGNALED(status):
            signum = os.WTERMSIG(status)
            core = " (core dumped)" if os.WCOREDUMP(status) else ""
            level = "notice" if signum == child.killed_with else "alert"
            self.log_error(level, f'"{child.argv0}" (pid {child.pid}) exited on signal {signum}{core}')
        elif child.returncode:
            self.log_error("notice", f'"{child.argv0}" (pid {child.pid}) exited with code {child.returncode}')

    def close_all(self) -> None:
        """Shutdown: kill and reap every live child, close its pipe ends; no callbacks."""
        live, self.live = self.live, {}
        for child in live.values():
            child.close_pipes()
            child.killed_with = signal.SIGKILL
            child.returncode = self._kill_and_wait(child.pid)
        for fd in (self.devnull, self.home):
            if fd >= 0:
                os.close(fd)
        self.devnull = self.home = -1

    @staticmethod
    def _kill_and_wait(pid: int) -> int:
        _signal_group(pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped elsewhere: its status is lost
            return -signal.SIGKILL
        return os.waitstatus_to_exitcode(status)


def _signal_group(pgid: int, sig: int) -> None:
    """``killpg``, when the group is already gone too.  Linux keeps a group's id from
    being reused while any member lives, so after the leader is reaped this reaches
    only what it left behind."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


_DUP2 = os.POSIX_SPAWN_DUP2
_DEFAULT_SIGNALS = tuple(sorted(signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}))  # (see the rules)


def _spawn(argv: list, env: Mapping, cwd, home: int, stdin: int, stdout: int, stderr: int) -> int:
    """``posix_spawn`` (``posix_spawnp`` for a bare program name) with ``stdin``, ``stdout``
    and ``stderr`` as fds 0-2, in a new process group, in ``cwd`` (then back to the
    directory ``home``)."""
    actions = [(_DUP2, stdin, 0), (_DUP2, stdout, 1), (_DUP2, stderr, 2)]
    program = argv[0]
    kind = type(program)
    if kind is bytes:
        spawn = os.posix_spawn if b"/" in program else os.posix_spawnp
    elif kind is str:
        spawn = os.posix_spawn if "/" in program else os.posix_spawnp
    else:
        spawn = os.posix_spawn if b"/" in os.fsencode(program) else os.posix_spawnp
    if cwd is None:
        return spawn(program, argv, env, file_actions=actions, setpgroup=0, setsigdef=_DEFAULT_SIGNALS)
    os.chdir(cwd)
    try:
        return spawn(program, argv, env, file_actions=actions, setpgroup=0, setsigdef=_DEFAULT_SIGNALS)
    finally:
        os.fchdir(home)
