"""tools/syscalls' short run: it counts, per request, the system calls of nginx and nginxlite
(exact counts under strace, not timings), and nginxlite makes no more of them than nginx on a
keep-alive 1 KiB file, a connection per request, and a 404 (issue "Speed where system calls
are cheap")."""

from __future__ import annotations

import re

from conftest import require_nginx
from test_reliability_siege import run_tool


def totals(text: str) -> dict[str, tuple[float, float]]:
    """workload -> (nginx's total, nginxlite's) from the tool's tables."""
    out = {}
    for match in re.finditer(r"\n(\w+): system calls per request\n.*?\| \*\*total\*\* \| \*\*([\d.]+)\*\* \| "
                             r"\*\*([\d.]+)\*\* \|", text, re.S):
        out[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return out


def test_nginxlite_makes_no_more_system_calls_than_nginx():
    require_nginx()
    done = run_tool("syscalls", "--requests", "400", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| system call | nginx | nginxlite |" in done.stdout, done.stdout
    found = totals(done.stdout)
    assert set(found) == {"ka", "close", "404"}, done.stdout
    for name, (nginx, lite) in found.items():
        assert lite <= nginx, f"{name}: nginxlite {lite} system calls per request, nginx {nginx}\n{done.stdout}"
