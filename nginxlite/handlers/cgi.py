"""CGI (RFC 3875) inside the event loop: ``cgi_pass``, ``cgi_split_path_info``, ``cgi_param``, ``cgi_timeout``.

Rules:
- The script is the URI's script part (``cgi_split_path_info``'s first capture,
  else the URI; ``cgi_index`` appended to one ending in ``/``) mapped through
  ``root``/``alias``.  Only a regular file under the
  location's document root after symbolic links are resolved is run: missing is
  404, a directory, a file outside the root or one that cannot be run is 403.
  ``cgi_pass exec`` runs the file itself, any other value is the interpreter the
  file is given to.  The working directory is the script's folder.
- The environment is built from nothing (never a copy of the server's): RFC
  3875's meta-variables, ``DOCUMENT_ROOT``, ``REQUEST_URI``, ``REDIRECT_STATUS``
  (php-cgi wants it), ``HTTP_*`` for the request's headers, then ``cgi_param``.
  ``HTTP_PROXY`` is never set (httpoxy), nor ``HTTP_AUTHORIZATION`` unless
  ``cgi_pass_authorization on``; a header
  whose name has anything but letters, digits and ``-`` is dropped (``X_Foo``
  cannot pass for ``X-Foo``).  ``CONTENT_LENGTH``/``CONTENT_TYPE`` only when the
  request has a body, whose length is then exact: the body is read whole first
  (in memory up to ``client_body_buffer_size``, then in a temporary file), as
  nginx's ``fastcgi_request_buffering on``.  Without a body the script's stdin
  is ``/dev/null``: it reads the end of file at once.
- The child runs in its own process group (``server.children``), at nice
  ``CGI_NICE``; its stdin (with a body), stdout and stderr are pipes on the
  server's epoll, serviced as each is ready, so a script that writes before it
  reads cannot deadlock.
- The answer is deferred until the script's header block (``http.cgi``) is
  complete; a malformed one, none, or one cut short is 502 with an error-log
  line saying what was wrong.  A local ``Location`` without ``Status`` is an
  internal redirect as GET (at most ``MAX_CGI_REDIRECTS`` in a row, then 500);
  an absolute one without ``Status`` is a 302.  The body is a source pulled by
  the connection: the pipe is read only as fast as the client takes the bytes.
  When the whole output came with the header block (the script had exited: the
  pipe's end of file is known, ``server.pipes``) and no less than its own
  ``Content-Length``, the body is those bytes instead: sent with its length
  (no chunks), the pipes closed at once.
- ``cgi_timeout`` is the longest the script may stay silent: no output for that
  long is 504 (or, once the body streams, the end of the connection).  A script
  that is no longer wanted (timeout, the client gone, the body sent) gets
  SIGTERM, then SIGKILL after ``KILL_AFTER`` seconds, to its whole group; every
  child is reaped (``server.children``) and every pipe closed.
- With ``session on``, ``SESSION_ID`` and ``SESSION_FILE`` (``handlers.sessions``).
- A script whose name starts with ``nph-`` writes the whole answer, status line
  included: it is passed as it comes, and the connection closes after it.
- stderr lines go to the error log with the request's context, as nginx logs a
  FastCGI server's stderr.
"""

from __future__ import annotations

import os
import re
import signal
import stat

from nginxlite.errors import HttpError
from nginxlite.handlers.errors import signature
from nginxlite.handlers.exchange import Exchange
from nginxlite.handlers.redirects import InternalRedirect
from nginxlite.handlers.static import file_path, fs_error
from nginxlite.handlers.variables import expand
from nginxlite.http.body import UNKNOWN, WAIT, Sink, Source, SourceError
from nginxlite.http.cgi import CgiHead, CgiHeadError
from nginxlite.http.response import Deferred, Response

