"""Responses: what a handler returns, and how its head is written.

Rules:
- A ``Response`` carries a status, extra headers and one body (``http.body``):
  bytes, a ``FileSlice`` or a ``Source``; a HEAD answer keeps its body, for its
  length, and the connection sends none of it.
- ``head_bytes`` writes the status line and headers in one buffer; ``Date``,
  ``Server``, ``Content-Length`` and ``Connection`` are added here and nowhere
  else, so every response has them (a ``prepared`` block already holds
  Content-Type and Content-Length: see ``handlers.filecache``).
- Dates are formatted once per second (``HttpDate``) and parsed as nginx
  parses them (``parse_http_date``: the three formats of RFC 9110 section 5.6.7,
  weekday unchecked, anything after the time ignored).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from nginxlite.http.body import UNKNOWN, FileSlice, Source
from nginxlite.http.status import reason


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | FileSlice | Source = b""  # see ``http.body``
    close: bool = False  # close the connection after this response
    head_only: bool = False  # HEAD: headers as for GET (the body's length), no body
    prepared: bytes = b""  # header lines rendered in advance, Content-Type and -Length included
    headers_added: bool = False  # the header filters ran (static files: before the range filter, as nginx)
    raw: bool = False  # the body holds the status line and headers too (CGI nph-): no head, then close
    gzip_level: int = 0  # the gzip header filter's answer: compress the body at this level (no ranges then)

    def unprepare(self) -> None:
        """Turn a ``prepared`` block back into ``headers``, for a filter that edits them."""
        if self.prepared:
            pairs = [tuple(line.split(": ", 1)) for line in self.prepared.decode("latin-1").split("\r\n")[:-1]]
            self.headers[:0] = [pair for pair in pairs if pair[0] != "Content-Length"]
            self.prepared = b""

    @property
    def length(self) -> int:
        """The body's length, ``UNKNOWN`` when it is known only at its end."""
        body = self.body
        return len(body) if type(body) is bytes else body.length


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


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS = frozenset("0123456789")
_WRAP = 1 << 64


def parse_http_date(text: str) -> int | None:
    """Seconds since the epoch for an HTTP date, or None where nginx's parser fails.

    ``Sun, 06 Nov 1994 08:49:37 GMT`` (IMF-fixdate), ``Sunday, 06-Nov-94 08:49:37
    GMT`` (RFC 850, years before 70 are 20xx) and ``Sun Nov  6 08:49:37 1994``
    (asctime).  As nginx: the text before the first comma or space is not
    checked, a month is told by as few letters as tell it apart, and nothing
    after the time (or the asctime year) is looked at.
    """
    comma, space = text.find(","), text.find(" ")
    asctime = space >= 0 and (comma < 0 or space < comma)
    cut = space if asctime else comma
    if cut < 0:
        return None
    rest = text[cut + 1:].lstrip(" ")
    try:
        if len(rest) < 18:
            return None
        if asctime:
            month, rest = _month(rest), rest[4:]
            if rest[0] == " ":
                rest = rest[1:]
            day_text = rest[:2] if rest[1] != " " else rest[:1]
            rest = rest[len(day_text):]
            if not _digits(day_text) or len(rest) < 14:
                return None
        else:
            day_text, sep, rest = rest[:2], rest[2], rest[3:]
            if not _digits(day_text) or sep not in " -" or (sep == " " and len(rest) < 17):
                return None
            month = _month(rest)
            if rest[3] != sep:
                return None
            if sep == " ":
                year_text, rest = rest[4:8], rest[8:]
            else:
                year_text, rest = rest[4:6], rest[6:]
            if not _digits(year_text):
                return None
            year = int(year_text)
            if sep == "-":
                year += 2000 if year < 70 else 1900
        clock = rest[:9]
        if (clock[0] != " " or clock[3] != ":" or clock[6] != ":"
                or not _digits(clock[1:3] + clock[4:6] + clock[7:9])):
            return None
        if asctime:
            year_text = rest[10:14]
            if rest[9] != " " or not _digits(year_text):
                return None
            year = int(year_text)
    except IndexError:
        return None
    if month is None:
        return None
    day, hour, minute, second = int(day_text), int(clock[1:3]), int(clock[4:6]), int(clock[7:9])
    if hour > 23 or minute > 59 or second > 59:
        return None
    if month == 1 and day == 29:
        if year % 4 or (year % 100 == 0 and year % 400):
            return None
    elif day > _DAYS_IN_MONTH[month]:
        return None
    # nginx counts days from March 1 of year 0 (so the leap day ends a year) in unsigned
    # 64-bit arithmetic: January and February of year 0 wrap around, as there.
    if month < 2:
        month += 12
        year = (year - 1) % _WRAP
    days = 365 * year + year // 4 - year // 100 + year // 400 + 367 * (month - 1) // 12 - 30 + day - 1 - 719468
    seconds = (days * 86400 + hour * 3600 + minute * 60 + second) % _WRAP
    return seconds - _WRAP if seconds >= _WRAP >> 1 else seconds


