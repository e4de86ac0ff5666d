"""expires, charset and gzip: their settings, nginx's parsing of Accept-Encoding and
User-Agent, and the streaming gzip body (``GzipSource``).  Their answers are checked
against nginx in tests/integration/test_differential_filters.py."""

from __future__ import annotations

import os
import time
import zlib

import pytest

from nginxlite.config import load_config
from nginxlite.config.directives import parse_expires
from nginxlite.config.model import CHARSET_TYPES, Expires
from nginxlite.errors import ConfigError
from nginxlite.handlers import filters
from nginxlite.handlers.expires import next_time
from nginxlite.handlers.gzip_filter import GzipSource, accepts_gzip, is_msie6
from nginxlite.http.body import UNKNOWN, WAIT, FileSlice, Pieces, Source


def settings_of(write, body: str):
    path = write("nginx.conf", "events {}\nhttp {\n" + body + "\n}\n")
    cfg = load_config(path, os.path.dirname(path))
    server = cfg.servers[0]
    return server.settings, [loc.settings for loc in server.locations]


def test_settings_and_inheritance(write):
    http, (inner, off) = settings_of(write, """
        server {
            listen 127.0.0.1:8080;
            expires modified 1h;
            gzip on; gzip_types text/css; gzip_comp_level 5; gzip_vary on; gzip_proxied expired auth;
            gzip_disable msie6 "^curl"; gzip_http_version 1.0; gzip_min_length 1k;
            charset utf-8; charset_types text/css;
            location /a/ { expires @1h30m; charset_types *; gzip_types *; }
            location /b/ { expires off; charset off; gzip off; }
        }""")
    assert http.expires == Expires("modified", 3600)
    assert http.gzip and http.gzip_comp_level == 5 and http.gzip_vary and http.gzip_min_length == 1024
    assert http.gzip_types == ("text/css", "text/html")
    assert http.gzip_proxied == ("auth", "expired")
    assert http.gzip_http_version == 0
    assert http.gzip_disable[0] == "msie6" and http.gzip_disable[1].search("curl/8")
    assert http.charset == "utf-8" and http.charset_types == ("text/css", "text/html")
    assert inner.expires == Expires("daily", 5400) and inner.charset_types is None and inner.gzip_types is None
    assert inner.charset == "utf-8" and inner.gzip
    assert off.expires is None and off.charset is None and not off.gzip


def test_defaults(write):
    http, _ = settings_of(write, "server { listen 127.0.0.1:8080; }")
    assert http.expires is None and http.charset is None and not http.gzip
    assert http.charset_types == CHARSET_TYPES and http.gzip_types == ("text/html",)
    assert (http.gzip_min_length, http.gzip_comp_level, http.gzip_http_version) == (20, 1, 1)


def test_a_source_charset_that_needs_recoding_is_refused(write):
    with pytest.raises(ConfigError, match='no "charset_map" between the charsets "koi8-r" and "utf-8"'):
        settings_of(write, "charset utf-8; source_charset koi8-r; server { listen 127.0.0.1:8080; }")
    with pytest.raises(ConfigError, match="nginxlite does not recode"):
        settings_of(write, "server { listen 127.0.0.1:8080; charset utf-8; location / { source_charset latin1; } }")


@pytest.mark.parametrize("text, modified, expected", [
    ("1h", False, ("access", 3600)), ("-1h", False, ("access", -3600)), ("+30s", False, ("access", 30)),
    ("epoch", False, ("epoch", 0)), ("max", False, ("max", 0)), ("off", False, ("off", 0)),
    ("@13h", False, ("daily", 13 * 3600)), ("1d", True, ("modified", 86400)), ("0", False, ("access", 0)),
])
def test_parse_expires(text, modified, expected):
    assert parse_expires(text, modified) == expected


@pytest.mark.parametrize("text, modified", [("epoch", True), ("@1h", True), ("@25h", False), ("x", False), ("", False)])
def test_parse_expires_refuses(text, modified):
    with pytest.raises(ValueError):
        parse_expires(text, modified)


