"""tools/hotpath's short runs: an App and its clients in one process serve every workload (a
keep-alive 1 KiB file, a 404, a connection per request) and the tool reports a cost per request
for each; with --callgrind, instructions per request too (issue "Speed where system calls are
cheap": a measure the machine's load does not move)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from servers import REPO
from test_reliability_siege import run_tool

ROW = re.compile(r"^\| (\w+) \| this tree \| ([\d.]+) \| ([\d,]+|–) \|$", re.M)


def rows(text: str) -> dict[str, tuple[float, str]]:
    return {m.group(1): (float(m.group(2)), m.group(3)) for m in ROW.finditer(text)}


def test_every_workload_is_served_and_costed():
    done = run_tool("hotpath", "--requests", "300", "--rounds", "1", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    found = rows(done.stdout)
    assert set(found) == {"ka", "404", "close"}, done.stdout
    for name, (cpu, instructions) in found.items():
        assert 0 < cpu < 100_000, (name, done.stdout)
        assert instructions == "–"  # (no callgrind asked)


def test_callgrind_counts_instructions_per_request():
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    done = run_tool("hotpath", "--workloads", "ka", "--requests", "100", "--rounds", "1", "--callgrind",
                    timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    cpu, instructions = rows(done.stdout)["ka"]
    assert 1_000 < int(instructions.replace(",", "")) < 10_000_000, done.stdout


def test_an_unknown_workload_is_refused():
    done = subprocess.run([sys.executable, str(REPO / "tools" / "hotpath"), "--workloads", "ka,nope"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown workload(s): nope" in done.stderr, done.stderr
