"""nginx variables: the one table of the variables that exist, and how each is computed.

Rules:
- ``VARIABLES`` (exact names) and ``PREFIXES`` (families such as ``http_*``) are the
  only list of variables: ``-t`` accepts a name when ``known`` says so (anything
  else is nginx's ``unknown "NAME" variable``), and every accepted name has a
  getter here giving nginx's value (ngx_http_variables.c and the modules nginx
  1.22 is built with).  Variables of modules nginxlite does not have (proxy,
  upstream, limit_req, client certificates...) are known, with the value nginx
  gives a request those modules did not handle: not found.
- ``$ssl_*`` read the connection's handshaken TLS session (``ConnInfo.ssl``):
  not found on plain HTTP, and when the value is empty (nginx's
  ngx_http_ssl_variable).  ``$ssl_curve`` is not found: Python cannot tell the
  negotiated group.
- A getter takes the request's ``Exchange`` and returns the value, or None for
  nginx's "not found" (empty in text, ``-`` in access logs).  Values are latin-1
  strings, one character per byte, like everything else.
- ``scan`` is the one ``$var`` scanner (nginx's script compiler: ``$name``,
  ``${name}``, ``$1``..``$9``; its errors are nginx's words); ``compile`` turns a
  text into a ``Template`` once (cached per text), and ``Template.expand`` /
  ``Template.parts`` are the one evaluator, used by ``return``, ``add_header``,
  ``error_page``, ``root``, ``index``, ``try_files`` and access logs alike.
- A getter that is one expression of ``ex`` is written as ``_expr("...")``: the same
  function, with its text kept (``inline``) so that the access-log compiler
  (``server.logs.access_formatter``) puts the expression in its own code.
- Names that are not in the table are ``map`` variables or regex captures (named
  groups of a location, server_name or map regex); the loader rejects any other
  name before here.  A map may also define a prefix-family name or a changeable
  one (``CHANGEABLE``), so those getters ask the request's configuration first
  (``_mapped``); the fixed names never pay for that.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import socket
import struct
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from nginxlite import __version__
from nginxlite.handlers.exchange import map_path
from nginxlite.http.body import UNKNOWN

if TYPE_CHECKING:
    from nginxlite.config.maps import Map
    from nginxlite.handlers.exchange import Exchange

Getter = Callable[["Exchange"], "str | None"]
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


# -- the scanner ---------------------------------------------------------------


def scan(text: str, captures: bool = True) -> list[str | tuple[str] | int]:
    """Split ``text`` into literal strings, ``(name,)`` variables (lower-case) and capture
    numbers (a bare ``$1``..``$9``), as nginx's script compiler.  ``captures=False``: as
    the log module's format compiler, where ``$1`` is a variable named "1".

    Raises:
        ValueError: nginx's message (``invalid variable name``, ``the closing bracket
            in "NAME" variable is missing``), and where the faulty ``$`` is.
    """
    parts: list[str | tuple[str] | int] = []
    start = 0
    i = text.find("$")
    while i >= 0:
        if i > start:
            parts.append(text[start:i])
        dollar = i
        i += 1
        bracket = i < len(text) and text[i] == "{"
        if bracket:
            i += 1
            if i == len(text):
                raise ValueError("invalid variable name", dollar)
        if captures and not bracket and i < len(text) and "1" <= text[i] <= "9":
            parts.append(int(text[i]))
            start = i + 1
            i = text.find("$", start)
            continue
        begin = i
        while i < len(text) and text[i] in NAME_CHARS:
            i += 1
        name = text[begin:i]
        if bracket:
            if i < len(text) and text[i] == "}":
                i += 1
            else:
                raise ValueError(f'the closing bracket in "{name}" variable is missing', dollar)
        if not name:
            raise ValueError("invalid variable name", dollar)
        parts.append((name.lower(),))
        start = i
        i = text.find("$", start)
    if start < len(text):
        parts.append(text[start:])
    return parts


# -- the evaluator ----------------------------------------------------------------


class Template:
    """A text with variables, compiled once: ``parts`` are literal strings and getters."""

    __slots__ = ("text", "parts", "names", "constant")

    def __init__(self, text: str, captures: bool = True) -> None:
        self.text = text
        self.parts: list[str | Getter] = []
        self.names: list[str | None] = []  # the variable's name for each getter part
        for part in scan(text, captures):
            if isinstance(part, str):
                self.parts.append(part)
                self.names.append(None)
            elif isinstance(part, int):
                self.parts.append(_capture_number(part))
                self.names.append(str(part))
            else:
                self.parts.append(getter(part[0]))
                self.names.append(part[0])
        self.constant = all(isinstance(p, str) for p in self.parts)

    def expand(self, ex: Exchange) -> str:
        if self.constant:
            return self.text
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = part(ex)
                if value:
                    out.append(value)
        return "".join(out)


_COMPILED: dict[tuple[str, bool], Template] = {}


def compile(text: str, captures: bool = True) -> Template:  # noqa: A001 - nginx's word for it
    """The ``Template`` of ``text``, compiled once per text (``captures``: see ``scan``)."""
    found = _COMPILED.get((text, captures))
    if found is None:
        found = _COMPILED[(text, captures)] = Template(text, captures)
    return found


def expand(text: str, ex: Exchange) -> str:
    """``text`` with its variables replaced by this request's values."""
    if "$" not in text:
        return text
    return compile(text).expand(ex)


