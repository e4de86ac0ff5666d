"""Sans-IO ``multipart/form-data`` reader for uploads (RFC 7578 on RFC 2046).

Bytes in, events out: ``MultipartParser(boundary).feed(data)`` returns a list of
``PartStart``, ``PartData``, ``PartEnd`` and, at the close delimiter, ``Done``;
``end()`` says the body is over (without a close delimiter that is a 400).
Malformed input raises ``MultipartError(400, ...)``, a limit ``MultipartError(413, ...)``;
the parser is then unusable.  No sockets, clocks or files.

Rules (each one has a test in tests/unit/http/test_multipart.py; they come from the
CVEs of python-multipart, Werkzeug, Go's mime/multipart and nginx-upload-module:
e.g. work per CR/LF byte before a boundary (CVE-2024-53981) or at the start of a
part (Werkzeug CVE-2023-46136), no limit on parts (CVE-2023-25577, Go's
CVE-2023-24536), on header lines (Go's CVE-2023-45290), a backtracking regex
over Content-Type parameters (CVE-2024-24762)):

- Linear time.  The delimiter ``CRLF--boundary`` is searched with ``bytes.find``; when
  a chunk has none, only its tail that could begin a delimiter (at most the
  delimiter's length plus ``MAX_PADDING`` + 2 bytes) is kept for the next chunk.
  A near miss (``CRLF--boundary`` followed by something else) hands the rest of the
  chunk to one regex search for the whole delimiter, so floods of near misses are
  skipped in C too.  Preamble, part data and epilogue get no Python work per byte,
  nor per near miss: a few searches per chunk.
- A delimiter is ``CRLF--boundary`` followed by ``--`` (the close delimiter) or by at
  most ``MAX_PADDING`` spaces/tabs (RFC 2046 transport padding) then CRLF.
  ``CRLF--boundary`` followed by anything else is part data (longer padding is a
  400).  The first delimiter may come without its CRLF, at the very start of the
  body.  The preamble before it is ignored, but at most ``Limits.preamble`` bytes
  (``MAX_PREAMBLE``) of it: a body without a first delimiter fails fast with 400.
  A close delimiter first (``--boundary--``) is a form with no part.
- Limits (``Limits``): ``MAX_PARTS`` parts, ``MAX_HEADER_LINES`` header lines per
  part, ``MAX_HEADER_LINE`` bytes per header line (without its CRLF): 413 beyond.
  A header line is ``name: value`` with ``name`` a token; anything else, a bare LF or
  CR, a NUL, and a continuation line (obs-fold, a line that starts with SP/HT) are
  400.  Header names are lower-cased (``PartStart.headers`` is ``[(name, value)]``,
  values stripped of spaces and tabs).  A repeated Content-Disposition or
  Content-Type is 400.
- Part headers are decoded as UTF-8 (what browsers send), a line that is not valid
  UTF-8 as latin-1 (one character per byte, never an error).
- ``Content-Disposition`` must be ``form-data`` (any case) with a ``name``
  parameter, else 400.  Parameters are tokenized left to right, so ``name`` is
  never found inside another parameter's value (``filename="x; name=y"``).  A
  parameter given twice is 400 (parsers that take the first and the last would
  disagree).  Values are tokens or quoted-strings; in a quoted-string ``\\"`` and
  ``\\\\`` are escapes (any other backslash is itself: browsers do not escape
  backslashes), and in any value the WHATWG percent escapes ``%22``, ``%0D``,
  ``%0A`` are decoded (nothing else is percent-decoded).  ``filename`` is
  authoritative and ``filename*`` is ignored (RFC 7578 §4.2).
- ``PartStart.content_type`` is the part's Content-Type value as sent (stripped),
  or None.  Other part headers (Content-Length, Content-Transfer-Encoding) are
  passed on, not acted upon (RFC 7578 §4.7, §4.8).
- ``PartData.data`` is a memoryview slice of the fed bytes (of the kept tail joined
  with the chunk, one copy of it, when a delimiter might straddle two chunks): no
  copy per part.  Non-``bytes`` input (bytearray, memoryview) is copied once.
- The epilogue after the close delimiter is ignored without being looked at;
  ``end()`` after ``Done`` returns ``[]``.

Where defnull's ``multipart`` (the tests' oracle) reads a body otherwise, the rule
followed here is in the test file's ``DISAGREEMENTS``.

``boundary_from(content_type)`` takes the boundary out of a Content-Type header:
``multipart/form-data`` (else 415) with one ``boundary`` parameter (name in any
case, token or quoted-string value), 1 to 70 characters of RFC 2046's bchars, not
ending with a space; up to ``MAX_BOUNDARY`` (256) characters are tolerated.

``safe_filename(name)`` and ``numbered(name, n)`` make a client's filename fit to
be stored (see their docstrings).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_PARTS = 1000
MAX_HEADER_LINES = 8
MAX_HEADER_LINE = 4096
MAX_PREAMBLE = 64 * 1024
MAX_PADDING = 64  # spaces/tabs between a delimiter and its CRLF
MAX_BOUNDARY = 256  # RFC 2046 says 70
MAX_FILENAME = 255  # bytes of UTF-8


class MultipartError(Exception):
    """The body cannot be read as multipart/form-data: answer ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    """Beyond ``parts``, ``header_lines`` or ``header_line`` (bytes without CRLF): 413;
    a first delimiter later than ``preamble`` bytes: 400."""

    parts: int = MAX_PARTS
    header_lines: int = MAX_HEADER_LINES
    header_line: int = MAX_HEADER_LINE
    preamble: int = MAX_PREAMBLE


