"""Small static files kept in memory between requests, and never served stale.

Rules:
- An entry is keyed by the file's path and remembers the file's identity as
  ``stat`` reports it: device, inode, size, mtime and ctime in nanoseconds.
  Every use stats the path again (one system call instead of open, fstat,
  read and close); any difference reads the file afresh.
- A file changed less than ``SETTLE`` seconds before it was read is served but
  not kept: file timestamps advance in kernel ticks, so a same-size rewrite
  within one tick would keep the identity (git's "racy" rule).  A kept file's
  next change therefore always shows in its identity.
- Only regular files of at most ``MAX_FILE`` bytes, at most ``MAX_ENTRIES``
  files and ``MAX_BYTES`` bytes in all; when full, the oldest entries go first.
- The header lines that depend on the file alone (Content-Type, Content-Length,
  Last-Modified, ETag, Accept-Ranges) are rendered once per entry and per
  (type, etag, accept-ranges) triple, so a hit builds no header list.
"""

from __future__ import annotations

import os
import time

from nginxlite.http.response import http_date

MAX_FILE = 32 << 10
MAX_ENTRIES = 1024
MAX_BYTES = 8 << 20
SETTLE = 2.0


class Entry:
    __slots__ = ("identity", "body", "mtime", "heads")

    def __init__(self, identity: tuple, body: bytes, mtime: int) -> None:
        self.identity = identity
        self.body = body
        self.mtime = mtime
        self.heads: dict[tuple[str, bool, bool], bytes] = {}

    def head(self, content_type: str, etag: bool, accept_ranges: bool = True) -> bytes:
        """The file's header lines for this content type, with or without ETag and Accept-Ranges."""
        key = (content_type, etag, accept_ranges)
        lines = self.heads.get(key)
        if lines is None:
            size = len(self.body)
            tag = f'ETag: "{self.mtime:x}-{size:x}"\r\n' if etag else ""
            accept = "Accept-Ranges: bytes\r\n" if accept_ranges else ""
            lines = self.heads[key] = (f"Content-Type: {content_type}\r\nContent-Length: {size}\r\n"
                                       f"Last-Modified: {http_date(self.mtime)}\r\n{tag}{accept}"
                                       ).encode("latin-1")
        return lines


def identity(st: os.stat_result) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileCache:
    def __init__(self) -> None:
        self.entries: dict[bytes, Entry] = {}
        self.bytes = 0

    def get(self, path: bytes, st: os.stat_result) -> Entry | None:
        """The cached entry for ``path`` if ``st`` (a fresh stat of it) says it is unchanged."""
        entry = self.entries.get(path)
        if entry is not None and entry.identity != identity(st):
            self.drop(path)
            return None
        return entry

    def load(self, path: bytes, fd: int, st: os.stat_result) -> Entry | None:
        """Read a small regular file from its open descriptor; keep it if it has settled.
        None if the file changed size while being read."""
        body = os.pread(fd, st.st_size, 0)
        if len(body) != st.st_size:
            return None
        entry = Entry(identity(st), body, int(st.st_mtime))
        if time.time() - max(st.st_mtime, st.st_ctime) >= SETTLE:
            self.keep(path, entry)
        return entry

    def keep(self, path: bytes, entry: Entry) -> None:
        self.drop(path)
        entries = self.entries
        while entries and (len(entries) >= MAX_ENTRIES or self.bytes + len(entry.body) > MAX_BYTES):
            self.drop(next(iter(entries)))
        entries[path] = entry
        self.bytes += len(entry.body)

    def drop(self, path: bytes) -> None:
        entry = self.entries.pop(path, None)
        if entry is not None:
            self.bytes -= len(entry.body)

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0


CACHE = FileCache()
