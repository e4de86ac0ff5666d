"""The server's log files across a reload (``App.open_logs``): the new configuration's files
are open, the ones only the old configuration named are flushed and closed (no descriptor
left behind per reload), and a request of the old configuration still being answered
opens its file again when it logs.  No sockets: ``open_logs`` is called as ``apply`` does."""

from __future__ import annotations

import io
import os

from nginxlite.config import load_config
from nginxlite.server.app import App


def site(tmp_path, name: str, access: str, error: str):
    path = tmp_path / f"{name}.conf"
    path.write_text(f"error_log {tmp_path}/logs/main-error.log;\nevents {{ }}\n"
                    f"http {{ server {{ listen 127.0.0.1:8080; root {tmp_path}/www; "
                    f"access_log {tmp_path}/logs/{access}; error_log {tmp_path}/logs/{error}; }} }}\n")
    return load_config(str(path), str(tmp_path)), str(path)


def open_paths() -> set[str]:
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return out


def test_a_reload_closes_the_files_only_the_old_configuration_named(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "www").mkdir()
    first, path = site(tmp_path, "a", "old-access.log", "old-error.log")
    app = App(first, path, str(tmp_path), out=io.StringIO())
    try:
        app.open_logs(first)
        logs = tmp_path / "logs"
        assert {str(logs / "old-access.log"), str(logs / "old-error.log")} <= open_paths()
        app.logs.file(str(logs / "old-access.log")).write(b"a line of the old configuration\n")

        second, _ = site(tmp_path, "b", "new-access.log", "new-error.log")
        app.open_logs(second)
        now = open_paths()
        assert str(logs / "new-access.log") in now and str(logs / "new-error.log") in now
        assert str(logs / "old-access.log") not in now and str(logs / "old-error.log") not in now
        assert str(logs / "main-error.log") in now  # named by both
        assert (logs / "old-access.log").read_bytes() == b"a line of the old configuration\n"  # flushed first

        # A request of the old configuration that logs after the reload: its file opens again.
        app.logs.file(str(logs / "old-access.log")).write(b"a late line\n")
        app.logs.flush()
        assert (logs / "old-access.log").read_bytes().endswith(b"a late line\n")
    finally:
        app.logs.close()
        app.reactor.close()
