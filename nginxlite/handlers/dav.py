"""WebDAV PUT, DELETE, MKCOL, COPY and MOVE with nginx's statuses (nginx-semantics.md S17).

Rules:
- Only methods listed in ``dav_methods`` come here; the others stay with the
  static handler (405).
- PUT streams the body into a temporary file in the destination folder and
  renames it into place only when the body is complete: an interrupted, refused
  or failed upload leaves nothing behind.  201 (with Location) for a new file,
  204 for a replaced one; ``create_full_put_path`` creates missing folders.
- COPY of a file goes the same way (a temporary file in the destination's folder,
  renamed into place); MOVE renames.  Files answer 204, folders 201, as nginx.
  The checks run in nginx's order (``ngx_http_dav_copy_move_handler``): body 415,
  Destination 400, collection/non-collection 409, Depth 400, Overwrite 400, an
  existing folder named without its slash 409, ``Overwrite: F`` on an existing
  destination 412, missing source 404.  A destination that is the source, inside
  it, or (existing) holds it is refused 403 (nginx would lose the source:
  docs/differences.md).
- ``dav_access`` is the mode of files PUT writes; folders that PUT, MKCOL and MOVE
  create get it with x added where r is (``ngx_dir_access``).  COPY keeps the
  source's modes and modification times.
- Errors map as nginx's ``ngx_http_dav_error``: missing 404 (409 for MKCOL's
  parent), forbidden 403, existing 405, full disk 507, anything else 500.
- Header checks are sans-IO (``parse_destination``, ``depth``, ``overwrite``);
  the request's log lines are nginx's.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from typing import TYPE_CHECKING

from nginxlite.errors import HttpError
from nginxlite.handlers import static
from nginxlite.handlers.exchange import redirect_location
from nginxlite.handlers.spool import Spool
from nginxlite.http.body import Sink
from nginxlite.http.response import Response, parse_http_date
from nginxlite.http.uri import escape_uri

if TYPE_CHECKING:
    from nginxlite.handlers.exchange import Exchange

INFINITY = -1  # a Depth of "infinity"
INVALID = -2  # a Depth nginx does not understand

TEMP_PREFIX = b".nginxlite-put-"  # a PUT (or COPY) being received


def dav_error(err: OSError, not_found: int, ex: Exchange | None = None, failed: str = "") -> HttpError:
    """The status for a failed file operation; with ``ex``, nginx's error-log line
    ``FAILED "PATH" failed (ERRNO: TEXT)`` (nginx writes some at [crit]: here all at [error])."""
    if ex is not None:
        name = err.filename.decode("latin-1") if isinstance(err.filename, bytes) else str(err.filename)
        ex.log_error(f'{failed} "{name}" failed ({err.errno}: {err.strerror})')
    if err.errno in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
        return HttpError(not_found)
    if err.errno in (errno.EACCES, errno.EPERM):
        return HttpError(403)
    if err.errno == errno.EEXIST:
        return HttpError(405)
    if err.errno == errno.ENOSPC:
        return HttpError(507)
    return HttpError(500)


def dir_access(access: int) -> int:
    """``ngx_dir_access``: a folder's mode from a file mode (x wherever r is)."""
    return access | (access & 0o444) >> 2


def first_header(req, name: str) -> str | None:
    """The first ``name`` header: nginx keeps the first Destination, Overwrite, Depth and Date."""
    for key, value in req.headers:
        if key == name:
            return value
    return None


def depth(value: str | None, default: int) -> int:
    """``ngx_http_dav_depth``: 0, 1, ``INFINITY`` (case-sensitive), else ``INVALID``."""
    if value is None:
        return default
    return {"0": 0, "1": 1, "infinity": INFINITY}.get(value, INVALID)


def overwrite(value: str | None) -> bool | None:
    """The Overwrite header: T/t true (also when absent), F/f false, anything else None."""
    if value is None:
        return True
    return {"T": True, "t": True, "F": False, "f": False}.get(value)


class BadDestination(ValueError):
    """A Destination header nginx answers 400; ``args`` are its error-log lines."""


