"""tools/tls-cost's short run: instructions per new TLS connection under callgrind (exact
counts, not timings).  CPython's ssl (tools/tls_floor_server.py) has OpenSSL do the same
handshake work as nginx does, and resumes the sessions the client offers."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import require_nginx
from test_reliability_siege import run_tool


def test_tls_cost_floor_beside_nginx():
    require_nginx()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        pytest.skip("valgrind is not installed")
    done = run_tool("tls-cost", "--peers", "nginx,floor", "--connections", "10", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    row = re.compile(r"^\| (\w+) \| 10 \((\d+)\) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|", re.M)
    rows = {m.group(1): [int(x.replace(",", "")) for x in m.groups()[1:]] for m in row.finditer(done.stdout)}
    assert set(rows) == {"nginx", "floor"}, done.stdout
    for resumed, total, handshake, rest in rows.values():
        assert resumed == 9  # every connection after the first resumed its session
        assert abs(total - handshake - rest) <= 1 and handshake > 1_000_000  # (each rounded)
    assert abs(rows["floor"][2] - rows["nginx"][2]) < 0.05 * rows["nginx"][2], done.stdout


def test_tls_cost_keepalive_and_plain():
    require_nginx()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        pytest.skip("valgrind is not installed")
    for extra in (["--keepalive"], ["--plain"]):
        done = run_tool("tls-cost", "--peers", "nginx,floor", "--connections", "10", *extra, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        rows = re.findall(r"^\| (\w+) \| 10(?: \(0\))? \| ([\d,]+) \| 0 \| ([\d,]+) \| 1\.00× \|$", done.stdout, re.M)
        assert [name for name, _, _ in rows] == ["nginx"], done.stdout  # (the floor answers one TLS request only)
        assert rows[0][1] == rows[0][2]  # no handshake inside the counted requests
