"""``gzip`` and its tuning directives: nginx's gzip header and body filters.

Rules (``ngx_http_gzip_header_filter``, ``ngx_http_gzip_ok``):
- Only 200, 403 and 404 answers with a Content-Type in ``gzip_types`` (its type
  before any ``;``), no Content-Encoding, and a length unknown or at least
  ``gzip_min_length``.  Such an answer gets ``Vary: Accept-Encoding`` with
  ``gzip_vary on`` whether it is compressed or not, as nginx.
- Then the request decides: ``Accept-Encoding`` names ``gzip`` (``q`` not 0,
  read as nginx reads it), the request's HTTP version is at least
  ``gzip_http_version``, no ``gzip_disable`` match on the User-Agent (``msie6``:
  MSIE 4 to 6 but not 6 with SV1, never Opera), and a request with a ``Via``
  header only as ``gzip_proxied`` allows (nginxlite has no proxy: that header
  is the only thing that makes a request "proxied", as in nginx).
- A compressed answer: ``Content-Encoding: gzip``, no Content-Length (chunked
  for HTTP/1.1, ended by closing for HTTP/1.0), no Accept-Ranges and no range
  filter (a Range request gets the whole 200, as nginx: its range filter runs
  after gzip), a weak ETag (``W/"..."``; an unquoted one is dropped).  HEAD
  passes the same filter (nginx marks the request header-only only later).
- The body filter wraps the body in a ``GzipSource``: it pulls the original
  (bytes, a file slice read in ``CHUNK`` pieces, or another source: ``WAIT``
  passes through) and never holds the whole of a large body; output from a
  source (a CGI script) is flushed (``Z_SYNC_FLUSH``) piece by piece, so the
  client sees what the script has written.
"""

from __future__ import annotations

import os
import time
import zlib
from typing import TYPE_CHECKING

from nginxlite.http.body import UNKNOWN, WAIT, FileSlice, Source, close_body
from nginxlite.http.response import Response, parse_http_date

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

GZIP_STATUSES = (200, 403, 404)
CHUNK = 64 << 10  # bytes of a file read per pull


