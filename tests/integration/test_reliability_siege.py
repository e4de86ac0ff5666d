"""The short versions of tools/siege-check, tools/soak (siege) and tools/slow-clients
(slowhttptest) on the default site.

They install siege when it is missing (tools/run-tests does too); the tests skip
only when it cannot be had (the tools exit 2).  100 clients, a few seconds per
connection mode: availability 100 %, no failed transaction, and for the soak the
descriptors back to idle with no CLOSE_WAIT, zombie or temporary file (its RSS
margin is checked by the full tool, not here: two short rounds are too noisy).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from servers import REPO


def run_tool(*argv: str, timeout: float) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(REPO / "tools" / argv[0]), *argv[1:]], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)
    if done.returncode == 2:
        pytest.skip(f"{argv[0]}: {done.stderr.strip()}")
    return done


def test_siege_check_short(tmp_path):
    done = run_tool("siege-check", "--time", "3", "--concurrent", "100", "--json", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count('"availability": 100.0') == 2 and '"failed": 0' in done.stdout, done.stdout


def test_soak_short_leaves_nothing_open(tmp_path):
    done = run_tool("soak", "--rounds", "2", "--time", "2", "--keepalive", "2", "--rss-margin", "1000",
                    timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_slow_clients_short():
    """slowhttptest's slowloris and slow read against the default site with 2 s timeouts:
    the probe is answered throughout (the limit is loose: this machine is shared)."""
    done = run_tool("slow-clients", "--connections", "50", "--length", "4", "--modes", "H,X",
                    "--probe-limit", "5", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("service available YES") == 2 and " 0 failed" in done.stdout, done.stdout