def value(ex: Exchange, name: str) -> str | None:
    """The value of variable ``name`` (lower-case) for this request; None: not found."""
    return getter(name)(ex)


def known(name: str) -> bool:
    """Whether nginx (1.22, with the modules it is built with) defines variable ``name``,
    or nginxlite does (``OWN_VARIABLES``)."""
    return name in VARIABLES or name in OWN_VARIABLES or name.startswith(PREFIX_NAMES)


def getter(name: str, maps: Mapping[str, object] | None = None) -> Getter:
    """The getter of variable ``name``.  ``maps``: the ``map`` variables of the one
    configuration the getter serves, when it is known (an access log's format): a
    name no map of it defines skips the per-request map lookup."""
    found = VARIABLES.get(name) or OWN_VARIABLES.get(name)
    unmapped = maps is not None and name not in maps
    if found is not None:
        return _mapped(name, found) if name in CHANGEABLE and not unmapped else found
    for prefix, make in PREFIXES.items():
        if name.startswith(prefix):
            made = make(name[len(prefix):])
            return made if unmapped else _mapped(name, made)
    return _named_capture(name) if unmapped else _mapped(name, _named_capture(name))


def redefinable(name: str) -> bool:
    """Whether ``map`` may define variable ``name``: any but nginx's fixed ones
    (``ngx_http_add_variable``: only changeable variables may be defined again)."""
    return name in CHANGEABLE or not (name in VARIABLES or name in OWN_VARIABLES)


def _mapped(name: str, otherwise: Getter) -> Getter:
    """``name``'s getter when the configuration may define it with ``map``: the map of the
    request's configuration if it has one, else ``otherwise``.  Templates are compiled once
    for every configuration, so the map is looked up per request."""

    def get(ex: Exchange) -> str | None:
        server = ex.server
        if server is None:
            server = ex.conn.vhosts.address.default
        table = server.maps.get(name)
        if table is not None:
            return map_value(ex, table)
        return otherwise(ex)

    return get


MAX_MAP_DEPTH = 100  # nginx's ngx_http_variable_depth
_EVALUATING = {"depth": 0, "cycle": False}


def map_value(ex: Exchange, table: Map) -> str:
    """The value of a ``map`` variable for this request: its source expanded and looked up,
    the value found expanded (a regex's match becomes the request's captures, as nginx's
    ngx_http_regex_exec), and kept for the rest of the request unless ``volatile``.  A map
    that needs itself gets "" and an error-log line (nginx fails the evaluation)."""
    cache = ex.map_values
    if cache is not None and not table.volatile:
        found = cache.get(table.name)
        if found is not None:
            return found
    state = _EVALUATING
    if state["cycle"]:
        return ""
    if state["depth"] >= MAX_MAP_DEPTH:
        state["cycle"] = True
        ex.log_error(f'cycle while evaluating variable "{table.name}"')
        return ""
    state["depth"] += 1
    try:
        text, match = table.lookup(compile(table.source).expand(ex))
        if match is not None:
            ex.captures = match
        result = compile(text).expand(ex) if "$" in text else text
    finally:
        state["depth"] -= 1
        if not state["depth"]:
            state["cycle"] = False
    if not table.volatile:
        if cache is None:
            cache = ex.map_values = {}
        cache[table.name] = result
    return result


