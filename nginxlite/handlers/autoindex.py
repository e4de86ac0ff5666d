"""Directory listings, byte for byte as nginx's autoindex module (nginx-semantics.md S5).

Rules:
- Entries are every name not starting with ``.``; directories first, then files,
  each group in byte order (``strcmp``).
- HTML: the link is the name percent-escaped as a URI component (nginx's table),
  the text HTML-escaped, padded to a 50-byte column (names over 50 bytes: 47 bytes
  and ``..&gt;``), then the date and a 19-column size (or nginx's rounded K/M/G
  with ``autoindex_exact_size off``).  Lines end with CRLF.  When the answer's
  charset is ``utf-8`` (``charset.html_charset``) a name that is valid UTF-8 by
  nginx's ``ngx_utf8_decode`` is measured and cut in characters instead.
- JSON: one object per entry with name, type, mtime (HTTP date) and size for files.
"""

from __future__ import annotations

import os
import stat
import time
from typing import TYPE_CHECKING

from nginxlite.errors import HttpError
from nginxlite.handlers.charset import html_charset
from nginxlite.http.body import Unsized
from nginxlite.http.response import Response, http_date

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

NAME_LEN = 50
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Bytes nginx's NGX_ESCAPE_URI_COMPONENT leaves alone: alphanumerics and ! ' ( ) * - . _ ~
_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!'()*-._~")


def escape_component(name: str) -> str:
    return "".join(c if ord(c) in _SAFE else f"%{ord(c):02X}" for c in name)


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _entries(path: str) -> list[tuple[bool, str, float, int]]:
    try:
        names = os.listdir(path.encode("latin-1"))
    except FileNotFoundError:
        raise HttpError(404) from None
    except PermissionError:
        raise HttpError(403) from None
    entries = []
    base = path.encode("latin-1")
    for raw in names:
        if raw.startswith(b"."):
            continue
        full = os.path.join(base, raw)
        try:
            st = os.stat(full)
        except OSError:
            try:
                st = os.lstat(full)
            except OSError:
                continue
        entries.append((stat.S_ISDIR(st.st_mode), raw.decode("latin-1"), st.st_mtime, st.st_size))
    entries.sort(key=lambda e: (not e[0], e[1].encode("latin-1")))
    return entries


def _size(size: int, exact: bool) -> str:
    if exact:
        return f"{size:>19}"
    for limit, unit in ((1 << 30, "G"), (1 << 20, "M")):
        if size > limit - 1:
            whole = size // limit + (1 if size % limit > limit // 2 - 1 else 0)
            return f"{whole:6d}{unit}"
    if size > 9999:
        whole = size // 1024 + (1 if size % 1024 > 511 else 0)
        return f"{whole:6d}K"
    return f" {size:6d}"


def utf8_starts(name: str) -> list[int] | None:
    """Where each character of ``name`` (bytes as latin-1) starts, as nginx's ngx_utf8_length
    decodes UTF-8 (overlong forms and code points past U+10FFFF refused); None: not UTF-8."""
    starts = []
    i, n = 0, len(name)
    while i < n:
        starts.append(i)
        c = ord(name[i])
        if c < 0x80:
            i += 1
            continue
        if c >= 0xF0:
            code, smallest, more = c & 0x07, 0x10000, 3
        elif c >= 0xE0:
            code, smallest, more = c & 0x0F, 0x800, 2
        elif c >= 0xC2:
            code, smallest, more = c & 0x1F, 0x80, 1
        else:
            return None
        if n - i - 1 < more:
            return None
        for j in range(i + 1, i + 1 + more):
            b = ord(name[j])
            if b < 0x80:
                return None
            code = (code << 6) | (b & 0x3F)
        if code < smallest or code > 0x10FFFF:
            return None
        i += 1 + more
    return starts


def html(uri: str, entries, exact: bool, localtime: bool, utf8: bool = False) -> bytes:
    title = escape_html(uri)
    out = [f"<html>\r\n<head><title>Index of {title}</title></head>\r\n<body>\r\n<h1>Index of {title}</h1>"
           f'<hr><pre><a href="../">../</a>\r\n']
    for is_dir, name, mtime, size in entries:
        href = escape_component(name) + ("/" if is_dir else "")
        starts = utf8_starts(name) if utf8 and not name.isascii() else None
        length = len(starts) if starts is not None else len(name)
        if length > NAME_LEN:
            cut = starts[NAME_LEN - 3] if starts is not None else NAME_LEN - 3
            text = escape_html(name[:cut]) + "..&gt;</a>"
            pad = ""
        else:
            text = escape_html(name)
            if is_dir and NAME_LEN - length > 0:
                text += "/"
                length += 1
            text += "</a>"
            pad = " " * (NAME_LEN - length)
        tm = time.localtime(mtime) if localtime else time.gmtime(mtime)
        date = f"{tm.tm_mday:02d}-{MONTHS[tm.tm_mon - 1]}-{tm.tm_year} {tm.tm_hour:02d}:{tm.tm_min:02d}"
        if is_dir:
            size_text = "                  -" if exact else "      -"
        else:
            size_text = _size(size, exact)
        out.append(f'<a href="{href}">{text}{pad} {date} {size_text}\r\n')
    out.append("</pre><hr></body>\r\n</html>\r\n")
    return "".join(out).encode("latin-1")


def _json_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def json(entries) -> bytes:
    items = []
    for is_dir, name, mtime, size in entries:
        item = f'{{ "name":"{_json_string(name)}", "type":"{"directory" if is_dir else "file"}", ' \
               f'"mtime":"{http_date(int(mtime))}"'
        if not is_dir:
            item += f', "size":{size}'
        items.append(item + " }")
    return ("[\r\n" + ",\r\n".join(items) + ("\r\n" if items else "") + "]").encode("latin-1")


def listing(ex: Exchange, path: str) -> Response:
    settings = ex.settings
    entries = _entries(path)
    if settings.autoindex_format == "json":
        body, ctype = json(entries), "application/json"
    else:
        utf8 = (html_charset(ex) or "").lower() == "utf-8"
        body = html(ex.uri, entries, settings.autoindex_exact_size, settings.autoindex_localtime, utf8)
        ctype = "text/html"
    return Response(200, [("Content-Type", ctype)], Unsized(body))
