"""The pipeline's steps as values and tables: redirects, content handlers, routes, filters."""

from __future__ import annotations

import os

import pytest

from nginxlite.config import load_config
from nginxlite.config.loader import Loader
from nginxlite.config.reading import Reading
from nginxlite.explain import explain
from nginxlite.handlers import content, filters
from nginxlite.handlers.content import ContentHandler
from nginxlite.handlers.pipeline import ConnInfo, Exchange, Trace, respond
from nginxlite.handlers.redirects import MAX_REDIRECTS, InternalRedirect, NamedRedirect, redirect
from nginxlite.http.parser import parse_head
from nginxlite.http.response import Response


@pytest.fixture
def site(write, tmp_path):
    """site(conf, files) -> ask(head, trace=False) -> (response, exchange), on one loaded config."""
    def _site(conf: str, files: dict[str, str] | None = None):
        for name, text in (files or {}).items():
            write(name, text)
        config = load_config(write("site.conf", conf.replace("ROOT", str(tmp_path / "www"))), str(tmp_path))
        vhosts = next(iter(config.vhosts.values()))

        def ask(head: str, trace: bool = False):
            ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts),
                          trace=Trace() if trace else None)
            return respond(ex), ex

        return ask, config
    return _site


def _first(monkeypatch, entry: ContentHandler) -> None:
    monkeypatch.setattr(content, "CONTENT_HANDLERS", (entry,) + content.CONTENT_HANDLERS)


def test_a_target_names_its_redirect():
    assert type(redirect("@fallback")) is NamedRedirect and redirect("@fallback").target == "@fallback"
    assert type(redirect("/x.html?a=1")) is InternalRedirect


def test_a_raised_redirect_is_taken_by_the_pipeline(site, monkeypatch):
    ask, _ = site("server { listen 8080; location / { } location /to { return 200 $uri-$args; } }")

    def hop(ex):
        raise InternalRedirect("/to/x?q=1")
    _first(monkeypatch, ContentHandler("hop", lambda ex: ex.uri == "/", hop))
    response, ex = ask("GET / HTTP/1.1\r\nHost: x")
    assert (response.status, response.body, ex.redirects) == (200, b"/to/x-q=1", 1)


@pytest.mark.parametrize("target, words", [
    ("/again", 'rewrite or internal redirection cycle while internally redirecting to "/again"'),
    ("@again", 'rewrite or internal redirection cycle while redirect to named location "@again"'),
])
def test_the_redirect_limit(site, monkeypatch, target, words):
    ask, _ = site("server { listen 8080; location / { } location @again { } }")
    raised = []

    def loop(ex):
        raised.append(ex.redirects)
        raise redirect(target)
    _first(monkeypatch, ContentHandler("loop", lambda ex: True, loop))
    response, ex = ask("GET / HTTP/1.1\r\nHost: x")
    assert response.status == 500
    assert raised == list(range(MAX_REDIRECTS + 1)) and ex.redirects == MAX_REDIRECTS + 1
    assert len(ex.notes) == 1 and words in ex.notes[0]


def test_an_error_page_is_a_redirect_errors_post_processes(site):
    ask, _ = site("server { listen 8080; root ROOT; error_page 404 =410 /gone.html; }",
                  {"www/gone.html": "gone"})
    response, ex = ask("GET /missing HTTP/1.1\r\nHost: x")
    assert (response.status, response.body, ex.redirects) == (410, b"gone", 1)
    names = [name for name, _ in response.headers]
    assert "Last-Modified" not in names and "Accept-Ranges" not in names  # pruned on a 410, as nginx


def test_the_content_handlers_in_nginx_order():
    assert [entry.name for entry in content.CONTENT_HANDLERS] == [
        "stub_status", "cgi_pass", "dav", "upload", "try_files", "static"]
    assert content.CONTENT_HANDLERS[-1].applies is None  # static answers whatever is left


@pytest.mark.parametrize("conf, head, name", [
    ("location /s { stub_status; }", "GET /s", "stub_status"),
    ("location /c { cgi_pass 127.0.0.1:9000; }", "GET /c", "cgi_pass"),
    ("location /w { dav_methods DELETE; }", "DELETE /w/a", "dav"),
    ("location /t { try_files $uri =404; }", "GET /t", "try_files"),
    ("location / { }", "GET /d/", "static"),
])
def test_the_server_and_explain_run_the_same_handler(site, write, tmp_path, conf, head, name):
    ask, config = site("server { listen 8080; root ROOT; CONF }".replace("CONF", conf),
                       {"www/d/index.html/inner": "a directory named index.html"})
    served, ex = ask(f"{head} HTTP/1.1\r\nHost: x")
    explained, traced = ask(f"{head} HTTP/1.1\r\nHost: x", trace=True)
    assert ex.handler == traced.handler == name
    if name != "dav":  # (--explain does not run DAV: it writes files)
        assert served.status == explained.status


def test_explain_and_the_server_agree_on_an_index_that_is_a_directory(site, write, tmp_path):
    ask, config = site("server { listen 8080; root ROOT; }", {"www/d/index.html/inner": "x"})
    response, _ = ask("GET /d/ HTTP/1.1\r\nHost: x")
    code, report = explain(config, "http://127.0.0.1:8080/d/")
    assert response.status == 301 and dict(response.headers)["Location"] == "http://x:8080/d/index.html/"
    assert code == 0 and "answer    301 Moved Permanently, Location: http://127.0.0.1:8080/d/index.html/" in report


def test_a_remembered_route_runs_the_content_table_and_the_filters(site, monkeypatch):
    ask, _ = site("server { listen 8080; root ROOT; }", {"www/a.txt": "alpha"})
    first, ex = ask("GET /a.txt HTTP/1.1\r\nHost: x")
    assert first.status == 200 and ex.route is None and ex.routable
    again, ex = ask("GET /a.txt HTTP/1.1\r\nHost: x")
    assert again.status == 200 and ex.route is not None and ex.handler == "static"

    def mark(ex, response):
        response.unprepare()
        response.headers.append(("X-Filtered", "1"))
        return [("X-Filtered", "1")]
    monkeypatch.setattr(filters, "HEADER_FILTERS", filters.HEADER_FILTERS + [mark])
    filtered, ex = ask("GET /a.txt HTTP/1.1\r\nHost: x")
    assert ex.route is not None and ("X-Filtered", "1") in filtered.headers

    _first(monkeypatch, ContentHandler("teapot", lambda ex: True, lambda ex: Response(418)))
    taken, ex = ask("GET /a.txt HTTP/1.1\r\nHost: x")
    assert ex.route is not None and (taken.status, ex.handler) == (418, "teapot")


def test_a_route_whose_file_became_a_directory_takes_the_full_static_path(site, tmp_path):
    ask, _ = site("server { listen 8080; root ROOT; }", {"www/a": "alpha"})
    ask("GET /a HTTP/1.1\r\nHost: x")
    os.remove(tmp_path / "www" / "a")
    os.mkdir(tmp_path / "www" / "a")
    response, ex = ask("GET /a HTTP/1.1\r\nHost: x")
    assert response.status == 301 and dict(response.headers)["Location"] == "http://x:8080/a/"


def test_the_loader_provides_what_directive_handlers_read(tmp_path):
    loader = Loader(str(tmp_path / "nginx.conf"), str(tmp_path))
    names = set(Reading.__annotations__) | {n for n in vars(Reading) if not n.startswith("_")}
    assert names and all(hasattr(loader, name) for name in names)
