"""The directive table: the only list of directives nginxlite knows.

Rules:
- One ``Spec`` per directive: name, allowed contexts, argument shape, handler,
  kind (supported, ignored with a warning, refused), default and a one-line
  description.  Validation (``loader``), ``nginxlite --help-directives`` and
  ``docs/directives.md`` are all driven by ``DIRECTIVES``.
- Handlers run after the generic checks (context, terminator, argument count)
  and raise ``ConfigError`` with nginx's exact wording.  They record values in
  the current ``Block``; merging happens later, once, in ``loader``.
- Messages follow nginx 1.22's handlers (``ngx_http_core_module.c`` and
  friends); where a handler returns a string, nginx prints
  ``"NAME" directive STRING``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntFlag
from typing import TYPE_CHECKING, Any

from nginxlite.config.ast import Directive
from nginxlite.config.blocks import Block, Ctx
from nginxlite.config.model import (
    COMBINED, HTTP_METHODS, AccessLog, AccessRule, AddHeader, CgiParam, ErrorLog, ErrorPage,
    Listen, LogFormat, NameKind, Return, ServerName,
)
from nginxlite.config.regex import compile_pcre
from nginxlite.config.values import parse_flag, parse_int, parse_offset, parse_size, parse_time
from nginxlite.errors import ConfigError

if TYPE_CHECKING:
    from nginxlite.config.loader import Loader


class Arity(IntFlag):
    """Argument shapes (nginx's NGX_CONF_NOARGS, TAKE1..7, FLAG, 1MORE, 2MORE, ANY)."""

    NOARGS = 1 << 0
    TAKE1 = 1 << 1
    TAKE2 = 1 << 2
    TAKE3 = 1 << 3
    TAKE4 = 1 << 4
    TAKE5 = 1 << 5
    TAKE6 = 1 << 6
    TAKE7 = 1 << 7
    FLAG = 1 << 8
    MORE1 = 1 << 9
    MORE2 = 1 << 10
    ANY = 1 << 11

    TAKE12 = TAKE1 | TAKE2
    TAKE13 = TAKE1 | TAKE3
    TAKE23 = TAKE2 | TAKE3
    TAKE123 = TAKE1 | TAKE2 | TAKE3
    TAKE1234 = TAKE1 | TAKE2 | TAKE3 | TAKE4

    def accepts(self, n: int) -> bool:
        """Whether ``n`` arguments (the name not counted) fit, as ``ngx_conf_handler``."""
        if self & Arity.ANY:
            return True
        if self & Arity.FLAG:
            return n == 1
        if self & Arity.MORE1:
            return n >= 1
        if self & Arity.MORE2:
            return n >= 2
        return n <= 7 and bool(self >> n & 1)

    def describe(self) -> str:
        if self & Arity.ANY:
            return "any"
        if self & Arity.FLAG:
            return "on or off"
        if self & Arity.MORE1:
            return "1 or more"
        if self & Arity.MORE2:
            return "2 or more"
        counts = [str(n) for n in range(8) if self >> n & 1]
        return " or ".join(counts)


class Kind(Enum):
    SUPPORTED = "supported"
    IGNORED = "ignored"  # accepted with a [warn]: changes nothing nginxlite does
    REFUSED = "refused"  # nginxlite cannot honour it: an error that says so


Handler = Callable[["Loader", Directive, Block], None]


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    contexts: Ctx
    arity: Arity
    handler: Handler | None
    help: str
    default: str = ""
    block: bool = False
    kind: Kind = Kind.SUPPORTED
    nginxlite_only: bool = False
    planned: bool = False  # validated now; the feature itself comes in a later release


def fail(message: str, d: Directive) -> ConfigError:
    return ConfigError(message, d.pos)


def duplicate(d: Directive) -> ConfigError:
    return fail(f'"{d.name}" directive is duplicate', d)


# -- generic slots ---------------------------------------------------------


def _set_once(blk: Block, d: Directive, key: str, value: Any) -> None:
    if key in blk.own:
        raise duplicate(d)
    blk.own[key] = value


def flag_slot(loader: Loader, d: Directive, blk: Block) -> None:
    try:
        value = parse_flag(d.args[0])
    except ValueError:
        raise fail(f'invalid value "{d.args[0]}" in "{d.name}" directive, it must be "on" or "off"', d) from None
    _set_once(blk, d, d.name, value)


def value_slot(parse: Callable[[str], Any], problem: str) -> Handler:
    """nginx's one-value slots: duplicate check, then ``parse`` or ``"NAME" directive PROBLEM``."""

    def handler(loader: Loader, d: Directive, blk: Block) -> None:
        if d.name in blk.own:
            raise duplicate(d)
        try:
            blk.own[d.name] = parse(d.args[0])
        except ValueError:
            raise fail(f'"{d.name}" directive {problem}', d) from None

    return handler


size_slot = value_slot(parse_size, "invalid value")  # ngx_conf_set_size_slot
offset_slot = value_slot(parse_offset, "invalid value")  # ngx_conf_set_off_slot
msec_slot = value_slot(lambda text: parse_time(text, msec=True), "invalid value")  # ngx_conf_set_msec_slot
sec_slot = value_slot(lambda text: parse_time(text, msec=False), "invalid value")  # ngx_conf_set_sec_slot
num_slot = value_slot(parse_int, "invalid number")  # ngx_conf_set_num_slot


def str_slot(loader: Loader, d: Directive, blk: Block) -> None:
    _set_once(blk, d, d.name, d.args[0])


def enum_slot(*values: str) -> Handler:
    def handler(loader: Loader, d: Directive, blk: Block) -> None:
        if d.name in blk.own:
            raise duplicate(d)
        low = d.args[0].lower()
        if low not in values:
            raise fail(f'invalid value "{d.args[0]}"', d)
        blk.own[d.name] = low

    return handler


def ignored(loader: Loader, d: Directive, blk: Block) -> None:
    loader.warn(f'"{d.name}" directive is ignored by nginxlite', d.pos)


def refused(loader: Loader, d: Directive, blk: Block) -> None:
    raise fail(f'"{d.name}" directive is not supported by nginxlite', d)


# -- main and events -------------------------------------------------------


def events_block(loader: Loader, d: Directive, blk: Block) -> None:
    if loader.events_seen:
        raise duplicate(d)
    loader.events_seen = True
    loader.walk(d.block, Block(Ctx.EVENTS, blk, d))


def http_block(loader: Loader, d: Directive, blk: Block) -> None:
    if loader.http is not None:
        raise duplicate(d)
    http = Block(Ctx.HTTP, blk, d)
    loader.http = http
    loader.walk(d.block, http)
    loader.finish_http(http)


def worker_connections(loader: Loader, d: Directive, blk: Block) -> None:
    if loader.worker_connections is not None:
        raise duplicate(d)
    try:
        loader.worker_connections = parse_int(d.args[0])
    except ValueError:
        raise fail(f'invalid number "{d.args[0]}"', d) from None


def pid(loader: Loader, d: Directive, blk: Block) -> None:
    if loader.pid is not None:
        raise duplicate(d)
    loader.pid = d.args[0]


LOG_LEVELS = ("stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")


def error_log(loader: Loader, d: Directive, blk: Block) -> None:
    level = ""
    for arg in d.args[1:]:
        if arg not in LOG_LEVELS[1:]:
            raise fail(f'invalid log level "{arg}"', d)
        if level:
            raise fail(f'duplicate log level "{arg}"', d)
        level = arg
    entry = ErrorLog(d.args[0], level or "error")
    if blk.ctx & Ctx.MAIN:
        loader.error_logs.append(entry)
    else:
        blk.own["error_log"] = blk.own.get("error_log", ()) + (entry,)


# -- server ---------------------------------------------------------------


def server_block(loader: Loader, d: Directive, blk: Block) -> None:
    server = Block(Ctx.SERVER, blk, d)
    blk.servers.append(server)
    loader.walk(d.block, server)


_LISTEN_FLAGS = {"default_server", "default", "bind", "deferred", "reuseport"}
_LISTEN_VALUED = ("backlog", "rcvbuf", "sndbuf", "ipv6only", "so_keepalive", "fastopen")  # Linux's
_LISTEN_REFUSED = {"ssl", "http2", "quic", "proxy_protocol"}


def _parse_listen_address(text: str) -> tuple[list[tuple[str, int]], int, str | None]:
    """``ngx_parse_url`` for ``listen``: returns ((host, port) list, family, error)."""
    if text.startswith("unix:"):
        return [], 0, "unix"
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            return [], 0, "invalid host"
        host, rest = text[1:close], text[close + 1:]
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            return [], 0, "invalid IPv6 address"
        port = 80
        if rest:
            if not rest.startswith(":"):
                return [], 0, "invalid host"
            try:
                port = parse_int(rest[1:])
            except ValueError:
                return [], 0, "invalid port"
            if not 1 <= port <= 65535:
                return [], 0, "invalid port"
        return [(host, port)], socket.AF_INET6, None
    host, sep, port_text = text.partition(":")  # nginx splits at the first colon
    if not sep:
        try:
            port = parse_int(text)
        except ValueError:
            host, port = text, 80
        else:
            if not 1 <= port <= 65535:
                return [], 0, "invalid port"
            return [("0.0.0.0", port)], socket.AF_INET, None
    else:
        try:
            port = parse_int(port_text)
        except ValueError:
            return [], 0, "invalid port"
        if not 1 <= port <= 65535:
            return [], 0, "invalid port"
    if host == "":
        return [], 0, "no host"
    if host == "*":
        return [("0.0.0.0", port)], socket.AF_INET, None
    try:
        return [(str(ipaddress.IPv4Address(host)), port)], socket.AF_INET, None
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return [], 0, "host not found"
    hosts = list(dict.fromkeys(info[4][0] for info in infos))
    return [(h, port) for h in hosts], socket.AF_INET, None


def _listen_option(param: str) -> str | None:
    """Check one ``name=value`` listen parameter; returns nginx's error or None."""
    name, _, value = param.partition("=")
    try:
        if name == "backlog":
            if value != "-1":
                parse_int(value)
        elif name in ("rcvbuf", "sndbuf"):
            parse_size(value)
        elif name == "fastopen":
            parse_int(value)
        elif name == "ipv6only":
            if value not in ("on", "off"):
                return f'invalid ipv6only flags "{value}"'
        elif name == "so_keepalive":
            if value not in ("on", "off") and not re.fullmatch(r"\d*[smhd]?:\d*[smhd]?:\d*", value):
                return f'invalid so_keepalive value: "{param}"'
        else:
            return f'invalid parameter "{param}"'
    except ValueError:
        return f'invalid {name} "{param}"'
    return None


def listen(loader: Loader, d: Directive, blk: Block) -> None:
    addresses, family, err = _parse_listen_address(d.args[0])
    if err == "unix":
        raise fail('unix domain sockets in "listen" are not supported by nginxlite', d)
    if err:
        raise fail(f'{err} in "{d.args[0]}" of the "listen" directive', d)
    default = False
    options = False
    for param in d.args[1:]:
        if param in ("default_server", "default"):
            default = True
        elif param in _LISTEN_FLAGS:
            options = True
        elif "=" in param and param.split("=", 1)[0] in _LISTEN_VALUED:
            problem = _listen_option(param)
            if problem:
                raise fail(problem, d)
            options = True
        elif param in _LISTEN_REFUSED:
            raise fail(f'the "{param}" parameter of the "listen" directive is not supported by nginxlite', d)
        else:
            raise fail(f'invalid parameter "{param}"', d)
    for host, port in addresses:
        lst = Listen(host, port, default, d.pos, family)
        loader.add_listen(blk, lst, options, d)
        blk.listens.append(lst)


def server_name(loader: Loader, d: Directive, blk: Block) -> None:
    for name in d.args:
        ch = name[:1]
        if (ch == "*" and (len(name) < 3 or name[1] != ".")) or (ch == "." and len(name) < 2):
            raise fail(f'server name "{name}" is invalid', d)
        if "/" in name:
            loader.warn(f'server name "{name}" has suspicious symbols', d.pos)
        if ch != "~":
            low = name.lower()
            if low.startswith("*.") or low.startswith("."):
                kind = NameKind.WILDCARD_HEAD
            elif low.endswith(".*"):
                kind = NameKind.WILDCARD_TAIL
            else:
                kind = NameKind.EXACT
            blk.names.append(ServerName(low, kind))
            continue
        if len(name) == 1:
            raise fail(f'empty regex in server name "{name}"', d)
        source = name[1:]
        caseless = any("A" <= c <= "Z" for c in source)
        try:
            regex = compile_pcre(source, caseless=caseless)
        except ValueError as err:
            raise fail(str(err), d) from None
        blk.names.append(ServerName(name, NameKind.REGEX, regex))


# -- location -------------------------------------------------------------


def location_block(loader: Loader, d: Directive, blk: Block) -> None:
    loc = Block(Ctx.LOCATION, blk, d)
    if len(d.args) == 2:
        mod, name = d.args
        if mod not in ("=", "^~", "~", "~*"):
            raise fail(f'invalid location modifier "{mod}"', d)
    else:
        arg = d.args[0]
        if arg.startswith("="):
            mod, name = "=", arg[1:]
        elif arg.startswith("^~"):
            mod, name = "^~", arg[2:]
        elif arg.startswith("~*"):
            mod, name = "~*", arg[2:]
        elif arg.startswith("~"):
            mod, name = "~", arg[1:]
        elif arg.startswith("@"):
            mod, name = "@", arg
        else:
            mod, name = "", arg
    loc.modifier, loc.name = mod, name
    if mod in ("~", "~*"):
        try:
            loc.regex = compile_pcre(name, caseless=mod == "~*")
        except ValueError as err:
            raise fail(str(err), d) from None
        loader.regex_names.update(loc.regex.groupindex)  # named captures are variables
    if blk.ctx & Ctx.LOCATION:
        if blk.modifier == "=":
            raise fail(f'location "{name}" cannot be inside the exact location "{blk.name}"', d)
        if blk.modifier == "@":
            raise fail(f'location "{name}" cannot be inside the named location "{blk.name}"', d)
        if mod == "@":
            raise fail(f'named location "{name}" can be on the server level only', d)
        if loc.regex is None and not name.startswith(blk.name):
            raise fail(f'location "{name}" is outside location "{blk.name}"', d)
    blk.locations.append(loc)
    loader.walk(d.block, loc)


def limit_except_block(loader: Loader, d: Directive, blk: Block) -> None:
    if blk.limit_except is not None:
        raise duplicate(d)
    allowed = set()
    for arg in d.args:
        method = arg.upper()
        if method not in HTTP_METHODS:
            raise fail(f'invalid method "{arg}"', d)
        allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")
    lmt = Block(Ctx.LIMIT_EXCEPT, blk, d)
    lmt.limit_methods = frozenset(allowed)
    blk.limit_except = lmt
    loader.walk(d.block, lmt)


# -- content --------------------------------------------------------------


def root_or_alias(loader: Loader, d: Directive, blk: Block) -> None:
    is_alias = d.name == "alias"
    if "root" in blk.own:
        earlier = "alias" if blk.own["alias"] else "root"
        if earlier == d.name:
            raise duplicate(d)
        raise fail(f'"{d.name}" directive is duplicate, "{earlier}" directive was specified earlier', d)
    if blk.modifier == "@" and is_alias:
        raise fail('the "alias" directive cannot be used inside the named location', d)
    path = d.args[0]
    if "$document_root" in path or "$realpath_root" in path:
        raise fail(f'the $document_root variable cannot be used in the "{d.name}" directive', d)
    loader.check_variables(path, d)
    if not is_alias and len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    blk.own["root"] = path
    blk.own["alias"] = is_alias
    blk.own["alias_strip"] = len(blk.name) if is_alias and blk.regex is None else 0


def index(loader: Loader, d: Directive, blk: Block) -> None:
    for i, name in enumerate(d.args):
        if name.startswith("/") and i != len(d.args) - 1:
            loader.warn('only the last index in "index" directive should be absolute', d.pos)
        if name == "":  # nginx names the first argument here, whichever is empty
            raise fail(f'index "{d.args[0]}" in "index" directive is invalid', d)
        loader.check_variables(name, d)
    blk.own["index"] = blk.own.get("index", ()) + d.args


def try_files(loader: Loader, d: Directive, blk: Block) -> None:
    if blk.try_files is not None:
        raise duplicate(d)
    last = d.args[-1]
    if last.startswith("="):
        try:
            code = parse_int(last[1:])
        except ValueError:
            code = -1
        if code < 0 or code > 999:
            raise fail(f'invalid code "{last}"', d)
    for arg in d.args:
        loader.check_variables(arg, d)
    blk.try_files = d.args


def error_page(loader: Loader, d: Directive, blk: Block) -> None:
    args = d.args
    target = args[-1]
    overwrite: int | None = None
    codes_end = len(args) - 1
    if args[-2].startswith("="):
        if len(args) == 2:
            raise fail(f'invalid value "{args[-2]}"', d)
        if len(args[-2]) > 1:
            try:
                overwrite = parse_int(args[-2][1:])
            except ValueError:
                raise fail(f'invalid value "{args[-2]}"', d) from None
        else:
            overwrite = 0
        codes_end -= 1
    loader.check_variables(target, d)
    codes = []
    for text in args[:codes_end]:
        try:
            code = parse_int(text)
        except ValueError:
            code = -1
        if code < 0 or code == 499:
            raise fail(f'invalid value "{text}"', d)
        if not 300 <= code <= 599:
            raise fail(f'value "{text}" must be between 300 and 599', d)
        codes.append(code)
    page_overwrite = overwrite
    entries = []
    for code in codes:
        # nginx answers these internal statuses as 400 unless "=" says otherwise.
        ow = page_overwrite if page_overwrite is not None or code not in (494, 495, 496, 497) else 400
        entries.append(ErrorPage((code,), ow, target))
    blk.own["error_page"] = blk.own.get("error_page", ()) + tuple(entries)


def return_(loader: Loader, d: Directive, blk: Block) -> None:
    first = d.args[0]
    try:
        code = parse_int(first)
    except ValueError:
        if len(d.args) == 1 and first.startswith(("http://", "https://", "$scheme")):
            code, text = 302, first
        else:
            raise fail(f'invalid return code "{first}"', d) from None
    else:
        if code > 999:
            raise fail(f'invalid return code "{first}"', d)
        text = d.args[1] if len(d.args) == 2 else None
    if text is not None:
        loader.check_variables(text, d)
    if blk.return_ is None:  # later returns are unreachable, as in nginx
        blk.return_ = Return(code, text)


def types_block(loader: Loader, d: Directive, blk: Block) -> None:
    types = blk.own.get("types")
    if types is None:
        types = blk.own["types"] = {}
    loader.walk(d.block, Block(Ctx.TYPES, blk, d))


def types_entry(loader: Loader, d: Directive, blk: Block) -> None:
    """One ``type ext ...;`` line inside ``types { }``."""
    types = blk.parent.own["types"]
    content_type = d.name
    for ext in d.args:
        ext = ext.lower()
        old = types.get(ext)
        if old is not None:
            loader.warn(f'duplicate extension "{ext}", content type: "{content_type}", '
                        f'previous content type: "{old}"', d.pos)
        types[ext] = content_type


def keepalive_timeout(loader: Loader, d: Directive, blk: Block) -> None:
    if "keepalive_timeout" in blk.own:
        raise duplicate(d)
    try:
        blk.own["keepalive_timeout"] = parse_time(d.args[0], msec=True)
        if len(d.args) == 2:
            blk.own["keepalive_header"] = parse_time(d.args[1], msec=False)
    except ValueError:
        raise fail('"keepalive_timeout" directive invalid value', d) from None


def large_client_header_buffers(loader: Loader, d: Directive, blk: Block) -> None:
    if d.name in blk.own:
        raise duplicate(d)
    try:
        number = parse_int(d.args[0])
        size = parse_size(d.args[1])
    except ValueError:
        number = size = 0
    if number == 0 or size == 0:
        raise fail(f'"{d.name}" directive invalid value', d)
    blk.own[d.name] = (number, size)


_DAV = {"off": None, "put": "PUT", "delete": "DELETE", "mkcol": "MKCOL", "copy": "COPY", "move": "MOVE"}


def dav_methods(loader: Loader, d: Directive, blk: Block) -> None:
    methods = set(blk.own.get("dav_methods", ()))
    for arg in d.args:
        low = arg.lower()
        if low not in _DAV:
            raise fail(f'invalid value "{arg}"', d)
        if _DAV[low]:
            methods.add(_DAV[low])
    blk.own["dav_methods"] = frozenset(methods)


def access_rule(loader: Loader, d: Directive, blk: Block) -> None:
    value = d.args[0]
    network = None
    if value == "unix:":
        return  # a rule for unix-socket clients: nginxlite listens on TCP only, it never applies
    if value != "all":
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise fail(f'invalid parameter "{value}"', d) from None
            loader.warn(f"low address bits of {value} are meaningless", d.pos)
    blk.own["access"] = blk.own.get("access", ()) + (AccessRule(d.name == "allow", network),)


def add_header(loader: Loader, d: Directive, blk: Block) -> None:
    always = False
    if len(d.args) == 3:
        if d.args[2] != "always":
            raise fail(f'invalid parameter "{d.args[2]}"', d)
        always = True
    loader.check_variables(d.args[1], d)
    blk.own["add_header"] = blk.own.get("add_header", ()) + (AddHeader(d.args[0], d.args[1], always),)


def log_format(loader: Loader, d: Directive, blk: Block) -> None:
    http = blk
    name = d.args[0]
    if name == "combined" or name in http.log_formats:
        raise fail(f'duplicate "log_format" name "{name}"', d)
    parts = list(d.args[1:])
    escape = "default"
    if parts and parts[0].startswith("escape="):
        escape = parts.pop(0)[7:]
        if escape not in ("default", "json", "none"):
            raise fail(f'unknown log format escaping "{escape}"', d)
    for part in parts:  # each argument on its own, as nginx
        loader.check_variables(part, d, log_format=True)
    template = "".join(parts)
    http.log_formats[name] = LogFormat(name, escape, template)


def access_log(loader: Loader, d: Directive, blk: Block) -> None:
    """``ngx_http_log_set_log``: its checks, in its order and words."""
    logs = blk.own.get("access_log", ())
    path = d.args[0]
    if path == "off":
        if len(d.args) > 1:
            raise fail(f'invalid parameter "{d.args[1]}"', d)
        blk.own["access_log"] = logs
        return
    loader.check_variables(path, d)
    name = d.args[1] if len(d.args) >= 2 else "combined"
    http = blk.up(Ctx.HTTP)
    formats = (COMBINED, *(http.log_formats.values() if http is not None else ()))
    fmt = next((f for f in formats if f.name.lower() == name.lower()), None)  # caseless, as nginx
    if fmt is None:
        raise fail(f'unknown log format "{name}"', d)
    buffer, flush, gzip, condition = 0, 0.0, 0, None
    for param in d.args[2:]:
        key, _, value = param.partition("=")
        if param.startswith("buffer="):
            try:
                buffer = parse_size(value)
            except ValueError:
                buffer = 0
            if buffer == 0:
                raise fail(f'invalid buffer size "{value}"', d)
        elif param.startswith("flush="):
            try:
                flush = parse_time(value, msec=True)
            except ValueError:
                flush = 0.0
            if flush == 0:
                raise fail(f'invalid flush time "{value}"', d)
        elif key == "gzip":
            buffer = buffer or 64 << 10
            if param == "gzip":
                gzip = 1
            else:
                gzip = int(value) if value.isascii() and value.isdigit() else 0
            if not 1 <= gzip <= 9:
                raise fail(f'invalid compression level "{value}"', d)
        elif param.startswith("if="):
            loader.check_variables(value, d)
            condition = value
        else:
            raise fail(f'invalid parameter "{param}"', d)
    if flush and not buffer:
        raise fail(f'no buffer is defined for access_log "{path}"', d)
    if buffer:
        if "$" in path:
            raise fail("buffered logs cannot have variables in name", d)
        full = loader.path(path)
        earlier = loader.log_buffers.setdefault(full, (buffer, flush, gzip))
        if earlier != (buffer, flush, gzip):
            raise fail(f'access_log "{path}" already defined with conflicting parameters', d)
    blk.own["access_log"] = logs + (AccessLog(path, fmt, buffer, flush, gzip, condition),)


def stub_status(loader: Loader, d: Directive, blk: Block) -> None:
    blk.stub_status = True


# -- nginxlite's own directives --------------------------------------------

NGINXLITE_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "MKCOL")


