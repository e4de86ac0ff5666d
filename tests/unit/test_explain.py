"""--explain runs the server's pipeline and prints the decisions it recorded."""

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
    assert "return    return 200 php\n" in out
    assert out.rstrip().endswith("answer    200 OK, body 'php'")


def test_static_answers(capsys, write, tmp_path):
    _, out = explain(capsys, write, tmp_path, "a.test:8080/")
    assert (f"index     {tmp_path}/www/index.html exists\nredirect  internal redirect to /index.html\n"
            f"location  location / (" in out)
    assert f"file      {tmp_path}/www/index.html (root)\nanswer    200 OK, body 'x'" in out
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/file.txt?x=1")
    assert f"file      {tmp_path}/www/file.txt (root)" in out and "args x=1" in out
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/none/../nope")
    assert "URI       /nope (from /none/../nope)" in out
    assert 'log       [error] open() "' in out and out.rstrip().endswith("answer    404 Not Found, 156 bytes (the built-in page)")
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/s")
    assert "exact match: location = /s" in out and "handler   stub_status page" in out


def test_an_index_name_that_is_a_directory_is_a_301_as_the_server_answers(capsys, write, tmp_path):
    (tmp_path / "www" / "d" / "index.html").mkdir(parents=True)
    _, out = explain(capsys, write, tmp_path, "http://a.test:8080/d/")
    assert "redirect  internal redirect to /d/index.html\n" in out
    assert "file      is a directory: redirect to the URI with a slash\n" in out
    assert "answer    301 Moved Permanently, Location: http://a.test:8080/d/index.html/" in out


def test_a_path_alone_asks_the_first_servers_address(capsys, write, tmp_path):
    code, out = explain(capsys, write, tmp_path, "/file.txt")
    assert code == 0
    assert out.startswith("URL       http://127.0.0.1:8080/file.txt (the first server's address)\n")
    assert "because no name matched: default server of 127.0.0.1:8080" in out


def test_a_method_can_be_given_and_writing_handlers_are_not_run(capsys, write, tmp_path):
    write("dav.conf", "server { listen 127.0.0.1:8080; root ROOT; dav_methods PUT DELETE; }"
          .replace("ROOT", str(tmp_path / "www")))
    write("www/keep.txt", "x")
    code = main(["-c", str(tmp_path / "dav.conf"), "--explain", "DELETE /keep.txt"])
    out = capsys.readouterr().out
    assert code == 0 and "request   DELETE /keep.txt" in out and "handler   DAV DELETE (dav_methods)" in out
    assert "answer    the DAV handler would run (not run by --explain: it writes files)" in out
    assert (tmp_path / "www" / "keep.txt").exists()


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
