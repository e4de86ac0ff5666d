"""--explain prints the decisions of the real matcher."""

from __future__ import annotations

from nginxlite.cli import main

CONF = r"""
server {
    listen 127.0.0.1:8080;
    server_name a.test *.a.test;
    root ROOT;
    location / { }
    location /a { location ^~ /a/c { return 200 "a/c"; } }
    location ~ \.php$ { return 200 php; }
    location = /s { stub_status; }
}
server { listen 127.0.0.1:8080; server_name b.test; return 301 https://b.test$request_uri; }
"""


def explain(capsys, write, tmp_path, url):
    write("www/index.html", "x")
    write("www/file.txt", "x")
    path = write("site.conf", CONF.replace("ROOT", str(tmp_path / "www")))
    code = main(["-c", path, "--explain", url])
    return code, capsys.readouterr().out


def test_nested_caret_does_not_stop_outer_regexes(capsys, write, tmp_path):
    code, out = explain(capsys, write, tmp_path, "http://x.a.test:8080/a/c.php")
    assert code == 0
    assert 'because leading wildcard matching "x.a.test"' in out
    assert "longest prefix (^~: regexes at this level are skipped): location ^~ /a/c" in out
    assert "regex location ~ \\.php$: matches" in out
    assert out.rstrip().endswith("answer    return 200 php")


def test_static_answers(capsys, write, tmp_path):
    _, out = explain(capsys, write, tmp_path, "a.test:8080/")
    assert f"index file {tmp_path}/www/index.html (root): internal redirect to /index.html" in out
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/file.txt?x=1")
    assert f"static file {tmp_path}/www/file.txt (root)" in out and "args x=1" in out
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/none/../nope")
    assert "URI       /nope (from /none/../nope)" in out and "does not exist, 404 Not Found" in out
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/s")
    assert "exact match: location = /s" in out and "stub_status page" in out


def test_default_server_and_server_return(capsys, write, tmp_path):
    _, out = explain(capsys, write, tmp_path, "http://zzz:8080/")
    assert "because no name matched: default server of 127.0.0.1:8080" in out
    _, out = explain(capsys, write, tmp_path, "http://b.test:8080/x")
    assert "server-level return 301 https://b.test$request_uri" in out


def test_errors(capsys, write, tmp_path):
    code, out = explain(capsys, write, tmp_path, "http://a.test:9/x")
    assert code == 1 and "no server listens on port 9 (ports: 8080)" in out
    code, out = explain(capsys, write, tmp_path, "https://a.test/")
    assert code == 1
    code, out = explain(capsys, write, tmp_path, "http://a.test:8080/../x")
    assert code == 0 and "400 Bad Request" in out
