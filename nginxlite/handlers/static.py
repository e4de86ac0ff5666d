"""Static files: ``root``/``alias`` mapping, ``index``, directory redirects.

Rules (nginx's static and index modules, nginx-semantics.md S1-S8):
- The file is ``root`` + URI, or for ``alias`` the alias + the URI after the
  location's prefix (a regex location's alias is the whole path, with captures).
  The URI is already normalised: it cannot climb above the root.
- GET and HEAD serve files; POST to a file is 405, to a missing file 404; other
  methods are 405.  405 carries ``Allow`` (RFC 9110; nginx omits it).
- A directory without the trailing slash is a 301 to ``URI/``; a URI ending in
  ``/`` tries each ``index`` name (an internal redirect to the first that exists,
  raised as ``redirects.InternalRedirect`` for the pipeline to take), else 403 for
  an existing directory, 404 otherwise.
- For a conditional request the header filters run between nginx's not_modified
  and range filters (``filters.run_header_filters``), as nginx orders them.
- Files are opened once and described by the open descriptor (``fstat``), so
  the headers always match the bytes sent.  Small files come from
  ``filecache`` (re-validated by ``stat`` on every request, never stale).
- Failures are logged as nginx logs them (``fs_error``, ``Exchange.log_error``):
  ``open() "PATH" failed (2: ...)`` for a missing file and ``"PATH/index.html"
  is not found (...)`` for a missing directory (neither with ``log_not_found
  off``), forbidden ones always, and ``directory index of "PATH/" is forbidden``.
"""

from __future__ import annotations

import errno
import os
import stat

from nginxlite.errors import HttpError
from nginxlite.handlers import autoindex, gzip_static, ranges
from nginxlite.handlers.exchange import Exchange, content_type, map_path, redirect_location, remember_route
from nginxlite.handlers.filecache import CACHE, MAX_FILE
from nginxlite.handlers.filters import run_header_filters
from nginxlite.handlers.gzip_filter import add_vary
from nginxlite.handlers.redirects import InternalRedirect
from nginxlite.handlers.variables import expand
from nginxlite.http.body import FileSlice, read_if_small
from nginxlite.http.response import Response, http_date
from nginxlite.http.uri import escape_uri

STATIC_ALLOW = (("Allow", "GET, HEAD"),)
SMALL_FILE = MAX_FILE  # read into memory and sent with the head in one write


def file_path(ex: Exchange, uri: str) -> str:
    settings = ex.settings
    root = expand(settings.root, ex) if "$" in settings.root else settings.root
    return map_path(root, settings, ex.location, uri)


def fs_error(ex: Exchange, err: OSError, path: bytes, index: bool = False) -> HttpError:
    """A file-system failure as nginx answers and logs it: missing 404 (logged unless
    ``log_not_found off``), forbidden or a symbolic-link loop 403 (always logged),
    anything else re-raised.
    ``index``: the failure was looking for a directory's index file (nginx's index module
    words it differently from the static module's ``open()``)."""
    forbidden = isinstance(err, PermissionError) or err.errno in (errno.ELOOP, errno.EMLINK)  # as nginx
    if not forbidden and not (isinstance(err, (FileNotFoundError, NotADirectoryError))
                              or err.errno == errno.ENAMETOOLONG):
        raise err
    if forbidden or ex.settings.log_not_found:
        name = path.decode("latin-1")
        what = f'"{name}" is {"forbidden" if forbidden else "not found"}' if index else f'open() "{name}" failed'
        ex.log_error(f"{what} ({err.errno}: {err.strerror})")
    return HttpError(403 if forbidden else 404)


def _stat(ex: Exchange, path: bytes):
    try:
        return os.stat(path)
    except OSError as err:
        raise fs_error(ex, err, path) from None


def _directory_redirect(ex: Exchange, uri: str) -> HttpError:
    """A directory named without its slash: 301 to ``URI/`` (the query string kept)."""
    location = escape_uri(uri) + "/" + (f"?{ex.args}" if ex.args else "")
    return HttpError(301, (("Location", redirect_location(ex, location, ex.settings)),))


def _from_cache(ex: Exchange, entry, content_type: str) -> Response:
    """A 200 for a small file from the file cache: its header lines are prepared there."""
    settings = ex.settings
    return Response(200, [], entry.body, head_only=ex.method == "HEAD",
                    prepared=entry.head(content_type, settings.etag, ranges.offered(settings)))


def handle(ex: Exchange) -> Response:
    """The static content handler (``content.CONTENT_HANDLERS``' last entry).  A remembered
    route (``ex.route``, ``exchange.Route``) costs one ``stat``, then the file cache or the
    file itself; when its path is no longer a regular file, the full path (``serve``) decides."""
    route = ex.route
    if route is not None:
        try:
            st = os.stat(route.path)
        except OSError as err:
            ex.route = None  # (an error page's redirect must not take this route again)
            raise fs_error(ex, err, route.path) from None  # missing: 404 (error_page applies), as the full path
        if stat.S_ISREG(st.st_mode):
            if st.st_size <= SMALL_FILE:
                entry = CACHE.get(route.path, st)
                if entry is not None:
                    return _from_cache(ex, entry, route.content_type)
            return _open_and_serve(ex, route.path, route.uri, route.content_type, False)
        ex.route = None
    # Routable: nothing on the way depended on more than the Host and the target.
    settings = ex.settings
    loc = ex.location
    ex.routable = (ex.redirects == 0 and not ex.error_page_used and ex.captures is None and not ex.limited
                   and not settings.access and not settings.add_header and settings.allow_methods is None
                   and settings.gzip_static == "off"
                   and (loc is None or loc.limit_except is None) and "$" not in settings.root)
    return serve(ex)