@dataclass(slots=True)
class PartStart:
    name: str
    filename: str | None
    content_type: str | None
    headers: list[tuple[str, str]] = field(default_factory=list)  # (lower-case name, value), in order


@dataclass(slots=True)
class PartData:
    data: memoryview | bytes


@dataclass(slots=True)
class PartEnd:
    pass


@dataclass(slots=True)
class Done:
    pass


# -- boundary -----------------------------------------------------------------

_BCHARS = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# One parameter: ``; name = value`` where value is a quoted-string or a run of
# characters that are not separators of the parameter list.
_PARAM = re.compile(r'[ \t]*;[ \t]*(' + _TOKEN + r')[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^;"\s]+))[ \t]*')
_TRAILING = re.compile(r"[ \t]*;?[ \t]*")
_TYPE = re.compile(r"[ \t]*(" + _TOKEN + r"(?:/" + _TOKEN + r")?)[ \t]*")
_QUOTED_PAIR = re.compile(r"\\(.)")


def _parameters(value: str, what: str) -> tuple[str, dict[str, tuple[str, bool]]]:
    """(lower-case type, {lower-case parameter: (raw value, quoted)}); 400 on junk or repeats."""
    m = _TYPE.match(value)
    if m is None:
        raise MultipartError(400, f"malformed {what}")
    kind, pos, params = m.group(1).lower(), m.end(), {}
    while True:
        m = _PARAM.match(value, pos)
        if m is None:
            break
        key = m.group(1).lower()
        if key in params:
            raise MultipartError(400, f"{what}: parameter {key!r} given twice")
        quoted = m.group(2)
        params[key] = (quoted, True) if quoted is not None else (m.group(3), False)
        pos = m.end()
    if not _TRAILING.fullmatch(value, pos):
        raise MultipartError(400, f"malformed {what} parameters")
    return kind, params


def boundary_from(content_type: str) -> str:
    """The boundary of a ``multipart/form-data`` Content-Type (see the module rules)."""
    kind, params = _parameters(content_type or "", "Content-Type")
    if kind != "multipart/form-data":
        raise MultipartError(415, "not multipart/form-data")
    if "boundary" not in params:
        raise MultipartError(400, "multipart/form-data without a boundary")
    boundary, quoted = params["boundary"]
    if quoted:
        boundary = _QUOTED_PAIR.sub(r"\1", boundary)
    if len(boundary) > MAX_BOUNDARY or not _BCHARS.fullmatch(boundary):
        raise MultipartError(400, "invalid multipart boundary")
    return boundary


