"""Conditional requests and byte ranges for static files (nginx's not_modified and range filters).

Rules (nginx's header filters run in this order: not_modified, headers (``add_header``), range):
- ``not_modified``: If-Unmodified-Since and If-Match fail with 412; then
  If-Modified-Since (as ``if_modified_since`` says: ``modified_since``) and
  If-None-Match (weak comparison, ``*``) give 304 when every one present says
  "not modified".  A 304 keeps ETag and Last-Modified, and drops the body,
  Content-Type, Content-Length and Accept-Ranges.  It reads the file's own
  ETag and mtime: ``add_header`` has not run yet.
- ``partial`` (after ``add_header``): a 200 file response and a ``Range`` of at
  least 7 characters starting ``bytes=`` (any case), else the whole file.
  If-Range ending in ``"`` must equal the response's ETag byte for byte, any
  other value must be a date equal to its Last-Modified, as ``add_header`` left
  them (none: the whole file).  ``max_ranges 0`` turns ranges off (and
  Accept-Ranges with them).
- ``parse_ranges`` is nginx's ``ngx_http_range_parse``: spaces (not tabs) around
  the numbers, ranges kept in request order, neither sorted nor merged; a range
  starting at or past the end (or a reversed one) is skipped; a malformed set
  (or numbers over 2^63-1) is 416; none left is 416 (``Content-Range: bytes
  */SIZE``); more than ``max_ranges`` ranges, ranges adding up to more than the
  file, or a range starting at 0 with nothing in it (an empty file) send the
  whole file.  Several ranges are sent as ``multipart/byteranges`` without
  reading the file into memory.
"""

from __future__ import annotations

from nginxlite.errors import HttpError
from nginxlite.http.body import FileSlice, Pieces, close_body
from nginxlite.http.response import Response, parse_http_date

_BOUNDARY = [0]
_MAX_OFF = (1 << 63) - 1  # NGX_MAX_OFF_T_VALUE


def own_header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The value of header ``name`` (lower-case) in a response's list, any spelling."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def offered(settings) -> bool:
    """Whether a 200 file response says ``Accept-Ranges: bytes`` (``max_ranges 0`` turns it off)."""
    return settings.max_ranges != 0


def _etag_match(header: str, etag: str | None, weak: bool) -> bool:
    if header.strip() == "*":
        return True
    if etag is None:
        return False
    if weak and etag.startswith("W/"):
        etag = etag[2:]
    for item in header.split(","):
        item = item.strip()
        if weak and item.startswith("W/"):
            item = item[2:]
        if item == etag:
            return True
    return False


def modified_since(header: str, mtime: int, mode: str) -> bool:
    """nginx's ``ngx_http_test_if_modified``: whether a file of ``mtime`` counts as modified
    for this If-Modified-Since under ``if_modified_since MODE`` (off, exact, before)."""
    if mode == "off":
        return True
    when = parse_http_date(header)
    if when == mtime:
        return False
    return mode == "exact" or when is None or when < mtime  # nginx: an unreadable date is -1


def not_modified(request, response: Response, mtime: int, ims_mode: str = "exact") -> Response:
    """A 200 file response, or the 304 the request's If-* headers ask for (412 raised)."""
    etag = own_header(response.headers, "etag")
    ius = request.header("if-unmodified-since")
    if ius is not None:
        when = parse_http_date(ius)
        if when is None or mtime > when:  # nginx: a date it cannot read is never "unmodified since"
            raise HttpError(412)
    if_match = request.header("if-match")
    if if_match is not None and not _etag_match(if_match, etag, weak=False):
        raise HttpError(412)
    ims = request.header("if-modified-since")
    inm = request.header("if-none-match")
    if ims is not None or inm is not None:
        modified = ((ims is not None and modified_since(ims, mtime, ims_mode))
                    or (inm is not None and not _etag_match(inm, etag, True)))
        if not modified:
            close_body(response.body)
            kept = [h for h in response.headers if h[0] in ("ETag", "Last-Modified")]
            return Response(304, kept)
    return response