def allow_methods(loader: Loader, d: Directive, blk: Block) -> None:
    if "allow_methods" in blk.own:
        raise duplicate(d)
    methods = set()
    for arg in d.args:
        if arg not in NGINXLITE_METHODS:
            raise fail(f'invalid method "{arg}"', d)
        methods.add(arg)
    if "GET" in methods:
        methods.add("HEAD")
    blk.own["allow_methods"] = frozenset(methods)


def planned(loader: Loader, d: Directive, effect: str) -> None:
    """nginxlite's own directives whose feature is not built yet: say so, never fail silently."""
    loader.warn(f'"{d.name}" is not implemented yet: {effect}', d.pos)


def cgi_pass(loader: Loader, d: Directive, blk: Block) -> None:
    if blk.cgi_pass is not None:
        raise duplicate(d)
    planned(loader, d, "requests in this location are answered 501")
    blk.cgi_pass = d.args[0]


def planned_slot(effect: str, slot: Handler) -> Handler:
    def handler(loader: Loader, d: Directive, blk: Block) -> None:
        slot(loader, d, blk)
        planned(loader, d, effect)

    return handler


def cgi_split_path_info(loader: Loader, d: Directive, blk: Block) -> None:
    if "cgi_split_path_info" in blk.own:
        raise duplicate(d)
    try:
        regex = compile_pcre(d.args[0])
    except ValueError as err:
        raise fail(str(err), d) from None
    if regex.groups != 2:
        raise fail(f'pattern "{d.args[0]}" must have 2 captures', d)
    blk.own["cgi_split_path_info"] = regex


