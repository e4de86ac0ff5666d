"""The event-loop services handlers use: pipe ends, children, Services (no HTTP server).

A real Reactor on the real clock, driven one ``turn`` at a time until a condition
holds or a deadline passes; SIGCHLD is watched as the server watches it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

import pytest

from nginxlite.server.children import Children
from nginxlite.server.loop import Reactor
from nginxlite.server.pipes import CLOSED, PipeEnd, nonblocking_pipe
from nginxlite.server.services import Services

DEADLINE = 10.0
PR_SET_CHILD_SUBREAPER = 36


def run_until(reactor: Reactor, done, seconds: float = DEADLINE) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        reactor.turn(longest=0.05)


def registered_pipes(reactor: Reactor) -> set[int]:
    """The fds on the reactor but its signal wakeup socket."""
    return set(reactor.handlers) - {reactor._wake_fd}


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, level: str, message: str, logs: tuple = ()) -> None:
        self.lines.append((level, message))


@pytest.fixture
def reactor():
    previous = signal.getsignal(signal.SIGCHLD)
    reactor = Reactor(clock=time.monotonic)
    yield reactor
    reactor.close()
    signal.signal(signal.SIGCHLD, previous)


@pytest.fixture
def log():
    return Log()


@pytest.fixture
def signals() -> list[int]:
    """The signals the reactor delivered, in order."""
    return []


@pytest.fixture
def children(reactor, log, signals):
    """Wired as the server wires them: SIGCHLD, through the wakeup fd, calls ``reap``."""
    children = Children(reactor, log)

    def on_signal(signum: int) -> None:
        signals.append(signum)
        children.reap()

    reactor.watch_signals([signal.SIGCHLD], on_signal)
    yield children
    children.close_all()


@pytest.fixture
def subreaper():
    """Orphans (a killed shell's background job) come back to this process, so their
    end does not wait on whatever reaps for PID 1."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip("prctl(PR_SET_CHILD_SUBREAPER) is not available")
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def read_all(reactor: Reactor, end: PipeEnd) -> bytes:
    chunks: list[bytes] = []
    eof = []

    def drain(_: PipeEnd) -> None:
        while (data := end.read()) is not None:
            if not data:
                eof.append(True)
                return
            chunks.append(data)

    end.callback = drain
    drain(end)  # (a report may have come before: then the end is ready already)
    run_until(reactor, lambda: eof)
    return b"".join(chunks)


def test_output_read_to_eof_and_exit_routed_by_pid(reactor, children, log):
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "printf hello; exit 3"], exits.append)
    assert read_all(reactor, child.stdout) == b"hello"
    run_until(reactor, lambda: exits)
    assert exits == [3]
    assert child.returncode == 3
    assert log.lines == [("notice", f'"/bin/sh" (pid {child.pid}) exited with code 3')]
    assert child.pid not in children.live
    child.close_pipes()
    assert registered_pipes(reactor) == set()


def test_exit_zero_is_not_logged(reactor, children, log):
    exits: list[int] = []
    children.spawn(["/bin/sh", "-c", "exit 0"], exits.append).close_pipes()
    run_until(reactor, lambda: exits)
    assert exits == [0]
    assert log.lines == []


def test_sigchld_is_routed_to_reap(reactor, children, signals):
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "exit 5"], exits.append)
    child.close_pipes()
    run_until(reactor, lambda: exits)  # nothing here calls reap but the SIGCHLD handler
    assert signal.SIGCHLD in signals
    assert exits == [5]


def test_sigchlds_of_one_turn_make_one_reaping_pass(reactor, children, monkeypatch):
    exits: list[int] = []
    spawned = [children.spawn(["/bin/sh", "-c", f"exit {code}"], exits.append, stdin=False) for code in (1, 2, 3)]
    for child in spawned:
        child.close_pipes()
    for child in spawned:  # all three gone, none reaped yet
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    waits: list[int] = []
    real_waitpid = os.waitpid
    monkeypatch.setattr(os, "waitpid", lambda pid, options: waits.append(pid) or real_waitpid(pid, options))
    children.reap()
    children.reap()
    children.reap()
    assert len(reactor.soon) == 1 and exits == []  # one pass, due at the end of the turn
    reactor.turn(longest=0)
    assert sorted(exits) == [1, 2, 3]
    assert len(waits) == 4  # three exits and the one that says none is left


def test_kill_reaches_the_whole_group(reactor, children, log, subreaper):
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "sleep 30 & sleep 30"], exits.append)
    pgid = os.getpgid(child.pid)
    assert pgid == child.pid != os.getpgrp()
    children.kill(child)
    run_until(reactor, lambda: exits)
    assert exits == [-signal.SIGKILL]
    assert log.lines == [("notice", f'"/bin/sh" (pid {child.pid}) exited on signal 9')]

    def group_gone() -> bool:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        return False

    run_until(reactor, group_gone)  # the background sleep, adopted here, is reaped silently
    children.kill(child)  # a group already gone is fine
    child.close_pipes()


