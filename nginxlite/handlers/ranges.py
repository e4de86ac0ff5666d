"""Conditional requests and byte ranges for static files (nginx's not_modified and range filters).

Rules:
- Preconditions in nginx's order: If-Unmodified-Since and If-Match fail with 412;
  then If-Modified-Since (as ``if_modified_since`` says: ``modified_since``)
  and If-None-Match (weak comparison, ``*``) give 304 when every one present says
  "not modified".  A 304 keeps ETag and Last-Modified, and drops the body,
  Content-Type, Content-Length and Accept-Ranges.
- Range applies to a 200 file response only: ``bytes=`` with single, suffix and
  open ranges; ranges past the end are dropped; none left (or a malformed
  header) is 416 with ``Content-Range: bytes */SIZE``; overlapping ranges larger
  than the file fall back to the whole file; several ranges are sent as
  ``multipart/byteranges`` without reading the file into memory.  If-Range (an
  ETag or a date) that does not match sends the whole file.
"""

from __future__ import annotations

from nginxlite.errors import HttpError
from nginxlite.http.response import FileBody, Response, parse_http_date

_BOUNDARY = [0]


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


def apply(request, response: Response, mtime: int, size: int, ims_mode: str = "exact") -> Response:
    """Turn a 200 file response into 304, 412, 206 or 416 as the request's headers ask."""
    headers = dict(response.headers)
    etag = headers.get("ETag")
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
        modified = (ims is not None and modified_since(ims, mtime, ims_mode)) or (inm is not None and not _etag_match(inm, etag, True))
        if not modified:
            if response.file is not None:
                response.file.close()
            kept = [h for h in response.headers if h[0] in ("ETag", "Last-Modified")]
            return Response(304, kept)
    header = request.header("range")
    if header is None or response.status != 200 or size == 0:
        return response
    if_range = request.header("if-range")
    if if_range is not None:
        if if_range.startswith('"') or if_range.startswith("W/"):
            if if_range != etag:
                return response
        elif parse_http_date(if_range) != mtime:
            return response
    ranges = parse_ranges(header, size)
    if ranges is None:
        return response
    if not ranges:
        response.file.close()
        raise HttpError(416, (("Content-Range", f"bytes */{size}"),))
    file = response.file
    kept = [h for h in response.headers if h[0] != "Accept-Ranges"]  # nginx's range filter drops it on 206
    base = [h for h in kept if h[0] != "Content-Type"]
    ctype = headers.get("Content-Type", "application/octet-stream")
    if len(ranges) == 1:
        start, end = ranges[0]
        file.offset, file.length = start, end - start + 1
        return Response(206, kept + [("Content-Range", f"bytes {start}-{end}/{size}")],
                        file=file, head_only=response.head_only)
    _BOUNDARY[0] += 1
    boundary = f"{_BOUNDARY[0]:020d}"
    parts: list = []
    for start, end in ranges:
        parts.append(f"\r\n--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes {start}-{end}/{size}"
                     f"\r\n\r\n".encode("latin-1"))
        parts.append(FileBody(file.fd, start, end - start + 1, owner=False))
    parts.append(f"\r\n--{boundary}--\r\n".encode("latin-1"))
    file.length = 0
    return Response(206, [("Content-Type", f"multipart/byteranges; boundary={boundary}")] + base,
                    file=file, parts=parts, head_only=response.head_only)


def parse_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """``bytes=`` ranges within ``size``; [] when none is satisfiable, None to ignore the header."""
    if header[:6].lower() != "bytes=":
        return None
    ranges = []
    total = 0
    for spec in header[6:].split(","):
        spec = spec.strip(" \t")
        first, dash, last = spec.partition("-")
        first, last = first.strip(" "), last.strip(" ")
        if not dash or (first and not first.isdigit()) or (last and not last.isdigit()) or not (first or last):
            return []
        if first:
            start = int(first)
            end = int(last) if last else size - 1
            if end < start:
                return []
            if start >= size:
                continue
            end = min(end, size - 1)
        else:
            suffix = int(last)
            if suffix == 0:
                continue
            start, end = max(0, size - suffix), size - 1
        ranges.append((start, end))
        total += end - start + 1
    if total > size:
        return None  # overlapping ranges bigger than the file: nginx sends it whole
    return ranges