def partial(request, response: Response, size: int, max_ranges: int | None, added=()) -> Response:
    """The 206 a 200 file response becomes for the request's Range (416 raised), or the
    response unchanged.  ``added``: the headers ``add_header`` appended, which nginx's
    416 page keeps (its range filter answers after the headers filter has run)."""
    header = request.header("range")
    if (header is None or response.status != 200 or max_ranges == 0 or len(header) < 7
            or header[:6].lower() != "bytes="):
        return response
    if_range = request.header("if-range")
    if if_range is not None:
        if len(if_range) >= 2 and if_range[-1] == '"':
            if if_range != own_header(response.headers, "etag"):
                return response
        else:
            last_modified = own_header(response.headers, "last-modified")
            when = parse_http_date(last_modified) if last_modified else None
            if when is None or parse_http_date(if_range) != when:
                return response
    ranges = parse_ranges(header, size, max_ranges)
    if ranges is None:
        return response
    file = response.body
    if not ranges:
        file.close()
        raise HttpError(416, tuple(added) + (("Content-Range", f"bytes */{size}"),))
    kept = [h for h in response.headers if h[0] != "Accept-Ranges"]  # nginx adds it to 200s only
    base = [h for h in kept if h[0] != "Content-Type"]
    ctype = own_header(response.headers, "content-type")
    if len(ranges) == 1:
        start, end = ranges[0]
        file.offset, file.length = start, end - start + 1
        return Response(206, kept + [("Content-Range", f"bytes {start}-{end}/{size}")],
                        file, head_only=response.head_only)
    _BOUNDARY[0] += 1
    boundary = f"{_BOUNDARY[0]:020d}"
    type_line = f"\r\nContent-Type: {ctype}" if ctype else ""
    parts: list = []
    for start, end in ranges:
        parts.append(f"\r\n--{boundary}{type_line}\r\nContent-Range: bytes {start}-{end}/{size}"
                     f"\r\n\r\n".encode("latin-1"))
        parts.append(FileSlice(file.fd, start, end - start + 1, owner=False))
    parts.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
    return Response(206, [("Content-Type", f"multipart/byteranges; boundary={boundary}")] + base,
                    Pieces(parts, owner=file), head_only=response.head_only)


def _number(text: str, at: int) -> tuple[int, int] | None:
    """The decimal number at ``text[at]`` (ASCII digits, at least one) and the index after
    it; None when there is no digit there or it is over 2^63-1."""
    end = at
    while "0" <= text[end] <= "9":
        end += 1
    if end == at:
        return None
    value = int(text[at:end])
    return (value, end) if value <= _MAX_OFF else None


def parse_ranges(header: str, size: int, max_ranges: int | None = None) -> list[tuple[int, int]] | None:
    """``bytes=`` ranges as (first, last) byte positions within ``size``; [] when none is
    satisfiable or the set is malformed (416), None for the whole file (see the module rules)."""
    if len(header) < 7 or header[:6].lower() != "bytes=":
        return None
    text = header + "\0"  # nginx reads a C string: the NUL ends the last range
    at = 6
    left = max_ranges
    ranges: list[tuple[int, int]] = []
    total = 0
    while True:
        while text[at] == " ":
            at += 1
        if text[at] != "-":
            found = _number(text, at)
            if found is None:
                return []
            start, at = found
            while text[at] == " ":
                at += 1
            if text[at] != "-":
                return []
            at += 1
            while text[at] == " ":
                at += 1
            open_end = text[at] in ",\0"
            suffix = False
        else:
            at += 1
            open_end = False
            suffix = True
        if open_end:
            end = size  # one past the last byte
        else:
            found = _number(text, at)
            if found is None:
                return []
            last, at = found
            while text[at] == " ":
                at += 1
            if text[at] not in ",\0":
                return []
            if suffix:
                start, last = (size - last if last < size else 0), size - 1
            end = size if last >= size else last + 1
        if start < end:
            ranges.append((start, end - 1))
            total += end - start
            if left is not None:
                if left == 0:
                    return None  # more than max_ranges: nginx sends the whole file
                left -= 1
        elif start == 0:
            return None
        if text[at] != ",":
            break
        at += 1
    if not ranges:
        return []
    if total > size:
        return None  # overlapping ranges bigger than the file: nginx sends it whole
    return ranges
