"""The small-file cache: hits only while the file is unchanged, bounded, never stale."""

from __future__ import annotations

import os

from nginxlite.handlers import filecache
from nginxlite.handlers.filecache import FileCache


def load(cache: FileCache, path: str):
    fd = os.open(path, os.O_RDONLY)
    try:
        return cache.load(path.encode(), fd, os.fstat(fd))
    finally:
        os.close(fd)


def settled(path: str, age: float = 60.0) -> None:
    """Make the file look written ``age`` seconds ago (as a file that has not changed lately)."""
    st = os.stat(path)
    os.utime(path, (st.st_atime - age, st.st_mtime - age))


def test_settled_file_is_kept_and_hit(tmp_path, monkeypatch):
    path = str(tmp_path / "a.txt")
    (tmp_path / "a.txt").write_bytes(b"hello")
    settled(path)
    monkeypatch.setattr(filecache, "SETTLE", -1e9)  # ctime cannot be set back: accept any age
    cache = FileCache()
    entry = load(cache, path)
    assert entry.body == b"hello"
    assert cache.get(path.encode(), os.stat(path)) is entry


def test_fresh_file_is_served_but_not_kept(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello")
    cache = FileCache()
    assert load(cache, str(tmp_path / "a.txt")).body == b"hello"
    assert cache.entries == {}  # written just now: a same-tick rewrite could hide


def test_any_change_of_identity_misses(tmp_path, monkeypatch):
    monkeypatch.setattr(filecache, "SETTLE", -1e9)
    path = str(tmp_path / "a.txt")
    (tmp_path / "a.txt").write_bytes(b"hello")
    cache = FileCache()
    load(cache, path)
    (tmp_path / "a.txt").write_bytes(b"HELLO")  # same size, new content
    os.utime(path, ns=(0, 0))  # even with the mtime forced back, ctime and the stat differ
    assert cache.get(path.encode(), os.stat(path)) is None
    assert cache.entries == {}
    (tmp_path / "b.txt").write_bytes(b"other")
    load(cache, path)
    os.replace(tmp_path / "b.txt", path)  # replaced by rename: a new inode
    assert cache.get(path.encode(), os.stat(path)) is None


def test_bounded_by_count_and_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(filecache, "SETTLE", -1e9)
    monkeypatch.setattr(filecache, "MAX_ENTRIES", 3)
    monkeypatch.setattr(filecache, "MAX_BYTES", 10)
    cache = FileCache()
    for i in range(5):
        (tmp_path / f"{i}").write_bytes(b"abc")
        load(cache, str(tmp_path / f"{i}"))
    assert len(cache.entries) == 3 and cache.bytes == 9
    assert list(cache.entries) == [str(tmp_path / f"{i}").encode() for i in (2, 3, 4)]  # oldest went first
    (tmp_path / "big").write_bytes(b"0123456789")
    load(cache, str(tmp_path / "big"))
    assert list(cache.entries) == [str(tmp_path / "big").encode()] and cache.bytes == 10


def test_prepared_head_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(filecache, "SETTLE", -1e9)
    (tmp_path / "a.txt").write_bytes(b"hello")
    os.utime(tmp_path / "a.txt", (0, 784111777))
    entry = load(FileCache(), str(tmp_path / "a.txt"))
    assert entry.head("text/plain", True) == (b"Content-Type: text/plain\r\nContent-Length: 5\r\n"
                                              b"Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                              b'ETag: "2ebc98a1-5"\r\nAccept-Ranges: bytes\r\n')
    assert b"ETag" not in entry.head("text/plain", False)
    assert b"Accept-Ranges" not in entry.head("text/plain", True, False)  # max_ranges 0


def test_gzip_static_answers_from_the_cache_and_never_stale(write, tmp_path, monkeypatch):
    """gzip_static's FILE.gz goes through the same cache: one stat per hit, a rewrite seen."""
    import gzip

    from nginxlite.config import load_config
    from nginxlite.handlers.pipeline import ConnInfo, Exchange, respond
    from nginxlite.http.parser import parse_head

    monkeypatch.setattr(filecache, "SETTLE", -1e9)
    monkeypatch.setattr(filecache, "CACHE", FileCache())
    from nginxlite.handlers import gzip_static
    monkeypatch.setattr(gzip_static, "CACHE", filecache.CACHE)
    config = load_config(write("site.conf", f"server {{ listen 8080; root {tmp_path}/www; gzip_static on; "
                                            "gzip_vary on; }"), str(tmp_path))
    vhosts = next(iter(config.vhosts.values()))
    write("www/a.txt.gz", gzip.compress(b"first", mtime=0))

    def ask():
        ex = Exchange(parse_head("GET /a.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip"),
                      ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        response = respond(ex)
        return response, gzip.decompress(response.body)

    response, body = ask()
    assert body == b"first" and b"Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" in response.prepared
    assert b"Accept-Ranges" not in response.prepared  # nginx 1.22: no ranges on FILE.gz
    assert list(filecache.CACHE.entries) == [f"{tmp_path}/www/a.txt.gz".encode()]
    write("www/a.txt.gz", gzip.compress(b"second!", mtime=0))
    assert ask()[1] == b"second!"
