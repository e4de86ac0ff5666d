"""Fixtures: ``serve`` runs nginxlite, ``oracle`` runs nginx 1.22 (helpers in servers.py)."""

from __future__ import annotations

import os

import pytest

from servers import Running, nginx_available, start_default_site, start_nginx, start_nginxlite, stop_nginxlite


def require_nginx() -> None:
    if not nginx_available():
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (tools/run-tests installs it)")
        pytest.skip("nginx is not installed")


@pytest.fixture
def serve(tmp_path):
    """serve(conf, ports=1, files={path: content}, env={...}) -> Running nginxlite on free ports.

    In ``conf``, ``PORT0``.. are replaced by free ports and ``ROOT`` by the
    server's folder (its prefix).  ``env`` adds variables to the server's environment.
    """
    started: list[Running] = []

    def _serve(conf: str, ports: int = 1, files=None, listening: int | None = None,
               name: str = "site.conf", env: dict[str, str] | None = None) -> Running:
        running = start_nginxlite(tmp_path / f"srv{len(started)}", conf, ports, files, listening, name, env)
        started.append(running)
        return running

    yield _serve
    for running in started:
        stop_nginxlite(running)


@pytest.fixture
def oracle(tmp_path):
    """oracle(http_body, ports=1, files={...}) -> Running nginx 1.22 on the same kind of config."""
    require_nginx()
    started: list[Running] = []

    def _oracle(body: str, ports: int = 1, files=None) -> Running:
        running = start_nginx(tmp_path / f"ngx{len(started)}", body, ports, files)
        started.append(running)
        return running

    yield _oracle
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def default_site(tmp_path_factory):
    """The bundled site (sites/default.conf, the repository as prefix) on free ports, for a module."""
    folder = tmp_path_factory.mktemp("default-site")
    running = start_default_site(folder)
    yield running
    assert running.stop() == 0
    assert "Traceback" not in (folder / "error.log").read_text()
