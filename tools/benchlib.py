"""What tools/bench and tools/bench_upload share: server peers pinned to CPU 0, their CPU and RSS from /proc.

A ``Peer`` is one server process (``taskset -c 0``), started and waited for on
127.0.0.1, stopped by its own PID; ``nginxlite_peer`` is nginxlite from a source tree
(this checkout, or ``revision_tree(root, REV)``: a git revision exported with ``git
archive``); ``find_or_install`` finds a command or installs its Debian package.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLK = os.sysconf("SC_CLK_TCK")
BENCH_VENV = REPO / "tools" / ".venv-bench"  # benchmark-only packages (aiohttp, py-spy), never the project's


def file_tag(name: str) -> str:
    """A peer's name as a file name (nginxlite@HEAD~3 has characters a path should not)."""
    return re.sub(r"[^\w.-]", "_", name)



@dataclass
class Peer:
    name: str
    argv: list[str]
    port: int
    cwd: Path
    proc: subprocess.Popen | None = None
    rss_idle: int = 0
    pin: bool = True  # on CPU 0 (taskset)
    lost_cpu: bool = False  # some process of it ignores SIGCHLD: its children's CPU is not in tree_cpu
    pythonpath: Path = REPO  # where its nginxlite package is imported from
    tls_port: int = 0  # its HTTPS server (the TLS workloads), 0: none
    results: dict[str, list] = field(default_factory=dict)
    # processes started before the server and stopped after it (fcgiwrap behind nginx): argv, and a
    # path that exists once it is ready; their CPU counts in ``tree_cpu``
    companions: list[tuple[list[str], Path]] = field(default_factory=list)
    companion_procs: list[subprocess.Popen] = field(default_factory=list)

    def start(self) -> None:
        if self.companions:
            become_subreaper()
        for argv, ready in self.companions:
            with (self.cwd / f"{file_tag(self.name)}-{Path(argv[0]).name}.stderr").open("wb") as err:
                self.companion_procs.append(subprocess.Popen(  # its own group: stop() ends the workers it forks too
                    ["taskset", "-c", "0", *argv], cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=err, process_group=0))
            deadline = time.monotonic() + 15
            while not ready.exists():
                if time.monotonic() > deadline or self.companion_procs[-1].poll() is not None:
                    raise RuntimeError(f"{self.name}: {argv[0]} did not start")
                time.sleep(0.05)
        stderr = self.cwd / f"{file_tag(self.name)}.stderr"
        with stderr.open("wb") as err:
            self.proc = subprocess.Popen([*(["taskset", "-c", "0"] if self.pin else []), *self.argv], cwd=self.cwd,
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         env={**os.environ, "PYTHONPATH": str(self.pythonpath)})
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    said = stderr.read_text(errors="replace").strip().splitlines()[-3:]
                    raise RuntimeError(f"{self.name} did not start" + "".join(f"\n  {line}" for line in said))
                time.sleep(0.05)  # a benchmark tool may wait for a peer without a readiness line
        self.rss_idle = rss(self.pid)

    @property
    def pid(self) -> int:
        # nginx with master_process off and the others run as one process
        return self.proc.pid

    @property
    def pids(self) -> list[int]:
        """The server and its companions: what ``tree_cpu`` sums."""
        return [self.pid, *(p.pid for p in self.companion_procs)]

    def tree_cpu(self) -> float:
        return sum(tree_cpu_seconds(pid) for pid in self.pids)

    def loses_child_cpu(self) -> bool:
        """Whether some process of this peer ignores SIGCHLD: ``tree_cpu`` is then a lower bound."""
        return any(ignores_sigchld(p) for pid in self.pids for p in (pid, *children(pid)))

    def stop(self) -> None:
        for proc in [self.proc, *reversed(self.companion_procs)]:
            group = proc is not self.proc  # a companion's group: fcgiwrap's workers outlive their parent
            if proc and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM) if group else proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc and group:
                reap_group(proc.pid)


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: index 0 is field 3 (state) of proc(5)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of ``pid`` (utime, stime of /proc/PID/stat)."""
    fields = stat_fields(pid)
    return int(fields[11]) / CLK, int(fields[12]) / CLK


def children(pid: int) -> list[int]:
    """The live children of ``pid`` (/proc/PID/task/*/children)."""
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def become_subreaper() -> None:
    """Adopt our descendants' orphans (prctl PR_SET_CHILD_SUBREAPER), so that ``reap_group``
    can collect a companion's workers once it has gone: fcgiwrap exits on SIGTERM without
    waiting for the workers it forked, which would otherwise be left to init."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_group(pgid: int, timeout: float = 5.0) -> None:
    """Wait (bounded) for every process of group ``pgid`` that is our child; SIGKILL what is left."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if time.monotonic() > deadline:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + timeout
        time.sleep(0.02)


def ignores_sigchld(pid: int) -> bool:
    """Whether ``pid`` ignores SIGCHLD (SigIgn in /proc/PID/status): the kernel then reaps its
    children itself and their CPU time reaches nobody's cutime (fcgiwrap's workers do this)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            mask = next(int(line.split()[1], 16) for line in f if line.startswith("SigIgn:"))
    except (OSError, StopIteration):
        return False
    return bool(mask >> (signal.SIGCHLD - 1) & 1)


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and of all it started: its utime+stime, cutime+cstime (fields
    14-17: the children it has waited for), and the same for each live descendant.  A child
    reaped between two reads is counted once too often or too few, a few ms at most."""
    try:
        kids = children(pid)
        fields = stat_fields(pid)
    except OSError:  # gone (a CGI script that just exited): its parent's cutime has it
        return 0.0
    return sum(int(x) for x in fields[11:15]) / CLK + sum(tree_cpu_seconds(k) for k in kids)


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


def find_or_install(command: str, package: str) -> str | None:
    """The path of ``command``, installing the Debian ``package`` first when it is missing."""
    def locate() -> str | None:
        return shutil.which(command) or next((p for p in (f"/usr/sbin/{command}", f"/usr/bin/{command}")
                                              if os.access(p, os.X_OK)), None)

    found = locate()
    if found or not shutil.which("apt-get"):
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"] if shutil.which("sudo") else None
    if sudo is None:
        return None
    print(f"installing {package} (apt-get)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run([*sudo, *step], env=env, stdout=subprocess.DEVNULL, check=False).returncode:
            return None
    return locate()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



def nginxlite_peer(root: Path, name: str, source: Path, http: Callable[[int, str], str]) -> Peer:
    """nginxlite imported from ``source``; ``http(port, tag)`` is the inside of its ``http {}`` block."""
    port = free_port()
    tag = file_tag(name)
    conf = root / f"{tag}.conf"
    conf.write_text(f"events {{ worker_connections 4096; }}\nhttp {{ {http(port, tag)} }}\n")
    return Peer(name, [python_with_lark(), "-m", "nginxlite", "-c", str(conf), "-p", str(root)], port, root,
                pythonpath=source)


def python_with_lark() -> str:
    """An interpreter that can run nginxlite: the project's venv (tools/run-tests makes it), or this one."""
    for candidate in (REPO / ".venv" / "bin" / "python", Path(sys.executable)):
        if candidate.exists() and subprocess.run([str(candidate), "-c", "import lark"],
                                                 capture_output=True).returncode == 0:
            return str(candidate)
    raise SystemExit("nginxlite needs lark: run tools/run-tests once (it makes .venv), "
                     "or pip install lark")


def revision_tree(root: Path, rev: str) -> Path:
    """The source tree of git revision ``rev`` of this repository, exported under ``root``."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    dest = root / f"rev-{sha[:12]}"
    if not dest.exists():
        dest.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest



def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def bench_venv(package: str, ready: Callable[[Path], bool]) -> Path | None:
    """tools/.venv-bench's bin folder once ``ready(bin)`` holds, ``package`` installed with pip when it does not."""
    bindir = BENCH_VENV / "bin"
    if (bindir / "python").exists() and ready(bindir):
        return bindir
    print(f"installing {package} into {BENCH_VENV} (pip)", file=sys.stderr)
    steps = [[sys.executable, "-m", "venv", str(BENCH_VENV)],
             [str(bindir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", package]]
    for step in steps if not (bindir / "python").exists() else steps[1:]:
        try:
            if subprocess.run(step, stdout=subprocess.DEVNULL, timeout=300).returncode:
                return None
        except subprocess.TimeoutExpired:
            return None
    return bindir if ready(bindir) else None


def imports(module: str) -> Callable[[Path], bool]:
    return lambda bindir: subprocess.run([str(bindir / "python"), "-c", f"import {module}"],
                                         capture_output=True).returncode == 0


class Profiler:
    """py-spy (from tools/.venv-bench) sampling ``pid`` into ``path`` (collapsed stacks) until ``stop()``."""

    def __init__(self, pid: int, path: Path) -> None:
        bindir = bench_venv("py-spy", lambda b: (b / "py-spy").exists())
        if not bindir:
            raise SystemExit("--profile: py-spy could not be installed into tools/.venv-bench")
        self.path = path
        self.proc = subprocess.Popen([str(bindir / "py-spy"), "record", "--nonblocking", "--format", "raw",
                                      "--rate", "250", "--output", str(path), "--pid", str(pid)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # attached before the first byte

    def stop(self) -> str:
        """Stop sampling; the functions that took the most samples themselves, as text."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        own: dict[str, int] = {}
        total = 0
        for line in self.path.read_text(errors="replace").splitlines() if self.path.exists() else ():
            stack, _, count = line.rpartition(" ")
            leaf = stack.rsplit(";", 1)[-1]
            leaf = leaf.rsplit(":", 1)[0] + ")" if leaf.endswith(")") and ":" in leaf else leaf
            own[leaf] = own.get(leaf, 0) + int(count)
            total += int(count)
        top = sorted(own.items(), key=lambda kv: -kv[1])[:12]
        return (f"py-spy, {total} samples of the server on CPU, by the Python function that was running "
                f"(a system call counts in the function that made it; {self.path}):\n"
                + "".join(f"  {n / total:6.1%}  {name}\n" for name, n in top) if total else "py-spy: no samples\n")


def machine_note() -> str:
    """Where a figure was measured: CPU model and count, kernel, and the Python that runs
    nginxlite (version, build flags that change its speed)."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = python_with_lark()
    probe = ("import platform, sysconfig, sys; c = sysconfig.get_config_var('CONFIG_ARGS') or ''; "
             "print(platform.python_version(), sys.executable, "
             "'optimized' if '--enable-optimizations' in c else 'not PGO-optimized', "
             "'LTO' if 'lto' in c else 'no LTO', sep=' | ')")
    build = subprocess.run([python, "-c", probe], capture_output=True, text=True).stdout.strip()
    return (f"machine: {model}, {os.cpu_count()} CPUs, Linux {os.uname().release}; "
            f"nginxlite's Python: {build}")
