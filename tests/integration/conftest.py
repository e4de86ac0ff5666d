"""Fixtures: ``serve`` runs nginxlite, ``oracle`` runs nginx 1.22 (helpers in servers.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from helpers import CHILD_ENV
from servers import NGINX, START_TIMEOUT, Running, _fill, free_port, read_until


@pytest.fixture
def serve(tmp_path):
    """serve(conf, ports=1, files={path: content}) -> Running nginxlite on free ports.

    In ``conf``, ``PORT0``.. are replaced by free ports and ``ROOT`` by the
    server's folder (its prefix).
    """
    started: list[Running] = []

    def _serve(conf: str, ports: int = 1, files: dict[str, str | bytes] | None = None,
               listening: int | None = None, name: str = "site.conf") -> Running:
        root = tmp_path / f"srv{len(started)}"
        root.mkdir()
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        port_list = [free_port() for _ in range(ports)]
        conf_path = root / name
        conf_path.write_text(_fill(conf, port_list, root))
        proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(conf_path), "-p", str(root)],
                                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV)
        running = Running(proc, port_list, root)
        started.append(running)
        running.output = read_until(proc.stdout, b"listening on", listening or ports,
                                    time.monotonic() + START_TIMEOUT, proc)
        return running

    yield _serve
    for running in started:
        code = running.stop()
        log = running.root / "logs" / "error.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        assert "Traceback" not in text, text
        assert code == 0, f"nginxlite exited {code}"


@pytest.fixture
def oracle(tmp_path):
    """oracle(http_body, files={...}) -> Running nginx 1.22 on the same kind of config."""
    if not (os.path.exists(NGINX) or shutil.which("nginx")):
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (tools/run-tests installs it)")
        pytest.skip("nginx is not installed")
    started: list[Running] = []

    def _oracle(body: str, ports: int = 1, files: dict[str, str | bytes] | None = None) -> Running:
        root = tmp_path / f"ngx{len(started)}"
        (root / "logs").mkdir(parents=True)
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        port_list = [free_port() for _ in range(ports)]
        conf = (f"daemon off; master_process off; pid {root}/nginx.pid; error_log stderr notice;\n"
                f"events {{ worker_connections 256; }}\n"
                f"http {{ access_log off; client_body_temp_path {root}/tmp;\n{_fill(body, port_list, root)}\n}}\n")
        (root / "nginx.conf").write_text(conf)
        proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        running = Running(proc, port_list, root)
        started.append(running)
        running.proc.stdout = proc.stderr
        running.output = read_until(proc.stderr, b"event method", 1, time.monotonic() + START_TIMEOUT, proc)
        return running

    yield _oracle
    for running in started:
        running.stop()
