"""A non-editable install into a fresh venv ships the grammar and runs from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import lark
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkg")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Build isolation fetches setuptools from the package index, as a user's install does.
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    str(REPO)], check=True, capture_output=True, timeout=300)
    deps = root / "deps"
    shutil.copytree(Path(lark.__file__).parent, deps / "lark")  # the one runtime dependency, offline
    return env_dir, deps, root


def test_grammar_is_inside_the_installed_package(fresh_venv):
    env_dir, deps, root = fresh_venv
    out = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c",
         "import nginxlite.config.grammar as g; print(g.GRAMMAR_FILE); print(g.GRAMMAR_FILE.is_file())"],
        cwd=root, env={**os.environ, "PYTHONPATH": str(deps)}, capture_output=True, text=True, check=True)
    path, exists = out.stdout.split()
    assert exists == "True"
    assert Path(path).is_relative_to(env_dir) and Path(path).parts[-2:] == ("grammar", "nginx.lark")


def test_console_script_tests_the_default_site(fresh_venv):
    env_dir, deps, root = fresh_venv
    result = subprocess.run([str(env_dir / "bin" / "nginxlite"), "-t", "-p", str(REPO)],
                            cwd=root, env={**os.environ, "PYTHONPATH": str(deps)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(f"configuration file {REPO}/sites/default.conf test is successful\n")


def test_python_dash_m(fresh_venv, tmp_path):
    env_dir, deps, root = fresh_venv
    conf = tmp_path / "bad.conf"
    conf.write_text("server {\n  listen 8080\n}\n")
    result = subprocess.run([str(env_dir / "bin" / "python"), "-m", "nginxlite", "-t", "-c", str(conf)],
                            cwd=root, env={**os.environ, "PYTHONPATH": str(deps)}, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == f'nginxlite: [emerg] unexpected "}}" in {conf}:3\n' \
                            f"nginxlite: configuration file {conf} test failed\n"
    assert "Traceback" not in result.stderr


def test_every_module_is_installed(fresh_venv):
    """setup.cfg lists the packages by hand (grammar/ is mapped in): none may be missing."""
    env_dir, deps, root = fresh_venv
    source = sorted(str(p.relative_to(REPO).with_suffix("")).replace("/", ".")
                    for p in (REPO / "nginxlite").rglob("*.py") if p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for name in {source!r}:\n"
            "    module = importlib.import_module(name)\n"
            "    assert 'site-packages' in module.__file__, module.__file__\n"
            "print('ok')")
    out = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], cwd=root, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(deps)})
    assert out.stdout.strip() == "ok", out.stderr


def test_runtime_dependency_is_lark_only():
    setup = (REPO / "setup.cfg").read_text()
    requires = setup.split("install_requires =", 1)[1].split("\n\n", 1)[0].split("#", 1)[0]
    assert [line.strip() for line in requires.strip().splitlines()] == ["lark>=1.1"]
    assert sys.version_info >= (3, 11)


def test_the_readmes_broken_config_example_is_what_dash_t_prints(fresh_venv):
    """The README shows `nginxlite -t -c sites/broken.conf` and its output: both must be true."""
    env_dir, deps, _ = fresh_venv
    readme = (REPO / "README.md").read_text()
    block = readme.split("$ nginxlite -t -c sites/broken.conf\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([str(env_dir / "bin" / "nginxlite"), "-t", "-c", "sites/broken.conf"],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(deps)}, capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", block)
