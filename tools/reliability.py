"""What tools/siege-check, tools/soak and tools/slow-clients share: the default site on
a copy, siege runs, and the server's leak indicators read from /proc.

- ``SiteCopy``: sites/, html/ and cgi/ copied into a fresh folder (uploads/ empty) and
  nginxlite from this checkout started on it with ``--port N`` (8080 -> N, 8081 ->
  N+1), optionally with ``keepalive_timeout`` (and ``extra`` directives) set in every
  server; readiness is read
  from its "listening on" lines, it is stopped by its PID.
- ``siege(...)``: one siege run on a URL list, ``Connection: close`` or keep-alive,
  through a siegerc of its own; the summary parsed (availability, transactions,
  failed transactions, response time).
- ``Indicators``: RSS, open descriptors, CLOSE_WAIT sockets on the server's ports
  (from /proc/net/tcp), zombie children, temporary files left in the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import children, find_or_install, free_port, rss  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _bindable(port: int) -> bool:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def free_port_pair() -> int:
    """A free port N with N+1 free too (the default site's second port under --port N)."""
    port = next((p for p in (free_port() for _ in range(100)) if p < 65535 and _bindable(p + 1)), None)
    if port is None:
        raise RuntimeError("no two neighbouring free ports")
    return port


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


class SiteCopy:
    """The bundled default site, copied, served by nginxlite from this checkout."""

    def __init__(self, keepalive: float | None = None, folder: Path | None = None, extra: str = "") -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="nginxlite-site-"))
        for name in ("sites", "html", "cgi"):
            shutil.copytree(REPO / name, self.folder / name, dirs_exist_ok=True)
        (self.folder / "uploads").mkdir(exist_ok=True)
        # siege 4.0.7 counts a failed transaction each time a server ends a kept-alive
        # connection at keepalive_requests (1000: nginx loses the same), so the copy
        # raises it; keepalive_timeout is shortened for the soak's idle check.
        added = "keepalive_requests 1000000;" + ("" if keepalive is None else f" keepalive_timeout {keepalive:g}s;")
        added += f" {extra}" if extra else ""
        conf = self.folder / "sites" / "default.conf"
        conf.write_text(re.sub(r"^server \{$", f"server {{\n    {added}", conf.read_text(), flags=re.M))
        self.keepalive = keepalive if keepalive is not None else 75.0
        self.port = free_port_pair()
        self.proc: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([python(), "-m", "nginxlite", "-p", str(self.folder), "--port", str(self.port)],
                                     cwd=self.folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        seen, deadline = 0, time.monotonic() + 30
        while seen < 2:
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise RuntimeError(f"nginxlite did not start: {line!r}")
            seen += b"listening on" in line

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def error_log(self) -> str:
        path = self.folder / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def urls(self, mode: str = "close", upload: bool = True) -> list[str]:
        """The mixed list: static, 404, directory, redirect, CGI GET and POST, an upload.

        siege 4.0.7 never finishes reading a chunked response on a kept-alive
        connection (nginx's directory listings: 0 transactions too), so in keep-alive
        mode the answers without a length (listings, CGI output without
        Content-Length) are left out: the directory is then asked without its slash
        (the 301), and the CGI GET goes to echo.py, which sends a length."""
        paths = ["/", "/static.html", "/style.css", "/img/logo.svg", "/favicon.ico", "/nope.html",
                 "/samples/readme.txt", "/old-page", "/status", "/cgi/echo.py?x=1"]
        paths += ["/samples", "/uploads"] if mode == "keep-alive" else ["/samples/", "/cgi/env.py?x=1", "/cgi/hello.sh"]
        lines = [self.url(p) for p in paths]
        lines.append(self.url("/cgi/echo.py") + " POST hello=world&n=1")
        if mode != "keep-alive":
            lines.append(self.url("/cgi/form.py") + " POST name=siege&message=hi")
        if upload:
            lines.append(self.url("/uploads/siege.txt") + " POST uploaded-by=siege")
        return lines


@dataclass
class SiegeResult:
    mode: str
    transactions: int
    availability: float
    failed: int
    elapsed: float
    rate: float
    response_time: float
    output: str

    def line(self) -> str:
        return (f"{self.mode:10} transactions {self.transactions:6d}  availability {self.availability:6.2f} %  "
                f"failed {self.failed}  {self.rate:7.1f} trans/s  response {self.response_time * 1000:.0f} ms")


def siege_binary() -> str | None:
    return find_or_install("siege", "siege")


def siege(binary: str, urls: list[str], mode: str, concurrent: int, seconds: float, folder: Path) -> SiegeResult:
    """One siege run; ``mode`` is "close" or "keep-alive"."""
    url_file = folder / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    rc = folder / f"siegerc-{mode}"
    rc.write_text(f"connection = {mode}\nprotocol = HTTP/1.1\nlogging = false\nshow-logfile = false\n"
                  f"verbose = false\nquiet = false\nbenchmark = true\nlimit = {max(concurrent, 255)}\n"
                  f"timeout = 30\nfollow-location = false\nfailures = 1000000\nparser = false\njson_output = false\n")
    argv = [binary, f"--rc={rc}", "-b", "-i", "-c", str(concurrent), "-t", f"{max(1, round(seconds))}s",
            "-f", str(url_file)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, errors="replace",
                          env={**os.environ, "HOME": str(folder)})
    out = done.stdout + done.stderr

    def number(label: str) -> float:
        match = re.search(rf'"?{label}"?\s*:\s*([\d.]+)', out, re.I)
        if match is None:
            raise RuntimeError(f"siege printed no {label}: {out[-2000:]}")
        return float(match.group(1))

    return SiegeResult(mode, int(number("transactions")), number("availability"),
                       int(number("failed_transactions|Failed transactions")), number("elapsed_time|Elapsed time"),
                       number("transaction_rate|Transaction rate"), number("response_time|Response time"), out)


@dataclass
class Indicators:
    rss: int
    fds: int
    close_wait: int
    zombies: int
    temp_files: int

    def line(self) -> str:
        return (f"RSS {self.rss / 1048576:6.1f} MiB  fds {self.fds}  CLOSE_WAIT {self.close_wait}  "
                f"zombies {self.zombies}  temp files {self.temp_files}")


def close_wait(ports: set[int]) -> int:
    """Sockets in CLOSE_WAIT whose local port is one of ``ports`` (/proc/net/tcp, tcp6)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for row in f:
                    fields = row.split()
                    if fields[3] == "08" and int(fields[1].rsplit(":", 1)[1], 16) in ports:
                        count += 1
        except OSError:
            pass
    return count


def zombies(pid: int) -> int:
    count = 0
    for child in children(pid):
        try:
            with open(f"/proc/{child}/stat") as f:
                count += f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            pass
    return count


def temp_files(site: SiteCopy) -> int:
    """Temporary files the server made and left: in the copy (uploads, PUTs) and open ones
    already deleted (a CGI body spool)."""
    left = sum(1 for _ in site.folder.rglob(".nginxlite-*"))
    fd_dir = f"/proc/{site.proc.pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            left += os.readlink(f"{fd_dir}/{fd}").endswith(" (deleted)")
        except OSError:
            pass
    return left


def indicators(site: SiteCopy) -> Indicators:
    pid = site.proc.pid
    return Indicators(rss(pid), len(os.listdir(f"/proc/{pid}/fd")), close_wait({site.port, site.port + 1}),
                      zombies(pid), temp_files(site))


def settle(site: SiteCopy, idle_fds: int, timeout: float) -> Indicators:
    """The indicators once the descriptors are back to ``idle_fds`` (or at ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        now = indicators(site)
        if (now.fds <= idle_fds and not now.close_wait) or time.monotonic() > deadline:
            return now
        time.sleep(0.5)


def warm_up(site: SiteCopy) -> None:
    """One request of each kind, so lazily made things (caches, imports) exist before idle is read."""
    import urllib.request
    for line in site.urls(upload=False):
        url, _, post = line.partition(" POST ")
        try:
            urllib.request.urlopen(url, data=post.encode() if post else None, timeout=10).read()
        except OSError:
            pass  # a 404 is in the list on purpose
