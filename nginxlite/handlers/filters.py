"""The response filters, in order: every response passes them once (``pipeline.finalize``).

Rules:
- nginx 1.22 runs its header filters in this order (the reverse of the filter
  modules' list in ``auto/modules``): slice, not_modified, headers (``expires``,
  then ``add_header``), userid (its ``Set-Cookie``), gunzip, addition, sub,
  image, xslt, charset, ssi, gzip, range, v2, chunked, and last the header
  writer.  Its body filters follow the same list.
- ``HEADER_FILTERS`` holds the ones nginxlite runs, in that order: ``expires``
  (``expires``), ``add_header``, the session cookie (``sessions``), ``charset``
  (``charset``), ``gzip`` (``gzip_filter``); a new filter is one entry at its place.
  Each tests its directive first (one attribute of ``ex.settings``), so a location
  without it pays that test alone.
  A header filter is ``filter(ex, response) -> headers it appended`` and may edit
  ``response`` in place (``response.unprepare()`` first, to edit prepared lines).
- ``BODY_FILTERS`` entries are ``filter(ex, response)``; they run after every
  header filter and may replace ``response.body`` (a ``Source`` wrapping it).
- A level without a filter's directive (``NEEDS``) skips that filter: the chain is
  worked out once per level (``header_filters``).
- ``pipeline.finalize`` runs them all on every response; ``run_header_filters``
  runs the header filters alone, for the static handler.
- not_modified and range are not entries: they act on static files only, so the
  static handler runs them around ``run_header_filters`` (nginx's order), and
  ``response.headers_added`` marks a response whose header filters have run, so
  that ``finalize`` does not run them twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nginxlite.handlers.add_header import add_header_filter
from nginxlite.handlers.charset import charset_filter
from nginxlite.handlers.expires import expires_filter
from nginxlite.handlers.gzip_filter import gzip_body_filter, gzip_filter
from nginxlite.handlers.sessions import session_filter
from nginxlite.http.response import Response

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

HEADER_FILTERS = [
    expires_filter,  # nginx's headers filter: expires, then add_header
    add_header_filter,
    session_filter,  # nginx's userid filter's place: the session cookie
    charset_filter,
    gzip_filter,
]

BODY_FILTERS: list = [
    gzip_body_filter,
]

# The setting without which a header filter does nothing: a level that lacks it leaves
# the filter out of its chain (``header_filters``).  Others decide per request (the
# session cookie: a session begun in another location is still answered).
NEEDS = {expires_filter: "expires", add_header_filter: "add_header", charset_filter: "charset",
         gzip_filter: "gzip"}


def header_filters(settings) -> list:
    """The header filters that can act under ``settings``, in ``HEADER_FILTERS``' order:
    worked out once per level and kept with it (``Settings.derived``)."""
    if settings is None:
        return HEADER_FILTERS
    kept = settings.derived.get("header_filters")
    if kept is None or kept[0] is not HEADER_FILTERS:
        chain = [f for f in HEADER_FILTERS if (need := NEEDS.get(f)) is None or getattr(settings, need)]
        kept = settings.derived["header_filters"] = (HEADER_FILTERS, chain)
    return kept[1]


def run_header_filters(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    """Each header filter, once per response; the headers they appended (static's range
    filter wants them)."""
    if response.headers_added:
        return []
    response.headers_added = True
    ex.response = response  # $sent_http_* and $status see it, as nginx's header filters do
    added: list[tuple[str, str]] = []
    for header_filter in header_filters(ex.settings):
        added += header_filter(ex, response)
    return added