def _capture_number(n: int) -> Getter:
    def get(ex: Exchange) -> str | None:
        caps = ex.captures
        if caps is None or n > caps.re.groups:
            return None
        return caps.group(n) or ""

    return get


def _named_capture(name: str) -> Getter:
    def get(ex: Exchange) -> str | None:
        caps = ex.captures
        if caps is None or name not in caps.re.groupindex:
            return None
        return caps.group(name) or ""

    return get


# -- the getters -------------------------------------------------------------------


def _not_found(ex: Exchange) -> None:
    return None


def _empty(ex: Exchange) -> str:
    return ""


def _first_header(field: str) -> Getter:
    """``$http_NAME`` of a header nginx does not join: the first line's value."""

    def get(ex: Exchange) -> str | None:
        for key, value in ex.request.headers:
            if key == field:
                return value
        return None

    return get


def _joined_header(field: str, sep: str) -> Getter:
    def get(ex: Exchange) -> str | None:
        values = [v for k, v in ex.request.headers if k == field]
        return sep.join(values) if values else None

    return get


def _http(suffix: str) -> Getter:
    field = suffix.replace("_", "-")
    if field == "cookie":
        return _joined_header(field, "; ")
    if field == "x-forwarded-for":
        return _joined_header(field, ", ")
    return _first_header(field)


def _sent_http(suffix: str) -> Getter:
    field = suffix.replace("_", "-")
    special = _SENT_SPECIAL.get(field)
    if special is not None:
        return special

    def get(ex: Exchange) -> str | None:
        response = ex.response
        if response is None:
            return None
        values = [v for k, v in response.headers if k.lower() == field]
        if not values:
            prepared = response.prepared
            if prepared:
                for line in prepared.decode("latin-1").split("\r\n"):
                    key, sep, rest = line.partition(":")
                    if sep and key.lower() == field:
                        values.append(rest.strip())
        if not values:
            return None
        return ", ".join(values) if field in ("cache-control", "link") else values[0]

    return get


def _sent_content_length(ex: Exchange) -> str | None:
    response = ex.response
    if response is None or response.status in (204, 304) or response.length == UNKNOWN:
        return None
    return str(response.length)


def _keepalive(ex: Exchange) -> bool:
    """nginx's r->keepalive: what the request asked for, until the response is done (nginx
    clears it before the access log is written: logs always see "close")."""
    return not ex.completed and ex.request.keep_alive


def _sent_connection(ex: Exchange) -> str | None:
    return "keep-alive" if _keepalive(ex) else "close"


def _sent_keep_alive(ex: Exchange) -> str | None:
    settings = ex.settings
    if _keepalive(ex) and settings is not None and settings.keepalive_header is not None:
        return f"timeout={int(settings.keepalive_header)}"
    return None


def _sent_transfer_encoding(ex: Exchange) -> str | None:
    response = ex.response
    return "chunked" if response is not None and response.length == UNKNOWN and ex.request.minor == 1 else None


def _sent_content_type(ex: Exchange) -> str | None:
    response = ex.response
    if response is None:
        return None
    for key, value in response.headers:
        if key == "Content-Type":
            return value
    if response.prepared and response.status not in (204, 304):
        for line in response.prepared.decode("latin-1").split("\r\n"):
            if line[:13].lower() == "content-type:":
                return line[13:].strip()
    return None


_SENT_SPECIAL: dict[str, Getter] = {
    "content-length": _sent_content_length,
    "connection": _sent_connection,
    "keep-alive": _sent_keep_alive,
    "transfer-encoding": _sent_transfer_encoding,
    "content-type": _sent_content_type,
}


def _cookie(name: str) -> Getter:
    def get(ex: Exchange) -> str | None:
        for line in (v for k, v in ex.request.headers if k == "cookie"):
            for part in line.split(";"):
                key, sep, value = part.strip(" \t").partition("=")
                if sep and key.lower() == name:  # caseless, as nginx
                    return value
        return None

    return get


