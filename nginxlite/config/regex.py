"""PCRE regular expressions from nginx configs, compiled with Python's ``re``.

Rules:
- nginx runs PCRE on raw bytes; nginxlite matches latin-1 strings (one character
  per byte), so patterns are compiled as ``str`` without ``re.UNICODE`` tricks:
  ``re.ASCII`` keeps ``\\w``, ``\\d``, ``\\s`` and case-folding to ASCII, as PCRE
  without UTF mode.
- PCRE syntax that Python spells differently is translated: named groups
  ``(?<name>...)`` and ``(?'name'...)`` become ``(?P<name>...)``.
- Compile errors are worded as nginx's ``pcre2_compile() failed: MSG in "RE"``
  (with `` at "REST"`` when the error is not at the end), using PCRE2's
  message where Python's has a known PCRE2 equivalent.
"""

from __future__ import annotations

import re

_NAMED_GROUP = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]?|\(\?<(?=[A-Za-z_])|\(\?'([A-Za-z_][A-Za-z0-9_]*)'")

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


def translate(pattern: str) -> str:
    """Rewrite PCRE-only syntax into Python ``re`` syntax."""

    def fix(m: re.Match) -> str:
        text = m.group(0)
        if text == "(?<":
            return "(?P<"
        if m.group(1):
            return f"(?P<{m.group(1)}>"
        return text

    return _NAMED_GROUP.sub(fix, pattern)


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
