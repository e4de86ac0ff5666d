"""One request, from its head to a response: nginx's phases in miniature.

Rules:
- ``respond(exchange)`` runs, in nginx's order: Host validation and server
  selection, method checks, URI normalisation, server-level ``return``,
  location selection, ``limit_except``, ``client_max_body_size``,
  ``allow_methods``, location ``return``, access rules, then the content
  handler: ``stub_status``, DAV (``dav_methods``), ``try_files``, static files
  (index, autoindex, ranges).  Internal redirects (index, ``try_files``, error
  pages) restart at location selection, at most ``MAX_REDIRECTS`` times.
- A handler that needs the request body (DAV PUT) returns a consumer with
  ``feed``/``finish``/``abort`` instead of a Response; the connection feeds it.
- Handlers raise ``HttpError``; ``errors.finish`` is the only place that turns
  an error status into a response (error_page, built-in pages).  Any other
  exception becomes a 500 there too, with its traceback in the error log.
- No sockets here: the connection passes a ``ConnInfo`` and sends what it gets.
- ``Exchange.trace`` (a ``Trace``, None unless ``--explain`` asks) records each
  decision as it is taken, for ``nginxlite.explain`` to print: the account and the
  answer come from the same code.  Off, it costs one ``is None`` test per step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.config.locations import describe, find
from nginxlite.config.model import REDIRECT_CODES, Location, Return, Server, Settings
from nginxlite.config.vhosts import VirtualHosts, validate_host
from nginxlite.errors import HttpError
from nginxlite.handlers import dav, errors, static
from nginxlite.handlers.variables import expand
from nginxlite.http.parser import Request
from nginxlite.http.response import Response
from nginxlite.http.uri import BadUri, normalize_path, split_target

# (dav, errors and static import this module too: their names are used at call time.)

MAX_REDIRECTS = 10
# Methods nginxlite implements; any other is 501 (SPEC §5).  TRACE and CONNECT: 405.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "MKCOL", "COPY", "MOVE"})


class Trace:
    """The decisions one request's pipeline took, as lines (``--explain``)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, label: str, text: str) -> None:
        self.lines.append(f"{label:<9} {text}")

    def detail(self, text: str) -> None:
        self.lines.append(f"  {text}")


@dataclass(frozen=True, slots=True)
class ConnInfo:
    local_host: str
    local_port: int
    remote_host: str
    remote_port: int
    vhosts: VirtualHosts
    stats: object = None  # server.app.Stats, for stub_status
    number: int = 0  # the connection's serial number, nginx's "*N" in error-log lines
    fd: int = -1  # the socket's descriptor, for $tcpinfo_* (never read or written here)
    opened: float = 0.0  # when it was accepted (monotonic clock), for $connection_time


@dataclass(slots=True)
class Exchange:
    """Per-request state, created for each request and dropped after its response."""

    request: Request
    conn: ConnInfo
    server: Server | None = None
    settings: Settings | None = None
    location: Location | None = None
    method: str = ""
    uri: str = "/"
    args: str = ""
    host: str = ""
    captures: re.Match | None = None
    redirects: int = 0  # internal redirects so far (nginx allows MAX_REDIRECTS)
    error_page_used: bool = False  # an error page has run (the body is discarded by then)
    error_pages_done: bool = False  # no further error_page applies (nginx's r->error_page)
    error_status: int = 0  # the status an error page answers with (0: the page's own)
    close: bool = False  # the answer closes the connection (TRACE and CONNECT, as nginx)
    routable: bool = False  # reached the static handler on a path a Route may remember
    notes: list[str] = field(default_factory=list)
    trace: Trace | None = None  # records the decisions for --explain (module rules)
    # Filled in by the connection, for variables ($status, $bytes_sent, $request_time...):
    status: int = 0  # nginx's r->err_status while an error page runs
    response: Response | None = None  # the response sent
    sent: int = 0  # bytes written, head included
    head_len: int = 0
    started: float = 0.0  # monotonic clock at the request's first byte
    requests: int = 0  # this request's number on its connection
    pipelined: bool = False
    completed: bool = False
    request_id: str = ""

    def request_line(self) -> str:
        """``$request``."""
        req = self.request
        return f"{req.method} {req.target} HTTP/1.{req.minor}"

    def log_error(self, message: str) -> None:
        """An [error] line about this request, with nginx's context: ``*N MESSAGE, client:
        ADDR, server: NAME, request: "LINE", host: "HOST", referrer: "URL"`` (the last two
        when the request had them).  The connection writes it when the handler returns."""
        req = self.request
        server = self.server.names[0].text if self.server is not None and self.server.names else ""
        line = (f'*{self.conn.number} {message}, client: {self.conn.remote_host}, server: {server}, '
                f'request: "{self.request_line()}"')
        if req.host is not None:
            line += f', host: "{req.host}"'
        referrer = req.header("referer")
        if referrer is not None:
            line += f', referrer: "{referrer}"'
        self.notes.append(line)