def test_death_by_a_signal_not_sent_by_kill_is_an_alert(reactor, children, log):
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "kill -TERM $$"], exits.append)
    child.close_pipes()
    run_until(reactor, lambda: exits)
    assert exits == [-signal.SIGTERM]
    assert log.lines == [("alert", f'"/bin/sh" (pid {child.pid}) exited on signal 15')]


def test_sigpipe_is_default_in_the_child(reactor, children, log):
    # The test process ignores SIGPIPE (Python does); the child must die of it.
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "while :; do echo y; done"], exits.append)
    child.stdout.close()
    child.stdin.close()
    run_until(reactor, lambda: exits)
    assert exits == [-signal.SIGPIPE]
    child.close_pipes()


def test_the_child_ignores_no_signal_the_server_ignores(reactor, children):
    saved = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGUSR2, signal.SIGTTOU)}
    try:
        exits: list[int] = []
        child = children.spawn(["/bin/cat", "/proc/self/status"], exits.append, stdin=False)
        status = read_all(reactor, child.stdout).decode()
        run_until(reactor, lambda: exits)
        child.close_pipes()
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    ignored = next(line for line in status.splitlines() if line.startswith("SigIgn:"))
    ours = sum(1 << (signum - 1) for signum in signal.valid_signals())  # (not glibc's own 32 and 33)
    assert int(ignored.split()[1], 16) & ours == 0, ignored  # (SIGPIPE too: Python ignores it here)


def test_child_stdin_is_fed_through_a_pipe_end(reactor, children):
    exits: list[int] = []
    child = children.spawn(["/bin/cat"], exits.append)
    run_until(reactor, lambda: child.stdin.ready)
    assert child.stdin.write(b"echoed") == 6
    child.stdin.close()
    assert read_all(reactor, child.stdout) == b"echoed"
    run_until(reactor, lambda: exits)
    assert exits == [0]
    child.close_pipes()


def test_write_back_pressure_then_ready_again(reactor):
    read_fd, write_fd = nonblocking_pipe()
    reports: list[PipeEnd] = []
    writer = PipeEnd(reactor, write_fd, "w", reports.append)
    try:
        run_until(reactor, lambda: writer.ready)
        written = 0
        while (count := writer.write(b"x" * 65536)) > 0:
            written += count
        assert written > 0 and not writer.ready and not writer.broken
        reports.clear()
        reactor.turn(longest=0.05)
        assert not reports and writer.write(b"x") == 0  # no report, no system call
        drained = 0
        while drained < written:
            drained += len(os.read(read_fd, 1 << 20))
        run_until(reactor, lambda: writer.ready)
        assert reports == [writer]
        assert writer.write(b"more") == 4
    finally:
        writer.close()
        os.close(read_fd)


def test_a_closed_reader_breaks_the_writer_without_sigpipe(reactor):
    read_fd, write_fd = nonblocking_pipe()
    writer = PipeEnd(reactor, write_fd, "w")
    os.close(read_fd)
    run_until(reactor, lambda: writer.ready)
    assert writer.hangup
    assert writer.write(b"lost") == 0
    assert writer.broken and not writer.ready
    assert writer.write(b"again") == 0
    writer.close()


def test_read_end_would_block_then_eof(reactor):
    read_fd, write_fd = nonblocking_pipe()
    reader = PipeEnd(reactor, read_fd, "r")
    try:
        assert reader.read() is None  # no report yet: no system call
        os.write(write_fd, b"ab")
        run_until(reactor, lambda: reader.ready)
        assert reader.read() == b"ab"
        assert reader.read() is None and not reader.ready
        os.close(write_fd)
        run_until(reactor, lambda: reader.ready)
        assert reader.hangup
        assert reader.read() == b""
    finally:
        reader.close()


def counted_reads(monkeypatch) -> list[int]:
    """The descriptors ``os.read`` is called on from now on, in order."""
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, size: reads.append(fd) or real_read(fd, size))
    return reads


def test_a_short_read_clears_ready_without_waiting_for_eagain(reactor, monkeypatch):
    read_fd, write_fd = nonblocking_pipe()
    reader = PipeEnd(reactor, read_fd, "r")
    reads = counted_reads(monkeypatch)
    try:
        os.write(write_fd, b"ab")
        run_until(reactor, lambda: reader.ready)
        assert reader.read() == b"ab"  # fewer than asked: the pipe is empty
        assert not reader.ready and reader.read() is None
        assert reads == [read_fd]  # no second read for the EAGAIN
        os.write(write_fd, b"cd")  # a new edge
        run_until(reactor, lambda: reader.ready)
        assert reader.read() == b"cd"
        os.write(write_fd, b"ef")
        os.close(write_fd)  # data and the hangup in one report
        run_until(reactor, lambda: reader.ready)
        assert reader.hangup
        assert reader.read() == b"ef"
        assert reader.ready  # no edge will come after a hangup: the end of file is next
        assert reader.read() == b"" and reader.read() == b""
        assert reads == [read_fd] * 3  # known without reading it: no writer, the pipe emptied
    finally:
        reader.close()