KILL_AFTER = 3.0  # seconds between SIGTERM and SIGKILL
CGI_NICE = 10  # scripts run at a lower priority: one that loops cannot starve the server on its CPU
MAX_CGI_REDIRECTS = 5
READ_SIZE = 65536
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")
_NOT_PASSED = frozenset({b"HTTP_PROXY", b"HTTP_AUTHORIZATION", b"HTTP_CONTENT_LENGTH", b"HTTP_CONTENT_TYPE"})
_PATH = b"/usr/local/bin:/usr/bin:/bin"


def here(loc, settings, server) -> bool:
    """``content.ContentHandler.here``: a location with ``cgi_pass``."""
    return loc is not None and loc.cgi_pass is not None


class Script:
    __slots__ = ("name", "path_info", "filename", "real", "root")

    def __init__(self, name: str, path_info: str, filename: str, real: bytes, root: str) -> None:
        self.name = name
        self.path_info = path_info
        self.filename = filename
        self.real = real
        self.root = root


def handle(ex: Exchange):
    """A Deferred (the script runs now), or a sink that reads the body first."""
    script = locate(ex)
    if ex.trace is not None:
        ex.trace.step("cgi", f"{ex.location.cgi_pass} {script.filename}"
                             + (f", PATH_INFO {script.path_info}" if script.path_info else ""))
        return Response(0)  # --explain runs no program
    if ex.request.has_body and not ex.cgi_redirects:  # (a redirected request is a GET: no body)
        return RequestBody(ex, script)
    return CgiRun(ex, script, None).deferred


def locate(ex: Exchange) -> Script:
    """The script a request names, checked (see the module rules).  The document root is
    resolved only when the script's path is not its own real path: when the kernel
    resolves it to exactly itself, no component on the way was a symbolic link, ``.``
    or ``..``, so a path that starts with the root's text is inside the root's real path."""
    uri = ex.uri
    settings = ex.settings
    name, path_info = uri, ""
    if settings.cgi_split_path_info is not None:
        found = settings.cgi_split_path_info.match(uri)
        if found is not None:
            name, path_info = found.group(1), found.group(2) or ""
    if name.endswith("/") and settings.cgi_index:
        name += settings.cgi_index  # as fastcgi_index
    ex.script_name, ex.path_info = name, path_info
    filename = file_path(ex, name)
    root = expand(settings.root, ex) if "$" in settings.root else settings.root
    path = filename.encode("latin-1")
    try:
        real, st = resolved(path)
    except OSError as err:
        raise fs_error(ex, err, path) from None
    top = root.encode("latin-1").rstrip(b"/") + b"/"
    if real != path or settings.alias or not path.startswith(top):
        # (A path the kernel resolved to itself, byte for byte, went through real directories
        # only: its first components, the root's text, are then the root's real path.)
        try:
            base = real_path(root.encode("latin-1"))
        except OSError:
            base = os.path.realpath(root.encode("latin-1"))
        if settings.alias and not os.path.isdir(base):
            base = os.path.dirname(base)  # a regex location's alias names the file itself
        if not real.startswith(base.rstrip(b"/") + b"/"):
            ex.log_error(f'cgi script "{filename}" is outside the document root "{root}"')
            raise HttpError(403)
    if not stat.S_ISREG(st.st_mode):
        ex.log_error(f'cgi script "{filename}" is not a regular file')
        raise HttpError(403)
    wanted = os.X_OK if ex.location.cgi_pass == "exec" else os.R_OK
    if not os.access(real, wanted):
        ex.log_error(f'cgi script "{filename}" cannot be {"executed" if wanted == os.X_OK else "read"} '
                     f"(13: Permission denied)")
        raise HttpError(403)
    return Script(name, path_info, filename, real, root)


def resolved(path: bytes) -> tuple[bytes, os.stat_result]:
    """The path with every symbolic link resolved, as the kernel resolved it (one open
    with ``O_PATH``, where ``os.path.realpath`` would ``lstat`` each component), and
    what it is."""
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        try:
            return os.readlink(b"/proc/self/fd/%d" % fd), st
        except OSError:  # no /proc: the slow way
            return os.path.realpath(path, strict=True), st
    finally:
        os.close(fd)