@dataclass(frozen=True, slots=True)
class Route:
    """What a GET or HEAD of one (Host, target) resolved to, when nothing on the way
    depended on more than those two: server, location, settings, the file's path and
    type.  The file itself is looked at again on every request."""

    server: Server
    location: Location | None
    settings: Settings
    host: str
    uri: str
    args: str
    path: bytes
    content_type: str


MAX_ROUTES = 4096
_ROUTED_METHODS = frozenset({"GET", "HEAD"})


def respond(ex: Exchange):
    """Answer one request (see the module rules): a Response, or a body consumer
    (``feed``/``finish``/``abort``) when the handler needs the request body first.

    A plain GET or HEAD whose (Host, target) resolved to a static file before takes
    the remembered Route: the same server, location and path without re-deriving
    them; anything unusual on the way (a directory, a large file) takes the full path.
    """
    req = ex.request
    if (req.host is not None and req.method in _ROUTED_METHODS and not req.conditional and not req.has_body
            and ex.trace is None):
        route = ex.conn.vhosts.routes.get((req.host, req.target))
        if route is not None:
            ex.method = req.method
            ex.server = route.server
            ex.location = route.location
            ex.settings = route.settings
            ex.host = route.host
            ex.uri = route.uri
            ex.args = route.args
            response = _guarded(ex, static.serve_route, ex, route)
            if response is not None:
                return response
    return _guarded(ex, _respond, ex)


def remember_route(ex: Exchange, path: bytes, content_type: str) -> None:
    """Called by the static handler for a request ``run_in`` found routable."""
    req = ex.request
    if req.host is None or req.method not in _ROUTED_METHODS or req.has_body:
        return
    routes = ex.conn.vhosts.routes
    if len(routes) >= MAX_ROUTES:
        routes.clear()
    routes[(req.host, req.target)] = Route(ex.server, ex.location, ex.settings, ex.host, ex.uri, ex.args,
                                           path, content_type)


def _guarded(ex: Exchange, fn, *args):
    """Run a step of the request; errors become responses here (errors.finish), and
    every response is finalized."""
    try:
        response = fn(*args)
    except HttpError as err:
        response = errors.finish(ex, err)
    except Exception as exc:  # noqa: BLE001 - one request's bug must not take the server down
        response = errors.finish(ex, HttpError(500), exc)
    if type(response) is Response:
        return finalize(ex, response)
    return response


def finalize(ex: Exchange, response: Response) -> Response:
    """The step every response passes through before its head is written (a deferred one
    when it arrives): the header filters (``add_header``), then the body filters."""
    if ex.settings is not None and ex.settings.add_header:
        add_headers(ex, response)
    if ex.close:
        response.close = True
    return response


def finish_error(ex: Exchange, status: int) -> Response:
    """The answer to a request that could not be read (400, 408...), as ``errors.finish`` makes it."""
    return errors.finish(ex, HttpError(status))


def feed_body(ex: Exchange, consumer, data: bytes) -> Response | None:
    """Give request-body bytes to the handler that asked for them; a Response if it failed."""
    return _guarded(ex, _body_step, consumer, consumer.feed, data)


def end_body(ex: Exchange, consumer) -> Response:
    """The body is complete: the handler's answer."""
    return _guarded(ex, _body_step, consumer, consumer.finish)


def _body_step(consumer, step, *args):
    """A consumer's step; whatever it raises, nothing half-written stays (``abort``)."""
    try:
        return step(*args)
    except BaseException:
        consumer.abort()
        raise


# add_header applies to these statuses unless "always" is given (ngx_http_headers_filter).
ADD_HEADER_CODES = frozenset({200, 201, 204, 206, 301, 302, 303, 304, 307, 308})
# Headers the response sets itself that add_header replaces, and an empty value removes
# (nginx's ngx_http_set_headers: Last-Modified and ETag; its Cache-Control and Link
# entries only matter to ``expires``, which nginxlite ignores: those are appended as any).
_OWN_HEADERS = frozenset({"last-modified", "etag"})


