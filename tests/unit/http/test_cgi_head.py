"""The CGI header-block parser (http/cgi.py), fed whole and byte by byte."""

from __future__ import annotations

import pytest

from nginxlite.http.cgi import MAX_HEAD, CgiHead, CgiHeadError


def parse(data: bytes, split: int | None = None) -> CgiHead:
    """The parser after ``data`` (in pieces of ``split``); ``rest`` then holds every body
    byte, the ones that came with the end of the block and those fed after it."""
    head = CgiHead()
    pieces = [data] if split is None else [data[i:i + split] for i in range(0, len(data), split)]
    for at, piece in enumerate(pieces):
        if head.feed(piece):
            head.rest += b"".join(pieces[at + 1:])
            return head
    raise AssertionError("the header block never ended")


@pytest.mark.parametrize("split", [None, 1, 3])
def test_status_headers_and_the_first_body_bytes(split):
    head = parse(b"Status: 404 Not Here\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                 b"Content-Length: 4\r\n\r\nbody", split)
    assert (head.status, head.reason, head.length, head.rest) == (404, "Not Here", 4, b"body")
    assert head.headers == [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]


@pytest.mark.parametrize("split", [None, 1])
def test_lines_may_end_in_lf_alone(split):
    head = parse(b"Content-Type: text/html\nX-A:  spaced  \n\n<p>", split)
    assert head.status is None and head.headers == [("Content-Type", "text/html"), ("X-A", "spaced")]
    assert head.rest == b"<p>"


def test_a_location_is_kept_for_the_handler():
    head = parse(b"Location: /elsewhere\n\n")
    assert head.location == "/elsewhere" and head.headers == [("Location", "/elsewhere")]


@pytest.mark.parametrize("data, what", [
    (b"no colon here\n\n", "invalid header line"),
    (b"Bad Name: x\n\n", "invalid header line"),
    (b"Content-Type: a\n folded\n\n", "folded"),
    (b"Status: 20\n\n", "Status"),
    (b"Status: 200\nStatus: 200\n\n", "Status"),
    (b"Status: abc\n\n", "Status"),
    (b"Content-Type: a\nTransfer-Encoding: chunked\n\n", "Transfer-Encoding"),
    (b"Content-Type: a\nContent-Length: x\n\n", "Content-Length"),
    (b"X-Only: 1\n\n", "no Status, Content-Type or Location"),
    (b"\n\nbody", "empty line"),
    (b"Content-Type: a\0b\n\n", "NUL"),
])
def test_malformed_header_blocks_are_errors_the_handler_answers_502(data, what):
    with pytest.raises(CgiHeadError, match=what):
        parse(data)


def test_a_header_block_longer_than_the_limit_is_an_error():
    head = CgiHead()
    with pytest.raises(CgiHeadError, match="longer than"):
        for _ in range(MAX_HEAD // 1000 + 2):
            head.feed(b"X-Long: " + b"a" * 990 + b"\n")
