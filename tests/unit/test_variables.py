"""The variable table (handlers/variables.py): one scanner, one evaluator, names as nginx."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nginxlite.handlers import variables
from nginxlite.handlers.ranges import modified_since
from nginxlite.http.response import parse_http_date

CORPUS = Path(__file__).resolve().parents[1] / "differential" / "corpus" / "http_body" / "var_every_known.conf"


def test_every_known_variable_is_checked_against_nginx():
    """tests/differential runs var_every_known.conf through nginx -t: it must name them all."""
    named = set(re.findall(r"\$(\w+)", CORPUS.read_text()))
    expected = set(variables.VARIABLES) | {prefix + "x_y" for prefix in variables.PREFIXES}
    assert named == expected


@pytest.mark.parametrize("name", ["session_id", "memcached_key", "geoip_country_code", "proxy_add_via", "foo"])
def test_unknown_to_nginx_is_unknown(name):
    assert not variables.known(name)


@pytest.mark.parametrize("text, parts", [
    ("plain", ["plain"]),
    ("a$uri/b", ["a", ("uri",), "/b"]),
    ("${URI}x", [("uri",), "x"]),
    ("$1x$9", [1, "x", 9]),
    ("${1}", [("1",)]),  # a name: nginx says unknown "1" variable
    ("$0", [("0",)]),
])
def test_scan(text, parts):
    assert variables.scan(text) == parts


def test_scan_in_log_formats_digits_are_names():
    assert variables.scan("$1x", captures=False) == [("1x",)]


@pytest.mark.parametrize("text, message, at", [
    ("a$", "invalid variable name", 1),
    ("${", "invalid variable name", 0),
    ("x${}", "invalid variable name", 1),
    ("$-", "invalid variable name", 0),
    ("${ab", 'the closing bracket in "ab" variable is missing', 0),
])
def test_scan_errors(text, message, at):
    with pytest.raises(ValueError) as err:
        variables.scan(text)
    assert err.value.args == (message, at)


MTIME = parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT")


@pytest.mark.parametrize("header, off, exact, before", [
    ("Tue, 14 Nov 2023 22:13:20 GMT", True, False, False),
    ("Tue, 14 Nov 2023 22:13:19 GMT", True, True, True),
    ("Tue, 14 Nov 2023 22:13:21 GMT", True, True, False),
    ("garbage", True, True, True),
])
def test_modified_since(header, off, exact, before):
    assert [modified_since(header, MTIME, mode) for mode in ("off", "exact", "before")] == [off, exact, before]
