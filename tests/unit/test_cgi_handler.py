"""The CGI handler without sockets or children: which file runs, and the environment it gets."""

from __future__ import annotations

import os

import pytest

from nginxlite.config import load_config
from nginxlite.handlers import cgi
from nginxlite.handlers.pipeline import ConnInfo, Exchange, respond
from nginxlite.http.parser import parse_head
from nginxlite.http.response import Response


@pytest.fixture
def site(write, tmp_path):
    """An Exchange for a request on a site with CGI locations, run up to the handler."""
    www = tmp_path / "www"
    (www / "bin").mkdir(parents=True)
    for name, mode in (("bin/run.py", 0o644), ("bin/tool.sh", 0o755), ("bin/plain.sh", 0o644),
                       ("bin/index.sh", 0o755)):
        (www / name).write_text("#!/bin/sh\n")
        os.chmod(www / name, mode)
    (tmp_path / "outside.sh").write_text("#!/bin/sh\n")
    os.chmod(tmp_path / "outside.sh", 0o755)
    os.symlink(tmp_path / "outside.sh", www / "bin" / "link.sh")
    (www / "bin" / "dir.sh").mkdir()
    conf = write("site.conf", f"""server {{ listen 8080; server_name cgi.test; root {www};
        location ~ ^/bin/.+\\.py(/|$) {{ cgi_pass /usr/bin/python3; cgi_split_path_info ^(.+\\.py)(/.*)$;
            cgi_param APP demo; cgi_param EMPTY "" if_not_empty; cgi_param URI_SEEN $cgi_script_name; }}
        location /bin/ {{ cgi_pass exec; cgi_index index.sh; }}
        location /auth/ {{ alias {www}/bin/; cgi_pass exec; cgi_pass_authorization on; }} }}""")
    vhosts = next(iter(load_config(conf, str(tmp_path)).vhosts.values()))

    def _site(head: str) -> Exchange:
        ex = Exchange(parse_head(head), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        ex.trace = None
        return ex

    return _site, www


def run_up_to_cgi(site, head: str):
    make, _ = site
    ex = make(head)
    original = cgi.CgiRun
    seen = {}

    class NoChild:
        def __init__(self, ex, script, body, length=None):
            seen["script"], seen["env"] = script, cgi.environment(ex, script, length)
            self.deferred = Response(299)

    cgi.CgiRun = NoChild
    try:
        response = respond(ex)
    finally:
        cgi.CgiRun = original
    return response, ex, seen


def env_of(site, head: str) -> dict[str, str]:
    response, ex, seen = run_up_to_cgi(site, head)
    assert response.status == 299, ex.notes
    return {k.decode(): v.decode("latin-1") for k, v in seen["env"].items()}


def test_the_environment_is_rfc_3875s_and_nothing_of_the_servers(site, monkeypatch):
    monkeypatch.setenv("NGINXLITE_SECRET", "1")
    env = env_of(site, "GET /bin/run.py/a/b%20c?x=1 HTTP/1.1\r\nHost: cgi.test\r\nCookie: a=1\r\nCookie: b=2\r\n"
                       "X-Many: 1\r\nX-Many: 2\r\nProxy: evil\r\nX_Foo: sneaky\r\nAuthorization: Basic eA==")
    _, www = site
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1" and env["REQUEST_METHOD"] == "GET"
    assert (env["SCRIPT_NAME"], env["PATH_INFO"], env["QUERY_STRING"]) == ("/bin/run.py", "/a/b c", "x=1")
    assert env["SCRIPT_FILENAME"] == f"{www}/bin/run.py" and env["PATH_TRANSLATED"] == f"{www}/a/b c"
    assert env["REQUEST_URI"] == "/bin/run.py/a/b%20c?x=1" and env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert (env["SERVER_NAME"], env["SERVER_PORT"], env["REMOTE_ADDR"], env["REMOTE_PORT"]) == \
        ("cgi.test", "8080", "10.0.0.1", "5555")
    assert env["HTTP_COOKIE"] == "a=1; b=2" and env["HTTP_X_MANY"] == "1, 2"
    assert env["REDIRECT_STATUS"] == "200" and env["DOCUMENT_ROOT"] == str(www)
    assert env["APP"] == "demo" and "EMPTY" not in env and env["URI_SEEN"] == "/bin/run.py"
    for absent in ("HTTP_PROXY", "HTTP_X_FOO", "HTTP_AUTHORIZATION", "CONTENT_LENGTH", "CONTENT_TYPE",
                   "NGINXLITE_SECRET"):
        assert absent not in env


def test_header_names_are_filtered_the_same_from_the_memo_and_it_stays_bounded(site, monkeypatch):
    head = ("GET /bin/tool.sh HTTP/1.1\r\nHost: cgi.test\r\nX_Foo: sneaky\r\nx-foo: ok\r\nProxy: evil\r\n"
            "Content-Length: 0\r\nX-Text: caf\xe9")
    monkeypatch.setattr(cgi, "_HEADER_KEYS", {})
    monkeypatch.setattr(cgi, "_HEADER_KEYS_MAX", 3)
    first = env_of(site, head)
    assert len(cgi._HEADER_KEYS) <= 3  # emptied, not grown, past its bound
    second = env_of(site, head)  # the names now (partly) from the memo
    assert first == second
    assert first["HTTP_X_FOO"] == "ok" and first["HTTP_X_TEXT"] == "caf\xe9"
    assert "HTTP_PROXY" not in first and "HTTP_CONTENT_LENGTH" not in first
    assert all(type(k) is bytes and type(v) is bytes for k, v in run_up_to_cgi(site, head)[2]["env"].items())


def test_content_length_and_type_only_with_a_body_its_exact_length(site, monkeypatch):
    make, _ = site
    ex = make("POST /bin/run.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain")
    sink = respond(ex)
    assert isinstance(sink, cgi.RequestBody)  # the body is read whole before the script starts
    seen = {}

    class NoChild:
        def __init__(self, ex, script, body, length=None):
            seen["env"], seen["body"] = cgi.environment(ex, script, length), body
            self.deferred = Response(299)

    monkeypatch.setattr(cgi, "CgiRun", NoChild)
    sink.feed(b"abc")
    sink.feed(b"de")
    assert sink.finish().status == 299
    assert (seen["env"][b"CONTENT_LENGTH"], seen["env"][b"CONTENT_TYPE"], seen["body"]) == (b"5", b"text/plain", b"abcde")
    assert b"PATH_TRANSLATED" not in seen["env"]  # no PATH_INFO


def test_authorization_is_passed_only_when_asked(site):
    env = env_of(site, "GET /auth/tool.sh HTTP/1.1\r\nHost: x\r\nAuthorization: Basic eA==")
    assert env["HTTP_AUTHORIZATION"] == "Basic eA=="


def test_cgi_index_names_the_script_of_a_folder(site):
    _, www = site
    env = env_of(site, "GET /bin/ HTTP/1.1\r\nHost: x")
    assert env["SCRIPT_FILENAME"] == f"{www}/bin/index.sh" and env["SCRIPT_NAME"] == "/bin/index.sh"


@pytest.mark.parametrize("target, status, logged", [
    ("/bin/missing.sh", 404, "failed (2: No such file or directory)"),
    ("/bin/plain.sh", 403, "cannot be executed"),
    ("/bin/dir.sh", 403, "is not a regular file"),
    ("/bin/link.sh", 403, "is outside the document root"),
])
def test_only_runnable_regular_files_under_the_root_run(site, target, status, logged):
    response, ex, _ = run_up_to_cgi(site, f"GET {target} HTTP/1.1\r\nHost: x")
    assert response.status == status and logged in ex.notes[0]


def test_the_root_is_resolved_only_when_the_script_path_is_not_its_own_real_path(site, monkeypatch):
    resolved_roots: list[bytes] = []
    real_path = cgi.real_path
    monkeypatch.setattr(cgi, "real_path", lambda path: resolved_roots.append(path) or real_path(path))
    response, ex, _ = run_up_to_cgi(site, "GET /bin/tool.sh HTTP/1.1\r\nHost: x")
    assert response.status == 299 and resolved_roots == []  # no symbolic link on the way
    response, ex, _ = run_up_to_cgi(site, "GET /bin/link.sh HTTP/1.1\r\nHost: x")
    assert response.status == 403 and len(resolved_roots) == 1


def test_a_root_reached_through_a_symbolic_link_keeps_every_rule(write, tmp_path):
    www = tmp_path / "releases" / "r1"
    (www / "bin").mkdir(parents=True)
    (www / "bin" / "tool.sh").write_text("#!/bin/sh\n")
    os.chmod(www / "bin" / "tool.sh", 0o755)
    os.symlink(www / "bin" / "tool.sh", www / "bin" / "inner.sh")  # inside the root: runs
    (tmp_path / "releases" / "r0.sh").write_text("#!/bin/sh\n")
    os.chmod(tmp_path / "releases" / "r0.sh", 0o755)
    os.symlink(tmp_path / "releases" / "r0.sh", www / "bin" / "sibling.sh")  # beside the root: not
    os.symlink(www, tmp_path / "current")
    conf = write("site.conf", f"server {{ listen 8080; root {tmp_path}/current; location /bin/ {{ cgi_pass exec; }} }}")
    vhosts = next(iter(load_config(conf, str(tmp_path)).vhosts.values()))

    def run(target: str):
        ex = Exchange(parse_head(f"GET {target} HTTP/1.1\r\nHost: x"), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
        ex.trace = None
        return run_up_to_cgi((lambda head: ex, None), "")

    response, _, seen = run("/bin/tool.sh")
    assert response.status == 299 and seen["script"].real == f"{www}/bin/tool.sh".encode()
    response, _, seen = run("/bin/inner.sh")
    assert response.status == 299 and seen["script"].real == f"{www}/bin/tool.sh".encode()
    response, ex, _ = run("/bin/sibling.sh")
    assert response.status == 403 and "is outside the document root" in ex.notes[0]


class FakeEnd:
    """A pipe end that has ``data`` and then, if ``eof``, its end of file (known)."""

    def __init__(self, data: bytes = b"", eof: bool = False) -> None:
        self.data, self.eof, self.closed = data, eof, False

    def read(self, size: int = 65536):
        if self.data:
            data, self.data = self.data, b""
            return data
        return b"" if self.eof else None

    def close(self) -> None:
        self.closed = True


def run_with_output(site, output: bytes, eof: bool):
    """A CgiRun whose child has written ``output`` (and exited, with ``eof``)."""
    make, _ = site
    _, ex, seen = run_up_to_cgi(site, "GET /bin/tool.sh HTTP/1.1\r\nHost: x")

    class Child:
        pid, returncode = 0, 0 if eof else None
        stdin, stdout, stderr = FakeEnd(eof=True), FakeEnd(output, eof), FakeEnd(eof=True)

    class Children:
        def spawn(self, *args, **kwargs):
            return Child()

        def kill(self, child, sig):
            pass

    class Services:
        children = Children()
        clock = staticmethod(lambda: 0.0)
        call_later = staticmethod(lambda delay, callback: None)
        cancel = staticmethod(lambda timer: None)

    ex.conn = ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, ex.conn.vhosts, Services())
    run = cgi.CgiRun(ex, seen["script"], None)
    run.on_stdout(Child.stdout)
    return run, run.deferred.response


def test_an_output_complete_at_its_head_is_sent_with_its_length(site):
    run, response = run_with_output(site, b"Content-Type: text/plain\n\nhello\n", eof=True)
    assert (response.status, response.body) == (200, b"hello\n")  # bytes: a known length, no chunks
    assert run.finished and run.child.stdout.closed
    run, response = run_with_output(site, b"Content-Length: 3\nContent-Type: text/plain\n\nhello", eof=True)
    assert response.body == b"hel"  # (no more than the script's Content-Length)


def test_an_output_still_coming_or_short_of_its_length_is_pulled_from_the_pipe(site):
    run, response = run_with_output(site, b"Content-Type: text/plain\n\nhello\n", eof=False)
    assert isinstance(response.body, cgi.CgiOutput) and response.body.length == cgi.UNKNOWN
    assert not run.finished
    run, response = run_with_output(site, b"Content-Length: 10\nContent-Type: text/plain\n\nhalf", eof=True)
    assert isinstance(response.body, cgi.CgiOutput)  # it will be cut: 4 of the 10 bytes
    assert response.body.pull() == b"half"
    with pytest.raises(cgi.CgiBroken):
        response.body.pull()


def test_a_program_that_cannot_start_is_a_502_with_its_reason(site):
    make, _ = site

    class Children:
        def spawn(self, *args, **kwargs):
            raise FileNotFoundError(2, "No such file or directory")

    class Services:
        children = Children()

    ex = make("GET /bin/run.py HTTP/1.1\r\nHost: x")
    ex.conn = ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, ex.conn.vhosts, Services())
    response = respond(ex)
    assert response.status == 502 and 'could not be started: "/usr/bin/python3" failed (2: ' in ex.notes[0]


def test_https_on_only_over_tls(site, monkeypatch):
    import dataclasses  # noqa: PLC0415

    make, _ = site
    seen = {}

    class NoChild:
        def __init__(self, ex, script, body, length=None):
            seen["env"] = cgi.environment(ex, script, length)
            self.deferred = Response(299)

    monkeypatch.setattr(cgi, "CgiRun", NoChild)
    for tls in (False, True):
        ex = make("GET /bin/run.py HTTP/1.1\r\nHost: x")
        ex.conn = dataclasses.replace(ex.conn, tls=tls)
        assert respond(ex).status == 299
        assert seen["env"].get(b"HTTPS") == (b"on" if tls else None)