def _arg(name: str) -> Getter:
    def get(ex: Exchange) -> str | None:
        for pair in ex.args.split("&"):
            key, sep, value = pair.partition("=")
            if sep and key.lower() == name:  # nginx compares names caselessly
                return value
        return None

    return get


def _args(ex: Exchange) -> str | None:
    return ex.args or None  # nginx: not found when empty, even after a "?"


def _host(ex: Exchange) -> str:
    if ex.host:
        return ex.host
    server = ex.server
    if server is not None and server.names and server.names[0].text:
        return server.names[0].text
    return ex.conn.local_host


def _server_name(ex: Exchange) -> str:
    server = ex.server
    return server.names[0].text if server is not None and server.names else ""


def _binary_remote_addr(ex: Exchange) -> str:
    try:
        return ipaddress.ip_address(ex.conn.remote_host).packed.decode("latin-1")
    except ValueError:
        return ""


def _remote_user(ex: Exchange) -> str | None:
    """nginx's ``ngx_http_auth_basic_user``: the user of a Basic Authorization header."""
    auth = ex.request.header("authorization")
    if auth is None or len(auth) < 6 or auth[:6].lower() != "basic ":
        return None
    encoded = auth[6:].lstrip(" ")
    try:
        decoded = base64.b64decode(encoded.encode("latin-1"), validate=True).decode("latin-1")
    except (binascii.Error, ValueError):
        return None
    user, sep, _ = decoded.partition(":")
    return user if sep else None


def _document_root(ex: Exchange) -> str | None:
    settings = ex.settings
    if settings is None:
        return None
    root = settings.root
    return expand(root, ex) if "$" in root else root


def _realpath_root(ex: Exchange) -> str | None:
    root = _document_root(ex)
    if root is None:
        return None
    try:
        return os.path.realpath(root.encode("latin-1"), strict=True).decode("latin-1")
    except OSError:
        return None


def _request_filename(ex: Exchange) -> str | None:
    if ex.settings is None:
        return None
    return map_path(_document_root(ex), ex.settings, ex.location, ex.uri)


def _request_length(ex: Exchange) -> str:
    req = ex.request
    return str(req.head_size + (req.content_length or 0))


def _request_time(ex: Exchange) -> str:
    return "%.3f" % max(time.monotonic() - ex.started, 0.0) if ex.started else "0.000"


def _connection_time(ex: Exchange) -> str:
    return "%.3f" % max(time.monotonic() - ex.conn.opened, 0.0) if ex.conn.opened else "0.000"


def _request_id(ex: Exchange) -> str:
    if not ex.request_id:
        ex.request_id = os.urandom(16).hex()
    return ex.request_id


_CLOCK = {"second": -1, "local": "", "iso": "", "gmt": "", "date_local": ""}


def _clock() -> dict:
    """Times formatted at most once per second (nginx caches them too)."""
    second = int(time.time())
    if second != _CLOCK["second"]:
        local = time.localtime(second)
        _CLOCK["second"] = second
        _CLOCK["local"] = time.strftime("%d/%b/%Y:%H:%M:%S %z", local)
        iso = time.strftime("%Y-%m-%dT%H:%M:%S%z", local)
        _CLOCK["iso"] = iso[:-2] + ":" + iso[-2:]
        # The SSI module's default timefmt, "%A, %d-%b-%Y %H:%M:%S %Z".
        _CLOCK["gmt"] = time.strftime("%A, %d-%b-%Y %H:%M:%S GMT", time.gmtime(second))
        _CLOCK["date_local"] = time.strftime("%A, %d-%b-%Y %H:%M:%S %Z", local)
    return _CLOCK


def time_local() -> str:
    return _clock()["local"]


def _tcpinfo(index: int) -> Getter:
    """``$tcpinfo_*``: one field of Linux's ``struct tcp_info`` (u32 fields after 8 bytes)."""

    def get(ex: Exchange) -> str:
        fd = ex.conn.fd
        if fd < 0:
            return "0"
        sock = socket.socket(fileno=fd)
        try:
            data = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        except OSError:
            return "0"
        finally:
            sock.detach()
        fields = struct.unpack_from("8x23I", data)
        return str(fields[index])

    return get


