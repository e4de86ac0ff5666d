"""Property tests of the multipart/form-data reader (http/multipart.py).

Valid forms, with part data full of near misses of the delimiter, come back part
for part however they are cut; any other body raises only ``MultipartError`` (400 or
413), the same way whole, byte by byte and in pieces; while it reads, the parser
keeps no more than a delimiter's worth of tail and one header line; and
``boundary_from`` and ``safe_filename`` take any text.
"""

from __future__ import annotations

import unicodedata
from itertools import groupby

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import FUZZ, bytewise, cut, cut_points, mutated, no_hang
from nginxlite.http.multipart import (
    MAX_FILENAME, MAX_PADDING, Limits, MultipartError, MultipartParser, PartData, PartEnd, PartStart,
    boundary_from, numbered, safe_filename,
)

SMALL = Limits(parts=3, header_lines=3, header_line=60, preamble=40)
BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?"
boundaries = st.text(BCHARS, min_size=1, max_size=70)


def drive(boundary: str, pieces: list[bytes], limits: Limits = Limits()) -> list:
    """The events of ``pieces`` then the end, PartData merged; an error ends the list."""
    parser = MultipartParser(boundary, limits)
    events: list = []
    bound = len(parser.delimiter) + MAX_PADDING + 2
    with no_hang():
        try:
            for piece in pieces + [None]:
                events += parser.feed(piece) if piece is not None else parser.end()
                assert len(parser.tail) <= bound, len(parser.tail)
                assert len(parser.line) <= limits.header_line + 1, len(parser.line)
        except MultipartError as error:
            assert error.status in (400, 413), error.status
            events.append(("error", error.status))
    return [_shown(kind, list(group)) for kind, group in groupby(events, type)]


def _shown(kind: type, group: list):
    """One transcript entry: the data of consecutive PartData joined, else the event itself."""
    if kind is PartData:
        assert all(len(e.data) for e in group)
        return b"".join(bytes(e.data) for e in group)
    (event,) = group if kind in (PartStart, tuple) else group[:1]
    if kind is PartStart:
        return ("start", event.name, event.filename, event.content_type, tuple(event.headers))
    return event if kind is tuple else kind.__name__


names = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)


@st.composite
def forms(draw) -> tuple[str, bytes, list[tuple]]:
    boundary = draw(boundaries)
    near = [b"\r\n--" + boundary.encode()[:-1], b"\r\n-" + boundary.encode(), b"--" + boundary.encode(),
            b"\r\n--" + boundary.encode() + b"x", b"\r", b"\n", b"\r\n", b"--"]
    delimiter = b"\r\n--" + boundary.encode()
    # Part data with near misses, never a whole delimiter (one after the header's CRLF counts too).
    data = st.lists(st.one_of(st.binary(max_size=30), st.sampled_from(near)), max_size=8).map(b"".join).map(
        lambda d: d if (b"\r\n" + d + delimiter).find(delimiter) == len(d) + 2 else d.replace(b"-", b"="))
    parts = draw(st.lists(st.tuples(names, st.one_of(st.none(), names), data), max_size=4))
    body = draw(st.binary(max_size=20).filter(lambda b: boundary.encode() not in b)) + b"\r\n"  # preamble
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + ("" if filename is None else f'; filename="{filename}"')
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    body += f"--{boundary}--".encode() + draw(st.sampled_from([b"", b"\r\n", b"\r\nepilogue --x"]))
    return boundary, body, parts


def as_parts(events: list) -> list[tuple]:
    result, current = [], None
    for event in events:
        if isinstance(event, tuple):
            current = [event[1], event[2], b""]
        elif isinstance(event, bytes):
            current[2] += event
        elif event == "PartEnd":
            result.append(tuple(current))
    assert events[-1] == "Done", events[-1]
    return result


@FUZZ
@given(forms(), cut_points)
def test_valid_forms_come_back_part_for_part(form, points):
    boundary, body, parts = form
    assert as_parts(drive(boundary, cut(body, points))) == [tuple(p) for p in parts]
    assert drive(boundary, bytewise(body)) == drive(boundary, [body])


garbage = st.one_of(forms().map(lambda f: (f[0], f[1])),
                    st.tuples(boundaries, mutated(forms().map(lambda f: f[1]), max_edits=6)),
                    st.tuples(boundaries, st.binary(max_size=300)))


@FUZZ
@given(garbage, cut_points, st.sampled_from([Limits(), SMALL]))
def test_any_body_is_read_or_refused_alike_however_cut(case, points, limits):
    boundary, body = case
    whole = drive(boundary, [body], limits)
    assert whole[-1] in ("Done", ("error", 400), ("error", 413)), whole[-1]
    for other in (drive(boundary, bytewise(body), limits), drive(boundary, cut(body, points), limits)):
        # The events of the feed that failed are not returned: after an error only the status compares.
        assert other == whole if whole[-1] == "Done" else other[-1] == whole[-1]


@FUZZ
@given(st.one_of(st.text(max_size=120), st.builds(lambda b: f"multipart/form-data; boundary={b}", st.text(max_size=80)),
                 st.builds(lambda b: f'multipart/form-data; boundary="{b}"; x=y', st.text(max_size=80))))
def test_boundary_from_any_content_type(content_type):
    with no_hang():
        try:
            boundary = boundary_from(content_type)
        except MultipartError as error:
            assert error.status in (400, 415)
            return
    assert 0 < len(boundary) <= 256 and "\r" not in boundary and "\n" not in boundary
    MultipartParser(boundary)  # a boundary it gave is one the parser takes


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@FUZZ
@given(text, st.integers(1, 10**6))
def test_safe_filename_of_any_name(name, n):
    safe = safe_filename(name)
    if safe is None:
        return
    for stored in (safe, numbered(safe, n)):
        assert stored and stored.strip(".") and not stored.startswith(".")
        assert "/" not in stored and "\\" not in stored and "\0" not in stored
        assert not any(unicodedata.category(c) == "Cc" for c in stored)
        assert len(stored.encode("utf-8")) <= MAX_FILENAME
