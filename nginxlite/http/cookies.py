"""Request cookies (RFC 6265 §5.4 as user agents send them; §4.2.1's grammar, leniently).

Rules:
- ``Cookie`` header lines are split on ``;``; each pair is ``name=value`` with
  spaces and tabs around both trimmed; a value in double quotes loses them.
- A pair without ``=``, with an empty name, or with a control character is
  skipped, never an error: a browser's odd cookie must not cost the request.
- Names are case-sensitive (RFC 6265); several lines and repeated names are kept
  in order, so ``first(name)`` is the first one sent, as PHP and nginx read them.
"""

from __future__ import annotations

_CONTROL = frozenset(chr(c) for c in range(32)) | {"\x7f"}


def parse(lines: list[str]) -> list[tuple[str, str]]:
    """The (name, value) pairs of the request's ``Cookie`` header lines, in order."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        for part in line.split(";"):
            name, sep, value = part.partition("=")
            name = name.strip(" \t")
            if not sep or not name:
                continue
            value = value.strip(" \t")
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            if _CONTROL.isdisjoint(name) and _CONTROL.isdisjoint(value):
                pairs.append((name, value))
    return pairs


def first(lines: list[str], name: str) -> str | None:
    """The first value sent for cookie ``name``, or None."""
    for key, value in parse(lines):
        if key == name:
            return value
    return None
