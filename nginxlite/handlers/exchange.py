"""Per-request state and the helpers that only read it: a leaf of ``handlers``.

Rules:
- ``Exchange`` is one request's state from its head to its response; ``ConnInfo``
  the connection's facts a handler may read; ``Trace`` the decisions ``--explain``
  prints; ``Route`` what a plain GET or HEAD of one (Host, target) resolved to.
- This module imports only ``config``, ``http`` and ``errors``: every handler
  module may import it, and it imports no handler (no cycle through here).
- ``redirect_location``, ``content_type`` and ``map_path`` are pure: they read
  the exchange and the configuration and touch nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.config.model import Location, Server, Settings
from nginxlite.config.vhosts import VirtualHosts
from nginxlite.http.parser import Request
from nginxlite.http.response import Response


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
    services: object = None  # server.services.Services: what handlers may use of the loop (None: --explain)
    number: int = 0  # the connection's serial number, nginx's "*N" in error-log lines
    fd: int = -1  # the socket's descriptor, for $tcpinfo_* (never read or written here)
    opened: float = 0.0  # when it was accepted (monotonic clock), for $connection_time
    tls: bool = False  # accepted on a "listen ... ssl" address: $scheme https, $https on
    ssl: object = None  # its server.tls.TlsTransport (``session()``, ``server_name``), for $ssl_*


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
    limited: bool = False  # limit_except applies: its block's settings, no return or try_files
    handler: str = ""  # the content handler that answered (content.CONTENT_HANDLERS' name)
    route: Route | None = None  # the remembered Route this request took (pipeline.respond)
    script_name: str = ""  # $cgi_script_name: the URI's script part (cgi_split_path_info)
    path_info: str = ""  # $cgi_path_info
    cgi_redirects: int = 0  # local Location answers of CGI scripts followed (at most 5 in a row)
    session: object = None  # handlers.sessions.Session, with ``session on``
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
    map_values: dict | None = None  # map variables computed so far (nginx caches them per request)

    def request_line(self) -> str:
        """``$request``."""
        req = self.request
        return f"{req.method} {req.target} HTTP/1.{req.minor}"

    def log_error(self, message: str) -> None:
        """An [error] line about this request (``context``).  The connection writes it when
        the handler returns."""
        self.notes.append(self.context(message))

    def context(self, message: str) -> str:
        """``MESSAGE`` with nginx's context: ``*N MESSAGE, client: ADDR, server: NAME,
        request: "LINE", host: "HOST", referrer: "URL"`` (the last two when the request
        had them)."""
        req = self.request
        server = self.server.names[0].text if self.server is not None and self.server.names else ""
        line = (f'*{self.conn.number} {message}, client: {self.conn.remote_host}, server: {server}, '
                f'request: "{self.request_line()}"')
        if req.host is not None:
            line += f', host: "{req.host}"'
        referrer = req.header("referer")
        if referrer is not None:
            line += f', referrer: "{referrer}"'
        return line


@dataclass(frozen=True, slots=True)
class Route:
    """What a GET or HEAD of one (Host, target) resolved to, when nothing on the way
    depended on more than those two: server, location, settings, the file's path and
    type.  The file itself is looked at again on every request, and a request taking
    the route skips only server and location selection (``pipeline.respond``)."""

    server: Server
    location: Location | None
    settings: Settings
    host: str
    uri: str
    args: str
    path: bytes
    content_type: str


MAX_ROUTES = 4096
ROUTED_METHODS = frozenset({"GET", "HEAD"})


def remember_route(ex: Exchange, path: bytes, content_type: str) -> None:
    """Called by the static handler for a request ``pipeline.run_in`` found routable."""
    req = ex.request
    if req.host is None or req.method not in ROUTED_METHODS or req.has_body:
        return
    routes = ex.conn.vhosts.routes
    if len(routes) >= MAX_ROUTES:
        routes.clear()
    routes[(req.host, req.target)] = Route(ex.server, ex.location, ex.settings, ex.host, ex.uri, ex.args,
                                           path, content_type)


def redirect_location(ex: Exchange, target: str, settings: Settings) -> str:
    """nginx's Location value: relative targets made absolute unless absolute_redirect off."""
    if not target.startswith("/") or not settings.absolute_redirect:
        return target
    if settings.server_name_in_redirect and ex.server.names and ex.server.names[0].text:
        host = ex.server.names[0].text
    else:
        host = ex.host or ex.conn.local_host
    port = ex.conn.local_port
    tls = ex.conn.tls
    port_part = f":{port}" if settings.port_in_redirect and port != (443 if tls else 80) else ""
    return f"{'https' if tls else 'http'}://{host}{port_part}{target}"


def content_type(settings: Settings, uri: str) -> str:
    """The ``types`` entry for the URI's extension, else ``default_type``."""
    name = uri[uri.rfind("/") + 1:]
    dot = name.rfind(".")
    if dot >= 0:
        found = settings.types.get(name[dot + 1:].lower())
        if found is not None:
            return found
    return settings.default_type


def map_path(root: str, settings: Settings, location: Location | None, uri: str) -> str:
    """``root`` + URI, or the alias + the URI after the location's prefix (a regex
    location's alias is the whole path).  ``root`` has its variables expanded."""
    if settings.alias:
        if location is not None and location.regex is not None and settings.alias_strip == 0:
            return root
        return root + uri[settings.alias_strip:]
    return root + uri