def gzip_filter(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    settings = ex.settings
    if settings is None or not settings.gzip or response.status not in GZIP_STATUSES:
        return []
    length = response.length
    if length != UNKNOWN and length < settings.gzip_min_length:
        return []
    response.unprepare()
    headers = response.headers
    ctype = None
    for name, value in headers:
        low = name.lower()
        if low == "content-encoding" and value:
            return []
        if low == "content-type" and ctype is None:
            ctype = value
    if not ctype:
        return []
    types = settings.gzip_types
    if types is not None and ctype.split(";", 1)[0].strip().lower() not in types:
        return []
    if settings.gzip_vary:
        add_vary(headers)
    if not gzip_ok(ex, response, settings):
        return []
    headers.append(("Content-Encoding", "gzip"))
    response.gzip_level = settings.gzip_comp_level
    kept = []
    for name, value in headers:
        low = name.lower()
        if low == "accept-ranges":
            continue
        if low == "etag" and not value.startswith("W/"):
            if not value.startswith('"'):
                continue
            value = "W/" + value
        kept.append((name, value))
    headers[:] = kept
    return []


def add_vary(headers: list[tuple[str, str]]) -> None:
    """``Vary: Accept-Encoding`` once (nginx's flag: gzip and gzip_static both set it)."""
    if ("Vary", "Accept-Encoding") not in headers:
        headers.append(("Vary", "Accept-Encoding"))


def gzip_body_filter(ex: Exchange, response: Response) -> None:
    level = response.gzip_level
    if level:
        response.body = GzipSource(response.body, level)


def gzip_ok(ex: Exchange, response: Response, settings) -> bool:
    """``ngx_http_gzip_ok``: whether this request takes a compressed answer."""
    request = ex.request
    accept = request.header("accept-encoding")
    if accept is None or len(accept) < 4:
        return False
    if not accept.startswith("gzip,") and not accepts_gzip(accept):
        return False
    disable = settings.gzip_disable
    agent = request.header("user-agent") if disable else None
    if agent is not None and "msie6" in disable and is_msie6(agent):
        return False
    if request.minor < settings.gzip_http_version:
        return False
    if request.header("via") is not None and not _proxied_ok(request, response, settings.gzip_proxied):
        return False
    if agent is not None:
        for regex in disable:
            if regex != "msie6" and regex.search(agent):
                return False
    return True


def _proxied_ok(request, response: Response, proxied: tuple[str, ...]) -> bool:
    """``gzip_proxied`` for a request with ``Via`` (the response's lines are unprepared)."""
    if "off" in proxied:
        return False
    if "any" in proxied:
        return True
    if "auth" in proxied and request.header("authorization") is not None:
        return True
    expires = None
    controls = []
    has = set()
    for name, value in response.headers:
        low = name.lower()
        if low == "expires" and expires is None:
            expires = value
        elif low == "cache-control":
            controls.append(value)
        has.add(low)
    if expires is not None:
        if "expired" not in proxied:
            return False
        when = parse_http_date(expires)
        return when is not None and when < int(time.time())
    if controls:
        tokens = {item.split("=", 1)[0].strip().lower() for value in controls for item in value.split(",")}
        return any(word in proxied and word in tokens for word in ("no-cache", "no-store", "private"))
    if "no_last_modified" in proxied and "last-modified" in has:
        return False
    if "no_etag" in proxied and "etag" in has:
        return False
    return True


def accepts_gzip(value: str) -> bool:
    """``ngx_http_gzip_accept_encoding``: ``gzip`` as a whole token whose ``q`` is not 0."""
    low = value.lower()
    start = 0
    while True:
        at = low.find("gzip", start)
        if at < 0:
            return False
        if at == 0 or value[at - 1] in ", ":
            break
        start = at + 4
    rest = value[at + 4:]
    i = 0
    while i < len(rest):
        ch = rest[i]
        i += 1
        if ch == ",":
            return True
        if ch == ";":
            break
        if ch != " ":
            return False
    else:
        return True
    while i < len(rest):
        ch = rest[i]
        i += 1
        if ch in "qQ":
            break
        if ch != " ":
            return False
    else:
        return True
    if i + 2 > len(rest) or rest[i] != "=":
        return False
    return _quantity(rest[i + 1:]) != 0


def _quantity(text: str) -> int:
    """``ngx_http_gzip_quantity``, its arithmetic included (``0.5`` counts as 5)."""
    if not text or text[0] not in "01":
        return 0
    q = (ord(text[0]) - 48) * 100
    if len(text) == 1 or text[1] in ", ":
        return q
    if text[1] != ".":
        return 0
    digits = 0
    for ch in text[2:]:
        if ch in ", ":
            break
        if "0" <= ch <= "9":
            q += ord(ch) - 48
            digits += 1
            continue
        return 0
    return 0 if q > 100 or digits > 3 else q


def is_msie6(agent: str) -> bool:
    """nginx's ``headers_in.msie6`` (``ngx_http_process_user_agent``)."""
    if "Opera" in agent:
        return False
    at = agent.find("MSIE ")
    if at < 0 or at + 7 >= len(agent) or agent[at + 6] != ".":
        return False
    major = agent[at + 5]
    return major in "45" or (major == "6" and "SV1" not in agent[at + 8:])


class GzipSource(Source):
    """The gzip stream of a body, produced as the body is pulled (see the module rules)."""

    __slots__ = ("inner", "zobj", "stream", "file", "done")

    def __init__(self, inner, level: int) -> None:
        super().__init__(UNKNOWN)
        self.inner = inner
        self.zobj = zlib.compressobj(level, zlib.DEFLATED, 31)
        self.stream = isinstance(inner, Source)
        self.file: FileSlice | None = inner if type(inner) is FileSlice else None
        self.done = False
        if self.stream:
            inner.on_ready = self.ready

    def _piece(self):
        """The next piece of the original body: bytes, WAIT or None (the end)."""
        file = self.file
        if file is not None:
            if file.length > 0:
                data = os.pread(file.fd, min(CHUNK, file.length), file.offset)
                if data:
                    file.offset += len(data)
                    file.length -= len(data)
                    return data
            self.file = None  # (a file that shrank ends here, as a short read)
            if not self.stream:
                return None
        inner = self.inner
        if type(inner) is bytes:
            self.inner = None
            return inner
        if not self.stream:
            return None
        piece = inner.pull()
        if type(piece) is FileSlice:
            self.file = FileSlice(piece.fd, piece.offset, piece.length, owner=False)
            return b""
        return piece

    def pull(self):
        if self.done:
            return None
        zobj = self.zobj
        while True:
            piece = self._piece()
            if piece is WAIT:
                return WAIT
            if piece is None:
                self.done = True
                return zobj.flush()
            out = zobj.compress(piece)
            if self.stream and piece:
                out += zobj.flush(zlib.Z_SYNC_FLUSH)
            if out:
                return out

    def close(self) -> None:
        inner, self.inner = self.inner, None
        if inner is not None:
            close_body(inner)
