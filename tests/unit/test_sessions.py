"""Sessions without sockets: the pipeline's session step, its header filter, the store's sweep."""

from __future__ import annotations

import os
import time

import pytest

from nginxlite.config import load_config
from nginxlite.handlers import sessions
from nginxlite.handlers.pipeline import ConnInfo, Exchange, finalize, respond
from nginxlite.http import cookies
from nginxlite.http.parser import parse_head
from nginxlite.http.response import Response


@pytest.fixture
def site(write, tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "a.txt").write_text("A")
    config = load_config(write("site.conf", f"server {{ listen 8080; root {tmp_path}/www; session on;\n"
                                            "session_timeout 10m; session_max_age 1h;\n"
                                            "location /off/ { session off; } }"), str(tmp_path))
    vhosts = next(iter(config.vhosts.values()))

    def _get(target: str = "/a.txt", cookie: str | None = None):
        head = f"GET {target} HTTP/1.1\r\nHost: x" + (f"\r\nCookie: {cookie}" if cookie else "")
        ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        return respond(ex), ex

    _get.store = tmp_path / "sessions"
    _get.config = config
    return _get


def set_cookie(response: Response) -> str | None:
    return next((v for k, v in response.headers if k == "Set-Cookie"), None)


def sid_of(response: Response) -> str:
    return set_cookie(response).split(";")[0].split("=", 1)[1]


def test_a_new_client_gets_a_session_cookie_and_the_store_two_files(site):
    response, ex = site()
    assert response.status == 200
    cookie = set_cookie(response)
    assert cookie.endswith("; Path=/; HttpOnly; SameSite=Lax") and len(sid_of(response)) == 22
    assert ("Cache-Control", 'no-cache="Set-Cookie"') in response.headers
    files = sorted(os.listdir(site.store))
    assert [f.rsplit(".", 1)[1] for f in files] == ["json", "meta"] and sid_of(response) not in "".join(files)
    assert os.stat(site.store / files[0]).st_mode & 0o777 == 0o600


def test_a_known_session_is_kept_without_a_new_cookie(site):
    first, _ = site()
    again, ex = site(cookie=f"other=1; NLSESSID={sid_of(first)}")
    assert set_cookie(again) is None and ex.session.id == sid_of(first)


@pytest.mark.parametrize("cookie", ["NLSESSID=forgedforgedforgedforg", "NLSESSID=../../etc/passwd", "NLSESSID=",
                                    "NLSESSID"])
def test_an_id_the_server_did_not_issue_is_never_adopted(site, cookie):
    response, ex = site(cookie=cookie)
    assert set_cookie(response) is not None and ex.session.id not in cookie


def test_an_expired_session_is_replaced_and_removed(site):
    first, ex = site()
    old = ex.session
    past = time.time() - 3600
    os.utime(old.meta, (past, past))  # idle longer than session_timeout
    response, ex = site(cookie=f"NLSESSID={old.id}")
    assert sid_of(response) != old.id and not os.path.exists(old.meta) and not os.path.exists(old.data)


def test_an_unreadable_session_file_is_a_new_session_and_a_log_line(site):
    first, ex = site()
    with open(ex.session.meta, "w") as f:
        f.write("garbage")
    response, ex2 = site(cookie=f"NLSESSID={ex.session.id}")
    assert response.status == 200 and sid_of(response) != ex.session.id
    assert "is unreadable" in ex2.notes[0] and ex.session.id not in ex2.notes[0]


def test_a_location_with_session_off_sets_no_cookie(site):
    response, ex = site("/off/")
    assert ex.session is None and set_cookie(response) is None


def test_error_pages_in_a_session_location_carry_the_cookie_too(site):
    response, _ = site("/missing")
    assert response.status == 404 and set_cookie(response) is not None


def test_a_script_that_sets_the_session_cookie_ends_the_session(site):
    _, ex = site()
    session = ex.session
    ex.session.new = False
    logout = Response(200, [("Set-Cookie", "NLSESSID=; Max-Age=0")], b"bye")
    finalize(ex, logout)
    assert logout.headers == [("Set-Cookie", "NLSESSID=; Max-Age=0")] and not os.path.exists(session.meta)


def test_regenerate_moves_the_data_to_a_new_id(site):
    _, ex = site()
    old = ex.session
    old.new = False
    with open(old.data, "w") as f:
        f.write('{"user": "ann"}')
    login = Response(200, [("X-Session-Regenerate", "1")], b"welcome")
    finalize(ex, login)
    new_id = sid_of(login)
    assert new_id != old.id and all(k != "X-Session-Regenerate" for k, _ in login.headers)
    assert not os.path.exists(old.data) and open(ex.session.data).read() == '{"user": "ann"}'


def test_the_sweep_removes_expired_sessions_only(site):
    _, fresh = site()
    _, stale = site()
    past = time.time() - 3600
    os.utime(stale.session.meta, (past, past))
    assert sessions.stores(site.config) == {str(site.store): (600.0, 3600.0)}
    assert sessions.sweep(str(site.store), 600, 3600) == 2
    assert os.path.exists(fresh.session.meta) and not os.path.exists(stale.session.data)


@pytest.mark.parametrize("lines, pairs", [
    (["a=1; b=2"], [("a", "1"), ("b", "2")]),
    (["a=1", "b=2;c"], [("a", "1"), ("b", "2")]),
    ([' q="quoted" ; =x; e='], [("q", "quoted"), ("e", "")]),
    (["bad=\x01; ok=1"], [("ok", "1")]),
])
def test_cookie_headers_are_parsed_leniently(lines, pairs):
    assert cookies.parse(lines) == pairs


def test_the_cookie_is_secure_over_tls(site):
    import dataclasses  # noqa: PLC0415

    response, ex = site()
    assert "Secure" not in set_cookie(response)
    tls = Exchange(parse_head("GET /a.txt HTTP/1.1\r\nHost: x"), dataclasses.replace(ex.conn, tls=True))
    cookie = set_cookie(respond(tls))
    assert cookie.endswith("; Path=/; HttpOnly; Secure; SameSite=Lax")
