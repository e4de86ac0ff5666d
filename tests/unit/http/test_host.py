"""Host validation as nginx 1.22 (ngx_http_validate_host, and the request-line parser for an
absolute-form target): every case of nginx-tests http_host.t (tests/http_host_cases.py)."""

from __future__ import annotations

import pytest

from http_host_cases import ABSOLUTE, HOST_HEADER
from nginxlite.config.vhosts import validate_host
from nginxlite.http.parser import ProtocolError, parse_head
from nginxlite.http.uri import split_target


def host_of(target: str) -> str | None:
    """``$host`` for ``GET TARGET HTTP/1.0`` with ``Host: localhost``, None for a 400."""
    try:
        request = parse_head(f"GET {target} HTTP/1.0\r\nHost: localhost")
    except ProtocolError as err:
        assert err.status == 400
        return None
    host = split_target(request.target)[2]
    return validate_host(request.host) if host is None else validate_host(host)


@pytest.mark.parametrize("name, value, want", HOST_HEADER, ids=[c[0] for c in HOST_HEADER])
def test_host_header(name, value, want):
    assert validate_host(value) == want


@pytest.mark.parametrize("name, value, want", ABSOLUTE, ids=[c[0] for c in ABSOLUTE])
def test_absolute_form(name, value, want):
    assert host_of(f"http://{value}/") == want


@pytest.mark.parametrize("target, path, args, host", [
    ("ftp://h.test/p", "/p", "", "h.test"),  # nginx does not check the scheme
    ("h2c+x.y-z://h.test/p", "/p", "", "h.test"),
    ("HTTP://h.test?q", "/", "q", "h.test"),
    ("http://h.test", "/", "", "h.test"),
    ("http://h.test:81?q", "/", "q", "h.test"),
    ("http://[::1]:80/a/b?c#d", "/a/b", "c", "[::1]"),
])
def test_absolute_form_split(target, path, args, host):
    assert split_target(target) == (path, args, host)


@pytest.mark.parametrize("target", [
    "1http://h.test/", "http:/h.test/", "http:h.test/", "http//h.test/", "*", "http://h.test#f",
    "http://h.test:8a/", "http://[::1/", "http://h\\t/",
])
def test_refused_targets(target):
    with pytest.raises(ProtocolError) as err:
        parse_head(f"GET {target} HTTP/1.1\r\nHost: a")
    assert err.value.status == 400
