"""Uploads: POST bodies stored in ``upload_store`` (SPEC §6), streamed to disk as they arrive.

Rules:
- A POST in a location with ``upload_store DIR`` is answered by a body sink.  A
  ``multipart/form-data`` body goes through ``http.multipart`` as it streams:
  each part with a file name is written to a temporary file in DIR (``O_EXCL``,
  mode 0600, ``.nginxlite-upload-`` and a random name) and put in place under
  its name only when the part is complete; the other parts are form fields,
  kept in memory up to ``FIELDS_BUDGET`` bytes in all, names and values (beyond:
  413).  A file part with an empty ``filename`` and no content is what a browser
  sends for a file input left empty: it is skipped (with content: 400).  Any other body is stored whole as ``NAME`` for a POST
  to ``LOCATION/NAME`` (400 without a name).
- Names go through ``multipart.safe_filename`` (a basename, no control
  characters, no leading dot, at most 255 bytes; 400 when nothing usable is
  left) and are stored as UTF-8.  An existing file is never overwritten: the
  name is placed with ``link`` (which fails on an existing name) and numbered
  (``a.txt``, ``a-1.txt``...) until it is free.  The numbering resumes after the
  last number this process gave that name in that store (``_NEXT``, bounded), then
  wraps to the lower ones: the thousandth upload of one name costs a few ``link``
  calls, not a thousand.  Stored files get the mode of
  ``dav_access`` (nginx's default: 0600).
- Nothing half-done stays: a failed, refused (413), interrupted or timed-out
  upload removes its temporary file and the files this request already placed.
  A full disk is 507, a store that is missing or not a writable folder 500, each
  with its error-log line.
- ``client_max_body_size`` is checked by the pipeline against Content-Length
  before any body is read; a chunked body is counted here as it streams (413).
- The answer is 201 with a page listing what was stored (HTML, or JSON when the
  client's ``Accept`` prefers ``application/json``) and ``Location`` of the first
  stored file when a GET of its URI would serve it (the location that URI selects
  maps it to the stored file).
"""

from __future__ import annotations

import errno
import html
import json
import os
import stat
from urllib.parse import quote

from nginxlite.config.locations import find
from nginxlite.errors import HttpError
from nginxlite.handlers.exchange import Exchange, map_path, redirect_location
from nginxlite.handlers.spool import Spool
from nginxlite.http.body import Sink
from nginxlite.http.multipart import (
    Done,
    MultipartError,
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    boundary_from,
    numbered,
    safe_filename,
)
from nginxlite.http.response import Response

FIELDS_BUDGET = 64 << 10  # bytes of form fields kept in all
TEMP_PREFIX = b".nginxlite-upload-"
MAX_NUMBER = 10000  # a.txt, a-1.txt ... a-9999.txt, then 409
# (store, name) -> the number to try first after the name itself: the last one placed + 1.
_NEXT: dict[tuple[bytes, str], int] = {}
_MAX_NEXT = 1024


def _numbers(store: bytes, name: str):
    """0 (the name itself), then from where the last numbering of this name stopped,
    then the lower numbers: every number below MAX_NUMBER, each once."""
    start = _NEXT.get((store, name), 1)
    yield 0
    yield from range(start, MAX_NUMBER)
    yield from range(1, start)


def _placed(store: bytes, name: str, n: int) -> None:
    if n:
        if len(_NEXT) >= _MAX_NEXT:
            _NEXT.clear()
        _NEXT[(store, name)] = n + 1


def here(loc, settings, server) -> bool:
    """``content.ContentHandler.here``: a level with ``upload_store``."""
    return settings.upload_store is not None


def applies(ex: Exchange) -> bool:
    return ex.method == "POST"


def handle(ex: Exchange) -> Sink:
    """The sink for this POST's body (see the module rules)."""
    store = ex.settings.upload_store
    _check_store(ex, store)
    ctype = ex.request.header("content-type") or ""
    if ctype.partition(";")[0].strip().lower() == "multipart/form-data":
        try:
            boundary = boundary_from(ctype)
        except MultipartError as err:
            raise HttpError(err.status) from None
        if ex.trace is not None:
            ex.trace.step("upload", f"multipart/form-data into {store}")
        return FormUpload(ex, store, boundary)
    name = _name_from_uri(ex.uri)
    if ex.trace is not None:
        ex.trace.step("upload", f"the body stored as {store}/{name}")
    return RawUpload(ex, store, name)


def _check_store(ex: Exchange, store: str) -> None:
    try:
        st = os.stat(store.encode("latin-1"))
    except OSError as err:
        ex.log_error(f'upload_store "{store}" is not usable ({err.errno}: {err.strerror})')
        raise HttpError(500) from None
    if not stat.S_ISDIR(st.st_mode):
        ex.log_error(f'upload_store "{store}" is not a directory')
        raise HttpError(500)
    if not os.access(store.encode("latin-1"), os.W_OK | os.X_OK):
        ex.log_error(f'upload_store "{store}" is not writable (13: Permission denied)')
        raise HttpError(500)


