"""Sans-IO HTTP/1.1 request reader (RFC 9112) with nginx's limits.

Rules:
- ``receive_data(bytes)`` only appends to a buffer; ``b""`` means the peer
  closed its side.  ``next_event()`` returns ``Request``, ``Data``,
  ``END_OF_MESSAGE``, ``NEED_DATA`` (read more), ``PAUSED`` (a whole request
  was read: call ``start_next_cycle()`` after answering it) or
  ``CONNECTION_CLOSED``.  No sockets, clocks or files.
- Malformed input raises ``ProtocolError`` carrying the status to answer with;
  after it the connection must be closed (the byte stream is out of sync).
- Linear time: the search for the end of the header resumes where it stopped,
  so a request sent one byte at a time costs no more than one sent whole.
- Framing is decided once per request (``_framing``): chunked, a
  Content-Length, or no body.  Requests never read to EOF.
- Bytes are decoded as latin-1 (one character per byte); the target is kept
  raw: percent-decoding and dot segments belong to ``nginxlite.http.uri``.
- An absolute-form target must have the shape nginx's request-line parser
  accepts (``uri.absolute_form``), else 400 here.  Checks that need the chosen
  server (Host validity, of the header and of that target's host, and HTTP/1.1
  without Host) are not made here: nginx answers those with the selected
  server's error pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.http.uri import absolute_form


class ProtocolError(Exception):
    """The request cannot be read; answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NEED_DATA = _Sentinel("NEED_DATA")
PAUSED = _Sentinel("PAUSED")
END_OF_MESSAGE = _Sentinel("END_OF_MESSAGE")
CONNECTION_CLOSED = _Sentinel("CONNECTION_CLOSED")


@dataclass(slots=True)
class Request:
    method: str
    target: str  # raw request-target, latin-1
    minor: int  # HTTP/1.minor
    headers: list[tuple[str, str]]  # (lower-case name, value), in order
    host: str | None = None  # the Host header, raw
    content_length: int | None = None
    chunked: bool = False
    keep_alive: bool = True
    expect_continue: bool = False
    conditional: bool = False  # has If-* or Range headers (static files check them)
    head_size: int = 0
    _index: dict[str, str] | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (lower-case); repeated headers joined with ", "."""
        if self._index is None:  # a Request built by hand, not by parse_head
            self._index = index_fields(self.headers, strict=False)
        return self._index.get(name)

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.content_length)


@dataclass(slots=True)
class Data:
    data: bytes


@dataclass(frozen=True, slots=True)
class Limits:
    """nginx's header limits (``large_client_header_buffers 4 8k``)."""

    line: int = 8192  # request line (414) and each header line (431)
    total: int = 4 * 8192  # all header lines together (431)
    headers: int = 100  # number of header lines (431)