# -- part headers ---------------------------------------------------------------

_HEADER_NAME = re.compile(_TOKEN)
_DISPOSITION_ESCAPES = re.compile(r'\\(["\\])|%(22|0D|0A)')
_PERCENT_ESCAPES = re.compile(r"%(22|0D|0A)")
_PERCENT = {"22": '"', "0D": "\r", "0A": "\n"}


def _unescape(raw: str, quoted: bool) -> str:
    if quoted:
        if "\\" not in raw and "%" not in raw:
            return raw
        return _DISPOSITION_ESCAPES.sub(lambda m: m.group(1) or _PERCENT[m.group(2)], raw)
    if "%" not in raw:
        return raw
    return _PERCENT_ESCAPES.sub(lambda m: _PERCENT[m.group(1)], raw)


def _header_line(line: bytes) -> tuple[str, str]:
    if line[0] in (32, 9):
        raise MultipartError(400, "multipart header continuation line (obs-fold)")
    if b"\r" in line or b"\x00" in line:
        raise MultipartError(400, "CR or NUL in a multipart header line")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("latin-1")
    name, colon, value = text.partition(":")
    if not colon or not _HEADER_NAME.fullmatch(name):
        raise MultipartError(400, "malformed multipart header line")
    return name.lower(), value.strip(" \t")


def _part_start(headers: list[tuple[str, str]]) -> PartStart:
    disposition = content_type = None
    for name, value in headers:
        if name == "content-disposition":
            if disposition is not None:
                raise MultipartError(400, "two Content-Disposition headers in a part")
            disposition = value
        elif name == "content-type":
            if content_type is not None:
                raise MultipartError(400, "two Content-Type headers in a part")
            content_type = value
    if disposition is None:
        raise MultipartError(400, "a part without Content-Disposition")
    kind, params = _parameters(disposition, "Content-Disposition")
    if kind != "form-data":
        raise MultipartError(400, "a part whose Content-Disposition is not form-data")
    if "name" not in params:
        raise MultipartError(400, "a part without a name")
    filename = params.get("filename")
    return PartStart(_unescape(*params["name"]), None if filename is None else _unescape(*filename),
                     content_type, headers)


# -- the parser -------------------------------------------------------------------

_PREAMBLE, _HEADERS, _DATA, _DONE, _BROKEN = range(5)
_PADDING = re.compile(rb"[ \t]*")
# What makes CRLF--boundary a delimiter, or an error (too much padding).
_AFTER = rb"(?:--|[ \t]*+\r\n|[ \t]{%d})" % (MAX_PADDING + 1)
_CLOSE, _UNDECIDED = -1, -2


