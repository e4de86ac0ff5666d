"""The bundled default site (sites/default.conf, html/, cgi/) as the README runs it, on free ports.

The server runs with the repository as its prefix, as ``nginxlite`` in a clone
does; the only change is the ports: the test writes a copy of the config with
its two ``listen`` addresses replaced (and mime.types beside it, since includes
are relative to the config's folder).  Uploads land in the repository's
``uploads/`` under unique names and are deleted by the test.
"""

from __future__ import annotations

import os
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from client import raw, parse
from servers import REPO, start_default_site

TIMEOUT = 10
PHP = os.path.exists("/usr/bin/php-cgi")
# Links whose answer is not 200, as the pages say.
EXPECTED = {"/old-page": 301, "/private/": 403, "/no-such-page": 404, "/broken": 500}


class Page(HTMLParser):
    """The links (a, link, img, script) and forms of a page, and its "what" line."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.what = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        link = a.get("href") if tag in ("a", "link") else a.get("src") if tag in ("img", "script") else None
        if link:
            self.links.append(link)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"),
                               "enctype": a.get("enctype"), "fields": {}})
        if tag in ("input", "textarea") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a
        if tag == "p" and "what" in (a.get("class") or "").split():
            self.what = True


def crawl(default_site) -> dict[str, requests.Response]:
    """Every same-origin page reachable from the home page, by path (redirects not followed)."""
    origin = default_site.url("/")
    seen: dict[str, requests.Response] = {}
    todo = ["/"]
    while todo:
        path = todo.pop()
        if path in seen or (path.startswith("/cgi/hello.php") and not PHP):
            continue
        reply = requests.get(urljoin(origin, path), allow_redirects=False, timeout=TIMEOUT)
        seen[path] = reply
        if reply.headers.get("Content-Type", "").startswith("text/html") and reply.status_code == 200:
            for link in Page(reply.text).links:
                url = urlsplit(urljoin(reply.url, link))
                if f"{url.scheme}://{url.netloc}/" == origin:
                    todo.append(url.path + (f"?{url.query}" if url.query else ""))
    return seen


def test_every_linked_page_answers(default_site):
    pages = crawl(default_site)
    for feature in ("/static.html", "/samples/", "/old-page", "/errors.html", "/upload.html", "/files.html",
                    "/uploads/", "/cgi.html", "/cgi/form.py", "/cgi/session.py", "/cgi/logout.py", "/status",
                    "/style.css", "/img/logo.svg", "/samples/sub/", "/cgi/env.py/extra?x=1", "/cgi/hello.sh?x=1"):
        assert feature in pages, feature
    wrong = {path: r.status_code for path, r in pages.items() if r.status_code != EXPECTED.get(path, 200)}
    assert not wrong, wrong
    assert pages["/old-page"].headers["Location"].endswith("/static.html")
    for path, reply in pages.items():  # the site's own pages say what they show
        own = path.endswith((".html", "/")) and not path.startswith(("/samples/", "/uploads/"))
        if own and reply.status_code == 200:
            assert Page(reply.text).what, path


def test_error_pages_are_the_sites(default_site):
    def title(text: str) -> str:
        return re.search(r"<h1>(.*?)</h1>", text).group(1)

    assert title(requests.get(default_site.url("/private/"), timeout=TIMEOUT).text) == "403 Forbidden"
    missing = requests.get(default_site.url(f"/no-such-page-{uuid.uuid4().hex}"), timeout=TIMEOUT)  # (see below)
    assert title(missing.text) == "404 Not Found" and "could not find" in missing.text
    assert title(requests.get(default_site.url("/broken"), timeout=TIMEOUT).text) == "500 Internal Server Error"
    forms = {f["action"]: f for f in Page(requests.get(default_site.url("/errors.html"), timeout=TIMEOUT).text).forms}
    not_allowed = requests.post(default_site.url(forms["/samples/"]["action"]), timeout=TIMEOUT)
    assert (not_allowed.status_code, title(not_allowed.text)) == (405, "405 Method Not Allowed")
    fields = {name: a["value"] for name, a in forms["/tiny"]["fields"].items()}
    too_large = requests.post(default_site.url("/tiny"), data=fields, timeout=TIMEOUT)
    assert (too_large.status_code, title(too_large.text)) == (413, "413 Request Entity Too Large")
    bad, _ = parse(raw(default_site.port, b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"))
    assert bad.status == 400 and b"<h1>400 Bad Request</h1>" in bad.body


def test_upload_through_the_form_list_and_delete(default_site):
    form = Page(requests.get(default_site.url("/upload.html"), timeout=TIMEOUT).text).forms[0]
    assert form["enctype"] == "multipart/form-data" and "multiple" in form["fields"]["files"]
    names = [f"test-{uuid.uuid4().hex}.txt", f"test-{uuid.uuid4().hex}.txt"]
    files = [("files", (name, f"content of {name}\n", "text/plain")) for name in names]
    reply = requests.post(default_site.url(form["action"]), files=files, data={"note": "hi"}, timeout=TIMEOUT)
    try:
        assert reply.status_code == 201, reply.text
        assert all(name in reply.text for name in names)
        stored = requests.get(default_site.url(f"/uploads/{names[0]}"), timeout=TIMEOUT)
        assert stored.text == f"content of {names[0]}\n"
        assert names[0] in requests.get(default_site.url("/uploads/"), timeout=TIMEOUT).text
        listed = requests.get(default_site.url("/uploads.json/"), timeout=TIMEOUT).json()
        assert set(names) <= {f["name"] for f in listed} and not any(f["name"].startswith(".") for f in listed)
    finally:
        for name in names:  # what files.html's buttons do
            requests.delete(default_site.url(f"/uploads/{name}"), timeout=TIMEOUT)
    assert requests.get(default_site.url(f"/uploads/{names[0]}"), timeout=TIMEOUT).status_code == 404
    assert not (REPO / "uploads" / names[1]).exists()


def test_cgi_examples(default_site):
    env = requests.get(default_site.url("/cgi/env.py/extra?x=1"), timeout=TIMEOUT).text
    assert "PATH_INFO=/extra" in env and "QUERY_STRING=x=1" in env
    form = requests.post(default_site.url("/cgi/form.py"), data={"name": "<b>me</b>", "comment": "hi"}, timeout=TIMEOUT)
    assert form.status_code == 200 and "&lt;b&gt;me&lt;/b&gt;" in form.text
    echo = requests.post(default_site.url("/cgi/echo.py"), data="text=hello", headers={"Content-Type": "text/plain"},
                         timeout=TIMEOUT)
    assert (echo.status_code, echo.text) == (200, "text=hello")
    upload = requests.post(default_site.url("/cgi/upload.py"), files=[("file", ("a.txt", b"12345"))], timeout=TIMEOUT)
    assert "a.txt: 5 bytes" in upload.text
    assert "method=GET query=x=1" in requests.get(default_site.url("/cgi/hello.sh?x=1"), timeout=TIMEOUT).text
    if not PHP:
        pytest.skip("php-cgi is not installed (tools/run-tests installs it)")
    php = requests.get(default_site.url("/cgi/hello.php?a=1&b=2"), timeout=TIMEOUT).text
    assert "SAPI cgi-fcgi" in php and "GET a=1" in php


def test_session_counter_and_logout(default_site):
    client = requests.Session()
    counts = [re.search(r'id="visits">(\d+)<', client.get(default_site.url("/cgi/session.py"), timeout=TIMEOUT).text)
              .group(1) for _ in range(2)]
    assert counts == ["1", "2"]
    assert "session ended" in client.get(default_site.url("/cgi/logout.py"), timeout=TIMEOUT).text
    assert 'id="visits">1<' in client.get(default_site.url("/cgi/session.py"), timeout=TIMEOUT).text


def test_virtual_hosts_status_and_favicon(default_site):
    other = requests.get(default_site.url("/"), headers={"Host": "other.localhost"}, timeout=TIMEOUT)
    assert "<h1>other.localhost</h1>" in other.text
    assert requests.get(default_site.url("/style.css"), headers={"Host": "other.localhost"}, timeout=TIMEOUT).ok
    third = requests.get(default_site.url("/", port=default_site.ports[1]), timeout=TIMEOUT)
    assert "<h1>The server on port 8081</h1>" in third.text
    assert requests.get(default_site.url("/status"), timeout=TIMEOUT).text.startswith("Active connections:")
    for port in default_site.ports:
        icon = requests.get(default_site.url("/favicon.ico", port=port), timeout=TIMEOUT)
        assert icon.headers["Content-Type"] == "image/x-icon" and icon.content[:4] == b"\0\0\1\0"
    assert "favicon" not in (default_site.root / "error.log").read_text()


def test_a_missing_page_asked_twice_gets_the_sites_404_both_times(default_site):
    path = f"/missing-{uuid.uuid4().hex}"
    for _ in range(2):
        assert "could not find" in requests.get(default_site.url(path), timeout=TIMEOUT).text


def test_the_port_moves_with_the_environment_variable(tmp_path):
    """The README's run command on other ports, no file edited: NGINXLITE_PORT=N."""
    running = start_default_site(tmp_path, port_env=True)
    try:
        assert f"listening on http://127.0.0.1:{running.port + 1}".encode() in b"\n".join(running.output)
        assert "Welcome to nginxlite" in requests.get(running.url("/"), timeout=TIMEOUT).text
        third = requests.get(running.url("/", port=running.ports[1]), timeout=TIMEOUT)
        assert "<h1>The server on port 8081</h1>" in third.text
    finally:
        assert running.stop() == 0
