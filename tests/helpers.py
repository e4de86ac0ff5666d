"""Helpers shared by every test folder (importable as ``helpers``: tests/ is on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path


def _package_env() -> dict[str, str]:
    """The environment for child ``python -m nginxlite`` runs: the same package the tests import."""
    import nginxlite
    home = str(Path(nginxlite.__file__).resolve().parents[1])
    paths = [home] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


CHILD_ENV = _package_env()