def real_path(path: bytes) -> bytes:
    """``resolved``'s path alone (no ``fstat``): the document root's."""
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        try:
            return os.readlink(b"/proc/self/fd/%d" % fd)
        except OSError:  # no /proc: the slow way
            return os.path.realpath(path, strict=True)
    finally:
        os.close(fd)


def environment(ex: Exchange, script: Script, length: int | None) -> dict[bytes, bytes]:
    """The script's environment (see the module rules), as bytes: latin-1 text is the
    request's bytes as they came.  Built as bytes directly (``posix_spawn`` takes them
    as they are), the names of the request's headers turned into ``HTTP_*`` once each."""
    req = ex.request
    conn = ex.conn
    server = ex.server
    settings = ex.settings
    name = server.names[0].text if server.names and server.names[0].text else (ex.host or conn.local_host)
    root = script.root.encode("latin-1", "replace")
    env = {
        b"GATEWAY_INTERFACE": b"CGI/1.1",
        b"SERVER_SOFTWARE": signature(settings).encode("latin-1", "replace"),
        b"SERVER_NAME": name.encode("latin-1", "replace"),
        b"SERVER_PORT": b"%d" % conn.local_port,
        b"SERVER_ADDR": conn.local_host.encode("latin-1", "replace"),
        b"SERVER_PROTOCOL": b"HTTP/1.%d" % req.minor,
        b"REQUEST_METHOD": ex.method.encode("latin-1", "replace"),  # GET after a local redirect (RFC 3875 §6.2.2)
        b"REQUEST_URI": req.target.encode("latin-1", "replace"),
        b"SCRIPT_NAME": script.name.encode("latin-1", "replace"),
        b"SCRIPT_FILENAME": script.filename.encode("latin-1", "replace"),
        b"PATH_INFO": script.path_info.encode("latin-1", "replace"),
        b"QUERY_STRING": ex.args.encode("latin-1", "replace"),
        b"REMOTE_ADDR": conn.remote_host.encode("latin-1", "replace"),
        b"REMOTE_PORT": b"%d" % conn.remote_port,
        b"DOCUMENT_ROOT": root,
        b"REDIRECT_STATUS": b"200",
        b"PATH": _PATH,
    }
    if conn.tls:
        env[b"HTTPS"] = b"on"  # (as Apache's and nginx's fastcgi_params: scripts build their URLs from it)
    if script.path_info:
        env[b"PATH_TRANSLATED"] = root + env[b"PATH_INFO"]
    session = ex.session
    if session is not None:  # (handlers.sessions: the script keeps per-user state in the file)
        env[b"SESSION_ID"] = session.id.encode("latin-1", "replace")
        env[b"SESSION_FILE"] = session.data.encode("latin-1", "replace")
    if length is not None:
        env[b"CONTENT_LENGTH"] = b"%d" % length
        ctype = req.header("content-type")
        if ctype is not None:
            env[b"CONTENT_TYPE"] = ctype.encode("latin-1", "replace")
    keys = _HEADER_KEYS
    for field, value in req.headers:
        key = keys.get(field)
        if key is None:
            key = _header_key(field)
        if not key:
            continue  # a name with anything but letters, digits and "-"
        if key in _NOT_PASSED and not (key == b"HTTP_AUTHORIZATION" and settings.cgi_pass_authorization):
            continue
        if key in env:
            env[key] += (b"; " if key == b"HTTP_COOKIE" else b", ") + value.encode("latin-1", "replace")
        else:
            env[key] = value.encode("latin-1", "replace")
    for param in settings.cgi_param:
        value = expand(param.value, ex)
        if value or not param.if_not_empty:
            env[param.name.encode("latin-1")] = value.encode("latin-1", "replace")
    return env


_HEADER_KEYS: dict[str, bytes] = {}  # a header's name as it came -> HTTP_NAME, or b"" (not passed)
_HEADER_KEYS_MAX = 512  # names are the client's: the memo is emptied rather than grown past this