_REQUEST_LINE = re.compile(r"([^ ]+) +([^ ]+)(?: +([^ ]*))? *")
_GOOD_REQUEST_LINE = re.compile(r"([A-Z_-]+) +([^\x00-\x20\x7f]+) +HTTP/([1-9]\d{0,2}\.\d{1,3}) *")
_METHOD = re.compile(r"[A-Z_-]+")
# nginx: the major version starts with 1-9 (HTTP/01.1 is 400), a major over 1 is 505 whatever
# follows, the minor has at most three digits.
_VERSION = re.compile(r"HTTP/([1-9]\d*)(.*)")
_MINOR = re.compile(r"\.(\d{1,3})")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_TOKEN = re.compile(r"[!#$%&'*+.^`|~0-9A-Za-z-]+")
# Header names already found valid (token, no underscore) -> their lower-case key.
_NAMES: dict[str, str] = {}
_MAX_NAMES = 1024
# Fields nginx 1.22 takes once: a second one is a 400 ("client sent duplicate header line").
_SINGLE = frozenset({"host", "content-length", "transfer-encoding", "expect", "authorization", "if-match",
                     "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "content-range"})
# The headers that make a static response conditional (handlers.ranges reads them).
_CONDITIONAL = frozenset({"range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
                          "if-range"})
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n")  # < 2^60, as nginx's off_t check
_MAX_CHUNK_LINE = 4096
_MAX_TRAILER = 8192

_HEAD, _LENGTH, _LENGTH_END, _CHUNK_SIZE_STATE, _CHUNK_DATA, _CHUNK_END, _TRAILER, _DONE = range(8)


class RequestReader:
    """Reads requests off one connection.  See the module rules."""

    __slots__ = ("buf", "scan", "state", "left", "limits", "eof", "request")

    def __init__(self, limits: Limits = Limits()) -> None:
        self.buf = bytearray()
        self.scan = 0
        self.state = _HEAD
        self.left = 0
        self.limits = limits
        self.eof = False
        self.request: Request | None = None

    def receive_data(self, data: bytes) -> None:
        if data:
            self.buf += data
        else:
            self.eof = True

    @property
    def idle(self) -> bool:
        """No byte of a next request has arrived (keep-alive wait, not a slow header)."""
        return self.state == _HEAD and not self.buf

    @property
    def buffered(self) -> int:
        return len(self.buf)

    def start_next_cycle(self) -> None:
        if self.state != _DONE:
            raise RuntimeError("start_next_cycle() before the request was read")
        self.state = _HEAD
        self.scan = 0
        self.request = None

    def next_event(self):
        state = self.state
        if state == _HEAD:
            return self._read_head()
        if state == _LENGTH:
            return self._read_length()
        if state == _DONE:
            return PAUSED
        if state == _LENGTH_END:
            self.state = _DONE
            return END_OF_MESSAGE
        return self._read_chunked()

    # -- head -----------------------------------------------------------------

    def _read_head(self):
        buf = self.buf
        # RFC 9112 §2.2: ignore empty lines before the request line.
        while buf and buf[0] in (13, 10):
            if buf[:2] == b"\r\n":
                del buf[:2]
            elif buf[:1] == b"\n":
                del buf[:1]
            elif len(buf) == 1:
                break
            else:
                raise ProtocolError(400, "bare CR before the request line")
        # The end of the head: the first LF followed by LF or CRLF (and a CR before it
        # belongs to the terminator): two memchr-fast finds instead of a regex scan.
        start = max(0, self.scan - 3)
        crlf = buf.find(b"\n\r\n", start)
        lf = buf.find(b"\n\n", start, crlf + 1 if crlf >= 0 else len(buf))
        if lf < 0 and crlf < 0:
            self.scan = len(buf)
            limits = self.limits
            first = buf.find(b"\n")
            if first < 0 and len(buf) > limits.line:
                raise ProtocolError(414, "request line too long")
            if len(buf) > limits.line + limits.total:
                raise ProtocolError(431, "request header too large")
            if self.eof:
                if buf:
                    raise ProtocolError(400, "connection closed inside the request header")
                return CONNECTION_CLOSED
            return NEED_DATA
        if lf >= 0:
            newline, end = lf, lf + 2
        else:
            newline, end = crlf, crlf + 3
        if newline > start and buf[newline - 1] == 13:
            newline -= 1
        head = buf[:newline].decode("latin-1")
        del buf[:end]
        self.scan = 0
        request = parse_head(head, self.limits)
        request.head_size = end
        self.request = request
        if request.chunked:
            self.state = _CHUNK_SIZE_STATE
        elif request.content_length:
            self.state = _LENGTH
            self.left = request.content_length
        else:
            self.state = _DONE
        return request

    # -- bodies ---------------------------------------------------------------

    def _read_length(self):
        buf = self.buf
        if not buf:
            if self.eof:
                raise ProtocolError(400, "connection closed inside the request body")
            return NEED_DATA
        if len(buf) <= self.left:
            data = bytes(buf)
            buf.clear()
        else:
            data = bytes(buf[:self.left])
            del buf[:self.left]
        self.left -= len(data)
        if self.left == 0:
            self.state = _LENGTH_END
        return Data(data)

    def _read_chunked(self):
        buf = self.buf
        while True:
            state = self.state
            if state == _CHUNK_SIZE_STATE:
                match = _CHUNK_SIZE.match(buf)
                if match is None:
                    nl = buf.find(b"\n")
                    if nl >= 0 or len(buf) > _MAX_CHUNK_LINE:
                        raise ProtocolError(400, "invalid chunk size line")
                    break
                size = int(match.group(1), 16)
                del buf[:match.end()]
                if size == 0:
                    self.state = _TRAILER
                    self.left = 0
                else:
                    self.state = _CHUNK_DATA
                    self.left = size
            elif state == _CHUNK_DATA:
                if not buf:
                    break
                take = min(self.left, len(buf))
                data = bytes(buf[:take])
                del buf[:take]
                self.left -= take
                if self.left == 0:
                    self.state = _CHUNK_END
                return Data(data)
            elif state == _CHUNK_END:
                if buf[:2] == b"\r\n":
                    del buf[:2]
                elif buf[:1] == b"\n":
                    del buf[:1]
                elif len(buf) < 2 and buf[:1] in (b"", b"\r"):
                    break
                else:
                    raise ProtocolError(400, "missing CRLF after chunk data")
                self.state = _CHUNK_SIZE_STATE
            elif state == _TRAILER:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > _MAX_TRAILER:
                        raise ProtocolError(400, "trailer too large")
                    break
                line = bytes(buf[:nl]).rstrip(b"\r")
                del buf[:nl + 1]
                self.left += nl + 1
                if self.left > _MAX_TRAILER:
                    raise ProtocolError(400, "trailer too large")
                if not line:
                    self.state = _DONE
                    return END_OF_MESSAGE
                name, colon, _ = line.partition(b":")
                if not colon or not _TOKEN.fullmatch(name.decode("latin-1")):
                    raise ProtocolError(400, "invalid trailer field")
        if self.eof:
            raise ProtocolError(400, "connection closed inside the request body")
        return NEED_DATA


def _request_line_error(line: str) -> tuple[str, str, int, int]:
    """The slow path: say exactly what is wrong with a request line (or parse an odd good one)."""
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        raise ProtocolError(400, "invalid request line")
    method, target, version = match.groups()
    if not _METHOD.fullmatch(method):
        raise ProtocolError(400, "invalid method")
    if _BAD_TARGET.search(target):
        raise ProtocolError(400, "invalid request target")
    if version is None:
        raise ProtocolError(400, "HTTP/0.9 requests are not supported")
    vmatch = _VERSION.fullmatch(version)
    if vmatch is None:
        raise ProtocolError(400, "invalid HTTP version")
    major = int(vmatch.group(1))
    if major > 1:
        raise ProtocolError(505, "unsupported HTTP version")
    minor = _MINOR.fullmatch(vmatch.group(2))
    if minor is None:
        raise ProtocolError(400, "invalid HTTP version")
    return method, target, major, int(minor.group(1))


def parse_head(head: str, limits: Limits = Limits()) -> Request:
    """Parse a request head (request line and header lines, no final empty line).

    Raises:
        ProtocolError: 400, 414, 431, 501 or 505, as nginx answers.
    """
    line, _, rest = head.partition("\n")
    if line[-1:] == "\r":
        line = line[:-1]
    if len(line) > limits.line:
        raise ProtocolError(414, "request line too long")
    fast = _GOOD_REQUEST_LINE.fullmatch(line)  # one regex for the usual well-formed line
    if fast is None:
        method, target, major, minor = _request_line_error(line)
    else:
        method, target, version = fast.groups()
        if version == "1.1":
            major = minor = 1
        else:
            major, _, minor = version.partition(".")
            major, minor = int(major), int(minor)
    if major != 1:
        raise ProtocolError(505, "unsupported HTTP version")
    minor = 1 if minor >= 1 else 0
    if target[0] != "/" and absolute_form(target) is None:
        raise ProtocolError(400, "invalid request target")

    fast = _usual_headers(rest, limits) if rest else ([], {})
    if fast is None:
        headers = _checked_headers(head.split("\n")[1:], limits)
        index = index_fields(headers)
    else:
        headers, index = fast
    host = index.get("host")
    length = index.get("content-length")
    if length is not None:
        if not length.isascii() or not length.isdigit() or len(length) > 18:
            raise ProtocolError(400, "invalid Content-Length")
        length = int(length)
    chunked = False
    te = index.get("transfer-encoding")
    if te is not None:
        if minor == 0:
            raise ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request")
        if length is not None:
            raise ProtocolError(400, "both Content-Length and Transfer-Encoding")
        if te.strip(" \t").lower() != "chunked":
            raise ProtocolError(501, "unsupported transfer coding")
        chunked = True
    connection = index.get("connection")
    if connection is None:
        keep_alive = minor == 1
    else:
        tokens = {t.strip() for t in connection.lower().split(",")}
        keep_alive = "close" not in tokens and (minor == 1 or "keep-alive" in tokens)
    expect = index.get("expect")
    expect_continue = expect is not None and minor == 1 and expect.lower() == "100-continue"
    return Request(method, target, minor, headers, host, length, chunked, keep_alive, expect_continue,
                   not _CONDITIONAL.isdisjoint(index), 0, index)


def index_fields(headers: list[tuple[str, str]], strict: bool = True) -> dict[str, str]:
    """Field name -> value, repeated fields joined with ", " (RFC 9110 §5.3).  ``strict``:
    a second field of those nginx takes once (``_SINGLE``) is a 400, as nginx."""
    index: dict[str, str] = {}
    for key, value in headers:
        if key in index:
            if strict and key in _SINGLE:
                raise ProtocolError(400, f"duplicate {key} header")
            index[key] = f"{index[key]}, {value}"
        else:
            index[key] = value
    return index


def _usual_headers(rest: str, limits: Limits) -> tuple[list[tuple[str, str]], dict[str, str]] | None:
    """The fast path for the usual head: CRLF lines of "token: value", well within
    the limits; the fields and their index (``index_fields``).  None when anything is
    unusual: ``_checked_headers`` decides then."""
    count = rest.count("\n")
    if (len(rest) + 2 > limits.total or len(rest) > limits.line or count >= limits.headers or "\0" in rest
            or rest.count("\r") != count or rest.count("\r\n") != count):
        return None
    names = _NAMES
    headers = []
    index = {}
    for line in rest.split("\r\n"):
        name, colon, value = line.partition(":")
        key = names.get(name)
        if key is None:
            if not _TOKEN.fullmatch(name) or "_" in name:
                return None
            key = name.lower()
            if len(names) < _MAX_NAMES:
                names[name] = key
        if not colon:
            return None
        value = value.strip(" \t")
        headers.append((key, value))
        index[key] = value
    if len(index) < len(headers):  # a repeated field: joined, or refused (Host, Content-Length)
        index = index_fields(headers)
    return headers, index


def _checked_headers(lines: list[str], limits: Limits) -> list[tuple[str, str]]:
    """The slow path: check each header line in order and say exactly what is wrong
    (the first problem wins, as nginx reads line by line)."""
    headers: list[tuple[str, str]] = []
    total = 0
    seen: set[str] = set()
    for raw in lines:
        if raw.endswith("\r"):
            raw = raw[:-1]
        total += len(raw) + 2
        if len(raw) > limits.line or total > limits.total:
            raise ProtocolError(431, "request header too large")
        if len(headers) >= limits.headers:
            raise ProtocolError(431, "too many header fields")
        if "\r" in raw or "\0" in raw:
            raise ProtocolError(400, "invalid character in header")
        if raw[:1] in (" ", "\t"):
            raise ProtocolError(400, "obsolete line folding")
        name, colon, value = raw.partition(":")
        if not colon or not name:
            raise ProtocolError(400, "invalid header line")
        if not _TOKEN.fullmatch(name):
            if " " in name or "\t" in name or any(c < " " for c in name):
                raise ProtocolError(400, "invalid header name")
            continue  # nginx's ignore_invalid_headers
        if "_" in name:
            continue  # nginx's underscores_in_headers off
        key = name.lower()
        value = value.strip(" \t")
        if key in _SINGLE:  # nginx rejects these as each line is read
            if key in seen:
                raise ProtocolError(400, f"duplicate {name} header")
            if key == "content-length" and (not value.isascii() or not value.isdigit() or len(value) > 18):
                raise ProtocolError(400, "invalid Content-Length")
            seen.add(key)
        headers.append((key, value))
    return headers
