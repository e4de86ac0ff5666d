"""``--explain`` answers what the running server answers: one config, each decision once.

The server runs on the config; for each case the same request goes to the socket
and to ``--explain`` (the CLI's ``main``, in this process), and the status (and Location,
when there is one) must be the same.  Each case names the decision it exercises.
"""

from __future__ import annotations

import re

import pytest

from client import parse, raw
from nginxlite.cli import main
from servers import start_nginxlite, stop_nginxlite

CONF = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name a.test *.w.test;
    root ROOT/www;
    index index.html;
    location / { }
    location = /exact { return 200 exact; }
    location ^~ /caret/ { return 200 caret; }
    location ~ \.php$ { return 200 php; }
    location /old { return 301 /new/; }
    location /away { return 302 http://example.test/x; }
    location /list/ { autoindex on; }
    location /static/ { alias ROOT/assets/; }
    location /t/ { try_files $uri $uri/ @fb; }
    location /t404/ { try_files $uri =404; }
    location /tredir/ { try_files $uri /file.txt; }
    location @fb { return 200 fallback; }
    location /ep/ { error_page 404 /file.txt; }
    location /ep200/ { error_page 404 =200 @fb; }
    location /epext/ { error_page 404 http://example.test/missing; }
    location /only-get/ { allow_methods GET; return 200 got; }
    location /le/ { limit_except GET { deny all; } return 200 le; }
    location /denied/ { deny all; }
    location = /status { stub_status; }
}
server { listen 127.0.0.1:PORT0; server_name b.test; return 301 https://b.test$request_uri; }
server { listen 127.0.0.1:PORT0; server_name c.test; location / { return 200 c; } }
"""

FILES = {
    "www/file.txt": "file\n",
    "www/index.html": "top index\n",
    "www/dir/index.html": "dir index\n",
    "www/empty/.keep": "",
    "www/list/a.txt": "a\n",
    "www/t/there.txt": "t\n",
    "www/ep/.keep": "",
    "assets/app.css": "css\n",
}

# (decision, method, host, target)
CASES = [
    ("default server", "GET", "unknown.test", "/exact"),
    ("exact server name", "GET", "c.test", "/exact"),
    ("wildcard server name", "GET", "x.w.test", "/exact"),
    ("server-level return", "GET", "b.test", "/q?x=1"),
    ("exact location", "GET", "a.test", "/exact"),
    ("caret prefix stops regexes", "GET", "a.test", "/caret/x.php"),
    ("regex location", "GET", "a.test", "/x.php"),
    ("location return redirect", "GET", "a.test", "/old"),
    ("location return external", "GET", "a.test", "/away"),
    ("root static file", "GET", "a.test", "/file.txt"),
    ("missing file", "GET", "a.test", "/nope.txt"),
    ("directory without slash", "GET", "a.test", "/dir"),
    ("index file", "GET", "a.test", "/dir/"),
    ("index name is a directory", "GET", "a.test", "/d/"),
    ("no index file", "GET", "a.test", "/empty/"),
    ("autoindex", "GET", "a.test", "/list/"),
    ("alias", "GET", "a.test", "/static/app.css"),
    ("alias missing", "GET", "a.test", "/static/none.css"),
    ("try_files found", "GET", "a.test", "/t/there.txt"),
    ("try_files named fallback", "GET", "a.test", "/t/none"),
    ("try_files =404", "GET", "a.test", "/t404/none"),
    ("try_files uri fallback", "GET", "a.test", "/tredir/none"),
    ("error_page internal redirect", "GET", "a.test", "/ep/none"),
    ("error_page =200 named", "GET", "a.test", "/ep200/none"),
    ("error_page external", "GET", "a.test", "/epext/none"),
    ("allow_methods refuses", "POST", "a.test", "/only-get/"),
    ("allow_methods allows", "GET", "a.test", "/only-get/"),
    ("limit_except limited", "POST", "a.test", "/le/"),
    ("limit_except not limited", "GET", "a.test", "/le/"),
    ("access deny", "GET", "a.test", "/denied/"),
    ("stub_status", "GET", "a.test", "/status"),
    ("static POST", "POST", "a.test", "/file.txt"),
    ("TRACE", "TRACE", "a.test", "/"),
    ("unknown method", "BREW", "a.test", "/"),
    ("URI above the root", "GET", "a.test", "/../x"),
    ("dot segments", "GET", "a.test", "/dir/../file.txt"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("explain")
    (root / "www" / "d" / "index.html").mkdir(parents=True)
    running = start_nginxlite(root, CONF, files=FILES)
    yield running
    stop_nginxlite(running)


def _explained(capsys, site, method: str, host: str, target: str) -> tuple[int, str | None, str]:
    url = f"{method} http://{host}:{site.port}{target}"
    assert main(["-c", str(site.root / "site.conf"), "-p", str(site.root), "--explain", url]) == 0
    out = capsys.readouterr().out
    found = re.search(r"^answer    (\d+) [^,\n]*(?:, Location: ([^,\n]+))?", out, re.M)
    assert found, out
    return int(found.group(1)), found.group(2), out


@pytest.mark.parametrize("decision,method,host,target", CASES, ids=[c[0] for c in CASES])
def test_explain_gives_the_servers_answer(capsys, site, decision, method, host, target):
    request = f"{method} {target} HTTP/1.1\r\nHost: {host}:{site.port}\r\nConnection: close\r\n"
    if method == "POST":
        request += "Content-Length: 0\r\n"
    reply, _ = parse(raw(site.port, (request + "\r\n").encode()), head=method == "HEAD")
    status, location, report = _explained(capsys, site, method, host, target)
    assert (status, location) == (reply.status, reply.header("Location")), report


def test_the_index_directory_case_is_a_301(capsys, site):
    status, location, report = _explained(capsys, site, "GET", "a.test", "/d/")
    assert status == 301 and location.endswith("/d/index.html/"), report
