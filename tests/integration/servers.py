"""Helpers to start the real server (and real nginx, the oracle) on free ports, wait for readiness.

Readiness is read, never slept for: nginxlite prints one ``listening on`` line per
socket; nginx (single process, error log on stderr at notice level) prints its
event-method notice once its sockets listen.  Every server started here is
stopped by PID at teardown, and nginxlite must then exit 0 with no traceback.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from helpers import CHILD_ENV



REPO = Path(__file__).resolve().parents[2]
NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
START_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_until(stream, needle: bytes, count: int, deadline: float, proc) -> list[bytes]:
    """Read lines from a pipe until ``count`` contain ``needle``, without sleeping."""
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    lines, found, buf = [], 0, b""
    try:
        while found < count:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise TimeoutError(f"server not ready; output so far: {lines!r}")
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"server exited ({proc.wait()}); output: {lines!r}")
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line)
                found += needle in line
    finally:
        sel.close()
    return lines


@dataclass
class Running:
    proc: subprocess.Popen
    ports: list[int]
    root: Path
    output: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.ports[0]

    def url(self, path: str = "/", port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.port}{path}"

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def read_line(self, needle: bytes, timeout: float = 10.0) -> list[bytes]:
        return read_until(self.proc.stdout, needle, 1, time.monotonic() + timeout, self.proc)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def _fill(text: str, ports: list[int], root: Path) -> str:
    for i, port in enumerate(ports):
        text = text.replace(f"PORT{i}", str(port))
    return text.replace("ROOT", str(root))




def _write_files(root: Path, files: dict[str, str | bytes] | None) -> None:
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def start_nginxlite(root: Path, conf: str, ports: int = 1, files=None, listening: int | None = None,
                    name: str = "site.conf", env: dict[str, str] | None = None) -> Running:
    """Run nginxlite with ``conf`` (PORTn and ROOT filled in) in ``root``; wait until it listens.

    ``env`` adds variables to the server's own environment.
    """
    root.mkdir(parents=True, exist_ok=True)
    _write_files(root, files)
    port_list = [free_port() for _ in range(ports)]
    conf_path = root / name
    conf_path.write_text(_fill(conf, port_list, root))
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(conf_path), "-p", str(root)],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**CHILD_ENV, **(env or {})})
    running = Running(proc, port_list, root)
    running.output = read_until(proc.stdout, b"listening on", listening or ports,
                                time.monotonic() + START_TIMEOUT, proc)
    return running


def stop_nginxlite(running: Running) -> None:
    """Stop it and check it ended well: exit 0, no traceback in its error log."""
    code = running.stop()
    log = running.root / "logs" / "error.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    assert "Traceback" not in text, text
    assert code == 0, f"nginxlite exited {code}"


def free_port_pair() -> int:
    """A free port N whose neighbour N+1 is free too (the default site under ``--port N``)."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:  # taken, or past 65535
                continue
            return port
    raise RuntimeError("no two neighbouring free ports")


def start_default_site(folder: Path, port_env: bool = False) -> Running:
    """The bundled site as the README runs it (the checkout as prefix, sites/default.conf
    unchanged), moved to free ports with ``--port N`` (8080 -> N, 8081 -> N+1), or with
    the ``NGINXLITE_PORT`` environment variable when ``port_env``."""
    port = free_port_pair()
    env, args = dict(CHILD_ENV), ["--port", str(port)]
    if port_env:
        env["NGINXLITE_PORT"], args = str(port), []
    proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-p", str(REPO), *args,
                             "-g", f"pid {folder}/nginxlite.pid; error_log {folder}/error.log;"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    running = Running(proc, [port, port + 1], folder)
    running.output = read_until(proc.stdout, b"listening on", 2, time.monotonic() + 15, proc)
    return running


def nginx_available() -> bool:
    return os.path.exists(NGINX) or shutil.which("nginx") is not None


def start_nginx(root: Path, body: str, ports: int = 1, files=None) -> Running:
    """Run nginx 1.22 (single process, foreground) with ``body`` inside http {}."""
    (root / "logs").mkdir(parents=True, exist_ok=True)
    _write_files(root, files)
    port_list = [free_port() for _ in range(ports)]
    conf = (f"daemon off; master_process off; pid {root}/nginx.pid; error_log stderr notice;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{ access_log off; client_body_temp_path {root}/tmp;\n{_fill(body, port_list, root)}\n}}\n")
    (root / "nginx.conf").write_text(conf)
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    running = Running(proc, port_list, root)
    running.proc.stdout = proc.stderr
    running.output = read_until(proc.stderr, b"event method", 1, time.monotonic() + START_TIMEOUT, proc)
    return running


@contextmanager
def nginx_and_nginxlite(lite_root: Path, ngx_root: Path, conf: str, ports: int = 1, files=None):
    """Both servers on the same config (nginxlite as a site file, nginx inside http {})."""
    lite = start_nginxlite(lite_root, conf, ports, files)
    try:
        ngx = start_nginx(ngx_root, conf, ports, files)
    except BaseException:
        stop_nginxlite(lite)
        raise
    try:
        yield lite, ngx
    finally:
        ngx.stop()
        stop_nginxlite(lite)
