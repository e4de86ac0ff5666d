"""The content handlers, in the order ``pipeline.run_in`` tries them: one table.

Rules:
- ``CONTENT_HANDLERS`` is walked in order after the access rules; the first
  entry whose ``applies(ex)`` is true answers (``handler(ex)``).  An entry's
  ``here(location, settings, server)`` says whether it can apply at a level at
  all: the walk of a level (``handlers_here``) is worked out once, so a request
  pays only for the ``applies`` of the entries its level may use.  The server and
  ``--explain`` run the same walk (``pipeline.run_in``); the entry's ``name``
  is recorded in ``Exchange.handler``, and its ``note`` (a ``str.format``
  template over ``ex``), when it has one, is the ``--explain`` line ``handler
  ...``; without one the handler records its own steps (try_files, static).
- nginx's order: ``stub_status``, ``cgi_pass`` (501 until CGI is built: a
  script's source is never served), DAV (``dav_methods``), ``try_files``
  (not in a ``limit_except`` block), static files, which always applies
  (``applies`` None).
- Adding a handler is one entry at its place (and its two functions).
- A handler answers with a Response, raises ``HttpError`` or a redirect
  (``redirects``), or returns a body sink; it never calls the pipeline.
"""

from __future__ import annotations

import os
import stat as st
from collections.abc import Callable
from typing import NamedTuple

from nginxlite.config.model import Location, Server, Settings
from nginxlite.errors import HttpError
from nginxlite.handlers import cgi, dav, static, upload
from nginxlite.handlers.exchange import Exchange
from nginxlite.handlers.redirects import redirect
from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response


class ContentHandler(NamedTuple):
    name: str
    applies: Callable[[Exchange], bool] | None  # None: always where ``here`` allows (no call per request)
    handler: Callable[[Exchange], object]
    note: str | None = None  # the --explain line (module rules)
    here: Callable[[Location | None, Settings, Server], bool] | None = None  # None: at every level


def handlers_here(ex: Exchange) -> list[ContentHandler]:
    """The entries whose ``here`` allows them at the request's level (its location, or its
    server when none matched, and the settings in force), in ``CONTENT_HANDLERS``' order:
    worked out once per level and kept with its settings (``Settings.derived``)."""
    loc, settings = ex.location, ex.settings
    key = id(loc) if loc is not None else id(ex.server)
    kept = settings.derived.get(key)
    if kept is None or kept[0] is not CONTENT_HANDLERS:
        server = ex.server
        chain = [entry for entry in CONTENT_HANDLERS if entry.here is None or entry.here(loc, settings, server)]
        kept = settings.derived[key] = (CONTENT_HANDLERS, chain)
    return kept[1]


def _tries(ex: Exchange) -> tuple[str, ...] | None:
    loc = ex.location
    return loc.try_files if loc is not None else ex.server.try_files


# The predicates: ``here`` once per level, ``applies`` for every request at a level
# ``here`` allowed.

def _stub_status_here(loc: Location | None, settings: Settings, server: Server) -> bool:
    return loc is not None and loc.stub_status


def _dav_here(loc: Location | None, settings: Settings, server: Server) -> bool:
    return bool(settings.dav_methods)


def _dav_method(ex: Exchange) -> bool:
    return ex.method in ex.settings.dav_methods


def _try_files_here(loc: Location | None, settings: Settings, server: Server) -> bool:
    return (loc.try_files if loc is not None else server.try_files) is not None


def _not_limited(ex: Exchange) -> bool:
    """try_files is not run in a ``limit_except`` block."""
    return not ex.limited


def _dav(ex: Exchange):
    if ex.trace is not None:
        return Response(0)  # --explain stops here: the handler would write files
    return dav.handle(ex)


def try_files(ex: Exchange) -> Response:
    """nginx's try_files (S11): the first existing file (or ``dir/``) is served here, with
    ``$uri`` set to it; otherwise the last argument: ``=code``, ``@name`` or a URI."""
    tries = _tries(ex)
    trace = ex.trace
    for template in tries[:-1]:
        want_dir = template.endswith("/")  # decided by the argument as written, as nginx
        uri = expand(template[:-1] if want_dir else template, ex)
        path = static.file_path(ex, uri)
        try:
            mode = os.stat(path.encode("latin-1")).st_mode
        except OSError:
            if trace is not None:
                trace.step("try_files", f"{template}: {path} does not exist")
            continue
        if st.S_ISDIR(mode) == want_dir:
            if trace is not None:
                trace.step("try_files", f"{template}: {path} exists: served as {uri}")
            ex.uri = uri if uri.startswith("/") else "/" + uri
            ex.routable = False  # (maybe left set by an earlier pass: the answer depends on the file system)
            return static.serve(ex)
        if trace is not None:
            trace.step("try_files", f"{template}: {path} is {'not ' if want_dir else ''}a directory")
    last = expand(tries[-1], ex)
    if trace is not None:
        trace.step("try_files", f"none found: the last argument, {last}")
    if last.startswith("="):
        raise HttpError(int(last[1:]))
    raise redirect(last)


class _NothingServed:
    """The counters where no server runs (``--explain``)."""

    active = accepts = handled = requests = reading = writing = waiting = 0


_NOTHING_SERVED = _NothingServed()


def stub_status(ex: Exchange) -> Response:
    """nginx's stub_status page, byte for byte."""
    if ex.method not in ("GET", "HEAD"):
        raise HttpError(405, (("Allow", "GET, HEAD"),))
    services = ex.conn.services
    s = services.stats if services is not None else _NOTHING_SERVED
    body = (f"Active connections: {s.active} \nserver accepts handled requests\n"
            f" {s.accepts} {s.handled} {s.requests} \n"
            f"Reading: {s.reading} Writing: {s.writing} Waiting: {s.waiting} \n").encode()
    return Response(200, [("Content-Type", "text/plain")], body, head_only=ex.method == "HEAD")


CONTENT_HANDLERS: tuple[ContentHandler, ...] = (
    ContentHandler("stub_status", None, stub_status, "stub_status page", _stub_status_here),
    ContentHandler("cgi_pass", None, cgi.handle, here=cgi.here),
    ContentHandler("dav", _dav_method, _dav, "DAV {ex.method} (dav_methods)", _dav_here),
    ContentHandler("upload", upload.applies, upload.handle, "upload_store {ex.settings.upload_store}", upload.here),
    ContentHandler("try_files", _not_limited, try_files, here=_try_files_here),
    ContentHandler("static", None, static.handle),
)
