"""The sans-IO request reader, fed whole, byte by byte, and with trailing bytes."""

from __future__ import annotations

import pytest

from nginxlite.http.parser import (
    CONNECTION_CLOSED, END_OF_MESSAGE, NEED_DATA, PAUSED, Data, Limits, ProtocolError, Request, RequestReader,
)


def feed(data: bytes, split: int | None = None, limits: Limits = Limits()):
    """Feed ``data`` in pieces of ``split`` bytes (None: whole); return the events until PAUSED."""
    reader = RequestReader(limits)
    events = []
    pieces = [data] if split is None else [data[i:i + split] for i in range(0, len(data), split)]
    for piece in pieces + [b""]:
        reader.receive_data(piece)
        while True:
            event = reader.next_event()
            if event is NEED_DATA or event is CONNECTION_CLOSED:
                break
            if event is PAUSED:
                return events, reader
            events.append(event)
    return events, reader


def body_of(events) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


MODES = pytest.mark.parametrize("split", [None, 1, 7], ids=["whole", "bytewise", "split7"])


@MODES
def test_simple_get(split):
    events, reader = feed(b"GET /a?b=1 HTTP/1.1\r\nHost: x.test\r\nUser-Agent: t\r\n\r\n", split)
    (req,) = events
    assert (req.method, req.target, req.minor, req.host, req.keep_alive) == ("GET", "/a?b=1", 1, "x.test", True)
    assert req.header("user-agent") == "t"
    assert not req.has_body


@MODES
def test_content_length_body(split):
    events, _ = feed(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world", split)
    assert isinstance(events[0], Request) and events[-1] is END_OF_MESSAGE
    assert body_of(events) == b"hello world"


@MODES
def test_chunked_body_with_extensions_and_trailers(split):
    raw = (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
    events, _ = feed(raw, split)
    assert events[0].chunked and events[-1] is END_OF_MESSAGE
    assert body_of(events) == b"hello world"


def test_pipelined_requests_stay_in_the_buffer():
    reader = RequestReader()
    reader.receive_data(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reader.next_event().target == "/1"
    assert reader.next_event() is PAUSED  # answer /1 first
    reader.start_next_cycle()
    assert reader.next_event().target == "/2"


def test_bare_lf_and_leading_empty_lines():
    events, _ = feed(b"\r\n\nGET / HTTP/1.0\nHost: x\n\n")
    assert (events[0].minor, events[0].keep_alive) == (0, False)


@pytest.mark.parametrize("headers, keep_alive", [
    (b"HTTP/1.1\r\n", True), (b"HTTP/1.1\r\nConnection: close\r\n", False),
    (b"HTTP/1.0\r\n", False), (b"HTTP/1.0\r\nConnection: keep-alive\r\n", True),
    (b"HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n", False),
])
def test_keep_alive(headers, keep_alive):
    events, _ = feed(b"GET / " + headers + b"Host: x\r\n\r\n")
    assert events[0].keep_alive is keep_alive


def test_versions():
    assert feed(b"GET / HTTP/1.2\r\nHost: x\r\n\r\n")[0][0].minor == 1
    for version in (b"1.01", b"1.999", b"1.0"):  # leading zeros in the minor are fine
        assert feed(b"GET / HTTP/" + version + b"\r\nHost: x\r\n\r\n")[0][0].minor in (0, 1, 999)
    assert feed(b"GET  /  HTTP/1.1\r\nHost: x\r\n\r\n")[0][0].target == "/"  # nginx accepts extra spaces


def test_expect_continue():
    req = feed(b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx")[0][0]
    assert req.expect_continue


def test_invalid_header_names_are_ignored_as_nginx():
    req = feed(b"GET / HTTP/1.1\r\nHost: x\r\nX_Under: 1\r\nX(bad): 2\r\nOk: 3\r\n\r\n")[0][0]
    assert req.headers == [("host", "x"), ("ok", "3")]


@pytest.mark.parametrize("raw, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
    (b"GET /\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
    # nginx 1.22: the major starts with 1-9 and a major over 1 is 505 whatever follows;
    # the minor is at most three digits (checked against a live nginx).
    (b"GET / HTTP/0.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/0.9\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/01.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/01.01\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/001.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1000\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/10.1\r\nHost: x\r\n\r\n", 505),
    (b"GET / HTTP/2.x\r\nHost: x\r\n\r\n", 505),
    (b"GET / http/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost a.test\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Foo\r\n\r\n", 400),  # nginx: an empty header (differences.md)
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Foo Bar\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost : a.test\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: NOTDIGIT\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000000000000\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    (b"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Foo Bar\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 400),  # closed early
    (b"GET / HTTP/1.1\r\nHost: x\r\n", 400),  # closed inside the header
])
@MODES
def test_bad_requests(raw, status, split):
    with pytest.raises(ProtocolError) as info:
        feed(raw, split)
    assert info.value.status == status


def test_limits():
    small = Limits(line=64, total=256, headers=5)
    with pytest.raises(ProtocolError) as info:
        feed(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n\r\n", 1, small)
    assert info.value.status == 414
    with pytest.raises(ProtocolError) as info:
        feed(b"GET / HTTP/1.1\r\nX: " + b"a" * 100 + b"\r\n\r\n", None, small)
    assert info.value.status == 431
    with pytest.raises(ProtocolError) as info:
        feed(b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 6 + b"\r\n", None, small)
    assert info.value.status == 431
    with pytest.raises(ProtocolError) as info:  # a header that never ends is stopped early
        feed(b"GET / HTTP/1.1\r\nX: " + b"a" * 1000, 10, small)
    assert info.value.status == 431


def test_a_huge_request_line_is_414_without_buffering_it_all():
    reader = RequestReader()
    reader.receive_data(b"GET /" + b"a" * 9000)
    with pytest.raises(ProtocolError) as info:
        reader.next_event()
    assert info.value.status == 414


def test_eof_between_requests_is_a_clean_close():
    reader = RequestReader()
    reader.receive_data(b"")
    assert reader.next_event() is CONNECTION_CLOSED


def test_bytewise_search_resumes_where_it_stopped():
    # The end-of-header search starts near the end of what was already scanned, so a
    # header sent one byte at a time is scanned once, not once per byte.
    raw = b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 100
    reader = RequestReader()
    for i in range(len(raw)):
        reader.receive_data(raw[i:i + 1])
        assert reader.next_event() is NEED_DATA
        assert reader.scan == i + 1
    reader.receive_data(b"\r\n")
    assert isinstance(reader.next_event(), Request)