def parse_destination(value: str | None, host: str) -> str:
    """The decoded path of a Destination header, checked as nginx 1.22 does: a path
    (``/x``) or ``http://`` + the request's host (as nginx, only its first characters
    are compared: a port or more may follow) + a path.  The query is cut off; ``%XX``
    is decoded; a NUL or a ``..`` segment is unsafe.

    Raises:
        BadDestination: with nginx's error-log lines.
    """
    if value is None:
        raise BadDestination('client sent no "Destination" header')
    invalid = f'client sent invalid "Destination" header: "{value}"'
    if value.startswith("/"):
        path = value
    else:
        if not host:
            raise BadDestination('client sent no "Host" header')
        if not value.startswith("http://"):
            raise BadDestination(invalid)
        rest = value[7:]
        if not rest.startswith(host):
            raise BadDestination(f'"Destination" URI "{value}" is handled by different repository '
                                 f'than the source URI')
        slash = rest.find("/", len(host))
        if slash < 0:
            raise BadDestination(invalid)
        path = rest[slash:]
    # Checked before and after decoding; nginx names the path with its query the first time.
    raw, path = path, path.partition("?")[0]
    if _unsafe(path):
        raise BadDestination(f'unsafe URI "{raw}" was detected', invalid)
    if "%" in path:
        path = _unescape(path)
        if _unsafe(path):
            raise BadDestination(f'unsafe URI "{path}" was detected', invalid)
    return path


def _unsafe(path: str) -> bool:
    return "\0" in path or "/../" in path or path.endswith("/..")


_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape(text: str) -> str:
    """``ngx_unescape_uri`` (no flags): ``%XX`` decoded; a ``%`` before a non-hex
    character is dropped, one before a hex digit and a non-hex character drops all three."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
        elif i + 1 < n and text[i + 1] not in _HEX:
            out.append(text[i + 1])
            i += 2
        else:
            if i + 2 < n and text[i + 2] in _HEX:
                out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
    return "".join(out)


def _created(ex: Exchange) -> Response:
    return Response(201, [("Location", redirect_location(ex, escape_uri(ex.uri), ex.settings))])


def _depth(ex: Exchange, default: int) -> int:
    """The request's Depth (``depth``); an invalid one is logged, as nginx."""
    value = first_header(ex.request, "depth")
    found = depth(value, default)
    if found == INVALID:
        ex.log_error(f'client sent invalid "Depth" header: "{value}"')
    return found


def _refuse(ex: Exchange, status: int, message: str) -> HttpError:
    ex.log_error(message)
    return HttpError(status)


def handle(ex: Exchange):
    """A Response (DELETE, MKCOL, COPY, MOVE) or a ``PutBody`` that will consume the request body."""
    method, uri, req = ex.method, ex.uri, ex.request
    path = static.file_path(ex, uri)
    if method == "PUT":
        if uri.endswith("/"):
            raise _refuse(ex, 409, "cannot PUT to a collection")
        if req.header("content-range") is not None:
            raise _refuse(ex, 501, "PUT with range is unsupported")
        if not req.chunked and req.content_length is None:
            raise HttpError(500)  # nginx 1.22: a PUT without a body
        return PutBody(ex, path)
    if req.has_body:
        what = "COPY and MOVE with body are" if method in ("COPY", "MOVE") else f"{method} with body is"
        raise _refuse(ex, 415, f"{what} unsupported")
    if method == "MKCOL":
        if not uri.endswith("/"):
            raise _refuse(ex, 409, "MKCOL can create a collection only")
        try:
            os.mkdir(path.rstrip("/").encode("latin-1"), dir_access(ex.settings.dav_access))
        except OSError as err:
            raise dav_error(err, 409, ex, "mkdir()") from None
        return _created(ex)
    if method in ("COPY", "MOVE"):
        return copy_move(ex, path.encode("latin-1"))
    return delete(ex, path.encode("latin-1"))


def delete(ex: Exchange, path: bytes) -> Response:
    uri = ex.uri
    min_depth = ex.settings.min_delete_depth
    if min_depth:
        slashes = uri.count("/")  # the path's elements: slashes before its last character, as nginx
        if slashes - uri.endswith("/") < min_depth:
            raise _refuse(ex, 409, f"insufficient URI depth:{slashes} to DELETE")
    try:
        st = os.lstat(path)
    except OSError as err:
        raise dav_error(err, 409 if err.errno == errno.ENOTDIR else 404, ex, "lstat()") from None
    if stat.S_ISDIR(st.st_mode):
        if not uri.endswith("/"):
            raise _refuse(ex, 409, f'DELETE "{path.decode("latin-1")}" failed (21: Is a directory)')
        if _depth(ex, INFINITY) != INFINITY:
            raise _refuse(ex, 400, '"Depth" header must be infinity')
    elif _depth(ex, 0) not in (0, INFINITY):
        raise _refuse(ex, 400, '"Depth" header must be 0 or infinity')
    delete_path(ex, path.rstrip(b"/"), stat.S_ISDIR(st.st_mode))
    return Response(204)


