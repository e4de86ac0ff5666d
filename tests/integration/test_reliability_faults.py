"""Fault injection: a full disk under an upload and under a log, CGI scripts that flood
stderr, close stdout early or leave a grandchild holding the pipe, reloads under load
and a reload that fails.  The server answers what it can, logs it precisely, leaves
nothing half-written and keeps serving.  (EMFILE: test_robustness.py's
test_file_descriptor_exhaustion_is_survived.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from client import get, raw

CGI_CONF = """
server {
    listen 127.0.0.1:PORT0;
    root ROOT/www;
    location /cgi/ { root ROOT; cgi_pass /usr/bin/python3; cgi_timeout 2s; }
}
"""
FLOOD = ("import sys\nfor i in range(20000):\n    sys.stderr.write('flood line %d ' % i + 'x' * 500 + '\\n')\n"
         "sys.stdout.write('Content-Type: text/plain\\r\\n\\r\\nsurvived')\n")
EARLY = ("import os, sys, time\nsys.stdout.write('Content-Type: text/plain\\r\\n\\r\\nearly')\nsys.stdout.flush()\n"
         "os.close(1)\ntime.sleep(1.5)\n")
GRANDCHILD = ("import os, sys, time\nsys.stdout.write('Content-Type: text/plain\\r\\n\\r\\nparent done')\n"
              "sys.stdout.flush()\nif os.fork() == 0:\n    open(sys.argv[0] + '.pid', 'w').write(str(os.getpid()))\n"
              "    time.sleep(60)\n    os._exit(0)\nos._exit(0)\n")
CGI_FILES = {"www/index.html": "INDEX\n", "cgi/flood.py": FLOOD, "cgi/early.py": EARLY, "cgi/grandchild.py": GRANDCHILD}


def probe_while(port: int, busy: threading.Thread) -> int:
    """GET / until ``busy`` ends; every probe must answer 200 (returns how many did)."""
    probes = 0
    while busy.is_alive():
        assert get(port, "/", timeout=5).status == 200
        probes += 1
        time.sleep(0.05)  # the probe's pace
    return probes


def in_thread(fn) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def test_a_cgi_flooding_stderr_is_answered_and_harms_no_one(serve):
    running = serve(CGI_CONF, files=CGI_FILES)
    thread, out = in_thread(lambda: get(running.port, "/cgi/flood.py", timeout=30))
    probe_while(running.port, thread)
    assert out[0].status == 200 and out[0].body == b"survived"
    log = (running.root / "logs" / "error.log").read_text(errors="replace")
    assert "flood line 0 " in log and "flood line 19999 " in log


def test_a_cgi_closing_stdout_early_ends_its_response_at_once(serve):
    running = serve(CGI_CONF, files=CGI_FILES)
    start = time.monotonic()
    reply = get(running.port, "/cgi/early.py", timeout=10)
    assert reply.status == 200 and reply.body == b"early"
    assert time.monotonic() - start < 1.4  # at the EOF of stdout, not at the script's exit (1.5 s)
    assert get(running.port, "/").status == 200


def test_a_grandchild_holding_the_pipe_is_killed_at_cgi_timeout(serve):
    running = serve(CGI_CONF, files=CGI_FILES)
    """The script exits, its grandchild keeps stdout open: the body never ends, so at
    cgi_timeout the connection is closed without the last chunk (as nginx ends an upstream
    that times out mid-body), and the process group is killed."""
    request = b"GET /cgi/grandchild.py HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    thread, out = in_thread(lambda: raw(running.port, request, timeout=15))
    probe_while(running.port, thread)
    assert out[0].startswith(b"HTTP/1.1 200 OK") and b"\r\nparent done\r\n" in out[0]
    assert not out[0].endswith(b"0\r\n\r\n")  # cut off, not a complete answer
    log = (running.root / "logs" / "error.log").read_text()
    assert "timed out after 2 s" in log
    pid_file = running.root / "cgi" / "grandchild.py.pid"
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # killed with its process group at cgi_timeout (2 s)
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"


def test_sighup_under_load_loses_no_request(serve):
    running = serve("server { listen 127.0.0.1:PORT0; root ROOT/www; }", files={"www/index.html": "INDEX\n"})
    failures: list = []
    done = threading.Event()

    def load() -> None:
        while not done.is_set():
            try:
                if get(running.port, "/", timeout=10).body != b"INDEX\n":
                    failures.append("wrong body")
            except OSError as err:
                failures.append(repr(err))

    workers = [threading.Thread(target=load, daemon=True) for _ in range(4)]
    for worker in workers:
        worker.start()
    for _ in range(5):
        running.signal(signal.SIGHUP)
        running.read_line(b"configuration reloaded", timeout=30)
    done.set()
    for worker in workers:
        worker.join(15)
    assert not failures, failures[:5]


def test_a_reload_that_fails_keeps_the_old_configuration_serving(serve):
    running = serve("server { listen 127.0.0.1:PORT0; return 200 old; }")
    conf = running.root / "site.conf"
    good = conf.read_text()
    conf.write_text(good.replace("return 200 old;", "return 200 new; bogus_directive on;"))
    running.signal(signal.SIGHUP)
    lines = running.read_line(b"reload failed", timeout=30)
    assert any(b'unknown directive "bogus_directive"' in line for line in lines), lines
    assert get(running.port, "/").body == b"old"
    log = (running.root / "logs" / "error.log").read_text()
    assert f'[emerg]' in log and f'unknown directive "bogus_directive" in {conf}:1' in log
    conf.write_text(good.replace("old", "new"))
    running.signal(signal.SIGHUP)
    running.read_line(b"configuration reloaded", timeout=30)
    assert get(running.port, "/").body == b"new"


def test_an_access_log_on_a_full_disk_costs_no_request(serve):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    running = serve("server { listen 127.0.0.1:PORT0; access_log /dev/full; root ROOT/www; }",
                    files={"www/index.html": "INDEX\n"})
    for _ in range(300):
        assert get(running.port, "/").status == 200
    running.signal(signal.SIGUSR1)  # a reopen of a log on a full disk is survived too
    assert get(running.port, "/").status == 200
    stop_and_read = running.stop()
    assert stop_and_read == 0
    output = b"\n".join(running.output) + running.proc.stdout.read()
    # Said once per opening of the file (at start, and after the reopen), not per line.
    assert output.count(b'write() to "/dev/full" failed (28: No space left on device)') == 2, output[-2000:]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (root only), unmounted after the test."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                                          capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs (not root, or no mount in this container)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_upload_onto_a_full_disk_is_507_and_leaves_nothing(serve, tiny_disk):
    running = serve(f"server {{ listen 127.0.0.1:PORT0; client_max_body_size 10m; root ROOT/www; "
                    f"location /up/ {{ upload_store {tiny_disk}; }} }}", files={"www/index.html": "INDEX\n"})
    form = (b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n\r\n" + b"x" * (1 << 20)
            + b"\r\n--B--\r\n")
    reply = get(running.port, "/up/", method="POST", headers="Content-Type: multipart/form-data; boundary=B\r\n",
                body=form, timeout=20)
    assert reply.status == 507
    assert os.listdir(tiny_disk) == []  # neither the temporary file nor a half-written big.bin
    raw = get(running.port, "/up/raw.bin", method="POST", body=b"y" * (1 << 20), timeout=20)
    assert raw.status == 507 and os.listdir(tiny_disk) == []
    log = (running.root / "logs" / "error.log").read_text()
    assert "failed (28: No space left on device)" in log
    small = get(running.port, "/up/small.txt", method="POST", body=b"fits", timeout=10)
    assert small.status == 201 and os.listdir(tiny_disk) == ["small.txt"]
