"""PCRE regular expressions from nginx configs, compiled with Python's ``re``.

Rules:
- nginx runs PCRE on raw bytes; nginxlite matches latin-1 strings (one character
  per byte), so patterns are compiled as ``str`` without ``re.UNICODE`` tricks:
  ``re.ASCII`` keeps ``\\w``, ``\\d``, ``\\s`` and case-folding to ASCII, as PCRE
  without UTF mode.
- PCRE syntax that Python spells differently is translated (``translate``):
  named groups and back references, ``\\Q...\\E``, ``\\x{hh}``, ``\\Z``/``\\z``,
  ``\\h``/``\\H``/``\\R`` and POSIX classes such as ``[[:digit:]]``.  The live
  differential suite (tests/integration/test_differential_locations.py) checks
  the result against nginx's PCRE.
- Compile errors are worded as nginx's ``pcre2_compile() failed: MSG in "RE"``
  (with `` at "REST"`` when the error is not at the end), using PCRE2's
  message where Python's has a known PCRE2 equivalent.
"""

from __future__ import annotations

import re


_DIGIT_NAME = re.compile(r"\(\?(?:P?<|')[0-9]")

# Python's message prefix -> PCRE2's message.
_PCRE2_MESSAGES = (
    ("missing ), unterminated subpattern", "missing closing parenthesis"),
    ("unbalanced parenthesis", "unmatched closing parenthesis"),
    ("nothing to repeat", "quantifier does not follow a repeatable item"),
    ("multiple repeat", "quantifier does not follow a repeatable item"),
    ("unterminated character set", "missing terminating ] for character class"),
    ("bad escape (end of pattern)", "\\ at end of pattern"),
    ("bad character range", "range out of order in character class"),
    ("min repeat greater than max repeat", "numbers out of order in {} quantifier"),
    ("unknown extension", "unrecognized character after (? or (?-"),
    ("missing group name", "subpattern name expected"),
    ("unknown group name", "reference to non-existent subpattern"),
    ("invalid group reference", "reference to non-existent subpattern"),
    ("redefinition of group name", "two named subpatterns have the same name (PCRE2_DUPNAMES not set)"),
    ("look-behind requires fixed-width pattern", "lookbehind assertion is not fixed length"),
)
# Errors PCRE2 reports at the end of the pattern (no ` at "..."` part).
_AT_END = {"missing closing parenthesis", "missing terminating ] for character class", "\\ at end of pattern"}


# POSIX classes inside brackets, for PCRE without UTF mode (ASCII).
_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct": "!-/:-@\\[-`{-~", "xdigit": "0-9A-Fa-f",
    "word": "\\w", "cntrl": "\\x00-\\x1f\\x7f", "print": " -~", "graph": "!-~", "ascii": "\\x00-\\x7f",
}
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_HEX_BRACED = re.compile(r"\\x\{([0-9A-Fa-f]{1,8})\}")
# PCRE escapes Python spells differently (outside classes).
_ESCAPES = {"Z": r"(?=\n?\Z)", "z": r"\Z", "h": r"[ \t\xa0]", "H": r"[^ \t\xa0]",
            "R": r"(?:\r\n|[\n\x0b\f\r\x85])"}


def translate(pattern: str) -> str:
    """Rewrite PCRE-only syntax into Python ``re`` syntax.

    Handles named groups ``(?<n>...)``/``(?'n'...)``, back references ``\\k<n>``
    ``\\k{n}`` ``\\k'n'`` ``\\g{1}``, ``\\Q...\\E``, ``\\x{hh}``, ``\\Z``/``\\z``,
    ``\\h``/``\\H``/``\\R`` and POSIX classes ``[[:digit:]]``.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e == "Q":  # literal until \E
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in literal))
                i = n if end < 0 else end + 2
                continue
            m = _HEX_BRACED.match(pattern, i)
            if m and int(m.group(1), 16) < 256:  # \x{e9}: one byte (PCRE without UTF mode)
                out.append(f"\\x{int(m.group(1), 16):02x}")
                i = m.end()
                continue
            if not in_class and e in "kg":
                m = re.match(r"\\[kg](?:<(\w+)>|\{(\w+)\}|'(\w+)'|(\d+))", pattern[i:])
                if m:
                    name = next(g for g in m.groups() if g is not None)
                    out.append(f"\\{name}" if name.isdigit() else f"(?P={name})")
                    i += m.end()
                    continue
            if not in_class and e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "[":
                m = _POSIX_CLASS.match(pattern, i)
                if m and m.group(2) in _POSIX:
                    if m.group(1):  # [:^name:] has no Python spelling inside a class
                        raise re.error(f"negated POSIX class [:^{m.group(2)}:] is not supported", pattern, i)
                    out.append(_POSIX[m.group(2)])
                    i = m.end()
                    continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading "]" is literal
                out.append("\\]")
                i += 1
            continue
        if pattern.startswith("(?<", i) and i + 3 < n and (pattern[i + 3].isalpha() or pattern[i + 3] == "_"):
            out.append("(?P<")
            i += 3
            continue
        m = re.match(r"\(\?'([A-Za-z_]\w*)'", pattern[i:])
        if m:
            out.append(f"(?P<{m.group(1)}>")
            i += m.end()
            continue
        out.append(c)
        i += 1
    return "".join(out)


def pcre_error(pattern: str, err: re.error) -> str:
    """nginx's wording of a compile error for ``pattern``."""
    raw = str(err.msg)
    message = raw
    for python, pcre in _PCRE2_MESSAGES:
        if raw.startswith(python):
            message = pcre
            break
    pos = err.pos if err.pos is not None else len(pattern)
    if message == "range out of order in character class":
        pos += 2  # PCRE2 points at the range's end, Python at its start
    if message in _AT_END or pos >= len(pattern):
        return f'pcre2_compile() failed: {message} in "{pattern}"'
    return f'pcre2_compile() failed: {message} in "{pattern}" at "{pattern[pos:]}"'


def compile_pcre(pattern: str, *, caseless: bool = False) -> re.Pattern:
    """Compile an nginx regex.

    Raises:
        ValueError: with nginx's message as its text.
    """
    flags = re.ASCII | (re.IGNORECASE if caseless else 0)
    bad_name = _DIGIT_NAME.search(pattern)
    if bad_name:
        rest = pattern[bad_name.end() - 1:]
        raise ValueError(f'pcre2_compile() failed: subpattern name must start with a non-digit '
                         f'in "{pattern}" at "{rest}"')
    try:
        return re.compile(translate(pattern), flags)
    except re.error as err:
        raise ValueError(pcre_error(pattern, err)) from None
    except (OverflowError, RecursionError):
        raise ValueError(f'pcre2_compile() failed: regular expression is too large in "{pattern}"') from None
