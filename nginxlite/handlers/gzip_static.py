"""``gzip_static on|off|always``: ``FILE.gz`` sent for ``FILE`` (nginx's gzip_static module).

Rules (``ngx_http_gzip_static_handler``, run by the static handler before it looks
for the file itself; GET and HEAD of a URI not ending in ``/``):
- ``on``: when the request takes gzip (``gzip_filter.gzip_ok``, as nginx tests it
  before any response header exists) and ``FILE.gz`` is a regular file, that file
  is the answer: 200, its own length, Last-Modified and strong ETag, the Content-Type
  of FILE's name, ``Content-Encoding: gzip``; ``Vary: Accept-Encoding`` with
  ``gzip_vary on``, on this answer and also on FILE's own when the request does
  not take gzip (FILE.gz exists).  ``always``: FILE.gz whatever the request says,
  no Vary.  FILE itself need not exist.
- Not FILE.gz (missing, a directory): FILE as usual.  One that cannot be opened
  otherwise is an [error] line (``open() "FILE.gz" failed (13: ...)``) and FILE.
- nginx 1.22 does not allow ranges on FILE.gz (no Accept-Ranges, a Range gets the
  whole 200); If-* headers apply, to FILE.gz's ETag and mtime.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import TYPE_CHECKING

from nginxlite.errors import HttpError
from nginxlite.handlers import ranges
from nginxlite.handlers.filecache import CACHE, MAX_FILE, Entry
from nginxlite.handlers.filters import run_header_filters
from nginxlite.handlers.gzip_filter import add_vary, gzip_ok
from nginxlite.http.body import FileSlice, read_if_small
from nginxlite.http.response import Response, http_date

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

VARY = ("Vary", "Accept-Encoding")
ENCODING_LINE = b"Content-Encoding: gzip\r\n"
VARY_LINES = ENCODING_LINE + b"Vary: Accept-Encoding\r\n"
_MISSING = (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG)
SMALL = MAX_FILE  # kept in the file cache and sent with the head in one write, as small static files


def precompressed(ex: Exchange, path: str, ctype: str) -> Response | bool:
    """FILE.gz's answer, or whether FILE's answer gets ``Vary`` (see the module rules)."""
    settings = ex.settings
    always = settings.gzip_static == "always"
    ok = always or gzip_ok(ex, Response(200), settings)
    if not ok and not settings.gzip_vary:
        return False
    gz = (path + ".gz").encode("latin-1")
    vary = not always and settings.gzip_vary
    conditional = ex.request.conditional and ex.error_status in (0, 200)
    if ok and not conditional:  # a small FILE.gz unchanged since it was read: one stat
        try:
            st = os.stat(gz)
        except OSError as err:
            if err.errno in _MISSING:
                return False
        else:
            entry = CACHE.get(gz, st) if stat.S_ISREG(st.st_mode) and st.st_size <= SMALL else None
            if entry is not None:
                return _from_cache(ex, entry, ctype, vary)
    try:
        fd = os.open(gz, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        if err.errno not in _MISSING:
            ex.log_error(f'open() "{gz.decode("latin-1")}" failed ({err.errno}: {err.strerror})')
        return False
    entry = None
    try:
        st = os.fstat(fd)
        if not ok or stat.S_ISDIR(st.st_mode):  # (nginx marks Vary once FILE.gz opens)
            os.close(fd)
            return vary
        if not stat.S_ISREG(st.st_mode):
            ex.log_error(f'"{gz.decode("latin-1")}" is not a regular file')
            raise HttpError(404)
        if not conditional and st.st_size <= SMALL:
            entry = CACHE.load(gz, fd, st)
            if entry is None:
                raise HttpError(500)  # the file changed size while it was read
    except BaseException:
        os.close(fd)
        raise
    if entry is not None:
        os.close(fd)
        return _from_cache(ex, entry, ctype, vary)
    mtime = int(st.st_mtime)
    headers = [("Content-Type", ctype), ("Last-Modified", http_date(mtime))]
    if settings.etag:
        headers.append(("ETag", f'"{mtime:x}-{st.st_size:x}"'))
    headers.append(("Content-Encoding", "gzip"))
    if vary:
        headers.append(VARY)
    response = Response(200, headers, FileSlice(fd, 0, st.st_size), head_only=ex.method == "HEAD")
    if conditional:
        response = ranges.not_modified(ex.request, response, mtime, settings.if_modified_since)
        if response.status == 304 and vary:
            add_vary(response.headers)
        run_header_filters(ex, response)
    return read_if_small(response, SMALL)


def _from_cache(ex: Exchange, entry: Entry, ctype: str, vary: bool) -> Response:
    """FILE.gz's 200 from the file cache (its header lines prepared there; no Accept-Ranges)."""
    lines = entry.head(ctype, ex.settings.etag, False) + (VARY_LINES if vary else ENCODING_LINE)
    return Response(200, [], entry.body, head_only=ex.method == "HEAD", prepared=lines)
