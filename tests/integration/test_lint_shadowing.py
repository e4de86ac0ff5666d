"""The lint's "can never be selected" holds on live nginx: for each location it names, the URIs
that location is written for are answered by another one, by nginx and by nginxlite alike.

Every location answers ``return 200 "<id>"``; the lint runs on the same config.
"""

from __future__ import annotations

import pytest

from client import parse, raw
from conftest import require_nginx
from nginxlite.config import load_config

BODY = r"""
server {
    listen 127.0.0.1:PORT0;
    location ~ ^/x$ { return 200 "x1"; }
    location ~ ^/x$ { return 200 "x2"; }
    location ~* ^/y$ { return 200 "y1"; }
    location ~ ^/y$ { return 200 "y2"; }
    location ~ ^/img { return 200 "img"; }
    location ~ ^/img/.*\.png$ { return 200 "png"; }
    location /img/ { return 200 "imgprefix"; }
    location /a/ {
        location /a/b/c { return 200 "abc"; }
        location = /a/b/d { return 200 "abd"; }
        location = /a/e { return 200 "ae-nested"; }
        return 200 "a";
    }
    location /a/b/ { return 200 "ab"; }
    location = /a/e { return 200 "ae"; }
    location /f/ {
        location ~ / { return 200 "any"; }
        location ~ \.css$ { return 200 "css"; }
    }
}
"""

# (the shadowed location's id, URIs it is written for)
SHADOWED = [
    ("x2", ["/x"]),
    ("y2", ["/y"]),
    ("png", ["/img/a.png", "/img/b/c.png"]),
    ("imgprefix", ["/img/", "/img/z"]),
    ("abc", ["/a/b/c", "/a/b/cd"]),
    ("abd", ["/a/b/d"]),
    ("ae-nested", ["/a/e"]),
    ("css", ["/f/s.css"]),
]


def _body(port: int, uri: str) -> bytes:
    reply, _ = parse(raw(port, f"GET {uri} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()))
    return reply.body


def test_each_shadowed_location_is_never_selected(serve, oracle, tmp_path):
    require_nginx()
    ngx = oracle(BODY)
    lite = serve(BODY)
    config = load_config(str(lite.root / "site.conf"), str(lite.root))
    lines = [w.pos.line for w in config.warnings if "can never be selected" in w.message]
    assert len(lines) == len(SHADOWED)
    for shadowed, uris in SHADOWED:
        for uri in uris:
            theirs, ours = _body(ngx.port, uri), _body(lite.port, uri)
            assert theirs == ours and theirs != shadowed.encode(), (shadowed, uri, theirs, ours)
