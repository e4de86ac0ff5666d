"""Response bodies: what a connection sends after the head, pulled piece by piece.

Rules:
- A ``Response.body`` is ``bytes`` (sent with the head in one write), a
  ``FileSlice`` (bytes of an open file, sent with ``sendfile`` where the
  transport can), or a ``Source``: anything that produces the body over time
  (multipart ranges, a directory listing of unknown length, later CGI output
  and gzip).
- A ``Source`` says its ``length`` (``UNKNOWN`` when it cannot: the connection
  then frames chunks itself for HTTP/1.1, or ends the body by closing for
  HTTP/1.0).  ``pull()`` returns the next piece: ``bytes``, a ``FileSlice``,
  ``WAIT`` (nothing yet: the source calls ``ready()`` when it has more), or
  ``None`` (the end).  The connection pulls only while its output buffer is
  below its high-water mark, so a fast source never fills memory.
- Whoever opened a descriptor closes it: a ``FileSlice`` with ``owner`` closes
  its file, a ``Source`` closes what it holds in ``close()``.  The connection
  calls ``close_body`` exactly once per response: sent whole, cut short by the
  client, or never sent (HEAD, 304).
"""

from __future__ import annotations

import os
from collections.abc import Callable

UNKNOWN = -1  # a body whose length is known only at its end


class _Wait:
    __slots__ = ()

    def __repr__(self) -> str:
        return "WAIT"


WAIT = _Wait()  # pull(): nothing yet, ready() follows


class FileSlice:
    """``length`` bytes of an open file from ``offset``; ``owner`` closes the descriptor.
    The connection advances ``offset`` and ``length`` as it sends."""

    __slots__ = ("fd", "offset", "length", "owner")

    def __init__(self, fd: int, offset: int, length: int, owner: bool = True) -> None:
        self.fd = fd
        self.offset = offset
        self.length = length
        self.owner = owner

    def read(self) -> bytes:
        """The slice's bytes, for a transport that cannot ``sendfile`` or a filter that
        needs them; short when the file shrank."""
        return os.pread(self.fd, self.length, self.offset)

    def close(self) -> None:
        if self.owner and self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
        self.fd = -1


class Source:
    """A body produced over time (see the module rules).  Subclasses set ``length`` and
    implement ``pull``; one that returns ``WAIT`` calls ``ready()`` when it has more."""

    __slots__ = ("length", "on_ready")

    def __init__(self, length: int = UNKNOWN) -> None:
        self.length = length
        self.on_ready: Callable[[], None] | None = None  # set by the connection sending it

    def pull(self):
        return None

    def ready(self) -> None:
        """More of the body can be pulled: the connection resumes sending."""
        if self.on_ready is not None:
            self.on_ready()

    def close(self) -> None:
        pass


class SourceError(Exception):
    """A source that cannot complete its body (a CGI script that stopped short): the
    connection logs the message as an [error] and cuts the response.  Anything else a
    source raises is a bug, logged with its traceback."""


class Pieces(Source):
    """A body made of known pieces, bytes and file slices (multipart byte ranges); its
    length is theirs.  ``owner``, if given, is the file the slices share, closed at the end."""

    __slots__ = ("pieces", "at", "owner")

    def __init__(self, pieces: list, owner: FileSlice | None = None) -> None:
        super().__init__(sum(len(p) if type(p) is bytes else p.length for p in pieces))
        self.pieces = pieces
        self.at = 0
        self.owner = owner

    def pull(self):
        at = self.at
        if at >= len(self.pieces):
            return None
        self.at = at + 1
        return self.pieces[at]

    def close(self) -> None:
        if self.owner is not None:
            self.owner.close()
            self.owner = None


class Unsized(Source):
    """Bytes sent without a Content-Length, as nginx sends its directory listings:
    chunked to HTTP/1.1 clients, ended by closing the connection for HTTP/1.0."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        super().__init__(UNKNOWN)
        self.data: bytes | None = data

    def pull(self):
        data, self.data = self.data, None
        return data


def read_if_small(response, limit: int):
    """A 200 whose body is a file slice of at most ``limit`` bytes (its If-* headers
    checked already) gets the bytes instead, so they go out with the head in one write;
    a file that changed size meanwhile is a 500."""
    file = response.body
    if type(file) is FileSlice and file.length <= limit and response.status == 200 and not response.head_only:
        try:
            response.body = file.read()
        finally:
            file.close()
        if len(response.body) != file.length:
            from nginxlite.errors import HttpError
            raise HttpError(500)  # the file changed size under us
    return response


def body_length(body) -> int:
    """The length a body announces (``UNKNOWN`` for a source that cannot say)."""
    return len(body) if type(body) is bytes else body.length


def close_body(body) -> None:
    """Release what a body holds (a file, a pipe); bytes hold nothing."""
    if type(body) is not bytes:
        body.close()


class _Full:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FULL"


FULL = _Full()  # Sink.feed(): took these bytes, send no more until drained()


class Sink:
    """A request body's consumer (a PUT's temporary file; later uploads, CGI's stdin).

    ``feed(data)`` takes every byte it is given; it returns ``FULL`` when it wants
    no more for now (the disk, the pipe is behind), and then calls ``drained()``
    when it does: meanwhile the connection stops reading the socket, so TCP pushes
    back on the client.  ``finish()`` answers (a Response, or a Deferred);
    ``abort()`` undoes everything (nothing half-written stays).
    """

    on_drain: Callable[[], None] | None = None  # set by the connection feeding it

    def feed(self, data: bytes):
        return None

    def drained(self) -> None:
        if self.on_drain is not None:
            self.on_drain()

    def finish(self):
        raise NotImplementedError

    def abort(self) -> None:
        pass