def _name_from_uri(uri: str) -> str:
    """``NAME`` of ``LOCATION/NAME``: the URI's last segment (its bytes are UTF-8)."""
    segment = uri[uri.rfind("/") + 1:]
    name = safe_filename(segment.encode("latin-1").decode("utf-8", "replace")) if segment else None
    if name is None:
        raise HttpError(400)
    return name


class Pending:
    """One file being received: a temporary file in the store, placed under its name
    (never over an existing file) by ``place``."""

    def __init__(self, ex: Exchange, store: bytes, name: str) -> None:
        self.ex = ex
        self.store = store
        self.name = name
        self.size = 0
        try:
            self.spool = Spool(store, TEMP_PREFIX)
        except OSError as err:
            raise _failure(ex, err, "open()", store) from None

    def write(self, data) -> None:
        try:
            self.spool.write(data)
        except OSError as err:
            temp = self.spool.path
            self.abort()
            raise _failure(self.ex, err, "write()", temp) from None
        self.size += len(data)

    def place(self) -> Stored:
        """Close the file and give it its name (numbered while the name is taken)."""
        spool = self.spool
        try:
            os.fchmod(spool.fd, self.ex.settings.dav_access)
            spool.close()
            for n in _numbers(self.store, self.name):
                name = self.name if n == 0 else numbered(self.name, n)
                path = os.path.join(self.store, name.encode("utf-8"))
                try:
                    os.link(spool.path, path)
                except FileExistsError:
                    continue
                _placed(self.store, self.name, n)
                spool.discard()  # (the temporary name; the file stays under its own)
                return Stored(name, path, self.size)
        except OSError as err:
            temp = spool.path
            self.abort()
            raise _failure(self.ex, err, "link()", temp) from None
        self.abort()
        raise HttpError(409)  # every numbered name is taken

    def abort(self) -> None:
        self.spool.discard()


class Stored:
    __slots__ = ("name", "path", "size", "field")

    def __init__(self, name: str, path: bytes, size: int, field: str = "") -> None:
        self.name = name
        self.path = path
        self.size = size
        self.field = field


def _failure(ex: Exchange, err: OSError, call: str, path: bytes | None) -> HttpError:
    """A failed file operation, logged as nginx words them: 507 for a full disk, else 500."""
    shown = (path or b"").decode("latin-1")
    ex.log_error(f'{call} "{shown}" failed ({err.errno}: {err.strerror})')
    return HttpError(507 if err.errno in (errno.ENOSPC, errno.EDQUOT) else 500)


class Upload(Sink):
    """What both kinds of upload share: the body's budget, the files placed, the answer."""

    def __init__(self, ex: Exchange, store: str) -> None:
        self.ex = ex
        self.store = store.encode("latin-1")
        self.limit = ex.settings.client_max_body_size
        self.received = 0
        self.stored: list[Stored] = []
        self.fields: dict[str, str] = {}

    def count(self, data: bytes) -> None:
        self.received += len(data)
        if self.limit and self.received > self.limit:
            self.ex.log_error(f"client intended to send too large chunked body: {self.received} bytes")
            raise HttpError(413)

    def abort(self) -> None:
        """Remove what this request stored: an upload is whole or not at all."""
        for stored in self.stored:
            try:
                os.unlink(stored.path)
            except OSError:
                pass
        self.stored.clear()

    def answer(self) -> Response:
        return created(self.ex, self.stored, self.fields)


class RawUpload(Upload):
    """A POST body of any other type, stored whole under the URI's name."""

    def __init__(self, ex: Exchange, store: str, name: str) -> None:
        super().__init__(ex, store)
        self.name = name
        self.file: Pending | None = None  # opened with the first byte (--explain opens nothing)

    def feed(self, data: bytes) -> None:
        self.count(data)
        if self.file is None:
            self.file = Pending(self.ex, self.store, self.name)
        self.file.write(data)

    def finish(self) -> Response:
        if self.file is None:  # an empty body: an empty file
            self.file = Pending(self.ex, self.store, self.name)
        self.stored.append(self.file.place())
        self.file = None
        return self.answer()

    def abort(self) -> None:
        if self.file is not None:
            self.file.abort()
            self.file = None
        super().abort()


