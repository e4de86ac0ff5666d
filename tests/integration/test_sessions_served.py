"""Sessions through real sockets: the cookie, the store, the scripts that use it.

``requests.Session`` is the browser's cookie jar.  The counter is the default
site's ``cgi/session.py`` (SESSION_FILE's ``visits``), the logout its
``cgi/logout.py``; ``regen.py`` (here) asks for a new id with
``X-Session-Regenerate: 1``.  Expiry is made by setting the store's mtimes back,
never by waiting.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from nginxlite.handlers import sessions
from servers import REPO, start_nginxlite, stop_nginxlite

TIMEOUT = 10
CONFIG = """
server {
    listen 127.0.0.1:PORT0;
    root ROOT/www;
    location /s/ {
        session on;
        session_store ROOT/store;
        session_timeout 10m;
        location ~ \\.py$ { cgi_pass /usr/bin/python3; }
    }
    location /plain/ { }
}
"""
REGEN = """\
import json, os, sys
with open(os.environ["SESSION_FILE"]) as f:
    visits = json.load(f).get("visits", 0)
sys.stdout.write(f"Content-Type: text/plain\\r\\nX-Session-Regenerate: 1\\r\\n\\r\\n{visits}\\n")
"""
FILES = {
    "www/s/session.py": (REPO / "cgi" / "session.py").read_text(),
    "www/s/logout.py": (REPO / "cgi" / "logout.py").read_text(),
    "www/s/regen.py": REGEN,
    "www/s/a.txt": "static\n",
    "www/plain/a.txt": "plain\n",
}


@pytest.fixture
def site(tmp_path):
    servers = []

    def start():
        running = start_nginxlite(tmp_path / "srv", CONFIG, files=FILES)
        servers.append(running)
        return running

    site = start()
    site.restart = start
    site.store = tmp_path / "srv" / "store"
    yield site
    for running in servers:
        if running.proc.poll() is None:
            stop_nginxlite(running)


def visits(client: requests.Session, site, cookie: str | None = None) -> int:
    """The counter's answer; ``cookie``: the NLSESSID sent instead of the jar's."""
    headers = {} if cookie is None else {"Cookie": f"NLSESSID={cookie}"}
    reply = client.get(site.url("/s/session.py"), headers=headers, timeout=TIMEOUT)
    assert reply.status_code == 200, reply.text
    return int(re.search(r'id="visits">(\d+)<', reply.text).group(1))


def sid(client: requests.Session) -> str:
    return client.cookies["NLSESSID"]


def store_files(site, session_id: str) -> list[Path]:
    key = hashlib.sha256(session_id.encode()).hexdigest()
    return [site.store / f"{key}.meta", site.store / f"{key}.json"]


def age(site, seconds: float) -> None:
    """Every session of the store last used ``seconds`` ago."""
    then = time.time() - seconds
    for path in site.store.iterdir():
        os.utime(path, (then, then))


def test_visits_count_per_client(site):
    one, two = requests.Session(), requests.Session()
    assert [visits(one, site) for _ in range(3)] == [1, 2, 3]
    assert visits(two, site) == 1
    assert visits(one, site) == 4 and sid(one) != sid(two)


def test_the_counter_survives_a_restart(site):
    client = requests.Session()
    assert [visits(client, site) for _ in range(2)] == [1, 2]
    stop_nginxlite(site)
    again = site.restart()  # the same folder and store, another port: cookies ignore ports
    assert visits(client, again) == 3


@pytest.mark.parametrize("cookie", ["A" * 22, "not a session id", "../../etc/passwd", ""])
def test_an_id_the_store_does_not_hold_is_replaced(site, cookie):
    client = requests.Session()
    assert visits(client, site, cookie) == 1
    assert sid(client) != cookie and all(p.exists() for p in store_files(site, sid(client)))


def test_an_expired_id_is_replaced(site):
    client = requests.Session()
    assert [visits(client, site) for _ in range(2)] == [1, 2]
    old = sid(client)
    age(site, 11 * 60)  # session_timeout 10m
    assert visits(client, site) == 1
    assert sid(client) != old and not any(p.exists() for p in store_files(site, old))


def test_cookie_attributes(site):
    reply = requests.get(site.url("/s/session.py"), timeout=TIMEOUT)
    cookie = reply.headers["Set-Cookie"]
    name, _, attributes = cookie.partition("; ")
    assert re.fullmatch(r"NLSESSID=[A-Za-z0-9_-]{22}", name)
    assert attributes == "Path=/; HttpOnly; SameSite=Lax"  # no Max-Age, no Expires: a browser session


def test_static_files_of_a_session_location_carry_the_cookie(site):
    client = requests.Session()
    first = client.get(site.url("/s/a.txt"), timeout=TIMEOUT)
    assert (first.status_code, first.text) == (200, "static\n") and "NLSESSID=" in first.headers["Set-Cookie"]
    assert "Set-Cookie" not in client.get(site.url("/s/a.txt"), timeout=TIMEOUT).headers  # known now
    assert visits(client, site) == 1  # the same session as the static file's
    assert "Set-Cookie" not in requests.get(site.url("/plain/a.txt"), timeout=TIMEOUT).headers


def test_logout_destroys_the_store_entry(site):
    client = requests.Session()
    assert [visits(client, site) for _ in range(2)] == [1, 2]
    old = sid(client)
    assert all(p.exists() for p in store_files(site, old))
    reply = client.get(site.url("/s/logout.py"), timeout=TIMEOUT)
    assert reply.status_code == 200 and "session ended" in reply.text
    assert reply.headers["Set-Cookie"] == "NLSESSID=; Path=/; Max-Age=0"  # the script's, untouched
    assert not any(p.exists() for p in store_files(site, old))
    assert "NLSESSID" not in client.cookies
    replay = requests.Session()
    assert visits(replay, site, old) == 1 and sid(replay) != old


def test_regenerate_changes_the_id_and_keeps_the_data(site):
    client = requests.Session()
    assert [visits(client, site) for _ in range(2)] == [1, 2]
    old = sid(client)
    reply = client.get(site.url("/s/regen.py"), timeout=TIMEOUT)
    assert reply.text == "2\n" and "X-Session-Regenerate" not in reply.headers
    assert sid(client) != old and not any(p.exists() for p in store_files(site, old))
    assert visits(client, site) == 3


def test_the_sweep_removes_expired_sessions(site):
    """The server sweeps every SWEEP_EVERY seconds; the sweep itself runs here on its store."""
    old, fresh = requests.Session(), requests.Session()
    visits(old, site)
    age(site, 11 * 60)
    visits(fresh, site)
    assert sessions.sweep(str(site.store), 600, 3600) == 2
    assert not any(p.exists() for p in store_files(site, sid(old)))
    assert all(p.exists() for p in store_files(site, sid(fresh)))
    assert visits(fresh, site) == 2
    assert sessions.stores(_config(site)) == {str(site.store): (600.0, 8 * 3600.0)}


def _config(site):
    from nginxlite.config import load_config
    return load_config(str(site.root / "site.conf"), str(site.root))


def test_parallel_requests_of_one_session_answer_promptly(site):
    client = requests.Session()
    assert visits(client, site) == 1
    cookie = {"NLSESSID": sid(client)}

    def one(_):
        started = time.monotonic()
        reply = requests.get(site.url("/s/session.py"), cookies=cookie, timeout=TIMEOUT)
        return reply.status_code, "Set-Cookie" in reply.headers, time.monotonic() - started

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert all(status == 200 and not new for status, new, _ in results), results
    assert max(elapsed for *_, elapsed in results) < TIMEOUT
    assert 2 <= visits(client, site) <= 22  # no lock: the last writer wins, never a lost file