def cgi_param(loader: Loader, d: Directive, blk: Block) -> None:
    flag = False
    if len(d.args) == 3:
        if d.args[2] != "if_not_empty":
            raise fail(f'invalid parameter "{d.args[2]}"', d)
        flag = True
    loader.check_variables(d.args[1], d)
    blk.own["cgi_param"] = blk.own.get("cgi_param", ()) + (CgiParam(d.args[0], d.args[1], flag),)


def include(loader: Loader, d: Directive, blk: Block) -> None:
    loader.include(d, blk)


# -- the table --------------------------------------------------------------

L = Ctx.LOCATION
LMT = Ctx.LIMIT_EXCEPT
A = Arity

_S = Spec  # short alias for the table below

DIRECTIVES: dict[str, Spec] = {s.name: s for s in (
    # main and events
    _S("events", Ctx.MAIN, A.NOARGS, events_block, "Connection processing settings.", block=True),
    _S("worker_connections", Ctx.EVENTS, A.TAKE1, worker_connections,
       "Maximum number of simultaneous client connections.", "1024"),
    _S("pid", Ctx.MAIN, A.TAKE1, pid, "File that holds the server's process id.", "logs/nginxlite.pid"),
    _S("error_log", Ctx.MAIN | Ctx.HSL, A.MORE1, error_log, "Error log file and minimum level.",
       "logs/error.log error"),
    _S("include", Ctx.ANY, A.TAKE1, include,
       "Includes files (globs allowed), relative to the main config's folder."),
    _S("http", Ctx.MAIN, A.NOARGS, http_block, "HTTP server settings.", block=True),
    # servers
    _S("server", Ctx.HTTP, A.NOARGS, server_block, "A virtual server.", block=True),
    _S("listen", Ctx.SERVER, A.MORE1, listen, "Address and port to accept connections on.", "*:80"),
    _S("server_name", Ctx.SERVER, A.MORE1, server_name,
       "Names of the virtual server: exact, *.wildcard, wildcard.*, ~regex.", '""'),
    _S("merge_slashes", Ctx.HS, A.FLAG, flag_slot, "Merge runs of slashes in the URI.", "on"),
    _S("client_header_timeout", Ctx.HS, A.TAKE1, msec_slot,
       "Time to receive the whole request header.", "60s"),
    _S("large_client_header_buffers", Ctx.HS, A.TAKE2, large_client_header_buffers,
       "Number and size of buffers for a long request line or header.", "4 8k"),
    # locations
    _S("location", Ctx.SL, A.TAKE12, location_block,
       "Settings for URIs: = exact, prefix, ^~ prefix, ~ regex, ~* caseless regex, @named.", block=True),
    _S("limit_except", L, A.MORE1, limit_except_block,
       "Access rules for methods other than the ones listed.", block=True),
    _S("types", Ctx.HSL, A.NOARGS, types_block, "Maps file extensions to MIME types.",
       "html gif jpg", block=True),
    # content
    _S("root", Ctx.HSL | Ctx.IF, A.TAKE1, root_or_alias, "Document root.", "html"),
    _S("alias", L, A.TAKE1, root_or_alias, "Replaces the location's prefix with a path."),
    _S("index", Ctx.HSL, A.MORE1, index, "Files tried for a URI ending in a slash.", "index.html"),
    _S("autoindex", Ctx.HSL, A.FLAG, flag_slot, "Directory listings.", "off"),
    _S("autoindex_format", Ctx.HSL, A.TAKE1, enum_slot("html", "xml", "json", "jsonp"),
       "Listing format: html or json.", "html"),
    _S("autoindex_exact_size", Ctx.HSL, A.FLAG, flag_slot, "Exact sizes in HTML listings.", "on"),
    _S("autoindex_localtime", Ctx.HSL, A.FLAG, flag_slot, "Local time instead of GMT in listings.", "off"),
    _S("try_files", Ctx.SL, A.MORE2, try_files, "Files tried in order, then a fallback URI or =code."),
    _S("error_page", Ctx.HSL | Ctx.IF, A.MORE2, error_page, "URI or URL shown for error statuses."),
    _S("recursive_error_pages", Ctx.HSL, A.FLAG, flag_slot,
       "An error while showing an error page gets that location's error_page too (else built in).", "off"),
    _S("return", Ctx.SL | Ctx.IF, A.TAKE12, return_, "Answers with a status, text or redirect."),
    _S("default_type", Ctx.HSL, A.TAKE1, str_slot, "MIME type when no extension matches.", "text/plain"),
    _S("dav_methods", Ctx.HSL, A.MORE1, dav_methods, "WebDAV methods allowed: PUT DELETE MKCOL.", "off"),
    _S("create_full_put_path", Ctx.HSL, A.FLAG, flag_slot, "PUT creates missing folders.", "off"),
    _S("etag", Ctx.HSL, A.FLAG, flag_slot, "ETag header on static files.", "on"),
    _S("if_modified_since", Ctx.HSL, A.TAKE1, enum_slot("off", "exact", "before"),
       "If-Modified-Since: off (ignored), exact (the same date) or before (that date or later).", "exact"),
    _S("log_not_found", Ctx.HSL, A.FLAG, flag_slot,
       "Write a missing file (404) to the error log, as nginx's `open() \"...\" failed` line.", "on"),
    _S("add_header", Ctx.HSL | Ctx.IF, A.TAKE23, add_header, "Adds a response header."),
    _S("stub_status", Ctx.SL, A.NOARGS | A.TAKE1, stub_status, "Basic status information."),
    # limits and timeouts
    _S("client_max_body_size", Ctx.HSL, A.TAKE1, offset_slot, "Largest request body (0: no limit).", "1m"),
    _S("client_body_buffer_size", Ctx.HSL, A.TAKE1, size_slot,
       "Request bodies larger than this go to a temp file.", "16k"),
    _S("client_body_timeout", Ctx.HSL, A.TAKE1, msec_slot, "Time between two body reads.", "60s"),
    _S("send_timeout", Ctx.HSL, A.TAKE1, msec_slot, "Time between two writes to the client.", "60s"),
    _S("keepalive_timeout", Ctx.HSL, A.TAKE12, keepalive_timeout,
       "Idle keep-alive time, and an optional Keep-Alive header value.", "75s"),
    _S("keepalive_requests", Ctx.HSL, A.TAKE1, num_slot, "Requests per keep-alive connection.", "1000"),
    # access
    _S("allow", Ctx.HSL | LMT, A.TAKE1, access_rule, "Allows an address or network (or all)."),
    _S("deny", Ctx.HSL | LMT, A.TAKE1, access_rule, "Denies an address or network (or all)."),
    # redirects and headers
    _S("absolute_redirect", Ctx.HSL, A.FLAG, flag_slot, "Absolute URLs in redirects.", "on"),
    _S("port_in_redirect", Ctx.HSL, A.FLAG, flag_slot, "The port in absolute redirects.", "on"),
    _S("server_name_in_redirect", Ctx.HSL, A.FLAG, flag_slot,
       "The primary server_name instead of Host in redirects.", "off"),
    _S("server_tokens", Ctx.HSL, A.TAKE1, enum_slot("on", "off", "build"),
       "The version in the Server header and error pages.", "on"),
    # logs
    _S("access_log", Ctx.HSL | Ctx.IF | LMT, A.MORE1, access_log, "Access log file and format, or off.",
       "logs/access.log combined"),
    _S("log_format", Ctx.HTTP, A.MORE2, log_format, "Names an access log format."),
    # nginxlite's own
    _S("allow_methods", Ctx.SL, A.MORE1, allow_methods,
       "Methods allowed; others get 405 with an Allow header.", nginxlite_only=True),
    _S("cgi_pass", L, A.TAKE1, cgi_pass, "Runs the requested file as CGI with this interpreter (or exec).",
       nginxlite_only=True, planned=True),
    _S("cgi_split_path_info", L, A.TAKE1, cgi_split_path_info,
       "Regex with two captures: script name and PATH_INFO.", nginxlite_only=True, planned=True),
    _S("cgi_param", Ctx.HSL, A.TAKE23, cgi_param, "Adds a CGI environment variable.", nginxlite_only=True, planned=True),
    _S("cgi_timeout", Ctx.HSL, A.TAKE1, sec_slot, "Longest a CGI program may run.", "60s",
       nginxlite_only=True, planned=True),
    _S("upload_store", Ctx.SL, A.TAKE1, planned_slot("POST bodies are not stored", str_slot),
       "Folder where POSTed files are stored.",
       nginxlite_only=True, planned=True),
    _S("session", Ctx.HSL, A.FLAG, planned_slot("no session cookie is issued", flag_slot),
       "Server-side sessions with a cookie.", "off",
       nginxlite_only=True, planned=True),
    _S("session_name", Ctx.HSL, A.TAKE1, str_slot, "Session cookie name.", "NLSESSID", nginxlite_only=True, planned=True),
    _S("session_timeout", Ctx.HSL, A.TAKE1, sec_slot, "Session lifetime without activity.", "30m",
       nginxlite_only=True, planned=True),
    _S("session_store", Ctx.HSL, A.TAKE1, str_slot, "Folder of session files.", "sessions",
       nginxlite_only=True, planned=True),
)}


