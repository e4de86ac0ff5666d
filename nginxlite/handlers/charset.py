"""``charset``, ``source_charset``, ``override_charset``, ``charset_types``: nginx's charset header filter.

Rules (``ngx_http_charset_header_filter``; nginxlite never recodes a body):
- A response with a Content-Type whose type (before any ``;``, lower-cased) is
  one of ``charset_types`` gets ``; charset=NAME`` appended, NAME as configured
  (or expanded from its variables; empty: nothing).
- A Content-Type that names a charset already (a CGI script's) is left alone,
  unless ``override_charset on``: then the charset it names is the source, and
  when it is NAME itself (any case) the parameter is replaced by NAME; when it
  differs, nginx would need a ``charset_map``: the error is logged as nginx
  logs it, and the header is left.
- 301 and 302 never get a charset (nginx: "NN 4.x"); other statuses do, error
  pages included.
- ``source_charset`` must be ``charset`` itself (checked at load, ``loader``):
  with variables, a pair that differs at run time is nginx's logged error and
  no charset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange


def content_type_of(response: Response) -> tuple[int, str] | None:
    """Where the response's Content-Type is in ``response.headers`` and its value (after
    ``unprepare``); None without one."""
    for i, (name, value) in enumerate(response.headers):
        if name.lower() == "content-type":
            return i, value
    return None


def charset_param(value: str) -> tuple[str, str | None]:
    """A Content-Type split as nginx's upstream copy splits it: the value before
    ``; charset=`` and the charset named (None when there is none)."""
    low = value.lower()
    at = low.find("charset=")
    if at < 0 or ";" not in value[:at]:
        return value, None
    semi = value.rfind(";", 0, at)
    charset = value[at + 8:].split(";", 1)[0].strip().strip('"')
    return value[:semi].rstrip(), charset


def _destination(ex: Exchange, settings) -> str:
    """``charset``'s name for this request ("" when its variables expand to nothing)."""
    dst = settings.charset
    return expand(dst, ex) if "$" in dst else dst


def _typed(settings, value: str) -> bool:
    types = settings.charset_types
    return types is None or value.split(";", 1)[0].strip().lower() in types


def _source(ex: Exchange, settings) -> str | None:
    src = settings.source_charset
    return expand(src, ex) if src is not None and "$" in src else src


def html_charset(ex: Exchange) -> str | None:
    """The charset this filter gives the request's ``text/html`` answers (autoindex cuts long
    names by characters under UTF-8, as nginx's looks at the charset its filter set)."""
    settings = ex.settings
    if settings is None or settings.charset is None or not _typed(settings, "text/html"):
        return None
    dst = _destination(ex, settings)
    src = _source(ex, settings)
    return dst if dst and (src is None or src.lower() == dst.lower()) else None


def charset_filter(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    settings = ex.settings
    if settings is None or settings.charset is None or response.status in (301, 302):
        return []
    response.unprepare()
    found = content_type_of(response)
    if found is None or not found[1]:
        return []
    at, value = found
    dst = _destination(ex, settings)
    if not dst:
        return []
    base, own = charset_param(value)
    if own is not None:
        if not settings.override_charset:
            return []
        src = own
    else:
        if not _typed(settings, value):
            return []
        src = _source(ex, settings)
    if src is not None and src.lower() != dst.lower():
        ex.log_error(f'no "charset_map" between the charsets "{src}" and "{dst}"')
        return []
    response.headers[at] = (response.headers[at][0], f"{base}; charset={dst}")
    return []
