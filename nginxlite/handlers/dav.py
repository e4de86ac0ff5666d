"""WebDAV PUT, DELETE and MKCOL with nginx's statuses (nginx-semantics.md S17).

Rules:
- Only methods listed in ``dav_methods`` come here; the others stay with the
  static handler (405).
- PUT streams the body into a temporary file in the destination folder and
  renames it into place only when the body is complete: an interrupted, refused
  or failed upload leaves nothing behind.  201 (with Location) for a new file,
  204 for a replaced one; ``create_full_put_path`` creates missing folders.
- Errors map as nginx's ``ngx_http_dav_error``: missing 404 (409 for MKCOL's
  parent), forbidden 403, existing 405, full disk 507, anything else 500.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import TYPE_CHECKING

from nginxlite.errors import HttpError
from nginxlite.handlers import pipeline, static  # used at call time (import cycle)
from nginxlite.http.response import Response
from nginxlite.http.uri import escape_uri

if TYPE_CHECKING:
    from nginxlite.handlers.pipeline import Exchange


def dav_error(err: OSError, not_found: int) -> HttpError:
    if err.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
        return HttpError(not_found)
    if err.errno in (errno.EACCES, errno.EPERM):
        return HttpError(403)
    if err.errno == errno.EEXIST:
        return HttpError(405)
    if err.errno == errno.ENOSPC:
        return HttpError(507)
    return HttpError(500)


def _created(ex: Exchange) -> Response:
    return Response(201, [("Location", pipeline.redirect_location(ex, escape_uri(ex.uri), ex.settings))])


def handle(ex: Exchange):
    """A Response (DELETE, MKCOL) or a ``PutBody`` that will consume the request body."""
    method, uri, req = ex.method, ex.uri, ex.request
    path = static.file_path(ex, uri)
    if method == "PUT":
        if uri.endswith("/"):
            raise HttpError(409)
        if req.header("content-range") is not None:
            raise HttpError(501)
        if not req.chunked and req.content_length is None:
            raise HttpError(500)  # nginx 1.22: a PUT without a body
        return PutBody(ex, path)
    if req.has_body:
        raise HttpError(415)
    if method == "MKCOL":
        if not uri.endswith("/"):
            raise HttpError(409)
        try:
            os.mkdir(path.rstrip("/").encode("latin-1"), 0o700)
        except OSError as err:
            raise dav_error(err, 409) from None
        return _created(ex)
    # DELETE
    try:
        st = os.stat(path.rstrip("/").encode("latin-1") if uri.endswith("/") else path.encode("latin-1"))
    except OSError as err:
        raise dav_error(err, 404) from None
    depth = (req.header("depth") or "infinity").lower()
    if stat.S_ISDIR(st.st_mode):
        if not uri.endswith("/"):
            raise HttpError(409)
        if depth != "infinity":
            raise HttpError(400)
        try:
            import shutil  # only here: a server that never deletes a folder never loads it
            shutil.rmtree(path.encode("latin-1"))
        except OSError as err:
            raise dav_error(err, 404) from None
    else:
        if uri.endswith("/"):
            raise HttpError(409)
        if depth not in ("0", "infinity"):
            raise HttpError(400)
        try:
            os.unlink(path.encode("latin-1"))
        except OSError as err:
            raise dav_error(err, 404) from None
    return Response(204)


def _create_temp(folder: bytes) -> tuple[int, bytes]:
    """A new file of mode 0600 with a random name in ``folder``, opened for writing."""
    while True:
        path = os.path.join(folder, b".nginxlite-put-" + os.urandom(8).hex().encode())
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), path
        except FileExistsError:
            continue


class PutBody:
    """Receives a PUT body into a temporary file; ``finish`` renames it into place."""

    def __init__(self, ex: Exchange, path: str) -> None:
        self.ex = ex
        self.path = path.encode("latin-1")
        self.limit = ex.settings.client_max_body_size
        self.received = 0
        folder = os.path.dirname(self.path)
        try:
            if ex.settings.create_full_put_path:
                os.makedirs(folder, 0o700, exist_ok=True)
            self.fd, self.temp = _create_temp(folder)
        except OSError as err:
            raise HttpError(500 if err.errno in (errno.ENOENT, errno.ENOTDIR) else dav_error(err, 500).status) \
                from None

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.limit and self.received > self.limit:
            self.abort()
            raise HttpError(413)
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError as err:
            self.abort()
            raise dav_error(err, 500) from None

    def finish(self) -> Response:
        try:
            os.fchmod(self.fd, 0o600)  # nginx's dav_access default: user:rw
            os.close(self.fd)
            self.fd = -1
            existed = os.path.exists(self.path)
            if existed and os.path.isdir(self.path):
                raise IsADirectoryError(errno.EISDIR, "is a directory")
            os.replace(self.temp, self.path)
        except OSError as err:
            self.abort()
            raise (HttpError(409) if err.errno == errno.EISDIR else dav_error(err, 500)) from None
        self.temp = None
        return Response(204) if existed else _created(self.ex)

    def abort(self) -> None:
        """Leave nothing behind: close and remove the temporary file."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.temp is not None:
            try:
                os.unlink(self.temp)
            except OSError:
                pass
            self.temp = None