def _add(kind: Kind, handler: Handler, help_: str, entries: tuple[tuple[str, Ctx, Arity], ...],
         block: bool = False) -> None:
    for name, ctx, arity in entries:
        DIRECTIVES[name] = Spec(name, ctx, arity, handler, help_, block=block, kind=kind)


_HSLI = Ctx.HSL | Ctx.IF
_IGNORED_HELP = "Accepted and ignored: it tunes nginx internals nginxlite does not have."
_add(Kind.IGNORED, ignored, _IGNORED_HELP, (
    ("worker_processes", Ctx.MAIN, A.TAKE1), ("user", Ctx.MAIN, A.TAKE12),
    ("worker_rlimit_nofile", Ctx.MAIN, A.TAKE1), ("worker_cpu_affinity", Ctx.MAIN, A.MORE1),
    ("worker_priority", Ctx.MAIN, A.TAKE1), ("worker_shutdown_timeout", Ctx.MAIN, A.TAKE1),
    ("daemon", Ctx.MAIN, A.FLAG), ("master_process", Ctx.MAIN, A.FLAG),
    ("pcre_jit", Ctx.MAIN, A.FLAG), ("timer_resolution", Ctx.MAIN, A.TAKE1),
    ("working_directory", Ctx.MAIN, A.TAKE1), ("thread_pool", Ctx.MAIN, A.TAKE23),
    ("multi_accept", Ctx.EVENTS, A.FLAG), ("use", Ctx.EVENTS, A.TAKE1),
    ("accept_mutex", Ctx.EVENTS, A.FLAG), ("accept_mutex_delay", Ctx.EVENTS, A.TAKE1),
    ("sendfile", _HSLI, A.FLAG), ("sendfile_max_chunk", Ctx.HSL, A.TAKE1),
    ("tcp_nopush", Ctx.HSL, A.FLAG), ("tcp_nodelay", Ctx.HSL, A.FLAG),
    ("aio", Ctx.HSL, A.TAKE1), ("directio", Ctx.HSL, A.TAKE1), ("read_ahead", Ctx.HSL, A.TAKE1),
    ("output_buffers", Ctx.HSL, A.TAKE2), ("postpone_output", Ctx.HSL, A.TAKE1),
    ("gzip", _HSLI, A.FLAG), ("gzip_vary", Ctx.HSL, A.FLAG), ("gzip_comp_level", Ctx.HSL, A.TAKE1),
    ("gzip_types", Ctx.HSL, A.MORE1), ("gzip_min_length", Ctx.HSL, A.TAKE1),
    ("gzip_proxied", Ctx.HSL, A.MORE1), ("gzip_disable", Ctx.HSL, A.MORE1),
    ("gzip_http_version", Ctx.HSL, A.TAKE1), ("gzip_buffers", Ctx.HSL, A.TAKE2),
    ("server_names_hash_bucket_size", Ctx.HTTP, A.TAKE1), ("server_names_hash_max_size", Ctx.HTTP, A.TAKE1),
    ("types_hash_max_size", Ctx.HSL, A.TAKE1), ("types_hash_bucket_size", Ctx.HSL, A.TAKE1),
    ("variables_hash_max_size", Ctx.HTTP, A.TAKE1), ("variables_hash_bucket_size", Ctx.HTTP, A.TAKE1),
    ("open_file_cache", Ctx.HSL, A.TAKE12), ("open_file_cache_valid", Ctx.HSL, A.TAKE1),
    ("open_file_cache_min_uses", Ctx.HSL, A.TAKE1), ("open_file_cache_errors", Ctx.HSL, A.FLAG),
    ("reset_timedout_connection", Ctx.HSL, A.FLAG), ("client_body_temp_path", Ctx.HSL, A.TAKE1234),
    ("client_header_buffer_size", Ctx.HS, A.TAKE1), ("connection_pool_size", Ctx.HS, A.TAKE1),
    ("request_pool_size", Ctx.HS, A.TAKE1), ("lingering_close", Ctx.HSL, A.TAKE1),
    ("lingering_time", Ctx.HSL, A.TAKE1), ("lingering_timeout", Ctx.HSL, A.TAKE1),
    ("log_subrequest", Ctx.HSL, A.FLAG),
    ("open_log_file_cache", Ctx.HSL, A.TAKE1234), ("msie_padding", Ctx.HSL, A.FLAG),
    ("msie_refresh", Ctx.HSL, A.FLAG), ("ignore_invalid_headers", Ctx.HS, A.FLAG),
    ("underscores_in_headers", Ctx.HS, A.FLAG), ("keepalive_disable", Ctx.HSL, A.TAKE12),
    ("keepalive_time", Ctx.HSL, A.TAKE1), ("chunked_transfer_encoding", Ctx.HSL, A.FLAG),
    ("charset", _HSLI, A.TAKE1), ("source_charset", _HSLI, A.TAKE1),
    ("override_charset", _HSLI, A.FLAG), ("charset_types", Ctx.HSL, A.MORE1),
    ("server_tokens_hide", Ctx.HSL, A.FLAG), ("resolver", Ctx.HSL, A.MORE1),
    ("resolver_timeout", Ctx.HSL, A.TAKE1), ("send_lowat", Ctx.HSL, A.TAKE1),
))