class MultipartParser:
    """Reads one multipart/form-data body.  See the module rules."""

    __slots__ = ("delimiter", "pattern", "limits", "state", "tail", "skipped", "parts", "line", "headers")

    def __init__(self, boundary: str | bytes, limits: Limits = Limits()) -> None:
        if isinstance(boundary, str):
            boundary = boundary.encode("latin-1")
        if not boundary or b"\r" in boundary or b"\n" in boundary:
            raise ValueError("invalid boundary")
        self.delimiter = b"\r\n--" + boundary
        self.pattern = re.compile(re.escape(self.delimiter) + _AFTER)
        self.limits = limits
        self.state = _PREAMBLE
        # The body is read as if it began with CRLF: the first delimiter may lack it.
        self.tail = b"\r\n"
        self.skipped = -2  # preamble bytes dropped (the 2 bytes of CRLF are not the client's)
        self.parts = 0
        self.line = bytearray()  # the header line read so far
        self.headers: list[tuple[str, str]] = []

    def feed(self, data: bytes) -> list:
        state = self.state
        if state == _DONE:
            return []  # the epilogue
        if state == _BROKEN:
            raise MultipartError(400, "multipart parser used after an error")
        if not data:
            return []
        if not isinstance(data, bytes):
            data = bytes(data)
        if self.tail:
            data = self.tail + data
            self.tail = b""
        events: list = []
        try:
            self._parse(data, events)
        except MultipartError:
            self.state = _BROKEN
            raise
        return events

    def end(self) -> list:
        state = self.state
        if state == _DONE:
            return []
        self.state = _BROKEN
        if state == _PREAMBLE:
            raise MultipartError(400, "multipart body without a boundary")
        if state == _HEADERS:
            raise MultipartError(400, "multipart body ends inside a part's header")
        raise MultipartError(400, "multipart body ends without its close delimiter")

    def _parse(self, buf: bytes, events: list) -> None:
        view = memoryview(buf)
        pos = 0  # the first byte not yet consumed
        while True:
            state = self.state
            if state == _HEADERS:
                pos = self._read_headers(buf, pos, events)
                if pos < 0:
                    return
            elif state == _DONE:
                return
            else:
                pos = self._read_data(buf, view, pos, events)
                if pos < 0:
                    return

    def _read_data(self, buf: bytes, view: memoryview, pos: int, events: list) -> int:
        """Part data or preamble up to the next delimiter; its end, or -1 when ``buf`` is used up."""
        delimiter = self.delimiter
        size = len(delimiter)
        end = len(buf)
        search = pos
        searched = False  # the regex found no whole delimiter from ``search`` on
        while True:
            at = self._find(buf, delimiter, search)
            if at < 0:
                # Keep the tail that may start a delimiter: the last CR in the last
                # size - 1 bytes (the boundary has no CR, so no earlier one can).
                cut = buf.rfind(b"\r", max(search, end - size + 1))
                if cut < 0 or not delimiter.startswith(buf[cut:]):
                    cut = end
                self._skip(view, pos, cut, events)
                self.tail = buf[cut:]
                return -1
            found = self._delimiter_at(buf, at)
            if found is None:
                # CRLF--boundary followed by something else is data.  Near misses come in
                # floods from hostile clients: the whole-delimiter regex skips them in C.
                match = None if searched else self._search(buf, at + 1)
                if match is None:
                    # None whole in buf: only its last bytes may hold an undecided one.
                    search = max(at + 1, end - size - MAX_PADDING - 2)
                    searched = True
                    continue
                at = match.start()
                found = self._delimiter_at(buf, at)
            self._skip(view, pos, at, events)
            if found == _UNDECIDED:
                self.tail = buf[at:]
                return -1
            if found == _CLOSE:
                if self.state == _DATA:
                    events.append(PartEnd())
                events.append(Done())
                self.state = _DONE
                return end
            self._open_part(events)
            return found

    def _delimiter_at(self, buf: bytes, at: int) -> int | None:
        """What CRLF--boundary at ``at`` is: _CLOSE, _UNDECIDED (more bytes needed), the
        start of the part's header (after padding and CRLF), or None (data)."""
        after = at + len(self.delimiter)
        if buf[after:after + 2] == b"--":
            return _CLOSE
        padding = _PADDING.match(buf, after, after + MAX_PADDING + 1).end()
        if padding - after > MAX_PADDING:
            raise MultipartError(400, "too much transport padding after a multipart boundary")
        if buf[padding:padding + 2] == b"\r\n":
            return padding + 2
        end = len(buf)
        if padding == end or (padding == end - 1 and buf[padding] == 13) or (after == end - 1 and buf[after] == 45):
            return _UNDECIDED  # "--", padding or CRLF may follow
        return None

    def _find(self, buf: bytes, sub: bytes, start: int) -> int:
        """``buf.find``: a hook for the tests that count searches."""
        return buf.find(sub, start)

    def _search(self, buf: bytes, start: int) -> re.Match | None:
        """The next whole delimiter (or too much padding) from ``start``: a hook too."""
        return self.pattern.search(buf, start)

    def _skip(self, view: memoryview, start: int, stop: int, events: list) -> None:
        """Emit ``view[start:stop]`` as part data, or count it as preamble."""
        if stop <= start:
            return
        if self.state == _DATA:
            events.append(PartData(view[start:stop]))
            return
        self.skipped += stop - start
        if self.skipped > self.limits.preamble:
            raise MultipartError(400, "no multipart boundary at the start of the body")

    def _open_part(self, events: list) -> None:
        if self.state == _DATA:
            events.append(PartEnd())
        self.parts += 1
        if self.parts > self.limits.parts:
            raise MultipartError(413, "too many parts in a multipart body")
        self.state = _HEADERS
        self.headers = []

    def _read_headers(self, buf: bytes, pos: int, events: list) -> int:
        """Header lines from ``pos``; the start of the part's data, or -1 when ``buf`` is used up."""
        limits = self.limits
        line = self.line
        end = len(buf)
        while True:
            lf = buf.find(b"\n", pos)
            if lf < 0:
                line += buf[pos:end] if pos else buf
                if len(line) > limits.header_line + 1:  # + 1: a CR may end it
                    raise MultipartError(413, "multipart header line too long")
                return -1
            if line:
                line += buf[pos:lf]
                text = bytes(line)
                line.clear()
            else:
                text = buf[pos:lf]
            pos = lf + 1
            if not text.endswith(b"\r"):
                raise MultipartError(400, "bare LF in a multipart header")
            text = text[:-1]
            if len(text) > limits.header_line:
                raise MultipartError(413, "multipart header line too long")
            if not text:
                events.append(_part_start(self.headers))
                self.state = _DATA
                return pos
            if len(self.headers) >= limits.header_lines:
                raise MultipartError(413, "too many header lines in a part")
            self.headers.append(_header_line(text))


