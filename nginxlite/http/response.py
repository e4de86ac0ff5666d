"""Responses: what a handler returns, and how its head is written.

Rules:
- A ``Response`` carries a status, extra headers and one body: bytes, or a
  ``FileBody`` (an open file sent with ``sendfile`` by the connection).
- ``head_bytes`` writes the status line and headers in one buffer; ``Date``,
  ``Server``, ``Content-Length`` and ``Connection`` are added here and nowhere
  else, so every response has them.
- Dates are formatted once per second (``HttpDate``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from nginxlite.http.status import reason


@dataclass(slots=True)
class FileBody:
    """``length`` bytes of an open file from ``offset``; ``owner`` closes the descriptor."""

    fd: int
    offset: int
    length: int
    owner: bool = True

    def close(self) -> None:
        if self.owner and self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    file: FileBody | None = None
    close: bool = False  # close the connection after this response
    head_only: bool = False  # HEAD: headers as for GET, no body
    chunked: bool = False  # length not announced (nginx's listings): chunked to HTTP/1.1, EOF to 1.0
    parts: list | None = None  # the body as bytes and FileBody pieces (multipart ranges); ``file`` owns the fd
    body_length: int = -1  # Content-Length when ``body`` was left empty (HEAD of a small file)

    @property
    def length(self) -> int:
        if self.body_length >= 0:
            return self.body_length
        if self.parts is not None:
            return sum(len(p) if isinstance(p, bytes) else p.length for p in self.parts)
        return self.file.length if self.file is not None else len(self.body)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATES: dict[int, str] = {}


def http_date(seconds: float) -> str:
    """RFC 9110 IMF-fixdate; remembered per second (file mtimes repeat a lot)."""
    key = int(seconds)
    text = _DATES.get(key)
    if text is None:
        t = time.gmtime(key)
        text = (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")
        if len(_DATES) >= 4096:
            _DATES.clear()
        _DATES[key] = text
    return text


def chunk(body: bytes) -> bytes:
    """A whole body as one chunk and the last chunk."""
    return (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"


class HttpDate:
    """The ``Date`` header value, formatted at most once per second."""

    __slots__ = ("second", "value", "clock")

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self.second = -1
        self.value = ""

    def now(self) -> str:
        second = int(self.clock())
        if second != self.second:
            self.second = second
            self.value = http_date(second)
        return self.value


# Statuses that never carry a body or Content-Length framing of one (RFC 9110 §6.4.1).
_NO_BODY = frozenset({204, 304})


def head_bytes(response: Response, date: str, server: str, keep_alive: bool,
               keepalive_header: str | None = None, chunks: bool = True) -> bytes:
    """The status line and headers.  A chunked response is framed by the caller:
    as chunks when ``chunks`` (HTTP/1.1), else by closing the connection (HTTP/1.0)."""
    status = response.status
    lines = [f"HTTP/1.1 {status} {reason(status)}\r\nServer: {server}\r\nDate: {date}\r\n"]
    headers = response.headers
    first = 0
    if headers and headers[0][0] == "Content-Type":  # nginx's order: type, length, the rest
        lines.append(f"Content-Type: {headers[0][1]}\r\n")
        first = 1
    if response.chunked:
        if not response.head_only and chunks:
            lines.append("Transfer-Encoding: chunked\r\n")
    elif status not in _NO_BODY:
        lines.append(f"Content-Length: {response.length}\r\n")
    for name, value in headers[first:]:
        lines.append(f"{name}: {value}\r\n")
    if keep_alive:
        lines.append("Connection: keep-alive\r\n")
        if keepalive_header:
            lines.append(f"Keep-Alive: {keepalive_header}\r\n")
    else:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")
