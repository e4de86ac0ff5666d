"""Parsers for directive argument values, as nginx's ``ngx_parse_*`` functions.

Rules:
- Each parser takes the argument text and returns the value, or raises
  ``ValueError``; the caller (the directive table) owns the error wording,
  because nginx words the same failure differently per directive.
- Sizes are bytes, times are seconds (float) so one type serves both nginx's
  second and millisecond slots.
"""

from __future__ import annotations


MAX_INT = (1 << 63) - 1  # NGX_MAX_INT_T_VALUE on 64-bit Linux
MAX_SIZE = MAX_INT

_SIZE_UNITS = {"k": 1024, "K": 1024, "m": 1 << 20, "M": 1 << 20}
_OFFSET_UNITS = {**_SIZE_UNITS, "g": 1 << 30, "G": 1 << 30}


def parse_int(text: str) -> int:
    """``ngx_atoi``: one or more ASCII digits, no sign, no spaces."""
    if not text or not text.isascii() or not text.isdigit():
        raise ValueError(text)
    value = int(text)
    if value > MAX_INT:
        raise ValueError(text)
    return value


def parse_size(text: str, units: dict[str, int] = _SIZE_UNITS) -> int:
    """``ngx_parse_size``: digits with an optional k/K or m/M suffix."""
    scale = units.get(text[-1:], 0)
    digits = text[:-1] if scale else text
    value = parse_int(digits)
    scale = scale or 1
    if value > MAX_SIZE // scale:
        raise ValueError(text)
    return value * scale


def parse_offset(text: str) -> int:
    """``ngx_parse_offset``: like a size, and g/G is accepted too."""
    return parse_size(text, _OFFSET_UNITS)


_TIME_SCALE = {"y": 31536000, "M": 2592000, "w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_TIME_STEP = {"y": 1, "M": 2, "w": 3, "d": 4, "h": 5, "m": 6, "s": 7, "ms": 8}


def parse_time(text: str, *, msec: bool = True) -> float:
    """``ngx_parse_time``: ``1h 30m``, ``1m30s``, ``500ms``, a bare number is seconds.

    Units must come in decreasing order, each once.  Millisecond values (nginx's
    msec slot, ``msec=True``) do not accept years or months; second values do not
    accept ``ms``.

    Returns:
        the time in seconds.
    """
    step = 2 if msec else 0  # nginx starts msec parsing at st_month
    total_ms = 0
    value = 0
    valid = False
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if "0" <= ch <= "9":
            value = value * 10 + ord(ch) - 48
            if value > MAX_INT:
                raise ValueError(text)
            valid = True
            i += 1
            continue
        i += 1
        if ch == "m" and i < end and text[i] == "s":
            i += 1
            if not msec or step >= 8:
                raise ValueError(text)
            step, scale_ms = 8, 1
        elif ch in _TIME_SCALE:
            if ch == "y" and step > 0 or ch != "y" and step >= _TIME_STEP[ch]:
                raise ValueError(text)
            step, scale_ms = _TIME_STEP[ch], _TIME_SCALE[ch] * 1000
        elif ch == " ":
            if step >= 7:
                raise ValueError(text)
            step, scale_ms = 9, 1000
        else:
            raise ValueError(text)
        total_ms += value * scale_ms
        value = 0
        while i < end and text[i] == " ":
            i += 1
    if not valid:
        raise ValueError(text)
    total_ms += value * 1000
    limit = MAX_INT if msec else MAX_INT * 1000
    if total_ms > limit:
        raise ValueError(text)
    return total_ms / 1000


def parse_flag(text: str) -> bool:
    """``on``/``off``, case-insensitive (nginx uses ``ngx_strcasecmp``)."""
    low = text.lower()
    if low == "on":
        return True
    if low == "off":
        return False
    raise ValueError(text)
