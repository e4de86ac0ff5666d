"""Request-target normalisation, exactly as nginx (nginx-semantics.md §1).

Rules:
- Input is the raw target (latin-1 str, one character per byte); output is
  ``(uri, args)``: ``uri`` the decoded, normalised path used for location
  matching and file mapping (still one character per byte), ``args`` the raw
  query string, never decoded.
- ``%XX`` is decoded in the path only; decoded bytes take part in the slash and
  dot rules as if literal, except decoded ``%`` ``?`` ``#``, which stay literal
  path bytes.  ``%00`` and bad escapes are errors, as is going above the root.
- Errors raise ``BadUri`` (answered 400 by the caller).
"""

from __future__ import annotations

import re


class BadUri(ValueError):
    pass


_HEX = re.compile(r"%([0-9A-Fa-f]{2})")
_NEEDS_WORK = re.compile(r"%|/\.|//")


# nginx's absolute-form request target (ngx_http_parse_request_line): a scheme (any: nginx
# does not check it), "//", a host of letters, digits, "." and "-" (or an IP literal in
# brackets of RFC 3986's characters), an optional port of digits only, then "/", "?" or
# the end of the target.  No user info, no "#" right after the host.
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(\[[0-9A-Za-z:._~!$&'()*+,;=-]*\]|[0-9A-Za-z.-]*)(?::[0-9]*)?(?=[/?]|\Z)")


def absolute_form(target: str) -> tuple[str, str] | None:
    """An absolute-form target's host (without the port, not yet validated: see
    ``config.vhosts.validate_host``) and the rest of it (``/`` when there is no path,
    as nginx); None when nginx's request-line parser refuses it (400)."""
    match = _ABSOLUTE.match(target)
    if match is None:
        return None
    rest = target[match.end():]
    return match.group(1), rest if rest[:1] == "/" else "/" + rest


def split_target(target: str) -> tuple[str, str, str | None]:
    """Split a request target into (path, args, host from an absolute-form target)."""
    host = None
    if target[0] != "/":
        found = absolute_form(target)
        if found is None:
            raise BadUri("invalid absolute-form target")
        host, target = found
    hash_at = target.find("#")
    if hash_at >= 0:
        target = target[:hash_at]
    path, _, args = target.partition("?")
    return path, args, host


def normalize_path(path: str, merge_slashes: bool = True) -> str:
    """Decode and normalise a path that starts with ``/``.

    Raises:
        BadUri: bad escape, ``%00``, or a ``..`` above the root.
    """
    if not _NEEDS_WORK.search(path):
        return path  # the common case: nothing to decode, no dot segments, no "//"
    # Split on literal and decoded slashes; decoded %, ? and # never act as syntax.
    segments: list[str] = []
    current: list[str] = []
    i, n = 0, len(path)
    while i < n:
        ch = path[i]
        if ch == "%":
            m = _HEX.match(path, i)
            if m is None:
                raise BadUri("bad percent escape")
            byte = int(m.group(1), 16)
            if byte == 0:
                raise BadUri("%00 in path")
            i += 3
            ch = chr(byte)
            if ch == "/":
                segments.append("".join(current))
                current = []
                continue
            current.append(ch)  # a decoded "." is a dot; decoded "%", "?", "#" stay literal
            continue
        if ch == "/":
            segments.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    segments.append("".join(current))
    # segments[0] is "" (the path starts with "/").  ``trailing``: the path ended with a
    # segment that leaves a slash behind ("." / ".." / a merged empty one).
    out: list[str] = []
    trailing = False
    for seg in segments[1:]:
        trailing = False
        if seg == "" and merge_slashes:
            trailing = True
            continue
        if seg == ".":
            trailing = True
            continue
        if seg == "..":
            if not out:
                raise BadUri("path goes above the root")
            out.pop()
            trailing = True
            continue
        out.append(seg)
    result = "/" + "/".join(out)
    if trailing and out:
        result += "/"
    return result


def escape_uri(uri: str) -> str:
    """Re-escape a decoded URI for a Location header (space, ``%``, ``?``, ``#``, controls, 8-bit)."""
    return "".join(c if 0x20 < ord(c) < 0x7f and c not in '%?#"<>' else f"%{ord(c):02X}" for c in uri)