def add_headers(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    """Apply the level's ``add_header`` lines (once per response); the headers appended."""
    added: list[tuple[str, str]] = []
    if response.headers_added:
        return added
    response.headers_added = True
    headers = response.headers
    for header in ex.settings.add_header:
        if header.always or response.status in ADD_HEADER_CODES:
            value = expand(header.value, ex)
            key = header.name.lower()
            if key in _OWN_HEADERS:
                response.unprepare()
                headers = response.headers
                at = next((i for i, (name, _) in enumerate(headers) if name.lower() == key), None)
                if at is None:
                    if value:
                        headers.append((header.name, value))
                elif value:
                    headers[at] = (header.name, value)
                else:
                    del headers[at]
            elif value:
                headers.append((header.name, value))
                added.append((header.name, value))
    return added


def _respond(ex: Exchange) -> Response:
    req = ex.request
    vhosts = ex.conn.vhosts
    ex.method = req.method
    try:
        path, args, target_host = split_target(req.target)
    except (BadUri, ValueError):
        ex.server = vhosts.address.default
        ex.settings = ex.server.settings
        if ex.trace is not None:
            ex.trace.step("target", f"{req.target}: invalid, the default server's 400")
        raise HttpError(400) from None
    # nginx: the request line's host is checked (and selects the server) first, then the
    # Host header is checked even so (400 from the server selected by then); the request
    # line's host wins.
    host = ""
    ex.server = vhosts.address.default
    ex.settings = ex.server.settings
    if target_host is not None:
        host = validate_host(target_host)
        if host is None:
            if ex.trace is not None:
                ex.trace.step("Host", f"{target_host}: invalid, the default server's 400")
            raise HttpError(400)
        ex.server = vhosts.select(host)
        ex.settings = ex.server.settings
    if req.host is not None:
        header_host = validate_host(req.host)
        if header_host is None:
            if ex.trace is not None:
                ex.trace.step("Host", f"{req.host}: invalid, the selected server's 400")
            raise HttpError(400)
        if target_host is None:
            host = header_host
    ex.host = host
    trace = ex.trace
    if trace is None:
        if target_host is None:  # (the request line's host selected the server above)
            ex.server = vhosts.select(host)
        server = ex.server
    else:
        reasons: list[str] = []
        ex.server = server = vhosts.select(host, reasons)
        trace.step("server", describe_server(server))
        trace.detail(f"because {reasons[-1]}")
    if vhosts.regexes and server.names and host:
        ex.captures = vhosts.captures(server, host)  # $1.. of a regex server_name
    ex.settings = server.settings
    if req.minor == 1 and req.host is None:
        raise HttpError(400)  # RFC 9112 §3.2, with the selected server's error pages
    if req.method in ("TRACE", "CONNECT"):
        ex.close = True  # nginx answers these and closes
        if trace is not None:
            trace.step("method", f"{req.method}: 405 and the connection closed, as nginx")
        raise HttpError(405)
    if req.method not in KNOWN_METHODS:
        if trace is not None:
            trace.step("method", f"{req.method}: not implemented")
        raise HttpError(501)
    try:
        # nginx parses the request line before it knows the Host: the address's
        # default server decides merge_slashes.
        ex.uri = normalize_path(path, vhosts.address.default.merge_slashes)
    except BadUri as err:
        if trace is not None:
            trace.step("URI", f"{path}: {err}")
        raise HttpError(400) from None
    ex.args = args
    if trace is not None:
        trace.step("URI", ex.uri + (f" (from {path})" if ex.uri != path else "") + (f", args {args}" if args else ""))
    if server.return_ is not None:
        if trace is not None:
            trace.step("return", f"server-level {describe_return(server.return_)} (runs before location selection)")
        return do_return(ex, server.return_)
    return run_location(ex)


def describe_server(server: Server) -> str:
    names = " ".join(n.text or '""' for n in server.names)
    return f"server_name {names}" + (f" ({server.pos})" if server.pos else "")


def describe_return(ret: Return) -> str:
    return f"return {ret.code} {ret.text or ''}".rstrip()


def trace_location(ex: Exchange, loc: Location | None, steps: list[str] | None = None, why: str = "") -> None:
    """Record the location a request runs in (``ex.trace`` is set), with how it was found."""
    text = (describe(loc) + (f" ({loc.pos})" if loc.pos else "")) if loc is not None \
        else "none (the server's own settings apply)"
    ex.trace.step("location", text + (f" ({why})" if why else ""))
    if steps is not None:
        for step in steps or ["no location at this level matches"]:
            ex.trace.detail(step)


def run_location(ex: Exchange) -> Response:
    """Location selection and everything after it (also the target of internal redirects)."""
    server = ex.server
    if ex.trace is None:
        match = find(server.tree, ex.uri)
    else:
        steps: list[str] = []
        match = find(server.tree, ex.uri, steps)
        trace_location(ex, match.location, steps)
    if match.captures is not None:
        ex.captures = match.captures
    return run_in(ex, match.location)


def run_in(ex: Exchange, loc: Location | None) -> Response:
    ex.location = loc
    settings = loc.settings if loc is not None else ex.server.settings
    ex.settings = settings
    req = ex.request
    trace = ex.trace
    limited = loc is not None and loc.limit_except is not None and ex.method not in loc.limit_except.methods
    if limited:
        settings = ex.settings = loc.limit_except.settings
        if trace is not None:
            trace.step("limit", f"{ex.method} is limited by limit_except: its block applies (no return, try_files)")
    limit = settings.client_max_body_size
    # An error page's request has its body discarded already (nginx: r->discard_body).
    if limit and req.content_length is not None and req.content_length > limit and not ex.error_page_used:
        ex.log_error(f"client intended to send too large body: {req.content_length} bytes")
        raise HttpError(413)
    allowed = settings.allow_methods
    if allowed is not None and ex.method not in allowed:
        if trace is not None:
            trace.step("method", f"{ex.method} is not in allow_methods {' '.join(sorted(allowed))}")
        raise HttpError(405, (("Allow", ", ".join(sorted(allowed))),))
    if loc is not None and loc.return_ is not None and not limited:
        if trace is not None:
            trace.step("return", describe_return(loc.return_))
        return do_return(ex, loc.return_)
    check_access(ex, settings)
    if loc is not None and loc.stub_status:
        if trace is not None:
            trace.step("handler", "stub_status page")
        return stub_status(ex)
    if loc is not None and loc.cgi_pass is not None:
        if trace is not None:
            trace.step("handler", f"cgi_pass {loc.cgi_pass}: CGI is not built yet")
        raise HttpError(501)  # CGI is not built yet: never serve a script's source instead
    if ex.method in settings.dav_methods:
        if trace is not None:
            trace.step("handler", f"DAV {ex.method} (dav_methods)")
            return Response(0)  # --explain stops here: the handler would write files
        return dav.handle(ex)
    tries = loc.try_files if loc is not None else ex.server.try_files
    if tries is not None and not limited:
        return try_files(ex, loc, tries)
    # Routable: nothing above depended on more than the Host and the target.
    ex.routable = (ex.redirects == 0 and not ex.error_page_used and ex.captures is None and not limited
                   and not settings.access and not settings.add_header and allowed is None
                   and (loc is None or loc.limit_except is None) and "$" not in settings.root)
    return static.serve(ex)


def try_files(ex: Exchange, loc: Location | None, tries: tuple[str, ...]) -> Response:
    """nginx's try_files (S11): the first existing file (or ``dir/``) is served here, with
    ``$uri`` set to it; otherwise the last argument: ``=code``, ``@name`` or a URI."""
    import os
    import stat as st
    trace = ex.trace
    for template in tries[:-1]:
        want_dir = template.endswith("/")  # decided by the argument as written, as nginx
        uri = expand(template[:-1] if want_dir else template, ex)
        path = static.file_path(ex, uri)
        try:
            mode = os.stat(path.encode("latin-1")).st_mode
        except OSError:
            if trace is not None:
                trace.step("try_files", f"{template}: {path} does not exist")
            continue
        if st.S_ISDIR(mode) == want_dir:
            if trace is not None:
                trace.step("try_files", f"{template}: {path} exists: served as {uri}")
            ex.uri = uri if uri.startswith("/") else "/" + uri
            return static.serve(ex)
        if trace is not None:
            trace.step("try_files", f"{template}: {path} is {'not ' if want_dir else ''}a directory")
    last = expand(tries[-1], ex)
    if trace is not None:
        trace.step("try_files", f"none found: the last argument, {last}")
    if last.startswith("="):
        raise HttpError(int(last[1:]))
    if last.startswith("@"):
        return named_redirect(ex, last)
    return internal_redirect(ex, last)


def stub_status(ex: Exchange) -> Response:
    """nginx's stub_status page, byte for byte."""
    if ex.method not in ("GET", "HEAD"):
        raise HttpError(405, (("Allow", "GET, HEAD"),))
    s = ex.conn.stats
    body = (f"Active connections: {s.active} \nserver accepts handled requests\n"
            f" {s.accepts} {s.handled} {s.requests} \n"
            f"Reading: {s.reading} Writing: {s.writing} Waiting: {s.waiting} \n").encode()
    return Response(200, [("Content-Type", "text/plain")], body, head_only=ex.method == "HEAD")


def check_access(ex: Exchange, settings: Settings) -> None:
    if not settings.access:
        return
    import ipaddress
    try:
        addr = ipaddress.ip_address(ex.conn.remote_host)
    except ValueError:
        addr = None
    for rule in settings.access:
        if rule.network is None or (addr is not None and addr.version == rule.network.version
                                    and addr in rule.network):
            if ex.trace is not None:
                ex.trace.step("access", f"{'allow' if rule.allow else 'deny'} {rule.network or 'all'} "
                                        f"is the first rule matching {ex.conn.remote_host}")
            if rule.allow:
                return
            ex.log_error("access forbidden by rule")
            raise HttpError(403)


def internal_redirect(ex: Exchange, uri: str) -> Response:
    """Restart location selection with a new URI (index files, error pages)."""
    ex.redirects += 1
    if ex.trace is not None:
        ex.trace.step("redirect", f"internal redirect to {uri}")
    if ex.redirects > MAX_REDIRECTS:
        ex.log_error(f'rewrite or internal redirection cycle while internally redirecting to "{uri}"')
        raise HttpError(500)
    path, _, args = uri.partition("?")
    try:
        ex.uri = normalize_path(path, ex.conn.vhosts.address.default.merge_slashes)
    except BadUri:
        raise HttpError(400) from None
    if args:
        ex.args = args
    return run_location(ex)


def named_redirect(ex: Exchange, name: str) -> Response:
    """Run the named location ``@name`` (try_files, error pages): one of the redirects too."""
    ex.redirects += 1
    if ex.redirects > MAX_REDIRECTS:
        ex.log_error(f'rewrite or internal redirection cycle while redirect to named location "{name}"')
        raise HttpError(500)
    named = ex.server.tree.named.get(name)
    if named is None:
        raise HttpError(404)
    if ex.trace is not None:
        trace_location(ex, named, why="named")
    return run_in(ex, named)


def redirect_location(ex: Exchange, target: str, settings: Settings) -> str:
    """nginx's Location value: relative targets made absolute unless absolute_redirect off."""
    if not target.startswith("/") or not settings.absolute_redirect:
        return target
    if settings.server_name_in_redirect and ex.server.names and ex.server.names[0].text:
        host = ex.server.names[0].text
    else:
        host = ex.host or ex.conn.local_host
    port = ex.conn.local_port
    port_part = f":{port}" if settings.port_in_redirect and port != 80 else ""
    return f"http://{host}{port_part}{target}"


def content_type(settings: Settings, uri: str) -> str:
    """The ``types`` entry for the URI's extension, else ``default_type``."""
    name = uri[uri.rfind("/") + 1:]
    dot = name.rfind(".")
    if dot >= 0:
        found = settings.types.get(name[dot + 1:].lower())
        if found is not None:
            return found
    return settings.default_type


def do_return(ex: Exchange, ret: Return) -> Response:
    code = ret.code
    settings = ex.settings
    if not ex.status:  # $status in the text: an error page's status, else this one (as nginx)
        ex.status = code
    if code == 444:
        return Response(444, close=True, head_only=True)
    if code in REDIRECT_CODES:
        location = redirect_location(ex, expand(ret.text or "", ex), settings)
        raise HttpError(code, (("Location", location),))
    if ret.text is not None:
        body = expand(ret.text, ex).encode("latin-1")
        return Response(code, [("Content-Type", content_type(settings, ex.uri))], body)
    if code >= 300:
        raise HttpError(code)  # error_page applies; a code without a built-in page has no body
    if code == 204:
        return Response(204)
    return Response(code, [("Content-Type", content_type(settings, ex.uri))])
