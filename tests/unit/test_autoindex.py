"""autoindex's HTML without sockets: names cut by bytes, or by UTF-8 characters as nginx does
(the served listing is compared with nginx's in test_differential_static.py)."""

from __future__ import annotations

import pytest

from nginxlite.handlers.autoindex import html, utf8_starts


def latin1(text: str) -> str:
    """``text``'s UTF-8 bytes, one character per byte (how names reach the handler)."""
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize("raw, starts", [
    (b"abc", [0, 1, 2]),
    ("é日😀".encode(), [0, 2, 5]),
    (b"\xed\xa0\x80", [0]),  # a surrogate: nginx's decoder takes it
    (b"\xc0\x80", None),  # overlong
    (b"\xe0\x80\x80", None),  # overlong
    (b"\xf4\x90\x80\x80", None),  # past U+10FFFF
    (b"\xe6\x97", None),  # cut short
    (b"\xc3A", None),  # not a continuation byte
    (b"caf\xe9", None),  # latin-1
])
def test_utf8_starts_as_ngx_utf8_decode(raw, starts):
    assert utf8_starts(raw.decode("latin-1")) == starts


def line_of(listing: bytes, name: str) -> str:
    text = listing.decode("latin-1")
    return next(line for line in text.split("\r\n") if "href=\"" in line and "../" not in line)


def test_utf8_names_are_cut_by_characters_only_under_utf8():
    name = latin1("日本" * 30)  # 60 characters, 180 bytes
    entries = [(False, name, 0, 1)]
    by_chars = line_of(html("/", entries, True, False, utf8=True), name)
    by_bytes = line_of(html("/", entries, True, False, utf8=False), name)
    assert latin1("日本" * 23 + "日") + "..&gt;</a>" in by_chars  # 47 characters
    assert name[:47] + "..&gt;</a>" in by_bytes  # 47 bytes


def test_a_short_utf8_name_is_padded_by_characters():
    name = latin1("é" * 10)  # 10 characters, 20 bytes
    line = line_of(html("/", [(False, name, 0, 1)], True, False, utf8=True), name)
    assert name + "</a>" + " " * 40 + " 01-Jan-1970 00:00" in line