def test_next_time_is_the_next_such_local_time():
    now = int(time.time())
    when = next_time(0, now)  # the next local midnight
    assert 0 < when - now <= 86400 + 3600
    assert time.localtime(when)[3:6] == (0, 0, 0)


@pytest.mark.parametrize("value, ok", [
    ("gzip", True), ("GZIP", True), ("deflate, gzip", True), ("deflate,gzip", True), ("br gzip", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("gzip;q=0.5", True), ("gzip;q=1", True), ("gzip;q=1.5", False),
    ("gzip;q=0.0001", False), ("x-gzip", False), ("gzipx", False), ("gzip ;q=0", False), ("gzip, deflate", True),
    ("gzip;q=", False), ("gzip;level=1", False),
])
def test_accept_encoding_as_nginx_reads_it(value, ok):
    assert (value.startswith("gzip,") or accepts_gzip(value)) is ok


@pytest.mark.parametrize("agent, msie6", [
    ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", True),
    ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", False),
    ("Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)", True),
    ("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)", False),
    ("Opera/9.0 (compatible; MSIE 6.0)", False),
    ("curl/8.0", False),
])
def test_msie6(agent, msie6):
    assert is_msie6(agent) is msie6


def test_filters_are_in_nginx_order():
    names = [f.__name__ for f in filters.HEADER_FILTERS]
    assert names == ["expires_filter", "add_header_filter", "session_filter", "charset_filter", "gzip_filter"]


def drain(source: Source) -> bytes:
    out = []
    while True:
        piece = source.pull()
        if piece is None:
            return b"".join(out)
        assert piece is not WAIT and type(piece) is bytes and piece
        out.append(piece)


def test_gzip_source_of_bytes():
    data = b"hello world " * 1000
    source = GzipSource(data, 1)
    assert source.length == UNKNOWN
    assert zlib.decompress(drain(source), 31) == data


def test_gzip_source_reads_a_file_in_pieces(tmp_path):
    data = os.urandom(300 << 10)
    path = tmp_path / "f"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    source = GzipSource(FileSlice(fd, 1000, len(data) - 2000), 6)
    pieces = []
    while (piece := source.pull()) is not None:
        pieces.append(piece)
    assert len(pieces) > 2  # never the whole file at once
    assert zlib.decompress(b"".join(pieces), 31) == data[1000:-1000]
    source.close()
    with pytest.raises(OSError):
        os.fstat(fd)  # the slice's owner closed it


class Script(Source):
    """A stream that has nothing, then a piece, then nothing, then its end."""

    def __init__(self, pieces) -> None:
        super().__init__(UNKNOWN)
        self.pieces = list(pieces)
        self.closed = False

    def pull(self):
        return self.pieces.pop(0) if self.pieces else None

    def close(self) -> None:
        self.closed = True


def test_gzip_source_of_a_stream_flushes_each_piece_and_passes_wait():
    inner = Script([WAIT, b"first line\n", WAIT, b"second line\n", None])
    source = GzipSource(inner, 1)
    woken = []
    source.on_ready = lambda: woken.append(1)
    assert source.pull() is WAIT
    first = source.pull()
    # Z_SYNC_FLUSH: what the script wrote so far decompresses on its own
    assert zlib.decompressobj(31).decompress(first) == b"first line\n"
    inner.ready()
    assert woken == [1]  # the inner source's ready() reaches the connection
    assert source.pull() is WAIT
    second = source.pull()
    rest = drain(source)
    assert zlib.decompress(first + second + rest, 31) == b"first line\nsecond line\n"
    source.close()
    assert inner.closed


def test_gzip_source_of_pieces_with_file_slices(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789" * 10000)
    fd = os.open(path, os.O_RDONLY)
    owner = FileSlice(fd, 0, 0)
    source = GzipSource(Pieces([b"head ", FileSlice(fd, 5, 100000 - 5, owner=False), b" tail"], owner), 1)
    expected = b"head " + (b"0123456789" * 10000)[5:] + b" tail"
    assert zlib.decompress(drain(source), 31) == expected
    source.close()
