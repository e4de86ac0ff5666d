"""nginx's configuration lexer (``ngx_conf_read_token``), byte for byte.

Rules:
- Input is the file's bytes decoded as latin-1: one character per byte, so any
  byte sequence (non-UTF-8 included) round-trips unchanged.
- Whitespace is only SPACE, TAB, CR and LF.  At a token boundary ``;`` ``{``
  ``}`` end or open statements, ``#`` starts a comment, a quote starts a quoted
  word, anything else an unquoted word.  Inside an unquoted word only
  whitespace, ``;`` and ``{`` end it (``}``, ``#`` and quotes do not), and a ``{``
  right after ``$`` belongs to the word (``${var}``).
- After a closing quote the next character must be whitespace, ``;``, ``{`` or
  ``)``; anything else is ``unexpected "X"``.
- Escapes are applied to every word: ``\\"`` ``\\'`` ``\\\\`` give the character,
  ``\\t`` ``\\r`` ``\\n`` give TAB/CR/LF, any other ``\\X`` keeps both characters.
- Lines count LF characters, starting at 1.  Each token carries the line on
  which it was completed, which is the line nginx reports.
- Structural errors (stray ``;`` ``{`` ``}``, end of file inside a statement or
  a block, text glued to a quote, a parameter over 4 KiB) are found here, as in
  nginx.  ``tokens()`` then yields one ``ERROR`` token, drops the words of the
  unfinished statement and closes the open blocks, so the parser always gets a
  well-formed stream holding everything read before the error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

WORD = "WORD"
SEMI = "SEMI"
LBRACE = "LBRACE"
RBRACE = "RBRACE"
ERROR = "ERROR"

# nginx reads the file through a 4096-byte buffer; a token that fills it is an error.
MAX_TOKEN = 4096

_SPACE = " \t\r\n"
# The rest of an unquoted word: no whitespace, ";" or "{" unless escaped or after "$".
_UNQUOTED = re.compile(r"(?:[^ \t\r\n;{\\$]+|\\[\s\S]|\$+\{?)*")
_DQUOTED = re.compile(r'(?:[^"\\]+|\\[\s\S])*')
_SQUOTED = re.compile(r"(?:[^'\\]+|\\[\s\S])*")
_ESCAPE = re.compile(r"\\([\s\S])")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}


class Token(NamedTuple):
    kind: str
    value: str
    line: int


def unescape(raw: str) -> str:
    """Apply nginx's escapes to a word cut out of the file."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw)


def _too_long(raw: str, quote: str) -> str:
    if quote:
        return f'too long parameter, probably missing terminating "{quote}" character'
    return f'too long parameter "{raw[:10]}..." started'


def raw_tokens(text: str) -> Iterator[Token]:
    """Yield WORD/SEMI/LBRACE/RBRACE tokens, or one ERROR token and stop.

    A RBRACE is yielded even at the top level: whether a ``}`` closes a block
    is the parser's business (``tokens()`` checks it).
    """
    pos, end, line = 0, len(text), 1
    words = 0  # words of the statement being read
    while True:
        # Token boundary.
        while pos < end and text[pos] in _SPACE:
            if text[pos] == "\n":
                line += 1
            pos += 1
        if pos >= end:
            if words:
                yield Token(ERROR, 'unexpected end of file, expecting ";" or "}"', line)
            return
        ch = text[pos]
        if ch == ";" or ch == "{":
            if not words:
                yield Token(ERROR, f'unexpected "{ch}"', line)
                return
            words = 0
            pos += 1
            yield Token(SEMI if ch == ";" else LBRACE, ch, line)
            continue
        if ch == "}":
            if words:
                yield Token(ERROR, 'unexpected "}"', line)
                return
            pos += 1
            yield Token(RBRACE, ch, line)
            continue
        if ch == "#":
            nl = text.find("\n", pos)
            pos = end if nl < 0 else nl
            continue
        start_line = line
        if ch == '"' or ch == "'":
            body = (_DQUOTED if ch == '"' else _SQUOTED).match(text, pos + 1)
            raw = body.group()
            close = body.end()
            line += raw.count("\n")
            if len(raw) >= MAX_TOKEN:
                yield Token(ERROR, _too_long(raw, ch), start_line)
                return
            if close >= end:  # unterminated quote
                yield Token(ERROR, 'unexpected end of file, expecting ";" or "}"', line)
                return
            words += 1
            yield Token(WORD, unescape(raw), line)
            pos = close + 1
            # need_space: what may follow a closing quote.
            if pos >= end:
                continue
            nxt = text[pos]
            if nxt in _SPACE or nxt == ";" or nxt == "{" or nxt == ")":
                continue  # ")" then starts a word of its own, as in if ($a = "b")
            yield Token(ERROR, f'unexpected "{nxt}"', line)
            return
        # Unquoted word (may start with "\" or "$").
        if ch == "\\":
            if pos + 1 >= end:
                yield Token(ERROR, 'unexpected end of file, expecting ";" or "}"', line)
                return
            stop = _UNQUOTED.match(text, pos + 2).end()
        elif ch == "$":
            stop = pos + 1
            if stop < end and text[stop] == "{":
                stop += 1
            stop = _UNQUOTED.match(text, stop).end()
        else:
            stop = _UNQUOTED.match(text, pos + 1).end()
        raw = text[pos:stop]
        line += raw.count("\n")
        if len(raw) >= MAX_TOKEN:
            yield Token(ERROR, _too_long(raw, ""), start_line)
            return
        if stop < end and text[stop] == "\\":  # a backslash as the file's last byte
            yield Token(ERROR, 'unexpected end of file, expecting ";" or "}"', line)
            return
        words += 1
        yield Token(WORD, unescape(raw), line)
        pos = stop


def tokens(text: str) -> Iterator[Token]:
    """Yield a well-formed token stream for the parser (see the module rules)."""
    depth = 0
    pending: list[Token] = []
    for tok in raw_tokens(text):
        kind = tok.kind
        if kind == WORD:
            pending.append(tok)
            continue
        if kind == RBRACE:
            if depth == 0:
                tok = Token(ERROR, 'unexpected "}"', tok.line)
            else:
                depth -= 1
                yield tok
                continue
        if kind == ERROR:
            yield tok
            yield from (Token(RBRACE, "}", tok.line) for _ in range(depth))
            return
        yield from pending
        pending.clear()
        if kind == LBRACE:
            depth += 1
        yield tok
    if depth:
        line = text.count("\n") + 1
        yield Token(ERROR, 'unexpected end of file, expecting "}"', line)
        yield from (Token(RBRACE, "}", line) for _ in range(depth))
