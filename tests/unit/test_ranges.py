"""nginx's range parsing (ngx_http_range_parse), on nginx-tests range.t's cases and more.

``parse_ranges`` answers (first, last) byte positions for a 206, ``[]`` for a 416 and
None for the whole file (200)."""

from __future__ import annotations

import pytest

from nginxlite.handlers.ranges import parse_ranges

SIZE = 1000  # range.t's t1.html


@pytest.mark.parametrize("header, max_ranges, want", [
    # range.t
    ("bytes=0-8", None, [(0, 8)]),
    ("bytes=-10", None, [(990, 999)]),
    ("bytes=990-", None, [(990, 999)]),
    ("bytes=990-1990", None, [(990, 999)]),
    ("bytes=0-9, -10, 10-19", None, [(0, 9), (990, 999), (10, 19)]),
    ("bytes=0-9, -10, 100000-, 10-19", None, [(0, 9), (990, 999), (10, 19)]),
    ("bytes=100000-", None, []),
    ("bytes=alpha", None, []),
    ("bytes=10-alpha", None, []),
    ("bytes=10", None, []),
    ("bytes=10-11 12-", None, []),
    ("bytes=0-10001", None, [(0, 999)]),
    ("bytes=0-10001, 0-0", None, None),  # more than the file in all: the whole file
    ("bytes=0-9, -10", 2, [(0, 9), (990, 999)]),
    ("bytes=0-9, -10, 10000-", 2, [(0, 9), (990, 999)]),
    ("bytes=0-9, -10, 10-19", 2, None),  # more ranges than max_ranges: the whole file
    # a part past the end (or reversed, or empty) is skipped, not fatal
    ("bytes=0-4, 100000-", None, [(0, 4)]),
    ("bytes=0-4,5-3", None, [(0, 4)]),
    ("bytes=5-3", None, []),
    ("bytes=-0", None, []),
    ("bytes=-0,2-3", None, [(2, 3)]),
    # neither sorted nor merged
    ("bytes=5-7,0-2,1-1", None, [(5, 7), (0, 2), (1, 1)]),
    ("bytes=0-1,2-3", None, [(0, 1), (2, 3)]),
    # syntax: spaces only, any case of "bytes=", at least one character after it
    ("bytes= 1-2 , 7 - 9 ", None, [(1, 2), (7, 9)]),
    ("bytes=\t0-4", None, []),
    ("BYTES=0-1", None, [(0, 1)]),
    ("bytes=", None, None),
    ("items=0-4", None, None),
    ("bytes=0-1,", None, []),
    ("bytes=,0-1", None, []),
    ("bytes=0-1,,2-3", None, []),
    ("bytes=--1", None, []),
    ("bytes=\u00b2-3", None, []),  # only ASCII digits
    ("bytes=0-99999999999999999999", None, []),  # over 2^63-1
    ("bytes=9223372036854775807-", None, []),  # at the limit: past the end, skipped
    ("bytes=-9223372036854775807", None, [(0, 999)]),
])
def test_parse_ranges(header, max_ranges, want):
    assert parse_ranges(header, SIZE, max_ranges) == want


@pytest.mark.parametrize("header, want", [
    ("bytes=0-4", None),  # starts at 0 with nothing in it: the whole (empty) file
    ("bytes=-2", None),
    ("bytes=0-", None),
    ("bytes=1-2", []),
])
def test_empty_file(header, want):
    assert parse_ranges(header, 0) == want


def test_max_ranges_counts_kept_parts_only():
    assert parse_ranges("bytes=0-1,5000-,2-3", SIZE, 2) == [(0, 1), (2, 3)]
    assert parse_ranges("bytes=0-1", SIZE, 1) == [(0, 1)]
    assert parse_ranges("bytes=0-1,2-3", SIZE, 1) is None
