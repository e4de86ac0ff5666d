"""The header block a CGI script writes before its body (RFC 3875 §6), parsed sans-IO.

Rules:
- ``CgiHead.feed(data)`` takes the script's output as it comes and says when the
  header block is complete (an empty line); ``rest`` is then what followed it,
  the first bytes of the body.  Lines end in CRLF or LF alone.
- At most ``MAX_HEAD`` bytes of header block; a longer one, a line without a
  colon, a name that is not a token, a folded line, a NUL, a ``Status`` that is
  not three digits (and an optional reason), a repeated ``Status``,
  ``Content-Length`` or ``Location``, a ``Content-Length`` that is not a number,
  or a ``Transfer-Encoding`` (the server frames the body, not the script) raise
  ``CgiHeadError`` with what was wrong: the handler answers 502 and logs it.
- A block with none of ``Status``, ``Content-Type`` and ``Location`` is not a CGI
  response (RFC 3875 §6.2): also an error, so a script that prints nothing
  useful is a 502, never an empty 200.
- Header values are latin-1 text as they came (obs-text kept), trimmed of spaces.
"""

from __future__ import annotations

import re

MAX_HEAD = 64 << 10
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_STATUS = re.compile(r"([1-9][0-9][0-9])(?:[ \t]+([^\r\n]*))?")


class CgiHeadError(Exception):
    pass


class CgiHead:
    """The parser and, once ``complete``, what it found."""

    __slots__ = ("buffer", "complete", "status", "reason", "headers", "location", "length", "rest")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.complete = False
        self.status: int | None = None
        self.reason = ""
        self.headers: list[tuple[str, str]] = []  # in order, without Status and Content-Length
        self.location: str | None = None
        self.length: int | None = None  # the script's Content-Length
        self.rest = b""

    def feed(self, data: bytes) -> bool:
        """Take more output; True once the header block is complete."""
        buffer = self.buffer
        start = max(0, len(buffer) - 3)
        buffer += data
        end, gap = _blank_line(buffer, start)
        if end < 0:
            if len(buffer) > MAX_HEAD:
                raise CgiHeadError(f"the header block is longer than {MAX_HEAD} bytes")
            return False
        if end > MAX_HEAD:
            raise CgiHeadError(f"the header block is longer than {MAX_HEAD} bytes")
        self.rest = bytes(buffer[end + gap:])
        self._parse(bytes(buffer[:end]))
        self.buffer = bytearray()
        self.complete = True
        return True

    def _parse(self, block: bytes) -> None:
        if b"\0" in block:
            raise CgiHeadError("a NUL in the header block")
        text = block.decode("latin-1")
        seen_type = False
        for line in text.split("\n"):
            if line.endswith("\r"):
                line = line[:-1]
            if not line:
                raise CgiHeadError("an empty line inside the header block")
            if line[0] in " \t":
                raise CgiHeadError("a folded header line")
            name, colon, value = line.partition(":")
            if not colon or not _TOKEN.fullmatch(name):
                raise CgiHeadError(f'an invalid header line "{line[:80]}"')
            value = value.strip(" \t")
            key = name.lower()
            if key == "status":
                found = _STATUS.fullmatch(value)
                if found is None or self.status is not None:
                    raise CgiHeadError(f'an invalid or repeated "Status: {value[:80]}"')
                self.status = int(found.group(1))
                self.reason = (found.group(2) or "").strip()
            elif key == "content-length":
                if (not value.isascii() or not value.isdigit() or len(value) > 18
                        or self.length is not None):
                    raise CgiHeadError(f'an invalid or repeated "Content-Length: {value[:80]}"')
                self.length = int(value)
            elif key == "transfer-encoding":
                raise CgiHeadError("a Transfer-Encoding header (the server frames the body)")
            else:
                if key == "location":
                    if self.location is not None or not value:
                        raise CgiHeadError("an empty or repeated Location header")
                    self.location = value
                elif key == "content-type":
                    seen_type = True
                self.headers.append((name, value))
        if self.status is None and not seen_type and self.location is None:
            raise CgiHeadError("no Status, Content-Type or Location header")


def _blank_line(buffer: bytearray, start: int) -> tuple[int, int]:
    """Where the header block ends (the index of its last line's end) and the length of
    the blank line's terminator; (-1, 0) when it has not ended yet.  An output that
    starts with a blank line has an empty header block."""
    if buffer[:2] == b"\r\n":
        return 0, 2
    if buffer[:1] == b"\n":
        return 0, 1
    lf = buffer.find(b"\n\n", start)
    crlf = buffer.find(b"\n\r\n", start)
    if lf < 0 and crlf < 0:
        return -1, 0
    if crlf < 0 or (0 <= lf < crlf):
        return lf, 2
    return crlf, 3