# -- file names ---------------------------------------------------------------------

# Bidirectional formatting characters: they make "exe.txt" show as something else.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")


def _fit(stem: str, ext: str, suffix: str = "") -> str:
    """``stem + suffix + ext`` in MAX_FILENAME bytes, the stem cut first."""
    room = MAX_FILENAME - len((suffix + ext).encode("utf-8"))
    if room < 4:  # the extension does not leave room for the name: cut it all
        return _cut(stem + ext, MAX_FILENAME - len(suffix.encode("utf-8"))) + suffix
    return _cut(stem, room) + suffix + ext


def _split(name: str) -> tuple[str, str]:
    """(stem, extension): the extension is from the last dot, never the whole name."""
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    return name[:dot], name[dot:]


def safe_filename(name: str | None) -> str | None:
    """A client's filename made fit to store, or None when nothing usable is left.

    The basename after the last ``/`` or ``\\``; control characters (Unicode Cc,
    NUL among them) and bidirectional formatting characters removed; spaces at
    both ends stripped; a name of dots only is None and a leading dot becomes
    ``_`` (``.htaccess`` -> ``_htaccess``); at most 255 bytes of UTF-8, cut on a
    character boundary with the extension kept when it leaves room.
    """
    if not name:
        return None
    name = name.replace("\\", "/").rpartition("/")[2]
    name = "".join(c for c in name if c not in _BIDI and unicodedata.category(c) != "Cc").strip()
    if not name.strip("."):
        return None
    if name[0] == ".":
        name = "_" + name[1:]
    return _fit(*_split(name))


def numbered(name: str, n: int) -> str:
    """``name`` with ``-n`` before its extension, within 255 bytes of UTF-8.

    The extension is from the last dot: ``a.txt`` -> ``a-1.txt``, ``archive.tar.gz``
    -> ``archive.tar-1.gz``, ``noext`` -> ``noext-1``.
    """
    return _fit(*_split(name), suffix=f"-{n}")
