"""Property tests of the CGI header-block parser (http/cgi.py) and the cookie parser
(http/cookies.py).

Whatever a script prints, ``CgiHead.feed`` raises only ``CgiHeadError`` (the handler's
502), fed whole or byte by byte alike, and holds at most ``MAX_HEAD`` bytes while
the block has not ended.  Whatever a client sends in ``Cookie``, ``cookies.parse``
never raises and gives back only pairs a browser could have set.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import FUZZ, bytewise, cut, cut_points, mutated, no_hang
from nginxlite.http import cookies
from nginxlite.http.cgi import MAX_HEAD, CgiHead, CgiHeadError


def drive(pieces: list[bytes]) -> tuple:
    """("head", status, reason, headers, location, length, body) or ("error",) or ("open",)."""
    head = CgiHead()
    with no_hang():
        for at, piece in enumerate(pieces):
            try:
                done = head.feed(piece)
            except CgiHeadError:
                return ("error",)
            if done:
                body = head.rest + b"".join(pieces[at + 1:])
                return ("head", head.status, head.reason, tuple(head.headers), head.location, head.length, body)
            assert len(head.buffer) <= MAX_HEAD
    return ("open",)


LINES = [b"Status: 200 OK", b"Status: 404", b"Status: 99", b"Status: 2000", b"Content-Type: text/html",
         b"Content-Length: 12", b"Content-Length: -3", b"Location: /x", b"Location: http://a/", b"Location:",
         b"Set-Cookie: a=b", b"X-A:  spaced ", b"Transfer-Encoding: chunked", b"no colon", b" folded: x",
         b"Bad Name: y", b"\x00", b"\xff\xfe: v", b"Status: 302 Found\r"]
heads = st.lists(st.sampled_from(LINES), max_size=8).flatmap(
    lambda lines: st.sampled_from([b"\r\n", b"\n"]).map(lambda eol: eol.join(lines) + eol + eol + b"body\r\n\r\n"))
outputs = st.one_of(st.binary(max_size=300), heads, mutated(heads))


@FUZZ
@given(outputs, cut_points)
def test_any_script_output_is_a_head_or_a_502_however_it_comes(output, points):
    whole = drive([output])
    assert drive(bytewise(output)) == whole
    assert drive(cut(output, points)) == whole
    if whole[0] == "head":
        _, status, _, headers, _, length, _ = whole
        assert status is None or 100 <= status <= 999
        assert length is None or length >= 0
        assert all(name.lower() not in ("status", "content-length", "transfer-encoding") for name, _ in headers)


@FUZZ
@given(st.integers(1, 3 * MAX_HEAD), st.sampled_from([b"a", b"X: y\n", b"\r"]))
def test_a_head_that_never_ends_is_refused_past_the_limit(size, unit):
    output = unit * (size // len(unit) + 1)
    result = drive(cut(output, [1 << 10, 1 << 14, 1 << 15]))
    assert result == (("error",) if len(output) > MAX_HEAD else ("open",))


@FUZZ
@given(st.integers(4301, 20000))
def test_a_huge_cgi_content_length_is_a_502_not_a_crash(digits):
    output = b"Content-Type: text/plain\r\nContent-Length: " + b"9" * digits + b"\r\n\r\n"
    assert drive([output]) == ("error",)


CONTROL = {chr(c) for c in range(32)} | {"\x7f"}
cookie_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)
cookie_lines = st.lists(st.one_of(cookie_text, st.lists(
    st.tuples(st.text(max_size=10), st.sampled_from(["=", "", "=="]), st.text(max_size=10)).map("".join),
    max_size=6).map("; ".join)), max_size=4)


@FUZZ
@given(cookie_lines)
def test_any_cookie_header_gives_clean_pairs(lines):
    with no_hang():
        pairs = cookies.parse(lines)
    for name, value in pairs:
        assert name and name == name.strip(" \t")
        assert ";" not in name and ";" not in value and "=" not in name
        assert CONTROL.isdisjoint(name) and CONTROL.isdisjoint(value)
    for name, value in pairs:
        assert cookies.first(lines, name) == next(v for n, v in pairs if n == name)


@FUZZ
@given(st.lists(st.tuples(st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10),
                          st.text("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'()*+-./:<>?@[]^_`{|}~",
                                  max_size=20)), max_size=6),
       st.sampled_from(["; ", ";", " ; ", ";\t"]))
def test_cookies_a_browser_sends_come_back_in_order(pairs, separator):
    line = separator.join(f"{n}={v}" for n, v in pairs)
    assert cookies.parse([line]) == [(n, v[1:-1] if len(v) >= 2 and v[0] == v[-1] == '"' else v) for n, v in pairs]
