"""A file being received (a PUT, an upload): a temporary file beside its final place.

Rules:
- Created in the folder it will be put in (so putting it in place is one
  ``rename``/``link`` on the same file system), ``O_EXCL``, mode 0600, a random
  name after a prefix that says who made it; never visible under its real name
  before it is complete.
- ``write`` writes everything it is given (short writes are looped); an
  ``OSError`` is the caller's to answer (and to ``discard`` after).
- ``discard`` closes and removes it, and may be called any number of times; after
  ``close`` the caller owns ``path`` (it renames or links it, then ``forget``s it).
"""

from __future__ import annotations

import os


class Spool:
    __slots__ = ("fd", "path")

    def __init__(self, folder: bytes, prefix: bytes) -> None:
        while True:
            path = os.path.join(folder, prefix + os.urandom(8).hex().encode())
            try:
                self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            except FileExistsError:
                continue
            self.path: bytes | None = path
            return

    def write(self, data) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def forget(self) -> None:
        """The file is in place under its name: nothing to remove any more."""
        self.path = None

    def discard(self) -> None:
        self.close()
        if self.path is not None:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self.path = None