def delete_path(ex: Exchange, path: bytes, is_dir: bool) -> None:
    """Remove a file, or a folder and everything in it (errors as ``dav_error``, missing 404)."""
    try:
        if is_dir:
            import shutil  # only here: a server that never deletes a folder never loads it
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as err:
        raise dav_error(err, 404, ex, "rmdir()" if is_dir and err.filename == path else "unlink()") from None


def copy_move(ex: Exchange, src: bytes) -> Response:
    """COPY and MOVE, as ``ngx_http_dav_copy_move_handler`` (see the module rules)."""
    req, uri, method = ex.request, ex.uri, ex.method
    value = first_header(req, "destination")
    try:
        duri = parse_destination(value, ex.host)
    except BadDestination as bad:
        for line in bad.args:
            ex.log_error(line)
        raise HttpError(400) from None
    if uri.endswith("/") != value.endswith("/"):
        raise _refuse(ex, 409, f'both URI "{uri}" and "Destination" URI "{value}" '
                               f'should be either collections or non-collections')
    wanted = _depth(ex, INFINITY)
    if wanted != INFINITY and (method == "MOVE" or wanted != 0):
        raise _refuse(ex, 400, '"Depth" header must be infinity' if method == "MOVE"
                      else '"Depth" header must be 0 or infinity')
    over_value = first_header(req, "overwrite")
    replace = overwrite(over_value)
    if replace is None:
        raise _refuse(ex, 400, f'client sent invalid "Overwrite" header: "{over_value}"')
    dst = static.file_path(ex, duri).encode("latin-1")
    slash = dst.endswith(b"/")
    dst = dst.rstrip(b"/") if slash else dst
    try:
        dst_st = os.lstat(dst)
    except OSError as err:
        if err.errno != errno.ENOENT:
            raise dav_error(err, 404, ex, "lstat()") from None
        dst_st = None
    if dst_st is not None:
        if stat.S_ISDIR(dst_st.st_mode) and not slash:
            raise _refuse(ex, 409, f'"{uri}" could not be {method}ed to collection "{value}"')
        if not replace:
            raise _refuse(ex, 412, f'"{dst.decode("latin-1")}" could not be created (17: File exists)')
    try:
        src_st = os.lstat(src)
    except OSError as err:
        raise dav_error(err, 404, ex, "lstat()") from None
    src_dir = stat.S_ISDIR(src_st.st_mode)
    if src_dir and not uri.endswith("/"):
        raise _refuse(ex, 400, f'"{uri}" is collection')
    src = src.rstrip(b"/") if src_dir else src
    if _overlap(src, dst, src_dir, dst_st is not None):
        raise _refuse(ex, 403, f'the source URI "{uri}" and the "Destination" URI "{value}" overlap')
    if not src_dir:
        if method == "MOVE":
            move_file(src, dst, ex.settings.dav_access)
        else:
            copy_file(src, dst, src_st)
        return Response(204)
    if dst_st is not None:
        delete_path(ex, dst, stat.S_ISDIR(dst_st.st_mode))
    if method == "MOVE":
        try:
            os.rename(src, dst)
            return Response(201)
        except OSError:
            pass  # another file system, say: copied, then the source deleted (as nginx)
    try:
        os.mkdir(dst, src_st.st_mode & 0o777)
    except OSError as err:
        raise dav_error(err, 404, ex, "mkdir()") from None
    try:
        copy_tree(src, dst)
    except OSError:
        raise HttpError(500) from None
    if method == "MOVE":
        delete_path(ex, src, True)
    return Response(201)


def _overlap(src: bytes, dst: bytes, src_dir: bool, dst_exists: bool) -> bool:
    """Where nginx loses data: the destination is the source, a folder copied into itself,
    or an existing destination (deleted first) that holds the source."""
    src, dst = os.path.normpath(src), os.path.normpath(dst)
    return (dst == src or (src_dir and dst.startswith(src + b"/"))
            or (dst_exists and src.startswith(dst + b"/")))