def serve(ex: Exchange) -> Response:
    method = ex.method
    if method not in ("GET", "HEAD", "POST"):
        raise HttpError(405, STATIC_ALLOW)
    uri = ex.uri
    path = file_path(ex, uri)
    trace = ex.trace
    if trace is not None:
        trace.step("file", f"{path} ({'alias' if ex.settings.alias else 'root'})")
    if uri.endswith("/"):
        for name in ex.settings.index:
            name = expand(name, ex)
            if name.startswith("/"):
                if trace is not None:
                    trace.step("index", f"{name} (the last, absolute index name)")
                raise InternalRedirect(name)
            try:
                os.stat((path + name).encode("latin-1"))
            except OSError:
                if trace is not None:
                    trace.step("index", f"{path + name} does not exist")
                continue
            if trace is not None:
                trace.step("index", f"{path + name} exists")
            raise InternalRedirect(uri + name)  # any existing name, a directory too (then 301), as nginx
        try:
            st = os.stat(path.encode("latin-1"))
        except OSError as err:  # nginx's index module names its first index file
            first = expand(ex.settings.index[0], ex) if ex.settings.index else "index.html"
            raise fs_error(ex, err, (path + first).encode("latin-1"), index=True) from None
        if not stat.S_ISDIR(st.st_mode):
            raise HttpError(404)
        if ex.settings.autoindex and method in ("GET", "HEAD"):
            if trace is not None:
                trace.step("handler", "autoindex: a directory listing")
            return autoindex.listing(ex, path)
        if trace is not None:
            trace.step("index", "no index file and autoindex off: forbidden")
        ex.log_error(f'directory index of "{path}" is forbidden')
        raise HttpError(403)
    bpath = path.encode("latin-1")
    ctype = content_type(ex.settings, uri)
    if ex.settings.gzip_static != "off" and method != "POST":
        found = gzip_static.precompressed(ex, path, ctype)
        if type(found) is Response:
            return found
        if found:  # FILE.gz exists, the request does not take it: FILE's answer says Vary
            try:
                response = _serve_file(ex, bpath, uri, ctype)
            except HttpError as err:  # (nginx's flag stays set for the error's answer too)
                raise HttpError(err.status, err.headers + (gzip_static.VARY,)) from None
            response.unprepare()
            add_vary(response.headers)
            return response
    if ex.routable:
        remember_route(ex, bpath, ctype)
    return _serve_file(ex, bpath, uri, ctype)


def _serve_file(ex: Exchange, bpath: bytes, uri: str, ctype: str) -> Response:
    """The file's own answer (``serve``, once the path is a file's)."""
    trace = ex.trace
    method = ex.method
    st = _stat(ex, bpath)
    if stat.S_ISDIR(st.st_mode):
        if trace is not None:
            trace.step("file", "is a directory: redirect to the URI with a slash")
        raise _directory_redirect(ex, uri)
    # nginx's not-modified and range filters act on 200 answers only: an error page
    # keeping its error status is sent whole, whatever If-* or Range the request had.
    conditional = ex.request.conditional and ex.error_status in (0, 200)
    if not conditional and st.st_size <= SMALL_FILE and method != "POST" and stat.S_ISREG(st.st_mode):
        entry = CACHE.get(bpath, st)
        if entry is not None:
            return _from_cache(ex, entry, ctype)
    return _open_and_serve(ex, bpath, uri, ctype, conditional)


def _open_and_serve(ex: Exchange, bpath: bytes, uri: str, ctype: str, conditional: bool) -> Response:
    """Open the file and answer from the descriptor (the path may change meanwhile):
    a small file is read (and offered to the cache), a larger one sent with sendfile."""
    method = ex.method
    try:
        fd = os.open(bpath, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise fs_error(ex, err, bpath) from None
    entry = None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _directory_redirect(ex, uri)
        if not stat.S_ISREG(st.st_mode):
            raise HttpError(404)
        if method == "POST":
            raise HttpError(405, STATIC_ALLOW)
        if not conditional and st.st_size <= SMALL_FILE:
            entry = CACHE.load(bpath, fd, st)
            if entry is None:
                raise HttpError(500)  # the file changed size while it was read
    except BaseException:
        os.close(fd)
        raise
    if entry is not None:
        os.close(fd)
        return _from_cache(ex, entry, ctype)
    mtime = int(st.st_mtime)
    settings = ex.settings
    headers = [("Content-Type", ctype), ("Last-Modified", http_date(mtime))]
    if settings.etag:
        headers.append(("ETag", f'"{mtime:x}-{st.st_size:x}"'))
    if ranges.offered(settings):
        headers.append(("Accept-Ranges", "bytes"))
    response = Response(200, headers, FileSlice(fd, 0, st.st_size), head_only=method == "HEAD")
    if conditional:
        # nginx's header filters in their order: not_modified, the others (``filters``), range.
        response = ranges.not_modified(ex.request, response, mtime, settings.if_modified_since)
        if response.status == 200:
            added = run_header_filters(ex, response)
            if not response.gzip_level:  # gzip turns ranges off (nginx: its range filter runs after gzip)
                response = ranges.partial(ex.request, response, st.st_size, settings.max_ranges, added)
            response.headers_added = True
    return read_if_small(response, SMALL_FILE)  # (a small file after If-* were checked)
