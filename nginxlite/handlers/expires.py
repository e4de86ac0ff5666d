"""``expires``: the first half of nginx's headers filter (``ngx_http_set_expires``).

Rules:
- Applies to the statuses in ``add_header.ADD_HEADER_CODES`` (nginx's "safe"
  statuses: 200, 201, 204, 206, 301, 302, 303, 304, 307, 308), before
  ``add_header`` (the same filter in nginx, expires first).
- ``epoch``: ``Expires: Thu, 01 Jan 1970 00:00:01 GMT``, ``Cache-Control: no-cache``;
  ``max``: ``Thu, 31 Dec 2037 23:55:55 GMT``, ``max-age=315360000``; a time of 0:
  the current date, ``max-age=0``; ``TIME``: now + TIME; ``modified TIME``: the
  response's Last-Modified + TIME (now + TIME without one); ``@TIME``: the next
  such local time of day.  A negative time, or an Expires already past, says
  ``no-cache``; otherwise ``max-age=`` the seconds left.
- The response's own ``Expires`` (a CGI script's) is replaced in place; its first
  ``Cache-Control`` is replaced and any further ones dropped, as nginx.
- A value with variables is expanded and parsed per request; one that does not
  parse sets nothing (nginx: no error either).
- The headers it appends are returned: the range filter's 416 keeps them (nginx
  answers it after this filter has run).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from nginxlite.config.directives import parse_expires
from nginxlite.handlers.add_header import ADD_HEADER_CODES
from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response, http_date, parse_http_date

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

EPOCH = "Thu, 01 Jan 1970 00:00:01 GMT"
MAX = "Thu, 31 Dec 2037 23:55:55 GMT"
MAX_AGE = "max-age=315360000"  # ten years


def expires_filter(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    settings = ex.settings
    if settings is None or settings.expires is None or response.status not in ADD_HEADER_CODES:
        return []
    conf = settings.expires
    mode, seconds = conf.mode, conf.seconds
    if conf.text is not None:
        try:
            mode, seconds = parse_expires(expand(conf.text, ex), mode == "modified")
        except ValueError:
            return []
        if mode == "off":
            return []
    if mode == "epoch":
        value, control = EPOCH, "no-cache"
    elif mode == "max":
        value, control = MAX, MAX_AGE
    else:
        now = int(time.time())
        if seconds == 0 and mode != "daily":
            value, control = http_date(now), "max-age=0"
        else:
            if mode == "daily":
                when = next_time(seconds, now)
                max_age = when - now
            else:
                modified = last_modified(response) if mode == "modified" else None
                if modified is None:
                    max_age, when = seconds, seconds + now
                else:
                    when = seconds + modified
                    max_age = when - now
            value = http_date(when)
            control = "no-cache" if seconds < 0 or max_age < 0 else f"max-age={max_age}"
    headers = response.headers
    at_expires = at_control = None
    for i, (name, _) in enumerate(headers):
        low = name.lower()
        if low == "expires" and at_expires is None:
            at_expires = i
        elif low == "cache-control":
            if at_control is None:
                at_control = i
            else:
                headers[i] = ("", "")  # removed below, as nginx drops the further ones
    added = []
    if at_expires is None:
        added.append(("Expires", value))
    else:
        headers[at_expires] = (headers[at_expires][0], value)
    if at_control is None:
        added.append(("Cache-Control", control))
    else:
        headers[at_control] = (headers[at_control][0], control)
        headers[:] = [h for h in headers if h[0]]
    headers += added
    return added  # (a 416 of the range filter keeps them, as nginx's)


def last_modified(response: Response) -> int | None:
    """The response's Last-Modified as seconds, from its header lines (prepared or not)."""
    prepared = response.prepared
    if prepared:
        at = prepared.find(b"\r\nLast-Modified: ")
        if at >= 0:
            end = prepared.index(b"\r\n", at + 2)
            return parse_http_date(prepared[at + 17:end].decode("latin-1"))
    for name, value in response.headers:
        if name.lower() == "last-modified":
            return parse_http_date(value)
    return None


def next_time(when: int, now: int) -> int:
    """``ngx_next_time``: the next moment, in local time, at ``when`` seconds past midnight."""
    tm = time.localtime(now)
    fields = (tm.tm_year, tm.tm_mon, tm.tm_mday, when // 3600, when % 3600 // 60, when % 60, 0, 0, -1)
    moment = int(time.mktime(fields))
    if moment - now > 0:
        return moment
    fields = (tm.tm_year, tm.tm_mon, tm.tm_mday + 1) + fields[3:]
    return int(time.mktime(fields))