def test_a_hangup_on_an_empty_pipe_is_the_end_of_file_without_a_read(reactor, monkeypatch):
    read_fd, write_fd = nonblocking_pipe()
    reader = PipeEnd(reactor, read_fd, "r")
    reads = counted_reads(monkeypatch)
    try:
        os.close(write_fd)
        run_until(reactor, lambda: reader.ready)
        assert reader.hangup and reader.eof
        assert reader.read() == b"" and reads == []
    finally:
        reader.close()
    assert read_fd not in reactor.handlers


def test_a_read_end_at_eof_closes_without_epoll_ctl_del(reactor, monkeypatch):
    unregistered: list[int] = []
    real_unregister = reactor.unregister
    monkeypatch.setattr(reactor, "unregister", lambda fd: unregistered.append(fd) or real_unregister(fd))
    read_fd, write_fd = nonblocking_pipe()
    reader = PipeEnd(reactor, read_fd, "r")
    os.close(write_fd)
    assert read_all(reactor, reader) == b""
    reader.close()
    assert unregistered == [] and read_fd not in reactor.handlers
    other_r, other_w = nonblocking_pipe()  # not at its end: unregistered as before
    early = PipeEnd(reactor, other_r, "r")
    early.close()
    os.close(other_w)
    assert unregistered == [other_r] and other_r not in reactor.handlers


def test_a_child_given_no_stdin_reads_dev_null(reactor, children):
    exits: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "cat; readlink /proc/self/fd/0"], exits.append, stdin=False)
    assert child.stdin is CLOSED and child.stdin.closed and child.stdin.write(b"x") == 0
    assert read_all(reactor, child.stdout) == b"/dev/null\n"
    run_until(reactor, lambda: exits)
    assert exits == [0]
    child.close_pipes()
    assert registered_pipes(reactor) == set()


def test_spawns_keep_the_working_directory_and_leave_no_fd(reactor, children, tmp_path):
    here = os.getcwd()
    before = open_fds()
    for stdin in (True, False, True, False):
        exits: list[int] = []
        child = children.spawn(["/bin/sh", "-c", "pwd; echo oops >&2"], exits.append, cwd=str(tmp_path),
                               stdin=stdin)
        child.stdin.close()
        assert read_all(reactor, child.stdout) == f"{tmp_path}\n".encode()
        assert read_all(reactor, child.stderr) == b"oops\n"
        run_until(reactor, lambda: exits)
        child.close_pipes()
        assert os.getcwd() == here
    assert registered_pipes(reactor) == set()
    assert open_fds() == before


def test_close_twice_is_harmless(reactor):
    read_fd, write_fd = nonblocking_pipe()
    reader = PipeEnd(reactor, read_fd, "r")
    os.close(write_fd)
    reader.close()
    reader.close()
    assert reader.closed and read_fd not in reactor.handlers
    assert reader.read() is None


def test_a_missing_program_raises_and_leaves_nothing_behind(reactor, children, log):
    before = open_fds()
    with pytest.raises(FileNotFoundError):
        children.spawn(["/nonexistent/program"], lambda code: None)
    with pytest.raises(FileNotFoundError):
        children.spawn(["/bin/sh", "-c", "exit 0"], lambda code: None, cwd="/nonexistent")
    assert registered_pipes(reactor) == set()
    assert children.live == {}
    assert open_fds() == before
    assert log.lines == []


def test_an_unknown_pid_is_reaped_silently(reactor, children, log):
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    ours: list[int] = []
    child = children.spawn(["/bin/sh", "-c", "exit 2"], ours.append)
    child.close_pipes()
    run_until(reactor, lambda: ours)

    def reaped() -> bool:  # asked without reaping it here (WNOWAIT)
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return False

    run_until(reactor, reaped)
    assert ours == [2]
    assert [m for _, m in log.lines] == [f'"/bin/sh" (pid {child.pid}) exited with code 2']


def test_close_all_kills_and_reaps_without_callbacks(reactor, children, log):
    exits: list[int] = []
    child = children.spawn(["/bin/sleep", "30"], exits.append)
    children.close_all()
    assert child.returncode == -signal.SIGKILL
    assert child.stdout.closed and child.stdin.closed and child.stderr.closed
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)
    assert exits == [] and log.lines == []


def test_services_forward_to_the_reactor(reactor, log):
    stats = object()
    services = Services(reactor, log, stats)
    assert services.stats is stats and isinstance(services.children, Children)
    assert services.clock() == pytest.approx(time.monotonic(), abs=1.0)
    fired: list[str] = []
    services.call_soon(lambda: fired.append("soon"))
    services.cancel(services.call_later(0.0, lambda: fired.append("cancelled")))
    services.call_later(0.01, lambda: fired.append("later"))
    run_until(reactor, lambda: "later" in fired)
    assert fired == ["soon", "later"]
    services.log_error("error", "message", ("target",))
    assert log.lines == [("error", "message")]
    read_fd, write_fd = nonblocking_pipe()
    end = services.pipe_end(read_fd, "r", None)
    assert reactor.handlers[read_fd] is end
    end.close()
    os.close(write_fd)