def _digits(text: str) -> bool:
    return bool(text) and _DIGITS.issuperset(text)


def _month(word: str) -> int | None:
    """nginx tells months apart by the first letter and, where needed, one more."""
    first = word[0]
    if first == "J":
        return 0 if word[1] == "a" else 5 if word[2] == "n" else 6
    if first == "M":
        return 2 if word[2] == "r" else 4
    if first == "A":
        return 3 if word[1] == "p" else 7
    return {"F": 1, "S": 8, "O": 9, "N": 10, "D": 11}.get(first)


class HttpDate:
    """The ``Date`` header value (bytes), formatted at most once per second."""

    __slots__ = ("second", "value", "clock")

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self.second = -1
        self.value = b""

    def now(self) -> bytes:
        second = int(self.clock())
        if second != self.second:
            self.second = second
            self.value = http_date(second).encode()
        return self.value


# Statuses that never carry a body or Content-Length framing of one (RFC 9110 §6.4.1).
_NO_BODY = frozenset({204, 304})
_FIRST_LINES: dict[tuple[int, str], bytes] = {}  # (status, Server value) -> status line, Server, "Date: "
_KEEP_ALIVE = b"Connection: keep-alive\r\n"
_CLOSE = b"Connection: close\r\n\r\n"


def head_bytes(response: Response, date: bytes, server: str, keep_alive: bool,
               keepalive_header: str | None = None, chunks: bool = True) -> bytes:
    """The status line and headers.  A body of unknown length is framed by the caller:
    as chunks when ``chunks`` (HTTP/1.1), else by closing the connection (HTTP/1.0)."""
    status = response.status
    first = _FIRST_LINES.get((status, server))
    if first is None:
        first = f"HTTP/1.1 {status} {reason(status)}\r\nServer: {server}\r\nDate: ".encode()
        _FIRST_LINES[(status, server)] = first
    if keep_alive:
        last = _KEEP_ALIVE + (f"Keep-Alive: {keepalive_header}\r\n\r\n".encode("latin-1") if keepalive_header
                              else b"\r\n")
    else:
        last = _CLOSE
    headers = response.headers
    if response.prepared:  # header lines rendered in advance (cached files), then any add_header
        middle = "".join([f"{name}: {value}\r\n" for name, value in headers]).encode("latin-1") if headers else b""
        return b"".join((first, date, b"\r\n", response.prepared, middle, last))
    lines = []
    skip = 0
    if headers and headers[0][0] == "Content-Type":  # nginx's order: type, length, the rest
        lines.append(f"Content-Type: {headers[0][1]}\r\n")
        skip = 1
    length = response.length
    if length == UNKNOWN:
        if not response.head_only and chunks and status not in _NO_BODY:
            lines.append("Transfer-Encoding: chunked\r\n")
    elif status not in _NO_BODY:
        lines.append(f"Content-Length: {length}\r\n")
    for name, value in headers[skip:]:
        lines.append(f"{name}: {value}\r\n")
    return b"".join((first, date, b"\r\n", "".join(lines).encode("latin-1"), last))


class Deferred:
    """A response that comes later (a CGI's head): the handler returns this and calls
    ``resolve(response)`` when it has the answer.  Meanwhile the connection waits: it
    starts no pipelined request, arms no keep-alive timer, reads no further than the
    current request.  ``cancel()`` is the connection's (the client went away): the
    producer's ``on_cancel`` stops the work.  Each happens at most once, and not both.
    """

    __slots__ = ("response", "on_resolve", "on_cancel", "done")

    def __init__(self, on_cancel=None) -> None:
        self.response: Response | None = None
        self.on_resolve = None  # set by the connection waiting for it
        self.on_cancel = on_cancel
        self.done = False

    def resolve(self, response: Response) -> None:
        if self.done:
            return
        self.done = True
        self.response = response
        if self.on_resolve is not None:
            self.on_resolve(self)

    def cancel(self) -> None:
        if self.done:
            return
        self.done = True
        if self.on_cancel is not None:
            self.on_cancel()
