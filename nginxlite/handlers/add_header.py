"""``add_header``: the header filter of nginx's headers module (``ngx_http_headers_filter``).

Rules:
- The level's ``add_header`` lines apply to the statuses in ``ADD_HEADER_CODES``,
  any status with ``always``; values are expanded per response, and an empty
  value adds nothing.
- ``Last-Modified`` and ``ETag`` replace the response's own (an empty value
  removes it), as nginx's ``ngx_http_set_headers``; any other name is appended.
- Runs once per response, from ``filters.run_header_filters``; it returns the
  headers it appended (a 416 from the range filter keeps them, as nginx).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

# add_header applies to these statuses unless "always" is given (ngx_http_headers_filter).
ADD_HEADER_CODES = frozenset({200, 201, 204, 206, 301, 302, 303, 304, 307, 308})
# Headers the response sets itself that add_header replaces, and an empty value removes
# (nginx's ngx_http_set_headers: Last-Modified and ETag; its Cache-Control and Link
# entries only matter to ``expires``, which nginxlite ignores: those are appended as any).
_OWN_HEADERS = frozenset({"last-modified", "etag"})


def add_header_filter(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    """Apply the level's ``add_header`` lines; the headers appended."""
    added: list[tuple[str, str]] = []
    settings = ex.settings
    if settings is None or not settings.add_header:
        return added
    headers = response.headers
    for header in settings.add_header:
        if header.always or response.status in ADD_HEADER_CODES:
            value = expand(header.value, ex)
            key = header.name.lower()
            if key in _OWN_HEADERS:
                response.unprepare()
                headers = response.headers
                at = next((i for i, (name, _) in enumerate(headers) if name.lower() == key), None)
                if at is None:
                    if value:
                        headers.append((header.name, value))
                elif value:
                    headers[at] = (header.name, value)
                else:
                    del headers[at]
            elif value:
                headers.append((header.name, value))
                added.append((header.name, value))
    return added
