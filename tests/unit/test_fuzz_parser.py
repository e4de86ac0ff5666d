"""Property tests of the request reader (http/parser.py) and its chunked decoder.

Whatever the bytes, the reader only ever raises its own ``ProtocolError`` with one of
the statuses nginx answers (400, 414, 431, 501, 505); it never loops (every call to
``next_event`` is bounded by the bytes it was given) and never holds more than its
limits allow while it waits for data; and a stream fed whole, byte by byte or in
random pieces gives the same requests and the same body bytes.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import FUZZ, bytewise, cut, cut_points, mutated, no_hang
from nginxlite.http.parser import (
    CONNECTION_CLOSED, END_OF_MESSAGE, NEED_DATA, PAUSED, Data, Limits, ProtocolError, Request, RequestReader,
)

STATUSES = {400, 414, 431, 501, 505}
SMALL = Limits(line=96, total=256, headers=6)  # limits small enough for examples to reach them
LIMITS = [Limits(), SMALL]


def drive(pieces: list[bytes], limits: Limits) -> list[tuple]:
    """Feed ``pieces`` then EOF, answering every request at once (pipelining); the
    transcript: requests, body bytes (merged), ends, and how it stopped."""
    reader = RequestReader(limits)
    transcript: list[tuple] = []
    body = bytearray()
    fed = 0

    def flush() -> None:
        if body:
            transcript.append(("data", bytes(body)))
            body.clear()

    with no_hang():
        for piece in pieces + [b""]:
            reader.receive_data(piece)
            fed += len(piece)
            calls = 0
            while True:
                calls += 1
                assert calls <= 3 * len(piece) + 10, "next_event keeps answering without input"
                try:
                    event = reader.next_event()
                except ProtocolError as error:
                    assert error.status in STATUSES, error.status
                    flush()
                    transcript.append(("error", error.status))
                    return transcript
                if event is NEED_DATA:
                    assert len(reader.buf) <= limits.line + limits.total, len(reader.buf)
                    break
                if event is CONNECTION_CLOSED:
                    flush()
                    transcript.append(("closed",))
                    return transcript
                if event is PAUSED:
                    reader.start_next_cycle()
                elif isinstance(event, Data):
                    assert event.data, "an empty Data event"
                    body += event.data
                elif isinstance(event, Request):
                    flush()
                    transcript.append(("request", event.method, event.target, event.minor, tuple(event.headers),
                                       event.content_length, event.chunked, event.keep_alive))
                else:
                    assert event is END_OF_MESSAGE, event
                    flush()
                    transcript.append(("end",))
    raise AssertionError("the reader waited for data after end of file")


TOKENS = [b"GET", b"POST", b"HEAD", b"PUT", b"get", b"G\xe9T", b" ", b"  ", b"/", b"/a/../b?x=1", b"*",
          b"http://x.test/p", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.", b"HTTP/01.1", b"HTTP/1.1000",
          b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"Host: a", b"Host:", b":", b"Content-Length: 5",
          b"Content-Length: 0", b"Content-Length: -1", b"Content-Length: 99999999999999999999",
          b"Content-Length: 5, 5", b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked",
          b"Connection: close", b"Connection: keep-alive", b"Expect: 100-continue", b"0\r\n\r\n",
          b"5\r\nhello\r\n", b"ff;x=y\r\n", b"fffffffffffffffff\r\n", b"0\r\nX-T: 1\r\n\r\n", b"\x00", b"\xff",
          b"\t", b"a" * 70, b"X_Y: z", b" folded", b"%00", b"If-None-Match: *"]
soup = st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=6)), max_size=40).map(b"".join)


@st.composite
def valid_request(draw) -> bytes:
    method = draw(st.sampled_from([b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS"]))
    path = b"/" + draw(st.binary(max_size=20).map(lambda b: bytes(c for c in b if 0x21 <= c < 0x7f)))
    version = draw(st.sampled_from([b"1.1", b"1.0"]))
    names = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10).map(str.encode)
    values = st.binary(max_size=20).map(lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7f).strip(b" \t"))
    # Names unique: a second If-Range, Expect, Authorization... is nginx's 400, not a valid request.
    headers = [b"Host: x.test"] + [n + b": " + v for n, v in draw(st.lists(st.tuples(names, values), max_size=4,
                                                                         unique_by=lambda nv: nv[0].lower()))
                                   if n.lower() not in (b"host", b"content-length", b"transfer-encoding")]
    body = draw(st.binary(max_size=40))
    if version == b"1.1" and draw(st.booleans()):
        headers.append(b"Transfer-Encoding: chunked")
        payload = chunked(body, draw(st.lists(st.integers(1, 9), min_size=1, max_size=8)))
    elif body or draw(st.booleans()):
        headers.append(b"Content-Length: %d" % len(body))
        payload = body
    else:
        payload = b""
    eol = draw(st.sampled_from([b"\r\n", b"\n"]))
    return method + b" " + path + b" HTTP/" + version + eol + eol.join(headers) + eol + eol + payload


def chunked(body: bytes, sizes: list[int], extension: bytes = b"", trailer: bytes = b"") -> bytes:
    out, at, i = [], 0, 0
    while at < len(body):
        size = sizes[i % len(sizes)]
        out.append(b"%x%s\r\n%s\r\n" % (len(body[at:at + size]), extension, body[at:at + size]))
        at += size
        i += 1
    return b"".join(out) + b"0\r\n" + trailer + b"\r\n"


streams = st.one_of(st.binary(max_size=300), soup, valid_request(), mutated(valid_request()),
                    st.lists(valid_request(), min_size=2, max_size=4).map(b"".join),
                    mutated(st.lists(valid_request(), min_size=2, max_size=3).map(b"".join)))


@FUZZ
@given(streams, cut_points, st.sampled_from(LIMITS))
def test_any_bytes_whole_bytewise_or_in_pieces_read_the_same(data, points, limits):
    whole = drive([data], limits)
    assert drive(bytewise(data), limits) == whole
    assert drive(cut(data, points), limits) == whole


@FUZZ
@given(st.lists(valid_request(), min_size=1, max_size=4), cut_points)
def test_valid_pipelined_requests_are_all_read(requests, points):
    transcript = drive(cut(b"".join(requests), points), Limits())
    assert [t[0] for t in transcript].count("request") == len(requests)
    assert transcript[-1] == ("closed",)


@FUZZ
@given(st.binary(max_size=200), st.lists(st.integers(1, 40), min_size=1, max_size=6),
       st.sampled_from([b"", b";a=b", b"; q=\"x\"", b"\t;x"]), st.sampled_from([b"", b"X-T: 1\r\n", b"A: b\r\nC: d\r\n"]),
       cut_points)
def test_chunked_bodies_decode_to_what_was_encoded(body, sizes, extension, trailer, points):
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    transcript = drive(cut(head + chunked(body, sizes, extension, trailer), points), Limits())
    decoded = b"".join(t[1] for t in transcript if t[0] == "data")
    assert decoded == body and transcript[-2:] == [("end",), ("closed",)]


@FUZZ
@given(mutated(st.binary(max_size=120).flatmap(
    lambda body: st.lists(st.integers(1, 20), min_size=1, max_size=5).map(lambda sizes: chunked(body, sizes)))),
    cut_points)
def test_mutated_chunked_framing_is_read_or_refused_with_400(framing, points):
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    whole = drive([head + framing], Limits())
    assert drive(cut(head + framing, points), Limits()) == whole
    errors = [t for t in whole if t[0] == "error"]
    assert errors in ([], [("error", 400)]), errors  # a framing fault is a 400, nothing else


@FUZZ
@given(st.integers(1, 40_000), st.sampled_from([b"a", b"\r\n", b"X: y\r\n", b"\xff"]))
def test_endless_heads_are_refused_within_the_limits(size, unit):
    data = b"GET /" + unit * (size // len(unit))
    transcript = drive(cut(data, [1 << 12, 1 << 13, 1 << 14]), Limits())
    assert transcript[-1] in (("error", 400), ("error", 414), ("error", 431), ("closed",))
