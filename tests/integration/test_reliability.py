"""Leaks and idle levels: what the server holds open when nothing happens."""

from __future__ import annotations

import os
import time

from client import get


def test_access_logs_are_opened_at_start_so_idle_fds_do_not_grow_after_a_request(serve):
    """As nginx, every access log file is open before the first request: the descriptors
    counted idle at start are the idle ones after load (it was one more before)."""
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; access_log ROOT/logs/main.log; "
                    "location /x/ { access_log ROOT/logs/x.log; } location /d/ { access_log ROOT/logs/$host.log; } }",
                    files={"www/index.html": "x"})
    fd_dir = f"/proc/{running.proc.pid}/fd"
    held = {os.readlink(f"{fd_dir}/{fd}") for fd in os.listdir(fd_dir)}
    assert {str(running.root / "logs" / "main.log"), str(running.root / "logs" / "x.log")} <= held
    idle = len(os.listdir(fd_dir))
    assert get(running.port, "/").status == 200 and get(running.port, "/x/").status == 404
    deadline = time.monotonic() + 10
    while len(os.listdir(fd_dir)) > idle and time.monotonic() < deadline:
        time.sleep(0.05)  # the server closes the client's connection on its own time
    assert len(os.listdir(fd_dir)) == idle
    assert not (running.root / "logs" / "a.log").exists()  # a path with variables: opened as written