def _header_key(field: str) -> bytes:
    key = b"HTTP_" + field.upper().replace("-", "_").encode("ascii") if _HEADER_NAME.fullmatch(field) else b""
    if len(_HEADER_KEYS) >= _HEADER_KEYS_MAX:
        _HEADER_KEYS.clear()
    _HEADER_KEYS[field] = key
    return key


class RequestBody(Sink):
    """The request body, read whole before the script starts (its length must be exact)."""

    def __init__(self, ex: Exchange, script: Script) -> None:
        self.ex = ex
        self.script = script
        self.limit = ex.settings.client_max_body_size
        self.in_memory = ex.settings.client_body_buffer_size
        self.buffer: bytearray | None = bytearray()
        self.file = None
        self.length = 0

    def feed(self, data: bytes) -> None:
        self.length += len(data)
        if self.limit and self.length > self.limit:
            self.ex.log_error(f"client intended to send too large chunked body: {self.length} bytes")
            raise HttpError(413)
        if self.file is None and self.length > self.in_memory:
            import tempfile  # here: a server that stores no large body never loads it

            self.file = tempfile.TemporaryFile()
            self.file.write(self.buffer)
            self.buffer = None
        if self.file is not None:
            self.file.write(data)
        else:
            self.buffer += data

    def finish(self):
        if self.file is not None:
            self.file.seek(0)
        body, self.file = (self.file if self.file is not None else bytes(self.buffer)), None
        return CgiRun(self.ex, self.script, body, self.length).deferred

    def abort(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class CgiRun:
    """One running script: its pipes, its timer, the answer it is making."""

    __slots__ = ("ex", "script", "services", "child", "nph", "deferred", "head", "output", "body", "pending",
                 "stderr_rest", "finished", "timeout", "deadline", "timer", "kill_timer", "killing")

    def __init__(self, ex: Exchange, script: Script, body, length: int | None = None) -> None:
        self.ex = ex
        self.script = script
        self.services = services = ex.conn.services
        interpreter = ex.location.cgi_pass
        real = script.real
        argv = [real] if interpreter == "exec" else [interpreter.encode("latin-1"), real]
        self.nph = script.name.rpartition("/")[2].startswith("nph-")
        try:
            self.child = services.children.spawn(
                argv, self.exited, cwd=real[:real.rindex(b"/")] or b"/", env=environment(ex, script, length),
                stdin=body is not None, on_stdin=self.on_stdin, on_stdout=self.on_stdout,
                on_stderr=self.on_stderr, nice=CGI_NICE)
        except OSError as err:
            if hasattr(body, "close"):
                body.close()
            ex.log_error(f'{self.what} could not be started: "{interpreter}" failed ({err.errno}: {err.strerror})')
            raise HttpError(502) from None
        self.deferred = Deferred(on_cancel=self.stop)
        self.head = CgiHead()
        self.output: CgiOutput | None = None
        self.body = body  # bytes, a file, or None
        self.pending = memoryview(b"")
        self.stderr_rest = b""
        self.finished = False
        self.timeout = ex.settings.cgi_timeout
        self.deadline = services.clock() + self.timeout
        self.timer = services.call_later(self.timeout, self.timed_out)
        self.kill_timer = None
        self.killing = False  # a SIGTERM was sent, the SIGKILL is armed

    @property
    def what(self) -> str:
        """The script, as the error log names it."""
        return f'cgi script "{self.script.filename}"'

    # -- stdin ----------------------------------------------------------------------

    def on_stdin(self, end) -> None:
        while not end.closed:
            if not self.pending:
                chunk = self.next_chunk()
                if not chunk:
                    end.close()  # all of it: the script reads EOF
                    self.drop_body()
                    return
                self.pending = memoryview(chunk)
            written = end.write(self.pending)
            if end.broken:  # the script closed its stdin: it wants no more of the body
                end.close()
                self.drop_body()
                return
            if not written:
                return  # the pipe is full: epoll reports when it drains
            self.pending = self.pending[written:]

    def next_chunk(self) -> bytes:
        body = self.body
        if body is None:
            return b""
        if type(body) is bytes:
            self.body = None
            return body
        return body.read(READ_SIZE)

    def drop_body(self) -> None:
        body, self.body = self.body, None
        if body is not None and type(body) is not bytes:
            body.close()
        self.pending = memoryview(b"")

    # -- stdout -------------------------------------------------------------------

    def on_stdout(self, end) -> None:
        if self.output is not None:
            self.output.ready()  # the connection pulls as fast as its client takes it
            return
        if self.nph:
            self.raw_answer(end)
            return
        while not self.deferred.done:
            data = end.read(READ_SIZE)
            if data is None:
                return
            if not data:
                self.fail("closed its output before the end of its header block")
                return
            self.quiet()
            try:
                complete = self.head.feed(data)
            except CgiHeadError as err:
                self.fail(f"sent an invalid header block: {err}")
                return
            if complete:
                self.answer()
                return

    def raw_answer(self, end) -> None:
        """An nph- script: its output is the whole answer, passed as it is (then close)."""
        data = end.read(READ_SIZE)
        if data is None:
            return
        if not data:
            self.fail("closed its output without writing anything")
            return
        self.quiet()
        self.output = CgiOutput(self, data, UNKNOWN)
        self.deferred.resolve(Response(200, [], self.output, raw=True))

    def answer(self) -> None:
        head = self.head
        ex = self.ex
        if head.location is not None and head.status is None and head.location.startswith("/"):
            # A local redirect (RFC 3875 §6.2.2): the script's body is not wanted.
            ex.cgi_redirects += 1
            if ex.cgi_redirects > MAX_CGI_REDIRECTS:
                ex.log_error(f"{self.what} redirected more than {MAX_CGI_REDIRECTS} times in a row")
                self.done()
                self.deferred.resolve(HttpError(500))
                return
            ex.method = "GET"
            self.done()
            self.deferred.resolve(InternalRedirect(head.location))
            return
        status = head.status or (302 if head.location is not None else 200)
        rest = head.rest
        if self.child.stdout.eof and (head.length is None or head.length <= len(rest)):
            # The whole output is in already (its end of file known): the body goes as bytes,
            # its length known, with the head (no chunks), and the pipes go now.
            self.done()
            self.deferred.resolve(Response(status, head.headers, rest if head.length is None else rest[:head.length]))
            return
        self.output = CgiOutput(self, rest, UNKNOWN if head.length is None else head.length)
        self.deferred.resolve(Response(status, head.headers, self.output))

    def fail(self, what: str, status: int = 502) -> None:
        self.log(f"{self.what} {what}")
        self.stop()
        self.deferred.resolve(HttpError(status))

    # -- stderr, the timer, the end ---------------------------------------------------

    def on_stderr(self, end) -> None:
        while True:
            data = end.read(READ_SIZE)
            if data is None:
                return
            if not data:
                if self.stderr_rest:
                    self.log(f'{self.what} sent in stderr: "{self.stderr_rest.decode("latin-1")}"')
                    self.stderr_rest = b""
                end.close()
                self.settle()
                return
            lines = (self.stderr_rest + data).split(b"\n")
            self.stderr_rest = lines.pop()[-4096:]
            for line in lines:
                text = line.rstrip(b"\r").decode("latin-1")
                if text.strip():
                    self.log(f'{self.what} sent in stderr: "{text}"')

    def log(self, message: str) -> None:
        self.services.log_error("error", self.ex.context(message), self.ex.settings.error_log)

    def quiet(self) -> None:
        """Output arrived: the silence allowed starts again (lazily, no heap work)."""
        self.deadline = self.services.clock() + self.timeout

    def timed_out(self) -> None:
        self.timer = None
        if self.finished:
            return
        left = self.deadline - self.services.clock()
        if left > 0:
            self.timer = self.services.call_later(left, self.timed_out)
            return
        if self.output is None:
            self.fail(f"timed out after {self.timeout:g} s without a complete header block", 504)
        else:
            self.log(f"{self.what} timed out after {self.timeout:g} s without output")
            self.output.broken = True
            self.stop()
            self.output.ready()

    def exited(self, code: int) -> None:
        """The child is gone (``server.children`` logged a failure); its output, if any is
        left in the pipes, is still read to the end, for at most ``KILL_AFTER`` more
        seconds when something it started keeps them open."""
        if self.killing:
            return  # (a pending KILL stays: the rest of the group may live on)
        self.services.cancel(self.kill_timer)
        self.kill_timer = None
        self.settle()

    def settle(self) -> None:
        """After the leader's exit: nothing stays armed once every pipe is closed (a finished
        run is then free at once, no signal reaches a group that may be gone); otherwise
        ``leftovers`` runs ``KILL_AFTER`` later."""
        child = self.child
        if child.returncode is None or self.killing:
            return
        if child.stdin.closed and child.stdout.closed and child.stderr.closed:
            self.services.cancel(self.kill_timer)
            self.kill_timer = None
        elif self.kill_timer is None:
            self.kill_timer = self.services.call_later(KILL_AFTER, self.leftovers)

    def leftovers(self) -> None:
        """Something the script started still holds a pipe ``KILL_AFTER`` after its exit:
        a finished run stops the group; a running one closes the pipes (cgi_timeout ends it)."""
        self.kill_timer = None
        if self.finished:
            self.stop()
        else:
            self.child.close_pipes()

    def stop(self) -> None:
        """The script is no longer wanted: close its pipes, TERM its group, KILL it later."""
        self.finished = True
        self.services.cancel(self.timer)
        self.timer = None
        self.drop_body()
        child = self.child
        child.close_pipes()
        self.services.cancel(self.kill_timer)
        self.services.children.kill(child, signal.SIGTERM)  # the group: its leader may be gone already
        self.killing = True
        self.kill_timer = self.services.call_later(KILL_AFTER, self.kill)

    def kill(self) -> None:
        """SIGKILL to the whole group, even when its leader is gone: what it started and
        that ignored SIGTERM goes too (a group id stays valid while any member lives)."""
        self.kill_timer = None
        self.killing = False
        self.child.close_pipes()
        self.services.children.kill(self.child, signal.SIGKILL)

    def done(self) -> None:
        """The output was read to its end (or is not wanted): stdin and stdout go, stderr
        is read to its end; the child exits by itself, or is stopped ``KILL_AFTER`` later."""
        self.finished = True
        self.services.cancel(self.timer)
        self.timer = None
        self.drop_body()
        self.child.stdin.close()
        self.child.stdout.close()
        if self.child.returncode is not None:
            self.settle()
        elif self.kill_timer is None:
            self.kill_timer = self.services.call_later(KILL_AFTER, self.stop)


class CgiOutput(Source):
    """The script's body after its header block, read from its stdout as it is pulled.
    A known length (the script's Content-Length) is given exactly, or the body is cut."""

    __slots__ = ("run", "rest", "left", "broken", "closed")

    def __init__(self, run: CgiRun, rest: bytes, length: int) -> None:
        super().__init__(length)
        self.run = run
        self.rest = rest
        self.left = length
        self.broken = False
        self.closed = False

    def pull(self):
        if self.broken:
            raise CgiBroken(f"{self.run.what} stopped sending its body")
        if self.left == 0:
            return None  # all the Content-Length promised (anything more is dropped)
        data, self.rest = self.rest, b""
        if not data:
            data = self.run.child.stdout.read(READ_SIZE)
            if data is None:
                return WAIT
            if data:
                self.run.quiet()
        if not data:  # the end of its output
            if self.left > 0:
                raise CgiBroken(f"{self.run.what} sent {self.length - self.left} of the "
                                f"{self.length} bytes of its Content-Length")
            self.run.done()
            return None
        if self.left > 0:
            data = data[:self.left]
            self.left -= len(data)
            if not self.left:
                self.run.done()
        return data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if not self.run.finished:  # the client went away, or wants no body (HEAD)
                self.run.stop()


class CgiBroken(SourceError):
    pass