class FormUpload(Upload):
    """A multipart/form-data body: file parts to the store, the rest kept as fields."""

    def __init__(self, ex: Exchange, store: str, boundary: str) -> None:
        super().__init__(ex, store)
        self.parser = MultipartParser(boundary)
        self.file: Pending | None = None
        self.field: str | None = None  # the form field being read
        self.value = bytearray()
        self.skipping = False  # a file input left empty
        self.kept = 0  # bytes of fields kept
        self.done = False

    def feed(self, data: bytes) -> None:
        self.count(data)
        self.take(self.parsed(self.parser.feed, data))

    def finish(self) -> Response:
        self.take(self.parsed(self.parser.end))
        if not self.done:
            raise HttpError(400)
        return self.answer()

    @staticmethod
    def parsed(step, *args) -> list:
        try:
            return step(*args)
        except MultipartError as err:
            raise HttpError(err.status) from None

    def take(self, events: list) -> None:
        for event in events:
            kind = type(event)
            if kind is PartData:
                if self.file is not None:
                    self.file.write(event.data)
                elif self.skipping:
                    if event.data:  # a file part with content but no name to store it under
                        raise HttpError(400)
                else:
                    self.keep(len(event.data))
                    self.value += event.data
            elif kind is PartStart:
                self.start(event)
            elif kind is PartEnd:
                self.end_part()
            elif kind is Done:
                self.done = True

    def keep(self, size: int) -> None:
        self.kept += size
        if self.kept > FIELDS_BUDGET:
            raise HttpError(413)

    def start(self, part: PartStart) -> None:
        self.skipping = False
        if part.filename is None:
            self.keep(len(part.name.encode("utf-8")))  # a field's name is kept too
            self.field = part.name
            self.value = bytearray()
            return
        if part.filename == "":
            self.skipping = True  # a file input left empty
            return
        name = safe_filename(part.filename)
        if name is None:
            raise HttpError(400)
        self.file = Pending(self.ex, self.store, name)
        self.field = part.name

    def end_part(self) -> None:
        if self.file is not None:
            stored = self.file.place()
            stored.field = self.field or ""
            self.stored.append(stored)
            self.file = None
        elif self.field is not None and not self.skipping:
            self.fields[self.field] = self.value.decode("utf-8", "replace")
        self.field = None
        self.skipping = False

    def abort(self) -> None:
        if self.file is not None:
            self.file.abort()
            self.file = None
        super().abort()


# -- the answer -------------------------------------------------------------------------

def served_uri(ex: Exchange, stored: Stored) -> str | None:
    """The URI a GET would serve ``stored`` at: the POST's folder and the file's name,
    when the location that URI selects maps it to the stored file; else None."""
    base = ex.uri if ex.uri.endswith("/") else ex.uri[:ex.uri.rfind("/") + 1]
    uri = base + stored.name.encode("utf-8").decode("latin-1")
    match = find(ex.server.tree, uri)
    loc = match.location
    settings = loc.settings if loc is not None else ex.server.settings
    if "$" in settings.root or (loc is not None and loc.return_ is not None):
        return None
    if map_path(settings.root, settings, loc, uri).encode("latin-1") != stored.path:
        return None
    return quote(uri.encode("latin-1"), safe="/")


def prefers_json(accept: str | None) -> bool:
    """Whether ``Accept`` ranks application/json above text/html (RFC 9110 §12.5.1 q-values)."""
    if not accept:
        return False
    ranks: dict[str, float] = {}
    for item in accept.split(","):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranks[media.lower()] = q
    json_q = ranks.get("application/json", 0.0)
    html_q = max(ranks.get("text/html", 0.0), ranks.get("text/*", 0.0), ranks.get("*/*", 0.0) - 0.001)
    return json_q > 0 and json_q >= html_q


def created(ex: Exchange, stored: list[Stored], fields: dict[str, str]) -> Response:
    uris = [served_uri(ex, s) for s in stored]
    headers = []
    if uris and uris[0] is not None:
        headers.append(("Location", redirect_location(ex, uris[0], ex.settings)))
    if prefers_json(ex.request.header("accept")):
        body = json.dumps({
            "stored": [{"field": s.field, "name": s.name, "size": s.size, "location": uri}
                       for s, uri in zip(stored, uris)],
            "fields": fields,
        }, ensure_ascii=False).encode("utf-8") + b"\n"
        ctype = "application/json"
    else:
        items = []
        for s, uri in zip(stored, uris):
            name = html.escape(s.name)
            link = f'<a href="{html.escape(uri)}">{name}</a>' if uri is not None else name
            items.append(f"<li>{link} ({s.size} bytes)</li>\n")
        fields_part = ""
        if fields:
            fields_part = "<h2>Fields</h2>\n<dl>\n" + "".join(
                f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>\n" for k, v in fields.items()) + "</dl>\n"
        body = ("<html>\n<head><meta charset=\"utf-8\"><title>201 Created</title></head>\n<body>\n"
                f"<h1>Stored {len(stored)} file{'' if len(stored) == 1 else 's'}</h1>\n<ul>\n"
                + "".join(items) + "</ul>\n" + fields_part + "</body>\n</html>\n").encode("utf-8")
        ctype = "text/html; charset=utf-8"
    return Response(201, [("Content-Type", ctype)] + headers, body)