def _msie(ex: Exchange) -> str:
    """The browser module's ``$msie``: "1" for a User-Agent with "MSIE " that is not Opera."""
    agent = _first_header("user-agent")(ex) or ""
    at = agent.find("MSIE ")
    return "1" if at >= 0 and at + 7 < len(agent) and "Opera" not in agent else ""


def _stat(attr: str) -> Getter:
    return lambda ex: str(getattr(ex.conn.services.stats, attr)) if ex.conn.services is not None else "0"


def _fastcgi_script_name(ex: Exchange) -> str:
    # fastcgi_index and fastcgi_split_path_info are refused: nginx's value is the URI.
    return ex.uri


_HOSTNAME = socket.gethostname()


def _pid(ex: Exchange) -> str:
    return str(os.getpid())


def _ssl(read: Callable) -> Getter:
    """An ngx_http_ssl_module variable: ``read(transport, session)``; empty is not found."""

    def get(ex: Exchange) -> str | None:
        transport = ex.conn.ssl
        session = transport.session() if transport is not None else None
        if session is None:
            return None
        return read(transport, session) or None

    return get


def _expr(expression: str) -> Getter:
    """A getter that is one expression of ``ex`` (the request's Exchange), in this module's
    names.  Its text is kept (``inline``) so that compiled formats (``logs.access_formatter``)
    can put the expression in their own code, without a call per variable."""
    getter_ = eval(f"lambda ex: {expression}", globals())  # noqa: S307 - this module's own texts
    getter_.inline = expression
    return getter_


