"""Shared fixtures: config files written to tmp dirs, the CLI run in-process or as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import CHILD_ENV

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes) -> absolute path of a file under tmp_path."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("latin-1"))
        return str(path)

    return _write


def run_nginxlite(*args: str, cwd: str | os.PathLike | None = None, timeout: float = 30):
    """Run ``python -m nginxlite ARGS`` as a process; returns CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "nginxlite", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="latin-1", timeout=timeout, env=CHILD_ENV)