def copy_file(src: bytes, dst: bytes, st: os.stat_result) -> None:
    """Copy into a temporary file beside ``dst`` and rename it into place: the source's
    mode and modification time; any failure 500 and nothing left behind (as nginx's 500)."""
    temp = None
    try:
        with open(src, "rb") as source:
            spool = Spool(os.path.dirname(dst) or b".", TEMP_PREFIX)
            fd, temp = spool.fd, spool.path
            with open(fd, "wb", closefd=True) as out:
                while chunk := source.read(1 << 16):
                    out.write(chunk)
                os.fchmod(out.fileno(), st.st_mode & 0o777)
            os.utime(temp, (st.st_atime, int(st.st_mtime)))
            os.replace(temp, dst)
            temp = None
    except OSError:
        raise HttpError(500) from None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def copy_tree(src: bytes, dst: bytes) -> None:
    """Copy what folder ``src`` holds into the existing folder ``dst``: folders (their mode,
    x added where r is, and time), regular files; symbolic links and special files are
    skipped, and an entry that cannot be copied does not stop the rest, as nginx's
    ``ngx_walk_tree`` with its DAV handlers.  Only an unreadable ``src`` raises (OSError)."""
    for entry in list(os.scandir(src)):
        target = os.path.join(dst, entry.name)
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode):
                copy_file(entry.path, target, st)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(target, dir_access(st.st_mode & 0o777))
                copy_tree(entry.path, target)
                os.utime(target, (st.st_atime, int(st.st_mtime)))
        except (OSError, HttpError):
            continue


def create_full_path(folder: bytes, access: int) -> None:
    """``ngx_create_full_path``: every missing folder of ``folder``, each with mode ``access``
    (``os.makedirs`` would give the intermediate ones the default mode)."""
    parts = folder.split(b"/")
    for end in range(2 if folder.startswith(b"/") else 1, len(parts) + 1):
        try:
            os.mkdir(b"/".join(parts[:end]), access)
        except FileExistsError:
            continue
        except PermissionError:
            continue  # as nginx: a folder we may not create may still exist further down
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "could not create", folder)


def move_file(src: bytes, dst: bytes, access: int) -> None:
    """Rename; missing folders of the destination are created (``dav_access``); across
    file systems a copy then the source removed.  Any failure 500, as nginx."""
    try:
        try:
            os.rename(src, dst)
            return
        except FileNotFoundError:
            create_full_path(os.path.dirname(dst), dir_access(access))
            os.rename(src, dst)
            return
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise HttpError(500) from None
    copy_file(src, dst, os.lstat(src))
    try:
        os.unlink(src)
    except OSError:
        raise HttpError(500) from None


class PutBody(Sink):
    """Receives a PUT body into a temporary file; ``finish`` renames it into place."""

    def __init__(self, ex: Exchange, path: str) -> None:
        self.ex = ex
        self.path = path.encode("latin-1")
        self.limit = ex.settings.client_max_body_size
        self.received = 0
        folder = os.path.dirname(self.path)
        try:
            if ex.settings.create_full_put_path and not os.path.isdir(folder):
                create_full_path(folder, dir_access(ex.settings.dav_access))
            self.spool = Spool(folder, TEMP_PREFIX)
        except OSError as err:
            raise HttpError(500 if err.errno in (errno.ENOENT, errno.ENOTDIR) else dav_error(err, 500).status) \
                from None

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.limit and self.received > self.limit:
            self.abort()
            raise HttpError(413)
        try:
            self.spool.write(data)
        except OSError as err:
            self.abort()
            raise dav_error(err, 500) from None

    def finish(self) -> Response:
        try:
            spool = self.spool
            os.fchmod(spool.fd, self.ex.settings.dav_access)
            date = first_header(self.ex.request, "date")
            mtime = parse_http_date(date) if date is not None else None
            if mtime is not None:  # as nginx: a PUT's Date header is the file's modification time
                os.utime(spool.fd, (time.time(), mtime))
            spool.close()
            existed = os.path.exists(self.path)
            if existed and os.path.isdir(self.path):
                raise IsADirectoryError(errno.EISDIR, "is a directory")
            os.replace(spool.path, self.path)
        except OSError as err:
            self.abort()
            raise (HttpError(409) if err.errno == errno.EISDIR else dav_error(err, 500)) from None
        spool.forget()
        return Response(204) if existed else _created(self.ex)

    def abort(self) -> None:
        """Leave nothing behind: close and remove the temporary file."""
        self.spool.discard()