_REFUSED_HELP = "Refused: nginxlite cannot do what this directive asks."
_add(Kind.REFUSED, refused, _REFUSED_HELP, (
    ("proxy_pass", L | Ctx.IF, A.TAKE1), ("proxy_set_header", Ctx.HSL, A.TAKE2),
    ("proxy_redirect", Ctx.HSL, A.TAKE12), ("proxy_http_version", Ctx.HSL, A.TAKE1),
    ("proxy_buffering", Ctx.HSL, A.FLAG), ("proxy_read_timeout", Ctx.HSL, A.TAKE1),
    ("proxy_connect_timeout", Ctx.HSL, A.TAKE1), ("proxy_send_timeout", Ctx.HSL, A.TAKE1),
    ("proxy_cache", Ctx.HSL, A.TAKE1), ("proxy_cache_path", Ctx.HTTP, A.MORE2),
    ("proxy_hide_header", Ctx.HSL, A.TAKE1), ("proxy_intercept_errors", Ctx.HSL, A.FLAG),
    ("fastcgi_pass", L | Ctx.IF, A.TAKE1), ("fastcgi_param", Ctx.HSL, A.TAKE23),
    ("fastcgi_index", Ctx.HSL, A.TAKE1), ("fastcgi_split_path_info", L, A.TAKE1),
    ("fastcgi_read_timeout", Ctx.HSL, A.TAKE1), ("fastcgi_intercept_errors", Ctx.HSL, A.FLAG),
    ("uwsgi_pass", L | Ctx.IF, A.TAKE1), ("uwsgi_param", Ctx.HSL, A.TAKE23),
    ("scgi_pass", L | Ctx.IF, A.TAKE1), ("scgi_param", Ctx.HSL, A.TAKE23),
    ("grpc_pass", Ctx.SL, A.TAKE1), ("memcached_pass", L | Ctx.IF, A.TAKE1),
    ("ssl", Ctx.HS, A.FLAG), ("ssl_certificate", Ctx.HS, A.TAKE1),
    ("ssl_certificate_key", Ctx.HS, A.TAKE1), ("ssl_protocols", Ctx.HS, A.MORE1),
    ("ssl_ciphers", Ctx.HS, A.TAKE1), ("ssl_prefer_server_ciphers", Ctx.HS, A.FLAG),
    ("ssl_session_cache", Ctx.HS, A.TAKE12), ("ssl_session_timeout", Ctx.HS, A.TAKE1),
    ("ssl_dhparam", Ctx.HS, A.TAKE1), ("ssl_stapling", Ctx.HS, A.FLAG),
    ("http2", Ctx.HS, A.FLAG), ("rewrite", Ctx.SL | Ctx.IF, A.TAKE23),
    ("rewrite_log", Ctx.HSL | Ctx.IF, A.FLAG), ("set", Ctx.SL | Ctx.IF, A.TAKE2),
    ("break", Ctx.SL | Ctx.IF, A.NOARGS), ("internal", L, A.NOARGS),
    ("expires", _HSLI, A.TAKE12), ("auth_basic", Ctx.HSL | LMT, A.TAKE1),
    ("auth_basic_user_file", Ctx.HSL | LMT, A.TAKE1), ("auth_request", Ctx.HSL, A.TAKE1),
    ("satisfy", Ctx.HSL, A.TAKE1), ("gzip_static", Ctx.HSL, A.TAKE1),
    ("limit_req", Ctx.HSL, A.TAKE123), ("limit_req_zone", Ctx.HTTP, A.TAKE3 | A.TAKE4),
    ("limit_conn", Ctx.HSL, A.TAKE2), ("limit_conn_zone", Ctx.HTTP, A.TAKE2),
    ("limit_rate", _HSLI, A.TAKE1), ("sub_filter", Ctx.HSL, A.TAKE2), ("ssi", _HSLI, A.FLAG),
    ("mirror", Ctx.HSL, A.TAKE1), ("real_ip_header", Ctx.HSL, A.TAKE1),
    ("set_real_ip_from", Ctx.HSL, A.TAKE1), ("load_module", Ctx.MAIN, A.TAKE1),
    ("env", Ctx.MAIN, A.TAKE1), ("lock_file", Ctx.MAIN, A.TAKE1),
))
_add(Kind.REFUSED, refused, _REFUSED_HELP, (
    ("upstream", Ctx.HTTP, A.TAKE1), ("if", Ctx.SL, A.MORE1), ("map", Ctx.HTTP, A.TAKE2),
    ("geo", Ctx.HTTP, A.TAKE12), ("split_clients", Ctx.HTTP, A.TAKE2),
    ("stream", Ctx.MAIN, A.NOARGS), ("mail", Ctx.MAIN, A.NOARGS),
), block=True)
