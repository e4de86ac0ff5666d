"""The configuration loaded in a child process (nginxlite.config.isolated)."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nginxlite.config import isolated, loader
from nginxlite.config.loader import load_config
from nginxlite.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

SITE = """
server {
    listen 127.0.0.1:8123;
    server_name a.test;
    location / { root html; }
    location ~ \\.php$ { return 403; }
}
"""


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "site.conf"
    path.write_text(SITE)
    return path


def test_the_child_loads_the_same_model(conf, tmp_path):
    here = load_config(str(conf), str(tmp_path))
    there = isolated.load(str(conf), str(tmp_path))
    assert there.file == here.file and there.prefix == here.prefix
    assert [s.names for s in there.servers] == [s.names for s in here.servers]
    assert [loc.name for loc in there.servers[0].locations] == [loc.name for loc in here.servers[0].locations]
    assert there.files == here.files
    assert set(there.vhosts) == set(here.vhosts)
    assert repr(there) == repr(here)  # every field of every server, location and setting
    # objects shared in the model stay shared: an address's servers are the config's servers
    assert there.addresses[0].servers[0] is there.servers[0]
    assert next(iter(there.vhosts.values())).address.default is there.servers[0]


def test_a_config_error_crosses_with_its_position_and_warnings(tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text("server {\n    listen 8123;\n    sendfile_max_chunk 1m;\n    fooo;\n}\n")
    with pytest.raises(ConfigError) as here:
        load_config(str(path), str(tmp_path))
    with pytest.raises(ConfigError) as there:
        isolated.load(str(path), str(tmp_path))
    assert str(there.value) == str(here.value) == f'unknown directive "fooo" in {path}:4'
    assert there.value.warnings == here.value.warnings and there.value.warnings
    assert there.value.files == here.value.files


def test_a_missing_file_is_the_same_os_error(tmp_path):
    with pytest.raises(ConfigError) as here:
        load_config(str(tmp_path / "none.conf"), str(tmp_path))
    with pytest.raises(ConfigError) as there:
        isolated.load(str(tmp_path / "none.conf"), str(tmp_path))
    assert str(there.value) == str(here.value)


def test_a_child_that_dies_without_an_answer_is_a_load_failure(conf, monkeypatch):
    monkeypatch.setattr(loader, "load_config", lambda *args: os._exit(3))
    with pytest.raises(ConfigError, match=r"the configuration loader \(pid \d+\) ended without an answer"):
        isolated.load(str(conf))


def test_an_answer_that_cannot_be_pickled_is_reported(conf, monkeypatch):
    monkeypatch.setattr(loader, "load_config", lambda *args: (lambda: None))
    with pytest.raises(ConfigError, match="the configuration loader failed: cannot send function"):
        isolated.load(str(conf))


def test_the_child_keeps_neither_the_servers_signal_handlers_nor_its_wakeup_fd(conf, monkeypatch):
    def what_the_child_sees(*args):
        return (signal.getsignal(signal.SIGUSR2) == signal.SIG_DFL, signal.set_wakeup_fd(-1),
                signal.pthread_sigmask(signal.SIG_BLOCK, []))

    monkeypatch.setattr(loader, "load_config", what_the_child_sees)
    r, w = os.pipe()
    os.set_blocking(w, False)
    previous = signal.signal(signal.SIGUSR2, lambda *a: None)
    old_fd = signal.set_wakeup_fd(w)
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert isolated.load(str(conf)) == (True, -1, mask)  # the mask is the server's, not all-blocked
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask
        assert signal.set_wakeup_fd(w) == w  # the server's own handlers are untouched
    finally:
        signal.set_wakeup_fd(old_fd)
        signal.signal(signal.SIGUSR2, previous)
        os.close(r)
        os.close(w)


def test_a_reload_reads_the_answer_without_blocking(conf, tmp_path):
    child = isolated.ChildLoad(str(conf), str(tmp_path), None)
    assert not os.get_blocking(child.fd)
    poller = select.poll()
    poller.register(child.fd, select.POLLIN)
    done = False
    while not done:
        assert poller.poll(10_000), "the child never answered"
        done = child.read()
    config = child.result()
    os.waitpid(child.pid, 0)
    assert config.servers[0].names[0].text == "a.test"
    assert child.fd == -1


def test_the_serving_process_never_imports_lark(conf):
    code = (
        "import sys\n"
        "from nginxlite.config.isolated import load\n"
        "import nginxlite.cli, nginxlite.server.app\n"
        f"config = load({str(conf)!r})\n"
        "heavy = sorted(m for m in ('lark', 'email', 'tempfile', 'importlib.resources', 'shutil', 'traceback')"
        " if m in sys.modules)\n"
        "print(type(config).__name__, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Config []"


def test_a_reload_child_that_never_answers_is_killed(tmp_path, monkeypatch):
    """An include that blocks (here a fifo nobody writes) holds the child, not the server:
    after RELOAD_TIMEOUT the child is killed and the reload reported as failed."""
    from nginxlite.server import app as app_module

    (tmp_path / "extra").mkdir()
    conf = tmp_path / "site.conf"
    conf.write_text(f"server {{ listen 127.0.0.1:1; return 200 one; }}\ninclude {tmp_path}/extra/*.conf;\n")
    app = app_module.App(load_config(str(conf), str(tmp_path)), str(conf), str(tmp_path), out=io.StringIO())
    os.mkfifo(tmp_path / "extra" / "b.conf")
    monkeypatch.setattr(app_module, "RELOAD_TIMEOUT", 0.2)
    failures = []

    def failed(message):
        failures.append(message)
        app.reactor.stop()

    app.reload_failed = failed
    try:
        app.reload()
        pid = app.loading.pid
        app.reactor.call_later(30, app.reactor.stop)  # a bound on the test, not a wait
        app.reactor.run()
        assert failures == [f"the configuration loader (pid {pid}) did not answer in 0.2 s"]
        assert app.loading is None
        assert os.waitpid(pid, 0)[1] == signal.SIGKILL
    finally:
        app.shutdown()