VARIABLES: dict[str, Getter] = {
    # ngx_http_variables.c
    "http_host": _first_header("host"),
    "content_length": _expr('ex.request.header("content-length")'),
    "content_type": _first_header("content-type"),
    "host": _host,
    "binary_remote_addr": _binary_remote_addr,
    "remote_addr": _expr("ex.conn.remote_host"),
    "remote_port": _expr("str(ex.conn.remote_port)"),
    "proxy_protocol_addr": _not_found,
    "proxy_protocol_port": _not_found,
    "proxy_protocol_server_addr": _not_found,
    "proxy_protocol_server_port": _not_found,
    "server_addr": _expr("ex.conn.local_host"),
    "server_port": _expr("str(ex.conn.local_port)"),
    "server_protocol": _expr('f"HTTP/1.{ex.request.minor}"'),
    "scheme": _expr('"https" if ex.conn.tls else "http"'),
    "https": _expr('"on" if ex.conn.tls else ""'),
    "request_uri": _expr("ex.request.target"),
    "uri": _expr("ex.uri"),
    "document_uri": _expr("ex.uri"),
    "request": _expr("ex.request_line()"),
    "document_root": _document_root,
    "realpath_root": _realpath_root,
    "query_string": _args,
    "args": _args,
    "is_args": _expr('"?" if ex.args else ""'),
    "request_filename": _request_filename,
    "server_name": _server_name,
    "request_method": _expr("ex.request.method"),
    "remote_user": _remote_user,
    "bytes_sent": _expr("str(ex.sent)"),
    "body_bytes_sent": _expr("str(max(ex.sent - ex.head_len, 0))"),
    "pipe": _expr('"p" if ex.pipelined else "."'),
    "request_completion": _expr('"OK" if ex.completed else ""'),
    "request_body": _not_found,  # the body is never kept in memory for a variable
    "request_body_file": _not_found,
    "request_length": _request_length,
    "request_time": _request_time,
    "request_id": _request_id,
    "status": _expr('"%03d" % (ex.response.status if ex.response is not None else ex.status)'),
    "limit_rate": _expr('"0"'),
    "connection": _expr("str(ex.conn.number)"),
    "connection_requests": _expr("str(ex.requests)"),
    "connection_time": _connection_time,
    "nginx_version": _expr("__version__"),
    "hostname": _expr("_HOSTNAME"),
    "pid": _pid,
    "msec": _expr('"%.3f" % time.time()'),
    "time_iso8601": _expr('_clock()["iso"]'),
    "time_local": _expr('_clock()["local"]'),
    "tcpinfo_rtt": _tcpinfo(15),
    "tcpinfo_rttvar": _tcpinfo(16),
    "tcpinfo_snd_cwnd": _tcpinfo(18),
    "tcpinfo_rcv_space": _tcpinfo(22),
    # modules nginx is built with, that nginxlite has in some form
    "date_gmt": _expr('_clock()["gmt"]'),
    "date_local": _expr('_clock()["date_local"]'),
    "fastcgi_script_name": _fastcgi_script_name,
    "fastcgi_path_info": _empty,
    "realip_remote_addr": _expr("ex.conn.remote_host"),
    "realip_remote_port": _expr("str(ex.conn.remote_port)"),
    "connections_active": _stat("active"),
    "connections_reading": _stat("reading"),
    "connections_writing": _stat("writing"),
    "connections_waiting": _stat("waiting"),
    "gzip_ratio": _not_found,  # gzip is ignored: nothing is compressed
    "msie": _msie,
    "modern_browser": _empty,
    "ancient_browser": _empty,
    "invalid_referer": _empty,  # no valid_referers: every referer is valid
    "http2": _empty,
    # ngx_http_ssl_module
    "ssl_protocol": _ssl(lambda t, s: s.version()),
    "ssl_cipher": _ssl(lambda t, s: (s.cipher() or ("",))[0]),
    "ssl_server_name": _ssl(lambda t, s: t.server_name),
    "ssl_session_reused": _ssl(lambda t, s: "r" if s.session_reused else "."),
    "ssl_alpn_protocol": _ssl(lambda t, s: s.selected_alpn_protocol()),
}
# Modules nginxlite does not have: known to nginx, never found for a request here.
for _name in """
        ssl_ciphers ssl_curve ssl_curves ssl_session_id
        ssl_early_data ssl_client_cert ssl_client_raw_cert
        ssl_client_escaped_cert ssl_client_s_dn ssl_client_i_dn ssl_client_s_dn_legacy
        ssl_client_i_dn_legacy ssl_client_serial ssl_client_fingerprint ssl_client_verify
        ssl_client_v_start ssl_client_v_end ssl_client_v_remain
        proxy_host proxy_port proxy_add_x_forwarded_for proxy_internal_body_length
        proxy_internal_chunked grpc_internal_trailers limit_conn_status limit_req_status
        upstream_addr upstream_status upstream_connect_time upstream_header_time
        upstream_response_time upstream_response_length upstream_bytes_received
        upstream_bytes_sent upstream_cache_status upstream_cache_last_modified upstream_cache_etag
        secure_link secure_link_expires uid_got uid_set uid_reset slice_range
        """.split():
    VARIABLES.setdefault(_name, _not_found)
VARIABLES["proxy_add_x_forwarded_for"] = lambda ex: (
    f"{ex.request.header('x-forwarded-for')}, {ex.conn.remote_host}"
    if ex.request.header("x-forwarded-for") is not None else ex.conn.remote_host)

PREFIXES: dict[str, Callable[[str], Getter]] = {
    "http_": _http,
    "sent_http_": _sent_http,
    "sent_trailer_": lambda name: _not_found,
    "cookie_": _cookie,
    "arg_": _arg,
    "upstream_http_": lambda name: _not_found,
    "upstream_trailer_": lambda name: _not_found,
    "upstream_cookie_": lambda name: _not_found,
}
PREFIX_NAMES = tuple(PREFIXES)
# nginx's changeable variables: a map may define them anew (ngx_http_variables.c).
CHANGEABLE = frozenset({"args", "limit_rate"})

# Values that never need escaping in an access log (numbers, addresses, dates).
SAFE_IN_LOGS = frozenset({
    "remote_addr", "time_local", "time_iso8601", "msec", "status", "body_bytes_sent",
    "bytes_sent", "request_time", "request_length", "connection", "connection_requests", "pid",
    "server_port", "remote_port", "request_id",
})


# nginxlite's own, for its own directives (nginx -t does not know them).
OWN_VARIABLES: dict[str, Getter] = {
    "cgi_script_name": lambda ex: ex.script_name or ex.uri,  # as $fastcgi_script_name, for cgi_param
    "cgi_path_info": lambda ex: ex.path_info,  # cgi_split_path_info's second capture
}
