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
import os
import re
import stat
import socket
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntFlag
from typing import TYPE_CHECKING, Any

from nginxlite.config.ast import Directive
from nginxlite.config.blocks import Block, Ctx
from nginxlite.config.model import (
    COMBINED, HTTP_METHODS, AccessLog, AccessRule, AddHeader, CgiParam, ErrorLog, ErrorPage, Expires,
    Listen, LogFormat, NameKind, Return, ServerName,
)
from nginxlite.config.maps import MapBuilder
from nginxlite.config.regex import compile_pcre
from nginxlite.config.values import parse_flag, parse_int, parse_offset, parse_size, parse_time
from nginxlite.errors import ConfigError
from nginxlite.handlers.variables import redefinable

if TYPE_CHECKING:
    from nginxlite.config.reading import Reading


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


Handler = Callable[["Reading", Directive, Block], None]


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


def flag_slot(loader: Reading, d: Directive, blk: Block) -> None:
    try:
        value = parse_flag(d.args[0])
    except ValueError:
        raise fail(f'invalid value "{d.args[0]}" in "{d.name}" directive, it must be "on" or "off"', d) from None
    _set_once(blk, d, d.name, value)


def value_slot(parse: Callable[[str], Any], problem: str) -> Handler:
    """nginx's one-value slots: duplicate check, then ``parse`` or ``"NAME" directive PROBLEM``."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
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


def str_slot(loader: Reading, d: Directive, blk: Block) -> None:
    _set_once(blk, d, d.name, d.args[0])


def enum_slot(*values: str) -> Handler:
    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        if d.name in blk.own:
            raise duplicate(d)
        low = d.args[0].lower()
        if low not in values:
            raise fail(f'invalid value "{d.args[0]}"', d)
        blk.own[d.name] = low

    return handler


def bitmask_slot(*values: str) -> Handler:
    """``ngx_conf_set_bitmask_slot``: each argument one of ``values`` (any case), no duplicate check."""
    known = {v.lower() for v in values}

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        seen = blk.own.setdefault(d.name, set())
        for arg in d.args:
            low = arg.lower()
            if low not in known:
                raise fail(f'invalid value "{arg}"', d)
            if low in seen:
                loader.warn(f'duplicate value "{arg}"', d.pos)
            seen.add(low)

    return handler


def bounded(low: int, high: int) -> Handler:
    """A number slot with ``ngx_conf_check_num_bounds``."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        num_slot(loader, d, blk)
        if not low <= blk.own[d.name] <= high:
            raise fail(f"value must be between {low} and {high}", d)

    return handler


def post_check(slot: Handler, check: Callable[[str, Any], str | None]) -> Handler:
    """A slot and its post handler: ``check(name, value)`` returns nginx's message or None."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        slot(loader, d, blk)
        problem = check(d.name, blk.own[d.name])
        if problem:
            raise fail(problem, d)

    return handler


def bufs_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_conf_set_bufs_slot``: a number and a size, neither 0."""
    if d.name in blk.own:
        raise duplicate(d)
    try:
        number, size = parse_int(d.args[0]), parse_size(d.args[1])
    except ValueError:
        number = size = 0
    if number == 0 or size == 0:
        raise fail(f'"{d.name}" directive invalid value', d)
    blk.own[d.name] = (number, size)


def path_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_conf_set_path_slot``: a folder and up to 3 levels of 1 or 2 characters."""
    if d.name in blk.own:
        raise duplicate(d)
    levels = []
    for arg in d.args[1:]:
        try:
            levels.append(parse_int(arg))
        except ValueError:
            levels.append(0)
        if levels[-1] == 0:
            raise fail(f'"{d.name}" directive invalid value', d)
    if sum(n + 1 for n in levels) > 10 + len(levels):
        raise fail(f'"{d.name}" directive invalid value', d)
    blk.own[d.name] = d.args[0]


def access_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_conf_set_access_slot``: ``user:rw group:r all:r``."""
    if d.name in blk.own:
        raise duplicate(d)
    for arg in d.args:
        who, sep, right = arg.partition(":")
        if not sep or who not in ("user", "group", "all") or right not in ("rw", "r"):
            raise fail(f'invalid value "{arg}"', d)
    blk.own[d.name] = d.args


def complex_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_http_set_complex_value_slot``: one value whose variables must exist."""
    if d.name in blk.own:
        raise duplicate(d)
    loader.check_variables(d.args[0], d)
    blk.own[d.name] = d.args[0]


def variables_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_http_set_predicate_slot``: every argument is a complex value."""
    for arg in d.args:
        loader.check_variables(arg, d)


def param_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_http_upstream_param_set_slot`` (``fastcgi_param NAME VALUE [if_not_empty]``).

    nginx compiles the value only for a location that passes requests on, so an
    unknown variable here is no error (as for ``proxy_set_header``)."""
    if len(d.args) == 3 and d.args[2] != "if_not_empty":
        raise fail(f'invalid parameter "{d.args[2]}"', d)


def aio(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_http_core_set_aio`` for Debian's build: threads, no file AIO."""
    if d.name in blk.own:
        raise duplicate(d)
    value = d.args[0]
    if value == "on":
        raise fail('"aio on" is unsupported on this platform', d)
    if value != "off" and value != "threads" and not value.startswith("threads="):
        raise fail('"aio" directive invalid value', d)
    if value.startswith("threads="):
        loader.check_variables(value[8:], d)
    blk.own[d.name] = value


def _word_or(word: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda text: text if text == word else parse(text)


directio = value_slot(_word_or("off", parse_offset), "invalid value")


def open_cache_slot(numbers: tuple[str, ...], times: tuple[str, ...], max_missing: str,
                    positive_max: bool) -> Handler:
    """``open_file_cache`` / ``open_log_file_cache``: ``max=N inactive=T ...`` or ``off``."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        if d.name in blk.own:
            raise duplicate(d)
        off, most = False, 0
        for arg in d.args:
            key, eq, value = arg.partition("=")
            try:
                if eq and key in numbers:
                    number = parse_int(value)
                    if key == "max":
                        if positive_max and number == 0:
                            raise ValueError(value)
                        most = number
                elif eq and key in times:
                    parse_time(value, msec=False)
                elif arg == "off":
                    off = True
                else:
                    raise ValueError(arg)
            except ValueError:
                raise fail(f'invalid "{d.name}" parameter "{arg}"', d) from None
        if not off and most == 0:
            raise fail(max_missing, d)
        blk.own[d.name] = d.args

    return handler


open_file_cache = open_cache_slot(("max",), ("inactive",), '"open_file_cache" must have the "max" parameter', True)
open_log_file_cache = open_cache_slot(("max", "min_uses"), ("inactive", "valid"),
                                      '"open_log_file_cache" must have "max" parameter', False)


def gzip_disable(loader: Reading, d: Directive, blk: Block) -> None:
    """``msie6`` or caseless regexes (Debian builds no degradation module); each directive adds
    to the level's list, as nginx."""
    found = list(blk.own.get(d.name, ()))
    for arg in d.args:
        if arg == "msie6":
            found.append("msie6")
        else:
            try:
                found.append(compile_pcre(arg, caseless=True))
            except ValueError as err:
                raise fail(str(err), d) from None
    blk.own[d.name] = tuple(found)


gzip_proxied_mask = bitmask_slot("off", "expired", "no-cache", "no-store", "private", "no_last_modified", "no_etag",
                                 "auth", "any")


def gzip_proxied(loader: Reading, d: Directive, blk: Block) -> None:
    """nginx's bitmask slot; the level's words kept as a sorted tuple."""
    blk.own[d.name] = set(blk.own.get(d.name, ()))
    gzip_proxied_mask(loader, d, blk)
    blk.own[d.name] = tuple(sorted(blk.own[d.name]))


def gzip_http_version(loader: Reading, d: Directive, blk: Block) -> None:
    """``1.0`` or ``1.1`` (ngx_conf_set_enum_slot), kept as the lowest HTTP/1.minor."""
    if d.name in blk.own:
        raise duplicate(d)
    if d.args[0] not in ("1.0", "1.1"):
        raise fail(f'invalid value "{d.args[0]}"', d)
    blk.own[d.name] = int(d.args[0][2])


def types_slot(always: str) -> Handler:
    """``ngx_http_types_slot``: MIME types (lower-cased) with ``always`` among them, or ``*``
    (kept as None: any type); each directive of a level adds to the level's set."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        if d.name in blk.own and blk.own[d.name] is None:
            return
        found = set(blk.own.get(d.name) or (always,))
        for arg in d.args:
            if arg == "*":
                blk.own[d.name] = None
                return
            low = arg.lower()
            if low in found:
                loader.warn(f'duplicate MIME type "{low}"', d.pos)
            found.add(low)
        blk.own[d.name] = tuple(sorted(found))

    return handler


def parse_expires(text: str, modified: bool) -> tuple[str, int]:
    """``ngx_http_parse_expires``: (mode, seconds) for ``epoch``, ``max``, ``off``, ``@TIME``,
    ``[+-]TIME``; ValueError with nginx's message."""
    if not modified and text in ("epoch", "max", "off"):
        return text, 0
    mode = "modified" if modified else "access"
    sign = 1
    if text[:1] == "@":
        if modified:
            raise ValueError('daily time cannot be used with "modified" parameter')
        mode, text = "daily", text[1:]
    elif text[:1] in ("+", "-"):
        sign, text = (-1 if text[0] == "-" else 1), text[1:]
    try:
        seconds = int(parse_time(text, msec=False)) if text else -1
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise ValueError("invalid value")
    if mode == "daily" and seconds > 24 * 60 * 60:
        raise ValueError("daily time value must be less than 24 hours")
    return mode, sign * seconds


def expires(loader: Reading, d: Directive, blk: Block) -> None:
    """``expires [modified] TIME|epoch|max|off|@TIME`` (``ngx_http_headers_expires``); a value
    with variables is parsed per request."""
    if d.name in blk.own:
        raise fail(f'"{d.name}" directive is duplicate', d)
    modified = len(d.args) == 2
    if modified and d.args[0] != "modified":
        raise fail(f'"{d.name}" directive invalid value', d)
    text = d.args[-1]
    if "$" in text:
        loader.check_variables(text, d)
        blk.own[d.name] = Expires("modified" if modified else "access", 0, text)
        return
    try:
        mode, seconds = parse_expires(text, modified)
    except ValueError as err:
        raise fail(f'"{d.name}" directive {err}', d) from None
    blk.own[d.name] = None if mode == "off" else Expires(mode, seconds)


def charset_value(loader: Reading, d: Directive, blk: Block) -> None:
    """``charset`` / ``source_charset``: a name, ``off`` (kept as None) or a ``$variable``."""
    charset_slot(loader, d, blk)
    if blk.own[d.name] == "off":
        blk.own[d.name] = None


SHM_MIN = 8 * 4096  # 8 pages: the smallest shared memory zone


def zone_slot(with_rate: bool) -> Handler:
    """``limit_conn_zone KEY zone=NAME:SIZE``, ``limit_req_zone KEY zone=NAME:SIZE rate=Nr/s``."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        loader.check_variables(d.args[0], d)
        name = ""
        for arg in d.args[1:]:
            if arg.startswith("zone="):
                name, colon, size_text = arg[5:].partition(":")
                try:
                    size = parse_size(size_text) if colon else -1
                except ValueError:
                    size = -1
                if size < 0:
                    raise fail(f'invalid zone size "{arg}"', d)
                if size < SHM_MIN:
                    raise fail(f'zone "{arg}" is too small', d)
            elif with_rate and arg.startswith("rate="):
                digits = arg[:-3] if arg.endswith(("r/s", "r/m")) else arg
                try:
                    rate = parse_int(digits[5:])
                except ValueError:
                    rate = 0
                if rate <= 0:
                    raise fail(f'invalid rate "{arg}"', d)
            else:
                raise fail(f'invalid parameter "{arg}"', d)
        if not name:
            raise fail(f'"{d.name}" must have "zone" parameter', d)

    return handler


def ssl_session_cache(loader: Reading, d: Directive, blk: Block) -> None:
    """``off``, ``none``, ``builtin[:N]``, ``shared:NAME:SIZE``."""
    for arg in d.args:
        if arg in ("off", "none", "builtin"):
            continue
        try:
            if arg.startswith("builtin:") and len(arg) > 8:
                parse_int(arg[8:])
                continue
            if arg.startswith("shared:") and len(arg) > 7:
                name, _, size_text = arg[7:].partition(":")
                if name:
                    if parse_size(size_text) < SHM_MIN:
                        raise fail(f'session cache "{arg}" is too small', d)
                    continue
        except ValueError:
            pass
        raise fail(f'invalid session cache "{arg}"', d)


worker_processes = value_slot(_word_or("auto", parse_int), "invalid value")


def worker_priority(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_set_priority``: a number with an optional sign (0 counts as unset)."""
    if blk.own.get(d.name):
        raise duplicate(d)
    text = d.args[0]
    try:
        value = parse_int(text[1:] if text[:1] in "+-" else text)
    except ValueError:
        raise fail('"worker_priority" directive invalid number', d) from None
    blk.own[d.name] = value


EVENT_METHODS = ("epoll",)  # the event modules of nginx built for Linux


def event_use(loader: Reading, d: Directive, blk: Block) -> None:
    if d.name in blk.own:
        raise duplicate(d)
    if d.args[0] not in EVENT_METHODS:
        raise fail(f'invalid event type "{d.args[0]}"', d)
    blk.own[d.name] = d.args[0]


def charset_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_http_set_charset_slot``: a charset name, ``off``, or ``$variable``."""
    if d.name in blk.own:
        raise duplicate(d)
    if d.args[0].startswith("$"):
        loader.check_variables(d.args[0], d)
    blk.own[d.name] = d.args[0]


def variable_setter(compiled: bool) -> Handler:
    """``auth_request_set $name value``, ``perl_set $name code``: defines ``$name``."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        name = d.args[0]
        if not name.startswith("$"):
            raise fail(f'invalid variable name "{name}"', d)
        loader.defined_variables.add(name[1:].lower())
        if compiled:
            loader.check_variables(d.args[1], d)

    return handler


def obsolete(new_name: str) -> Handler:
    """``ngx_http_v2_obsolete``: nginx's own warning."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        loader.warn(f'the "{d.name}" directive is obsolete, use the "{new_name}" directive instead', d.pos)

    return handler


def _pool_size(name: str, value: int) -> str | None:
    if value < 112:  # NGX_MIN_POOL_SIZE on 64-bit Linux
        return "the pool size must be no less than 112"
    if value % 16:  # NGX_POOL_ALIGNMENT
        return "the pool size must be a multiple of 16"
    return None


def _powers_of_two(low: int, high: int) -> Callable[[str, int], str | None]:
    sizes = [low << n for n in range((high // low).bit_length())]
    words = [f"{n >> 10}k" if n >= 1024 else str(n) for n in sizes]
    allowed = f'must be {", ".join(words[:-1])}, or {words[-1]}'
    return lambda name, value: None if value in sizes else f'"{name}" directive {allowed}'


pool_size = post_check(size_slot, _pool_size)
gzip_window = post_check(size_slot, _powers_of_two(512, 32 << 10))
gzip_hash = post_check(size_slot, _powers_of_two(512, 128 << 10))


def send_lowat(loader: Reading, d: Directive, blk: Block) -> None:
    size_slot(loader, d, blk)
    loader.warn(f'"{d.name}" is not supported, ignored', d.pos)  # no SO_SNDLOWAT on Linux


def load_module(loader: Reading, d: Directive, blk: Block) -> None:
    """``load_module``: nginxlite has no dynamic modules; their directives stay refused."""
    if loader.events_seen or loader.http is not None:
        raise fail('"load_module" directive is specified too late', d)
    path = d.args[0] if os.path.isabs(d.args[0]) else os.path.join(loader.prefix, d.args[0])
    loader.warn(f'module "{path}" is not loaded by nginxlite', d.pos)


def ignored(check: Handler | None) -> Handler:
    """An ignored directive: checked as nginx checks it, then a warning."""

    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        if check is not None:
            check(loader, d, blk)
        loader.warn(f'"{d.name}" directive is ignored by nginxlite', d.pos)

    return handler


def refused(loader: Reading, d: Directive, blk: Block) -> None:
    raise fail(f'"{d.name}" directive is not supported by nginxlite', d)


# -- main and events -------------------------------------------------------


def events_block(loader: Reading, d: Directive, blk: Block) -> None:
    if loader.events_seen:
        raise duplicate(d)
    loader.events_seen = True
    loader.walk(d.block, Block(Ctx.EVENTS, blk, d))


def http_block(loader: Reading, d: Directive, blk: Block) -> None:
    if loader.http is not None:
        raise duplicate(d)
    http = Block(Ctx.HTTP, blk, d)
    loader.http = http
    loader.walk(d.block, http)
    loader.finish_http(http)


def worker_connections(loader: Reading, d: Directive, blk: Block) -> None:
    if loader.worker_connections is not None:
        raise duplicate(d)
    try:
        loader.worker_connections = parse_int(d.args[0])
    except ValueError:
        raise fail(f'invalid number "{d.args[0]}"', d) from None


def pid(loader: Reading, d: Directive, blk: Block) -> None:
    if loader.pid is not None:
        raise duplicate(d)
    loader.pid = d.args[0]


LOG_LEVELS = ("stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")


def error_log(loader: Reading, d: Directive, blk: Block) -> None:
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



def ssl_deprecated(loader: Reading, d: Directive, blk: Block) -> None:
    """nginx 1.22 still takes ``ssl on`` with a warning; nginxlite asks for ``listen ... ssl``."""
    raise fail('the "ssl" directive is deprecated, use the "listen ... ssl" directive instead', d)


def _conf_path(loader: Reading, text: str) -> str:
    """A TLS file's path: relative ones are in the configuration's folder (nginx's conf prefix)."""
    return text if os.path.isabs(text) else os.path.join(loader.conf_dir, text)


def ssl_file(loader: Reading, d: Directive, blk: Block) -> None:
    """``ssl_certificate`` / ``ssl_certificate_key``: PEM paths (several pairs allowed, as nginx)."""
    if "$" in d.args[0]:
        raise fail(f'variables in "{d.name}" are not supported by nginxlite', d)
    blk.own[d.name] = blk.own.get(d.name, ()) + (_conf_path(loader, d.args[0]),)


def ssl_path_slot(loader: Reading, d: Directive, blk: Block) -> None:
    """``ssl_dhparam``: one path, loaded with the server's context."""
    _set_once(blk, d, d.name, _conf_path(loader, d.args[0]))


PASSWORD_LINE_MAX = 4096  # nginx's NGX_SSL_PASSWORD_BUFFER_SIZE


def ssl_password_file(loader: Reading, d: Directive, blk: Block) -> None:
    """Read at the directive, as nginx: one passphrase per non-empty line (LF or CR LF);
    a file without any is one empty passphrase."""
    if d.name in blk.own:
        raise duplicate(d)
    path = _conf_path(loader, d.args[0])
    try:
        with open(path.encode("latin-1"), "rb") as f:
            data = f.read()
    except OSError as err:
        raise fail(f'open() "{path}" failed ({err.errno}: {err.strerror})', d) from None
    lines = [line.removesuffix(b"\r") for line in data.split(b"\n")]
    if any(len(line) >= PASSWORD_LINE_MAX for line in lines):
        raise fail(f'too long line in "{path}"', d)
    blk.own[d.name] = tuple(line for line in lines if line) or (b"",)


def ssl_session_cache_slot(loader: Reading, d: Directive, blk: Block) -> None:
    if d.name in blk.own:
        raise duplicate(d)
    ssl_session_cache(loader, d, blk)
    blk.own[d.name] = tuple(d.args)


# -- server ---------------------------------------------------------------


def server_block(loader: Reading, d: Directive, blk: Block) -> None:
    server = Block(Ctx.SERVER, blk, d)
    blk.servers.append(server)
    loader.walk(d.block, server)


_LISTEN_FLAGS = {"default_server", "default", "bind", "deferred", "reuseport"}
_LISTEN_VALUED = ("backlog", "rcvbuf", "sndbuf", "ipv6only", "so_keepalive", "fastopen")  # Linux's
_LISTEN_REFUSED = {"quic", "proxy_protocol"}


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


def listen(loader: Reading, d: Directive, blk: Block) -> None:
    addresses, family, err = _parse_listen_address(d.args[0])
    if err == "unix":
        raise fail('unix domain sockets in "listen" are not supported by nginxlite', d)
    if err:
        raise fail(f'{err} in "{d.args[0]}" of the "listen" directive', d)
    default = False
    options = False
    tls = False
    for param in d.args[1:]:
        if param in ("default_server", "default"):
            default = True
        elif param == "ssl":
            tls = True
        elif param == "http2":
            loader.warn('the "http2" parameter of the "listen" directive is not supported by nginxlite: '
                        'served as HTTP/1.1', d.pos)
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
        lst = Listen(host, loader.moved_port(port, d), default, d.pos, family, tls)
        loader.add_listen(blk, lst, options, d)
        blk.listens.append(lst)


def server_name(loader: Reading, d: Directive, blk: Block) -> None:
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


def location_block(loader: Reading, d: Directive, blk: Block) -> None:
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


def limit_except_block(loader: Reading, d: Directive, blk: Block) -> None:
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


def root_or_alias(loader: Reading, d: Directive, blk: Block) -> None:
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


def index(loader: Reading, d: Directive, blk: Block) -> None:
    for i, name in enumerate(d.args):
        if name.startswith("/") and i != len(d.args) - 1:
            loader.warn('only the last index in "index" directive should be absolute', d.pos)
        if name == "":  # nginx names the first argument here, whichever is empty
            raise fail(f'index "{d.args[0]}" in "index" directive is invalid', d)
        loader.check_variables(name, d)
    blk.own["index"] = blk.own.get("index", ()) + d.args


def try_files(loader: Reading, d: Directive, blk: Block) -> None:
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


def error_page(loader: Reading, d: Directive, blk: Block) -> None:
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


def return_(loader: Reading, d: Directive, blk: Block) -> None:
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


def types_block(loader: Reading, d: Directive, blk: Block) -> None:
    types = blk.own.get("types")
    if types is None:
        types = blk.own["types"] = {}
    loader.walk(d.block, Block(Ctx.TYPES, blk, d))


def types_entry(loader: Reading, d: Directive, blk: Block) -> None:
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


def map_block(loader: Reading, d: Directive, blk: Block) -> None:
    """``map SOURCE $NAME { ... }`` (ngx_http_map_block): defines ``$NAME``; a later map of the
    same name replaces it, as nginx's changeable variables."""
    source, target = d.args
    loader.check_variables(source, d)
    if not target.startswith("$"):
        raise fail(f'invalid variable name "{target}"', d)
    name = target[1:].lower()
    if not name:
        raise fail('invalid variable name "$"', d)
    if not redefinable(name):
        raise fail(f'the duplicate "{target[1:]}" variable', d)
    # nginx fills in the hash sizes at the first map: a map_hash_* line after it is "duplicate".
    blk.own.setdefault("map_hash_max_size", 2048)
    blk.own.setdefault("map_hash_bucket_size", 64)
    inner = Block(Ctx.MAP, blk, d)
    inner.own["map"] = builder = MapBuilder(name, source)
    loader.walk(d.block, inner)
    loader.maps[name] = builder.build()


def map_entry(loader: Reading, d: Directive, blk: Block) -> None:
    """One line inside ``map { }`` (ngx_http_map): ``KEY VALUE;`` or a special line."""
    if d.block is not None:
        raise fail('unexpected "{"', d)
    builder: MapBuilder = blk.own["map"]
    if not d.args and d.name == "hostnames":
        builder.hostnames = True
        return
    if not d.args and d.name == "volatile":
        builder.volatile = True
        return
    if len(d.args) != 1:
        raise fail("invalid number of the map parameters", d)
    if d.name == "include":
        loader.include(d, blk)
        return
    value = d.args[0]
    loader.check_variables(value, d)
    try:
        regex = builder.add(d.name, value)
    except ValueError as err:
        raise fail(str(err), d) from None
    if regex is not None:
        loader.regex_names.update(regex.groupindex)  # named captures are variables


def keepalive_timeout(loader: Reading, d: Directive, blk: Block) -> None:
    if "keepalive_timeout" in blk.own:
        raise duplicate(d)
    try:
        blk.own["keepalive_timeout"] = parse_time(d.args[0], msec=True)
        if len(d.args) == 2:
            blk.own["keepalive_header"] = parse_time(d.args[1], msec=False)
    except ValueError:
        raise fail('"keepalive_timeout" directive invalid value', d) from None


_DAV = {"off": None, "put": "PUT", "delete": "DELETE", "mkcol": "MKCOL", "copy": "COPY", "move": "MOVE"}


def dav_methods(loader: Reading, d: Directive, blk: Block) -> None:
    methods = set(blk.own.get("dav_methods", ()))
    for arg in d.args:
        low = arg.lower()
        if low not in _DAV:
            raise fail(f'invalid value "{arg}"', d)
        if _DAV[low]:
            methods.add(_DAV[low])
    blk.own["dav_methods"] = frozenset(methods)


_ACCESS_WHO = {"user:": 6, "group:": 3, "all:": 0}
_ACCESS_RIGHTS = {"rw": 6, "r": 4}


def dav_access(loader: Reading, d: Directive, blk: Block) -> None:
    """``ngx_conf_set_access_slot``: ``user:``/``group:``/``all:`` with ``r`` or ``rw``; the
    user keeps ``rw`` unless ``user:`` is given."""
    if d.name in blk.own:
        raise duplicate(d)
    access, user = 0, 0o600
    for arg in d.args:
        who = next((w for w in _ACCESS_WHO if arg.startswith(w)), None)
        right = _ACCESS_RIGHTS.get(arg[len(who):]) if who is not None else None
        if right is None:
            raise fail(f'invalid value "{arg}"', d)
        if who == "user:":
            user = 0
        access |= right << _ACCESS_WHO[who]
    blk.own[d.name] = access | user


def access_rule(loader: Reading, d: Directive, blk: Block) -> None:
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


def add_header(loader: Reading, d: Directive, blk: Block) -> None:
    always = False
    if len(d.args) == 3:
        if d.args[2] != "always":
            raise fail(f'invalid parameter "{d.args[2]}"', d)
        always = True
    loader.check_variables(d.args[1], d)
    blk.own["add_header"] = blk.own.get("add_header", ()) + (AddHeader(d.args[0], d.args[1], always),)


def log_format(loader: Reading, d: Directive, blk: Block) -> None:
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


def access_log(loader: Reading, d: Directive, blk: Block) -> None:
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


def stub_status(loader: Reading, d: Directive, blk: Block) -> None:
    blk.stub_status = True


# -- nginxlite's own directives --------------------------------------------

NGINXLITE_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "MKCOL", "COPY", "MOVE")


def allow_methods(loader: Reading, d: Directive, blk: Block) -> None:
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


def planned(loader: Reading, d: Directive, effect: str) -> None:
    """nginxlite's own directives whose feature is not built yet: say so, never fail silently."""
    loader.warn(f'"{d.name}" is not implemented yet: {effect}', d.pos)


def cgi_pass(loader: Reading, d: Directive, blk: Block) -> None:
    if blk.cgi_pass is not None:
        raise duplicate(d)
    blk.cgi_pass = d.args[0]


def upload_store(loader: Reading, d: Directive, blk: Block) -> None:
    """A folder the server must be able to write to: ``-t`` says when it cannot (the
    server answers such uploads 500, with the reason in the error log)."""
    str_slot(loader, d, blk)
    path = d.args[0] if os.path.isabs(d.args[0]) else os.path.join(loader.prefix, d.args[0])
    try:
        st = os.stat(path.encode("latin-1"))
    except OSError as err:
        loader.warn(f'upload_store "{path}" is not usable ({err.errno}: {err.strerror})', d.pos)
        return
    if not stat.S_ISDIR(st.st_mode):
        loader.warn(f'upload_store "{path}" is not a directory', d.pos)
    elif not os.access(path.encode("latin-1"), os.W_OK | os.X_OK):
        loader.warn(f'upload_store "{path}" is not writable (13: Permission denied)', d.pos)


def planned_slot(effect: str, slot: Handler) -> Handler:
    def handler(loader: Reading, d: Directive, blk: Block) -> None:
        slot(loader, d, blk)
        planned(loader, d, effect)

    return handler


def cgi_split_path_info(loader: Reading, d: Directive, blk: Block) -> None:
    if "cgi_split_path_info" in blk.own:
        raise duplicate(d)
    try:
        regex = compile_pcre(d.args[0])
    except ValueError as err:
        raise fail(str(err), d) from None
    if regex.groups != 2:
        raise fail(f'pattern "{d.args[0]}" must have 2 captures', d)
    blk.own["cgi_split_path_info"] = regex


def cgi_param(loader: Reading, d: Directive, blk: Block) -> None:
    flag = False
    if len(d.args) == 3:
        if d.args[2] != "if_not_empty":
            raise fail(f'invalid parameter "{d.args[2]}"', d)
        flag = True
    loader.check_variables(d.args[1], d)
    blk.own["cgi_param"] = blk.own.get("cgi_param", ()) + (CgiParam(d.args[0], d.args[1], flag),)


def include(loader: Reading, d: Directive, blk: Block) -> None:
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
    _S("large_client_header_buffers", Ctx.HS, A.TAKE2, bufs_slot,
       "Number and size of buffers for a long request line or header.", "4 8k"),
    # TLS (ngx_http_ssl_module)
    _S("ssl", Ctx.HS | Ctx.MAIL, A.FLAG, ssl_deprecated,
       'Refused, as deprecated in nginx: use "listen ... ssl".', kind=Kind.REFUSED),
    _S("ssl_certificate", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, ssl_file,
       "PEM certificate (chain) of the server's TLS listeners."),
    _S("ssl_certificate_key", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, ssl_file,
       "PEM private key of the matching ssl_certificate."),
    _S("ssl_protocols", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.MORE1,
       bitmask_slot("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
       "TLS versions offered (the lowest to the highest listed).", "TLSv1.2 TLSv1.3"),
    _S("ssl_ciphers", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, str_slot,
       "OpenSSL cipher list (TLS 1.2 and below).", "HIGH:!aNULL:!MD5"),
    _S("ssl_prefer_server_ciphers", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.FLAG, flag_slot,
       "The server's cipher order wins.", "off"),
    _S("ssl_session_cache", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE12, ssl_session_cache_slot,
       "Accepted: sessions are cached by OpenSSL's built-in per-context cache.", "none"),
    _S("ssl_session_tickets", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.FLAG, flag_slot,
       "Session resumption with tickets.", "on"),
    _S("ssl_session_timeout", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, sec_slot,
       "Accepted: OpenSSL's session lifetime is kept.", "5m"),
    _S("ssl_ecdh_curve", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, str_slot,
       "Key exchange curve: auto keeps OpenSSL's groups, one curve is set, a list is checked "
       "and keeps OpenSSL's groups.", "auto"),
    _S("ssl_dhparam", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, ssl_path_slot,
       "PEM file of DH parameters for DHE ciphers."),
    _S("ssl_password_file", Ctx.HS | Ctx.STREAM | Ctx.MAIL, A.TAKE1, ssl_password_file,
       "Passphrases of encrypted keys, one a line, tried in order."),
    _S("ssl_buffer_size", Ctx.HS, A.TAKE1, size_slot,
       "Largest plaintext of one TLS record written (the SNI-chosen server's).", "16k"),
    _S("ssl_reject_handshake", Ctx.HS, A.FLAG, flag_slot,
       "Refuse TLS handshakes of the server (unrecognized name); no certificate needed.", "off"),
    # locations
    _S("location", Ctx.SL, A.TAKE12, location_block,
       "Settings for URIs: = exact, prefix, ^~ prefix, ~ regex, ~* caseless regex, @named.", block=True),
    _S("limit_except", L, A.MORE1, limit_except_block,
       "Access rules for methods other than the ones listed.", block=True),
    _S("types", Ctx.HSL, A.NOARGS, types_block, "Maps file extensions to MIME types.",
       "html gif jpg", block=True),
    _S("map", Ctx.HTTP | Ctx.STREAM, A.TAKE2, map_block,
       "Defines $NAME from SOURCE: KEY VALUE lines (~regex, ~*caseless regex), default, hostnames, "
       "volatile, include.", block=True),
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
    _S("dav_methods", Ctx.HSL, A.MORE1, dav_methods, "WebDAV methods allowed: PUT DELETE MKCOL COPY MOVE.",
       "off"),
    _S("create_full_put_path", Ctx.HSL, A.FLAG, flag_slot, "PUT creates missing folders.", "off"),
    _S("min_delete_depth", Ctx.HSL, A.TAKE1, num_slot,
       "DELETE needs at least this many elements in the path (0: any).", "0"),
    _S("dav_access", Ctx.HSL, A.TAKE123, dav_access,
       "Modes of files PUT writes and folders PUT, MKCOL, MOVE create: user:rw group:r all:r.",
       "user:rw"),
    _S("etag", Ctx.HSL, A.FLAG, flag_slot, "ETag header on static files.", "on"),
    _S("max_ranges", Ctx.HSL, A.TAKE1, num_slot, "Most byte ranges in a request (0: ranges off; more: the whole file)."),
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
       "Methods allowed; others get 405 with an Allow header. GET always allows HEAD too.",
       nginxlite_only=True),
    _S("cgi_pass", L, A.TAKE1, cgi_pass,
       "Runs the requested file as a CGI program (RFC 3875) given to this interpreter, or itself with exec.",
       nginxlite_only=True),
    _S("cgi_split_path_info", L, A.TAKE1, cgi_split_path_info,
       "Regex with two captures: script name and PATH_INFO.", nginxlite_only=True),
    _S("cgi_param", Ctx.HSL, A.TAKE23, cgi_param,
       "Adds a CGI environment variable (if_not_empty: only when its value is not empty).",
       nginxlite_only=True),
    _S("cgi_index", Ctx.HSL, A.TAKE1, str_slot,
       "The script run for a URI ending in /, as fastcgi_index.", nginxlite_only=True),
    _S("cgi_pass_authorization", Ctx.HSL, A.FLAG, flag_slot,
       "Passes the Authorization header to the script as HTTP_AUTHORIZATION.", "off", nginxlite_only=True),
    _S("cgi_timeout", Ctx.HSL, A.TAKE1, sec_slot,
       "Longest a CGI program may stay silent: 504 before its header block, the end of the body after.", "60s",
       nginxlite_only=True),
    _S("upload_store", Ctx.SL, A.TAKE1, upload_store,
       "Folder where POSTed files are stored: multipart/form-data file parts, or a raw body "
       "POSTed to LOCATION/NAME as NAME (201 Created; an existing file is never overwritten).",
       nginxlite_only=True),
    _S("session", Ctx.HSL, A.FLAG, flag_slot,
       "Server-side sessions: a cookie names each client's session, CGI scripts get its data file.", "off",
       nginxlite_only=True),
    _S("session_name", Ctx.HSL, A.TAKE1, str_slot, "Session cookie name.", "NLSESSID", nginxlite_only=True),
    _S("session_timeout", Ctx.HSL, A.TAKE1, sec_slot, "Session lifetime without activity.", "30m",
       nginxlite_only=True),
    _S("session_max_age", Ctx.HSL, A.TAKE1, sec_slot, "Longest a session lives, active or not.", "8h",
       nginxlite_only=True),
    _S("session_store", Ctx.HSL, A.TAKE1, str_slot, "Folder of session files.", "sessions",
       nginxlite_only=True),
    # response filters
    _S("expires", Ctx.HSL | Ctx.IF, A.TAKE12, expires,
       "Expires and Cache-Control on 2xx/3xx answers: [modified] TIME, @TIME (time of day), epoch, max or off.",
       "off"),
    _S("charset", Ctx.HSL | Ctx.IF, A.TAKE1, charset_value,
       "Adds `; charset=NAME` to the Content-Type of charset_types responses (no recoding).", "off"),
    _S("source_charset", Ctx.HSL | Ctx.IF, A.TAKE1, charset_value,
       "The charset of the files; nginxlite does not recode: it must be the charset's own name."),
    _S("override_charset", Ctx.HSL | Ctx.IF, A.FLAG, flag_slot,
       "Replace a charset the response's Content-Type already names (a CGI script's).", "off"),
    _S("charset_types", Ctx.HSL, A.MORE1, types_slot("text/html"),
       "MIME types charset applies to (text/html always; * for any).",
       "text/html text/xml text/plain text/vnd.wap.wml application/javascript application/rss+xml"),
    _S("gzip", Ctx.HSL | Ctx.IF, A.FLAG, flag_slot,
       "Compresses 200, 403 and 404 answers for clients that accept gzip.", "off"),
    _S("gzip_types", Ctx.HSL, A.MORE1, types_slot("text/html"),
       "MIME types compressed (text/html always; * for any).", "text/html"),
    _S("gzip_comp_level", Ctx.HSL, A.TAKE1, bounded(1, 9), "Compression level, 1 to 9.", "1"),
    _S("gzip_min_length", Ctx.HSL, A.TAKE1, size_slot,
       "Answers of a known length below this are sent uncompressed.", "20"),
    _S("gzip_http_version", Ctx.HSL, A.TAKE1, gzip_http_version,
       "Lowest HTTP version of a request whose answer is compressed.", "1.1"),
    _S("gzip_proxied", Ctx.HSL, A.MORE1, gzip_proxied,
       "Which answers to requests with a Via header are compressed (off, any, expired, no-cache...).", "off"),
    _S("gzip_vary", Ctx.HSL, A.FLAG, flag_slot, "Vary: Accept-Encoding on answers gzip could compress.", "off"),
    _S("gzip_static", Ctx.HSL, A.TAKE1, enum_slot("off", "on", "always"),
       "Sends FILE.gz for FILE: on (to clients that take gzip), always, or off.", "off"),
    _S("gzip_disable", Ctx.HSL, A.MORE1, gzip_disable,
       "No compression for User-Agents matching these caseless regexes (msie6: MSIE 4-6)."),
)}


REFUSE = "refuse"  # markers in the check column of _table below
REFUSE_BLOCK = "refuse block"
IGNORE_BLOCK = "ignore block"
_IGNORED_HELP = "Accepted and ignored: it tunes nginx internals nginxlite does not have."
_REFUSED_HELP = "Refused: nginxlite cannot do what this directive asks."


def _table(module: str, entries: tuple[tuple[str, Ctx, Arity, Handler | str | None], ...]) -> None:
    """The directives of one nginx module that nginxlite does not serve.

    Each entry is (name, contexts, arguments, check), contexts and arguments as in
    the module's ``ngx_command_t`` array.  ``check`` is REFUSE, REFUSE_BLOCK (the
    block is not read), IGNORE_BLOCK (nor is this one), or the slot that checks
    the value as nginx does (None: arguments counted only) before the
    directive is ignored with a warning.
    """
    for name, ctx, arity, check in entries:
        assert name not in DIRECTIVES, name
        if check in (REFUSE, REFUSE_BLOCK):
            spec = Spec(name, ctx, arity, refused, _REFUSED_HELP, block=check == REFUSE_BLOCK,
                        kind=Kind.REFUSED)
        elif check == IGNORE_BLOCK:
            spec = Spec(name, ctx, arity, ignored(None), _IGNORED_HELP, block=True, kind=Kind.IGNORED)
        else:
            spec = Spec(name, ctx, arity, ignored(check), _IGNORED_HELP, kind=Kind.IGNORED)
        DIRECTIVES[name] = spec


M, E, H, S = Ctx.MAIN, Ctx.EVENTS, Ctx.HTTP, Ctx.SERVER
IF, UPS, STREAM, MAIL = Ctx.IF, Ctx.UPSTREAM, Ctx.STREAM, Ctx.MAIL
_HSLI = Ctx.HSL | Ctx.IF
ssl_protocols_mask = bitmask_slot("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
next_upstream_mask = bitmask_slot("error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_503",
                                  "http_403", "http_404", "http_429", "updating", "off")  # fastcgi, scgi, uwsgi
proxy_next_upstream_mask = bitmask_slot("error", "timeout", "invalid_header", "non_idempotent", "http_500",
                                        "http_502", "http_503", "http_504", "http_403", "http_404", "http_429",
                                        "updating", "off")
grpc_next_upstream_mask = bitmask_slot("error", "timeout", "invalid_header", "non_idempotent", "http_500",
                                       "http_502", "http_503", "http_504", "http_403", "http_404", "http_429", "off")
memcached_next_upstream_mask = bitmask_slot("error", "timeout", "invalid_response", "not_found", "off")
ignore_headers_mask = bitmask_slot("X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
                                   "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary")
userid_flags_mask = bitmask_slot("off", "secure", "httponly", "samesite=strict", "samesite=lax", "samesite=none")

# From nginx 1.22.1's ngx_command_t arrays (src/core, src/event, src/http, src/stream,
# src/mail; the Linux event modules only), in source order.  Directives only
# allowed inside blocks nginxlite refuses (upstream, stream, mail) are listed so
# that elsewhere they are "not allowed here" as in nginx, never "unknown".
DIRECTIVES["load_module"] = Spec("load_module", M, A.TAKE1, load_module,
                                 "Accepted with a warning: nginxlite has no dynamic modules.", kind=Kind.IGNORED)
_table("ngx_core_module", (
    ("daemon", M, A.FLAG, flag_slot), ("master_process", M, A.FLAG, flag_slot),
    ("timer_resolution", M, A.TAKE1, msec_slot), ("lock_file", M, A.TAKE1, str_slot),
    ("worker_processes", M, A.TAKE1, worker_processes),
    ("debug_points", M, A.TAKE1, enum_slot('stop', 'abort')), ("user", M, A.TAKE12, None),
    ("worker_priority", M, A.TAKE1, worker_priority), ("worker_cpu_affinity", M, A.MORE1, None),
    ("worker_rlimit_nofile", M, A.TAKE1, num_slot), ("worker_rlimit_core", M, A.TAKE1, offset_slot),
    ("worker_shutdown_timeout", M, A.TAKE1, msec_slot), ("working_directory", M, A.TAKE1, str_slot),
    ("env", M, A.TAKE1, None),
))
_table("ngx_regex_module", (
    ("pcre_jit", M, A.FLAG, flag_slot),
))
_table("ngx_thread_pool_module", (
    ("thread_pool", M, A.TAKE23, None),
))
_table("ngx_epoll_module", (
    ("epoll_events", E, A.TAKE1, num_slot), ("worker_aio_requests", E, A.TAKE1, num_slot),
))
_table("ngx_event_core_module", (
    ("use", E, A.TAKE1, event_use), ("multi_accept", E, A.FLAG, flag_slot),
    ("accept_mutex", E, A.FLAG, flag_slot), ("accept_mutex_delay", E, A.TAKE1, msec_slot),
    ("debug_connection", E, A.TAKE1, None),
))
_table("ngx_openssl_module", (
    ("ssl_engine", M, A.TAKE1, None),
))
_table("ngx_http_addition_filter_module", (
    ("add_before_body", Ctx.HSL, A.TAKE1, REFUSE), ("add_after_body", Ctx.HSL, A.TAKE1, REFUSE),
    ("addition_types", Ctx.HSL, A.MORE1, None),
))
_table("ngx_http_auth_basic_module", (
    ("auth_basic", Ctx.HSL | LMT, A.TAKE1, REFUSE), ("auth_basic_user_file", Ctx.HSL | LMT, A.TAKE1, None),
))
_table("ngx_http_auth_request_module", (
    ("auth_request", Ctx.HSL, A.TAKE1, REFUSE),
    ("auth_request_set", Ctx.HSL, A.TAKE2, variable_setter(True)),
))
_table("ngx_http_browser_module", (
    ("modern_browser", Ctx.HSL, A.TAKE12, None), ("ancient_browser", Ctx.HSL, A.MORE1, None),
    ("modern_browser_value", Ctx.HSL, A.TAKE1, None), ("ancient_browser_value", Ctx.HSL, A.TAKE1, None),
))
_table("ngx_http_charset_filter_module", (  # charset, source_charset, override_charset, charset_types: above
    ("charset_map", H, A.TAKE2, IGNORE_BLOCK),
))
_table("ngx_http_degradation_module", (
    ("degradation", H, A.TAKE1, None), ("degrade", Ctx.HSL, A.TAKE1, REFUSE),
))
_table("ngx_http_empty_gif_module", (
    ("empty_gif", L, A.NOARGS, REFUSE),
))
_table("ngx_http_fastcgi_module", (
    ("fastcgi_pass", L | IF, A.TAKE1, REFUSE), ("fastcgi_index", Ctx.HSL, A.TAKE1, str_slot),
    ("fastcgi_split_path_info", Ctx.HSL, A.TAKE1, None), ("fastcgi_store", Ctx.HSL, A.TAKE1, None),
    ("fastcgi_store_access", Ctx.HSL, A.TAKE123, access_slot),
    ("fastcgi_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_request_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_ignore_client_abort", Ctx.HSL, A.FLAG, flag_slot), ("fastcgi_bind", Ctx.HSL, A.TAKE12, None),
    ("fastcgi_socket_keepalive", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_connect_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("fastcgi_send_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("fastcgi_send_lowat", Ctx.HSL, A.TAKE1, send_lowat),
    ("fastcgi_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("fastcgi_pass_request_headers", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_pass_request_body", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_intercept_errors", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_read_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("fastcgi_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
    ("fastcgi_busy_buffers_size", Ctx.HSL, A.TAKE1, size_slot),
    ("fastcgi_force_ranges", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_limit_rate", Ctx.HSL, A.TAKE1, size_slot), ("fastcgi_cache", Ctx.HSL, A.TAKE1, None),
    ("fastcgi_cache_key", Ctx.HSL, A.TAKE1, complex_slot), ("fastcgi_cache_path", H, A.MORE2, None),
    ("fastcgi_cache_bypass", Ctx.HSL, A.MORE1, variables_slot),
    ("fastcgi_no_cache", Ctx.HSL, A.MORE1, variables_slot), ("fastcgi_cache_valid", Ctx.HSL, A.MORE1, None),
    ("fastcgi_cache_min_uses", Ctx.HSL, A.TAKE1, num_slot),
    ("fastcgi_cache_max_range_offset", Ctx.HSL, A.TAKE1, offset_slot),
    ("fastcgi_cache_use_stale", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("fastcgi_cache_methods", Ctx.HSL, A.MORE1, bitmask_slot('GET', 'HEAD', 'POST')),
    ("fastcgi_cache_lock", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_cache_lock_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("fastcgi_cache_lock_age", Ctx.HSL, A.TAKE1, msec_slot),
    ("fastcgi_cache_revalidate", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_cache_background_update", Ctx.HSL, A.FLAG, flag_slot),
    ("fastcgi_temp_path", Ctx.HSL, A.TAKE1234, path_slot),
    ("fastcgi_max_temp_file_size", Ctx.HSL, A.TAKE1, size_slot),
    ("fastcgi_temp_file_write_size", Ctx.HSL, A.TAKE1, size_slot),
    ("fastcgi_next_upstream", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("fastcgi_next_upstream_tries", Ctx.HSL, A.TAKE1, num_slot),
    ("fastcgi_next_upstream_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("fastcgi_param", Ctx.HSL, A.TAKE23, param_slot), ("fastcgi_pass_header", Ctx.HSL, A.TAKE1, None),
    ("fastcgi_hide_header", Ctx.HSL, A.TAKE1, None),
    ("fastcgi_ignore_headers", Ctx.HSL, A.MORE1, ignore_headers_mask),
    ("fastcgi_catch_stderr", Ctx.HSL, A.TAKE1, None), ("fastcgi_keep_conn", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_flv_module", (
    ("flv", L, A.NOARGS, REFUSE),
))
_table("ngx_http_geo_module", (
    ("geo", H | STREAM, A.TAKE12, REFUSE_BLOCK),
))
_table("ngx_http_geoip_module", (
    ("geoip_country", H | STREAM, A.TAKE12, None), ("geoip_org", H | STREAM, A.TAKE12, None),
    ("geoip_city", H | STREAM, A.TAKE12, None), ("geoip_proxy", H, A.TAKE1, None),
    ("geoip_proxy_recursive", H, A.FLAG, flag_slot),
))
_table("ngx_http_grpc_module", (
    ("grpc_pass", L | IF, A.TAKE1, REFUSE), ("grpc_bind", Ctx.HSL, A.TAKE12, None),
    ("grpc_socket_keepalive", Ctx.HSL, A.FLAG, flag_slot),
    ("grpc_connect_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("grpc_send_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("grpc_intercept_errors", Ctx.HSL, A.FLAG, flag_slot), ("grpc_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("grpc_read_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("grpc_next_upstream", Ctx.HSL, A.MORE1, grpc_next_upstream_mask),
    ("grpc_next_upstream_tries", Ctx.HSL, A.TAKE1, num_slot),
    ("grpc_next_upstream_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("grpc_set_header", Ctx.HSL, A.TAKE2, None),
    ("grpc_pass_header", Ctx.HSL, A.TAKE1, None), ("grpc_hide_header", Ctx.HSL, A.TAKE1, None),
    ("grpc_ignore_headers", Ctx.HSL, A.MORE1, ignore_headers_mask),
    ("grpc_ssl_session_reuse", Ctx.HSL, A.FLAG, flag_slot),
    ("grpc_ssl_protocols", Ctx.HSL, A.MORE1, ssl_protocols_mask),
    ("grpc_ssl_ciphers", Ctx.HSL, A.TAKE1, str_slot), ("grpc_ssl_name", Ctx.HSL, A.TAKE1, complex_slot),
    ("grpc_ssl_server_name", Ctx.HSL, A.FLAG, flag_slot), ("grpc_ssl_verify", Ctx.HSL, A.FLAG, flag_slot),
    ("grpc_ssl_verify_depth", Ctx.HSL, A.TAKE1, num_slot),
    ("grpc_ssl_trusted_certificate", Ctx.HSL, A.TAKE1, str_slot),
    ("grpc_ssl_crl", Ctx.HSL, A.TAKE1, str_slot), ("grpc_ssl_certificate", Ctx.HSL, A.TAKE1, complex_slot),
    ("grpc_ssl_certificate_key", Ctx.HSL, A.TAKE1, complex_slot),
    ("grpc_ssl_password_file", Ctx.HSL, A.TAKE1, None), ("grpc_ssl_conf_command", Ctx.HSL, A.TAKE2, None),
))
_table("ngx_http_gunzip_filter_module", (
    ("gunzip", Ctx.HSL, A.FLAG, flag_slot), ("gunzip_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
))
_table("ngx_http_gzip_filter_module", (  # gzip, gzip_types, gzip_comp_level, gzip_min_length: above
    ("gzip_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
    ("gzip_window", Ctx.HSL, A.TAKE1, gzip_window), ("gzip_hash", Ctx.HSL, A.TAKE1, gzip_hash),
    ("postpone_gzipping", Ctx.HSL, A.TAKE1, size_slot), ("gzip_no_buffer", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_headers_filter_module", (  # expires: above
    ("add_trailer", _HSLI, A.TAKE23, REFUSE),
))
_table("ngx_http_image_filter_module", (
    ("image_filter", L, A.TAKE123, REFUSE), ("image_filter_jpeg_quality", Ctx.HSL, A.TAKE1, None),
    ("image_filter_webp_quality", Ctx.HSL, A.TAKE1, None), ("image_filter_sharpen", Ctx.HSL, A.TAKE1, None),
    ("image_filter_transparency", Ctx.HSL, A.FLAG, flag_slot),
    ("image_filter_interlace", Ctx.HSL, A.FLAG, flag_slot),
    ("image_filter_buffer", Ctx.HSL, A.TAKE1, size_slot),
))
_table("ngx_http_limit_conn_module", (
    ("limit_conn_zone", H | STREAM, A.TAKE2, zone_slot(False)), ("limit_conn", Ctx.HSL | STREAM, A.TAKE2, REFUSE),
    ("limit_conn_log_level", Ctx.HSL | STREAM, A.TAKE1, enum_slot('info', 'notice', 'warn', 'error')),
    ("limit_conn_status", Ctx.HSL, A.TAKE1, bounded(400, 599)),
    ("limit_conn_dry_run", Ctx.HSL | STREAM, A.FLAG, flag_slot),
))
_table("ngx_http_limit_req_module", (
    ("limit_req_zone", H, A.TAKE3, zone_slot(True)), ("limit_req", Ctx.HSL, A.TAKE123, REFUSE),
    ("limit_req_log_level", Ctx.HSL, A.TAKE1, enum_slot('info', 'notice', 'warn', 'error')),
    ("limit_req_status", Ctx.HSL, A.TAKE1, bounded(400, 599)),
    ("limit_req_dry_run", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_log_module", (
    ("open_log_file_cache", Ctx.HSL | STREAM, A.TAKE1234, open_log_file_cache),
))
_table("ngx_http_map_module", (
    ("map_hash_max_size", H | STREAM, A.TAKE1, num_slot),
    ("map_hash_bucket_size", H | STREAM, A.TAKE1, num_slot),
))
_table("ngx_http_memcached_module", (
    ("memcached_pass", L | IF, A.TAKE1, REFUSE), ("memcached_bind", Ctx.HSL, A.TAKE12, None),
    ("memcached_socket_keepalive", Ctx.HSL, A.FLAG, flag_slot),
    ("memcached_connect_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("memcached_send_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("memcached_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("memcached_read_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("memcached_next_upstream", Ctx.HSL, A.MORE1, memcached_next_upstream_mask),
    ("memcached_next_upstream_tries", Ctx.HSL, A.TAKE1, num_slot),
    ("memcached_next_upstream_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("memcached_gzip_flag", Ctx.HSL, A.TAKE1, num_slot),
))
_table("ngx_http_mirror_module", (
    ("mirror", Ctx.HSL, A.TAKE1, REFUSE), ("mirror_request_body", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_mp4_module", (
    ("mp4", L, A.NOARGS, REFUSE), ("mp4_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("mp4_max_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("mp4_start_key_frame", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_proxy_module", (
    ("proxy_pass", L | IF | LMT | STREAM, A.TAKE1, REFUSE), ("proxy_redirect", Ctx.HSL, A.TAKE12, None),
    ("proxy_cookie_domain", Ctx.HSL, A.TAKE12, None), ("proxy_cookie_path", Ctx.HSL, A.TAKE12, None),
    ("proxy_cookie_flags", Ctx.HSL, A.TAKE1234, None), ("proxy_store", Ctx.HSL, A.TAKE1, None),
    ("proxy_store_access", Ctx.HSL, A.TAKE123, access_slot), ("proxy_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_request_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_ignore_client_abort", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_bind", Ctx.HSL | STREAM, A.TAKE12, None),
    ("proxy_socket_keepalive", Ctx.HSL | STREAM, A.FLAG, flag_slot),
    ("proxy_connect_timeout", Ctx.HSL | STREAM, A.TAKE1, msec_slot),
    ("proxy_send_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("proxy_send_lowat", Ctx.HSL, A.TAKE1, send_lowat),
    ("proxy_intercept_errors", Ctx.HSL, A.FLAG, flag_slot), ("proxy_set_header", Ctx.HSL, A.TAKE2, None),
    ("proxy_headers_hash_max_size", Ctx.HSL, A.TAKE1, num_slot),
    ("proxy_headers_hash_bucket_size", Ctx.HSL, A.TAKE1, num_slot),
    ("proxy_set_body", Ctx.HSL, A.TAKE1, str_slot), ("proxy_method", Ctx.HSL, A.TAKE1, complex_slot),
    ("proxy_pass_request_headers", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_pass_request_body", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_buffer_size", Ctx.HSL | STREAM, A.TAKE1, size_slot),
    ("proxy_read_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("proxy_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
    ("proxy_busy_buffers_size", Ctx.HSL, A.TAKE1, size_slot),
    ("proxy_force_ranges", Ctx.HSL, A.FLAG, flag_slot), ("proxy_limit_rate", Ctx.HSL, A.TAKE1, size_slot),
    ("proxy_cache", Ctx.HSL, A.TAKE1, None), ("proxy_cache_key", Ctx.HSL, A.TAKE1, complex_slot),
    ("proxy_cache_path", H, A.MORE2, None), ("proxy_cache_bypass", Ctx.HSL, A.MORE1, variables_slot),
    ("proxy_no_cache", Ctx.HSL, A.MORE1, variables_slot), ("proxy_cache_valid", Ctx.HSL, A.MORE1, None),
    ("proxy_cache_min_uses", Ctx.HSL, A.TAKE1, num_slot),
    ("proxy_cache_max_range_offset", Ctx.HSL, A.TAKE1, offset_slot),
    ("proxy_cache_use_stale", Ctx.HSL, A.MORE1, proxy_next_upstream_mask),
    ("proxy_cache_methods", Ctx.HSL, A.MORE1, bitmask_slot('GET', 'HEAD', 'POST')),
    ("proxy_cache_lock", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_cache_lock_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("proxy_cache_lock_age", Ctx.HSL, A.TAKE1, msec_slot),
    ("proxy_cache_revalidate", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_cache_convert_head", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_cache_background_update", Ctx.HSL, A.FLAG, flag_slot),
    ("proxy_temp_path", Ctx.HSL, A.TAKE1234, path_slot),
    ("proxy_max_temp_file_size", Ctx.HSL, A.TAKE1, size_slot),
    ("proxy_temp_file_write_size", Ctx.HSL, A.TAKE1, size_slot),
    ("proxy_next_upstream", Ctx.HSL | STREAM, A.MORE1, proxy_next_upstream_mask),
    ("proxy_next_upstream_tries", Ctx.HSL | STREAM, A.TAKE1, num_slot),
    ("proxy_next_upstream_timeout", Ctx.HSL | STREAM, A.TAKE1, msec_slot),
    ("proxy_pass_header", Ctx.HSL, A.TAKE1, None), ("proxy_hide_header", Ctx.HSL, A.TAKE1, None),
    ("proxy_ignore_headers", Ctx.HSL, A.MORE1, ignore_headers_mask),
    ("proxy_http_version", Ctx.HSL, A.TAKE1, enum_slot('1.0', '1.1')),
    ("proxy_ssl_session_reuse", Ctx.HSL | STREAM, A.FLAG, flag_slot),
    ("proxy_ssl_protocols", Ctx.HSL | STREAM, A.MORE1, ssl_protocols_mask),
    ("proxy_ssl_ciphers", Ctx.HSL | STREAM, A.TAKE1, str_slot),
    ("proxy_ssl_name", Ctx.HSL | STREAM, A.TAKE1, complex_slot),
    ("proxy_ssl_server_name", Ctx.HSL | STREAM, A.FLAG, flag_slot),
    ("proxy_ssl_verify", Ctx.HSL | STREAM, A.FLAG, flag_slot),
    ("proxy_ssl_verify_depth", Ctx.HSL | STREAM, A.TAKE1, num_slot),
    ("proxy_ssl_trusted_certificate", Ctx.HSL | STREAM, A.TAKE1, str_slot),
    ("proxy_ssl_crl", Ctx.HSL | STREAM, A.TAKE1, str_slot),
    ("proxy_ssl_certificate", Ctx.HSL | STREAM, A.TAKE1, complex_slot),
    ("proxy_ssl_certificate_key", Ctx.HSL | STREAM, A.TAKE1, complex_slot),
    ("proxy_ssl_password_file", Ctx.HSL | STREAM, A.TAKE1, None),
    ("proxy_ssl_conf_command", Ctx.HSL | STREAM, A.TAKE2, None),
))
_table("ngx_http_random_index_module", (
    ("random_index", L, A.FLAG, REFUSE),
))
_table("ngx_http_realip_module", (
    ("set_real_ip_from", Ctx.HSL | STREAM | MAIL, A.TAKE1, REFUSE),
    ("real_ip_header", Ctx.HSL, A.TAKE1, None), ("real_ip_recursive", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_referer_module", (
    ("valid_referers", Ctx.SL, A.MORE1, None), ("referer_hash_max_size", Ctx.SL, A.TAKE1, num_slot),
    ("referer_hash_bucket_size", Ctx.SL, A.TAKE1, num_slot),
))
_table("ngx_http_rewrite_module", (
    ("rewrite", Ctx.SL | IF, A.TAKE23, REFUSE), ("break", Ctx.SL | IF, A.NOARGS, REFUSE),
    ("if", Ctx.SL, A.MORE1, REFUSE_BLOCK), ("set", Ctx.SL | IF | STREAM, A.TAKE2, REFUSE),
    ("rewrite_log", _HSLI, A.FLAG, flag_slot), ("uninitialized_variable_warn", _HSLI, A.FLAG, flag_slot),
))
_table("ngx_http_scgi_module", (
    ("scgi_pass", L | IF, A.TAKE1, REFUSE), ("scgi_store", Ctx.HSL, A.TAKE1, None),
    ("scgi_store_access", Ctx.HSL, A.TAKE123, access_slot), ("scgi_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_request_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_ignore_client_abort", Ctx.HSL, A.FLAG, flag_slot), ("scgi_bind", Ctx.HSL, A.TAKE12, None),
    ("scgi_socket_keepalive", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_connect_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("scgi_send_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("scgi_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("scgi_pass_request_headers", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_pass_request_body", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_intercept_errors", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_read_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("scgi_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
    ("scgi_busy_buffers_size", Ctx.HSL, A.TAKE1, size_slot),
    ("scgi_force_ranges", Ctx.HSL, A.FLAG, flag_slot), ("scgi_limit_rate", Ctx.HSL, A.TAKE1, size_slot),
    ("scgi_cache", Ctx.HSL, A.TAKE1, None), ("scgi_cache_key", Ctx.HSL, A.TAKE1, complex_slot),
    ("scgi_cache_path", H, A.MORE2, None), ("scgi_cache_bypass", Ctx.HSL, A.MORE1, variables_slot),
    ("scgi_no_cache", Ctx.HSL, A.MORE1, variables_slot), ("scgi_cache_valid", Ctx.HSL, A.MORE1, None),
    ("scgi_cache_min_uses", Ctx.HSL, A.TAKE1, num_slot),
    ("scgi_cache_max_range_offset", Ctx.HSL, A.TAKE1, offset_slot),
    ("scgi_cache_use_stale", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("scgi_cache_methods", Ctx.HSL, A.MORE1, bitmask_slot('GET', 'HEAD', 'POST')),
    ("scgi_cache_lock", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_cache_lock_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("scgi_cache_lock_age", Ctx.HSL, A.TAKE1, msec_slot),
    ("scgi_cache_revalidate", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_cache_background_update", Ctx.HSL, A.FLAG, flag_slot),
    ("scgi_temp_path", Ctx.HSL, A.TAKE1234, path_slot),
    ("scgi_max_temp_file_size", Ctx.HSL, A.TAKE1, size_slot),
    ("scgi_temp_file_write_size", Ctx.HSL, A.TAKE1, size_slot),
    ("scgi_next_upstream", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("scgi_next_upstream_tries", Ctx.HSL, A.TAKE1, num_slot),
    ("scgi_next_upstream_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("scgi_param", Ctx.HSL, A.TAKE23, param_slot), ("scgi_pass_header", Ctx.HSL, A.TAKE1, None),
    ("scgi_hide_header", Ctx.HSL, A.TAKE1, None),
    ("scgi_ignore_headers", Ctx.HSL, A.MORE1, ignore_headers_mask),
))
_table("ngx_http_secure_link_module", (
    ("secure_link", Ctx.HSL, A.TAKE1, complex_slot), ("secure_link_md5", Ctx.HSL, A.TAKE1, complex_slot),
    ("secure_link_secret", Ctx.HSL, A.TAKE1, str_slot),
))
_table("ngx_http_slice_filter_module", (
    ("slice", Ctx.HSL, A.TAKE1, size_slot),
))
_table("ngx_http_split_clients_module", (
    ("split_clients", H | STREAM, A.TAKE2, REFUSE_BLOCK),
))
_table("ngx_http_ssi_filter_module", (
    ("ssi", _HSLI, A.FLAG, REFUSE), ("ssi_silent_errors", Ctx.HSL, A.FLAG, flag_slot),
    ("ssi_ignore_recycled_buffers", Ctx.HSL, A.FLAG, flag_slot),
    ("ssi_min_file_chunk", Ctx.HSL, A.TAKE1, size_slot), ("ssi_value_length", Ctx.HSL, A.TAKE1, size_slot),
    ("ssi_types", Ctx.HSL, A.MORE1, None), ("ssi_last_modified", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_ssl_module", (
    ("ssl_verify_client", Ctx.HS | STREAM | MAIL, A.TAKE1, enum_slot('off', 'on', 'optional', 'optional_no_ca')),
    ("ssl_verify_depth", Ctx.HS | STREAM | MAIL, A.TAKE1, num_slot),
    ("ssl_client_certificate", Ctx.HS | STREAM | MAIL, A.TAKE1, str_slot),
    ("ssl_trusted_certificate", Ctx.HS | STREAM | MAIL, A.TAKE1, str_slot),
    ("ssl_session_ticket_key", Ctx.HS | STREAM | MAIL, A.TAKE1, None),
    ("ssl_crl", Ctx.HS | STREAM | MAIL, A.TAKE1, str_slot),
    ("ssl_ocsp", Ctx.HS, A.FLAG, enum_slot('off', 'on', 'leaf')),
    ("ssl_ocsp_responder", Ctx.HS, A.TAKE1, str_slot), ("ssl_ocsp_cache", Ctx.HS, A.TAKE1, None),
    ("ssl_stapling", Ctx.HS, A.FLAG, flag_slot), ("ssl_stapling_file", Ctx.HS, A.TAKE1, str_slot),
    ("ssl_stapling_responder", Ctx.HS, A.TAKE1, str_slot),
    ("ssl_stapling_verify", Ctx.HS, A.FLAG, flag_slot), ("ssl_early_data", Ctx.HS, A.FLAG, flag_slot),
    ("ssl_conf_command", Ctx.HS | STREAM | MAIL, A.TAKE2, None),
))
_table("ngx_http_sub_filter_module", (
    ("sub_filter", Ctx.HSL, A.TAKE2, REFUSE), ("sub_filter_types", Ctx.HSL, A.MORE1, None),
    ("sub_filter_once", Ctx.HSL, A.FLAG, flag_slot),
    ("sub_filter_last_modified", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_upstream_hash_module", (
    ("hash", UPS | STREAM, A.TAKE12, REFUSE),
))
_table("ngx_http_upstream_ip_hash_module", (
    ("ip_hash", UPS, A.NOARGS, REFUSE),
))
_table("ngx_http_upstream_keepalive_module", (
    ("keepalive", UPS, A.TAKE1, REFUSE),
))
_table("ngx_http_core_module", (
    ("keepalive_time", Ctx.HSL | UPS, A.TAKE1, msec_slot),
    ("variables_hash_max_size", H | STREAM, A.TAKE1, num_slot),
    ("variables_hash_bucket_size", H | STREAM, A.TAKE1, num_slot),
    ("server_names_hash_max_size", H, A.TAKE1, num_slot),
    ("server_names_hash_bucket_size", H, A.TAKE1, num_slot),
    ("connection_pool_size", Ctx.HS, A.TAKE1, pool_size), ("request_pool_size", Ctx.HS, A.TAKE1, pool_size),
    ("client_header_buffer_size", Ctx.HS, A.TAKE1, size_slot),
    ("ignore_invalid_headers", Ctx.HS, A.FLAG, flag_slot),
    ("underscores_in_headers", Ctx.HS, A.FLAG, flag_slot),
    ("types_hash_max_size", Ctx.HSL, A.TAKE1, num_slot),
    ("types_hash_bucket_size", Ctx.HSL, A.TAKE1, num_slot),
    ("client_body_temp_path", Ctx.HSL, A.TAKE1234, path_slot),
    ("client_body_in_file_only", Ctx.HSL, A.TAKE1, enum_slot('off', 'on', 'clean')),
    ("client_body_in_single_buffer", Ctx.HSL, A.FLAG, flag_slot), ("sendfile", _HSLI, A.FLAG, flag_slot),
    ("sendfile_max_chunk", Ctx.HSL, A.TAKE1, size_slot),
    ("subrequest_output_buffer_size", Ctx.HSL, A.TAKE1, size_slot), ("aio", Ctx.HSL, A.TAKE1, aio),
    ("aio_write", Ctx.HSL, A.FLAG, flag_slot), ("read_ahead", Ctx.HSL, A.TAKE1, size_slot),
    ("directio", Ctx.HSL, A.TAKE1, directio), ("directio_alignment", Ctx.HSL, A.TAKE1, offset_slot),
    ("tcp_nopush", Ctx.HSL, A.FLAG, flag_slot), ("tcp_nodelay", Ctx.HSL | STREAM, A.FLAG, flag_slot),
    ("send_lowat", Ctx.HSL, A.TAKE1, send_lowat), ("postpone_output", Ctx.HSL, A.TAKE1, size_slot),
    ("limit_rate", _HSLI, A.TAKE1, REFUSE), ("limit_rate_after", _HSLI, A.TAKE1, REFUSE),
    ("keepalive_disable", Ctx.HSL, A.TAKE12, bitmask_slot('none', 'msie6', 'safari')),
    ("satisfy", Ctx.HSL, A.TAKE1, REFUSE), ("auth_delay", Ctx.HSL, A.TAKE1, msec_slot),
    ("internal", L, A.NOARGS, REFUSE),
    ("lingering_close", Ctx.HSL, A.TAKE1, enum_slot('off', 'on', 'always')),
    ("lingering_time", Ctx.HSL, A.TAKE1, msec_slot), ("lingering_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("reset_timedout_connection", Ctx.HSL, A.FLAG, flag_slot), ("msie_padding", Ctx.HSL, A.FLAG, flag_slot),
    ("msie_refresh", Ctx.HSL, A.FLAG, flag_slot), ("log_subrequest", Ctx.HSL, A.FLAG, flag_slot),
    ("chunked_transfer_encoding", Ctx.HSL, A.FLAG, flag_slot), ("post_action", _HSLI, A.TAKE1, REFUSE),
    ("open_file_cache", Ctx.HSL, A.TAKE12, open_file_cache), ("open_file_cache_valid", Ctx.HSL, A.TAKE1, sec_slot),
    ("open_file_cache_min_uses", Ctx.HSL, A.TAKE1, num_slot),
    ("open_file_cache_errors", Ctx.HSL, A.FLAG, flag_slot),
    ("open_file_cache_events", Ctx.HSL, A.FLAG, flag_slot),
    ("resolver", Ctx.HSL | STREAM | MAIL, A.MORE1, None),
    ("resolver_timeout", Ctx.HSL | STREAM | MAIL, A.TAKE1, msec_slot),
    ("disable_symlinks", Ctx.HSL, A.TAKE12, REFUSE),
))
_table("ngx_http_upstream_least_conn_module", (
    ("least_conn", UPS | STREAM, A.NOARGS, REFUSE),
))
_table("ngx_http_upstream_random_module", (
    ("random", UPS | STREAM, A.NOARGS | A.TAKE12, REFUSE),
))
_table("ngx_http_upstream_zone_module", (
    ("zone", UPS | STREAM, A.TAKE12, REFUSE),
))
_table("ngx_http_userid_filter_module", (
    ("userid", Ctx.HSL, A.TAKE1, REFUSE), ("userid_service", Ctx.HSL, A.TAKE1, num_slot),
    ("userid_name", Ctx.HSL, A.TAKE1, str_slot), ("userid_domain", Ctx.HSL, A.TAKE1, str_slot),
    ("userid_path", Ctx.HSL, A.TAKE1, str_slot), ("userid_expires", Ctx.HSL, A.TAKE1, None),
    ("userid_flags", Ctx.HSL, A.TAKE123, userid_flags_mask), ("userid_p3p", Ctx.HSL, A.TAKE1, str_slot),
    ("userid_mark", Ctx.HSL, A.TAKE1, None),
))
_table("ngx_http_uwsgi_module", (
    ("uwsgi_pass", L | IF, A.TAKE1, REFUSE), ("uwsgi_modifier1", Ctx.HSL, A.TAKE1, bounded(0, 255)),
    ("uwsgi_modifier2", Ctx.HSL, A.TAKE1, bounded(0, 255)), ("uwsgi_store", Ctx.HSL, A.TAKE1, None),
    ("uwsgi_store_access", Ctx.HSL, A.TAKE123, access_slot), ("uwsgi_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_request_buffering", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_ignore_client_abort", Ctx.HSL, A.FLAG, flag_slot), ("uwsgi_bind", Ctx.HSL, A.TAKE12, None),
    ("uwsgi_socket_keepalive", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_connect_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("uwsgi_send_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("uwsgi_buffer_size", Ctx.HSL, A.TAKE1, size_slot),
    ("uwsgi_pass_request_headers", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_pass_request_body", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_intercept_errors", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_read_timeout", Ctx.HSL, A.TAKE1, msec_slot), ("uwsgi_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
    ("uwsgi_busy_buffers_size", Ctx.HSL, A.TAKE1, size_slot),
    ("uwsgi_force_ranges", Ctx.HSL, A.FLAG, flag_slot), ("uwsgi_limit_rate", Ctx.HSL, A.TAKE1, size_slot),
    ("uwsgi_cache", Ctx.HSL, A.TAKE1, None), ("uwsgi_cache_key", Ctx.HSL, A.TAKE1, complex_slot),
    ("uwsgi_cache_path", H, A.MORE2, None), ("uwsgi_cache_bypass", Ctx.HSL, A.MORE1, variables_slot),
    ("uwsgi_no_cache", Ctx.HSL, A.MORE1, variables_slot), ("uwsgi_cache_valid", Ctx.HSL, A.MORE1, None),
    ("uwsgi_cache_min_uses", Ctx.HSL, A.TAKE1, num_slot),
    ("uwsgi_cache_max_range_offset", Ctx.HSL, A.TAKE1, offset_slot),
    ("uwsgi_cache_use_stale", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("uwsgi_cache_methods", Ctx.HSL, A.MORE1, bitmask_slot('GET', 'HEAD', 'POST')),
    ("uwsgi_cache_lock", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_cache_lock_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("uwsgi_cache_lock_age", Ctx.HSL, A.TAKE1, msec_slot),
    ("uwsgi_cache_revalidate", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_cache_background_update", Ctx.HSL, A.TAKE1, flag_slot),
    ("uwsgi_temp_path", Ctx.HSL, A.TAKE1234, path_slot),
    ("uwsgi_max_temp_file_size", Ctx.HSL, A.TAKE1, size_slot),
    ("uwsgi_temp_file_write_size", Ctx.HSL, A.TAKE1, size_slot),
    ("uwsgi_next_upstream", Ctx.HSL, A.MORE1, next_upstream_mask),
    ("uwsgi_next_upstream_tries", Ctx.HSL, A.TAKE1, num_slot),
    ("uwsgi_next_upstream_timeout", Ctx.HSL, A.TAKE1, msec_slot),
    ("uwsgi_param", Ctx.HSL, A.TAKE23, param_slot), ("uwsgi_string", Ctx.HSL, A.TAKE1, str_slot),
    ("uwsgi_pass_header", Ctx.HSL, A.TAKE1, None), ("uwsgi_hide_header", Ctx.HSL, A.TAKE1, None),
    ("uwsgi_ignore_headers", Ctx.HSL, A.MORE1, ignore_headers_mask),
    ("uwsgi_ssl_session_reuse", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_ssl_protocols", Ctx.HSL, A.MORE1, ssl_protocols_mask),
    ("uwsgi_ssl_ciphers", Ctx.HSL, A.TAKE1, str_slot), ("uwsgi_ssl_name", Ctx.HSL, A.TAKE1, complex_slot),
    ("uwsgi_ssl_server_name", Ctx.HSL, A.FLAG, flag_slot), ("uwsgi_ssl_verify", Ctx.HSL, A.FLAG, flag_slot),
    ("uwsgi_ssl_verify_depth", Ctx.HSL, A.TAKE1, num_slot),
    ("uwsgi_ssl_trusted_certificate", Ctx.HSL, A.TAKE1, str_slot),
    ("uwsgi_ssl_crl", Ctx.HSL, A.TAKE1, str_slot), ("uwsgi_ssl_certificate", Ctx.HSL, A.TAKE1, complex_slot),
    ("uwsgi_ssl_certificate_key", Ctx.HSL, A.TAKE1, complex_slot),
    ("uwsgi_ssl_password_file", Ctx.HSL, A.TAKE1, None), ("uwsgi_ssl_conf_command", Ctx.HSL, A.TAKE2, None),
))
_table("ngx_http_xslt_filter_module", (
    ("xml_entities", Ctx.HSL, A.TAKE1, None), ("xslt_stylesheet", L, A.MORE1, REFUSE),
    ("xslt_param", Ctx.HSL, A.TAKE2, None), ("xslt_string_param", Ctx.HSL, A.TAKE2, None),
    ("xslt_types", Ctx.HSL, A.MORE1, None), ("xslt_last_modified", Ctx.HSL, A.FLAG, flag_slot),
))
_table("ngx_http_perl_module", (
    ("perl_modules", H, A.TAKE1, None), ("perl_require", H, A.TAKE1, None),
    ("perl", L | LMT, A.TAKE1, REFUSE), ("perl_set", H, A.TAKE2, variable_setter(False)),
))
_table("ngx_http_copy_filter_module", (
    ("output_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
))
_table("ngx_http_upstream_module", (
    ("upstream", H | STREAM, A.TAKE1, REFUSE_BLOCK),
))
_table("ngx_http_v2_module", (
    ("http2_recv_buffer_size", H, A.TAKE1, size_slot), ("http2_pool_size", Ctx.HS, A.TAKE1, size_slot),
    ("http2_max_concurrent_streams", Ctx.HS, A.TAKE1, num_slot),
    ("http2_max_concurrent_pushes", Ctx.HS, A.TAKE1, num_slot),
    ("http2_max_requests", Ctx.HS, A.TAKE1, obsolete("keepalive_requests")),
    ("http2_max_field_size", Ctx.HS, A.TAKE1, obsolete("large_client_header_buffers")),
    ("http2_max_header_size", Ctx.HS, A.TAKE1, obsolete("large_client_header_buffers")),
    ("http2_body_preread_size", Ctx.HS, A.TAKE1, size_slot),
    ("http2_streams_index_size", Ctx.HS, A.TAKE1, num_slot),
    ("http2_recv_timeout", Ctx.HS, A.TAKE1, obsolete("client_header_timeout")),
    ("http2_idle_timeout", Ctx.HS, A.TAKE1, obsolete("keepalive_timeout")),
    ("http2_chunk_size", Ctx.HSL, A.TAKE1, size_slot), ("http2_push_preload", Ctx.HSL, A.FLAG, flag_slot),
    ("http2_push", Ctx.HSL, A.TAKE1, None),
))
_table("ngx_mail_module", (
    ("mail", M, A.NOARGS, REFUSE_BLOCK),
))
_table("ngx_mail_auth_http_module", (
    ("auth_http", MAIL, A.TAKE1, REFUSE), ("auth_http_timeout", MAIL, A.TAKE1, REFUSE),
    ("auth_http_header", MAIL, A.TAKE2, REFUSE), ("auth_http_pass_client_cert", MAIL, A.FLAG, REFUSE),
))
_table("ngx_mail_core_module", (
    ("protocol", MAIL, A.TAKE1, REFUSE), ("timeout", MAIL, A.TAKE1, REFUSE),
    ("max_errors", MAIL, A.TAKE1, REFUSE),
))
_table("ngx_mail_imap_module", (
    ("imap_client_buffer", MAIL, A.TAKE1, REFUSE), ("imap_capabilities", MAIL, A.MORE1, REFUSE),
    ("imap_auth", MAIL, A.MORE1, REFUSE),
))
_table("ngx_mail_pop3_module", (
    ("pop3_capabilities", MAIL, A.MORE1, REFUSE), ("pop3_auth", MAIL, A.MORE1, REFUSE),
))
_table("ngx_mail_proxy_module", (
    ("proxy", MAIL, A.FLAG, REFUSE), ("proxy_buffer", MAIL, A.TAKE1, REFUSE),
    ("proxy_timeout", STREAM | MAIL, A.TAKE1, REFUSE), ("proxy_pass_error_message", MAIL, A.FLAG, REFUSE),
    ("xclient", MAIL, A.FLAG, REFUSE), ("proxy_smtp_auth", MAIL, A.FLAG, REFUSE),
    ("proxy_protocol", STREAM | MAIL, A.FLAG, REFUSE),
))
_table("ngx_mail_smtp_module", (
    ("smtp_client_buffer", MAIL, A.TAKE1, REFUSE), ("smtp_greeting_delay", MAIL, A.TAKE1, REFUSE),
    ("smtp_capabilities", MAIL, A.MORE1, REFUSE), ("smtp_auth", MAIL, A.MORE1, REFUSE),
))
_table("ngx_mail_ssl_module", (
    ("starttls", MAIL, A.TAKE1, REFUSE),
))
_table("ngx_stream_module", (
    ("stream", M, A.NOARGS, REFUSE_BLOCK),
))
_table("ngx_stream_core_module", (
    ("proxy_protocol_timeout", STREAM, A.TAKE1, REFUSE), ("preread_buffer_size", STREAM, A.TAKE1, REFUSE),
    ("preread_timeout", STREAM, A.TAKE1, REFUSE),
))
_table("ngx_stream_proxy_module", (
    ("proxy_downstream_buffer", STREAM, A.TAKE1, REFUSE), ("proxy_upstream_buffer", STREAM, A.TAKE1, REFUSE),
    ("proxy_upload_rate", STREAM, A.TAKE1, REFUSE), ("proxy_download_rate", STREAM, A.TAKE1, REFUSE),
    ("proxy_requests", STREAM, A.TAKE1, REFUSE), ("proxy_responses", STREAM, A.TAKE1, REFUSE),
    ("proxy_half_close", STREAM, A.FLAG, REFUSE), ("proxy_ssl", STREAM, A.FLAG, REFUSE),
))
_table("ngx_stream_ssl_module", (
    ("ssl_handshake_timeout", STREAM, A.TAKE1, REFUSE), ("ssl_alpn", STREAM, A.MORE1, REFUSE),
))
_table("ngx_stream_ssl_preread_module", (
    ("ssl_preread", STREAM, A.FLAG, REFUSE),
))

# nginx 1.25.1's replacement for "listen ... http2" (unknown to 1.22): refused as that parameter is.
_table("ngx_http_v2_module (nginx 1.25)", (
    ("http2", Ctx.HS, A.FLAG, REFUSE),
))

# Debian's nginx 1.22.1-9+deb12u* backports max_headers (its ngx_http_header_count_module).
_table("ngx_http_header_count_module (Debian)", (
    ("max_headers", Ctx.HS, A.TAKE1, num_slot),
))

# Debian 12's libnginx-mod-* packages (names, contexts and arguments from each
# module's source); their directives are known so a config written for them
# gets nginxlite's answer, not "unknown directive".
_table("ngx_http_headers_more_filter_module (libnginx-mod-http-headers-more-filter)", (
    ("more_set_headers", _HSLI, A.MORE1, REFUSE), ("more_clear_headers", _HSLI, A.MORE1, REFUSE),
    ("more_set_input_headers", _HSLI, A.MORE1, REFUSE), ("more_clear_input_headers", _HSLI, A.MORE1, REFUSE),
))
_table("ngx_http_echo_module (libnginx-mod-http-echo)", (
    ("echo", L | IF, A.ANY, REFUSE), ("echo_request_body", L | IF, A.NOARGS, REFUSE),
    ("echo_sleep", L | IF, A.TAKE1, REFUSE), ("echo_flush", L | IF, A.NOARGS, REFUSE),
    ("echo_blocking_sleep", L | IF, A.TAKE1, REFUSE), ("echo_reset_timer", L | IF, A.NOARGS, REFUSE),
    ("echo_before_body", L | IF, A.ANY, REFUSE), ("echo_after_body", L | IF, A.ANY, REFUSE),
    ("echo_location_async", L | IF, A.TAKE12, REFUSE), ("echo_location", L | IF, A.TAKE12, REFUSE),
    ("echo_subrequest_async", L | IF, A.MORE2, REFUSE), ("echo_subrequest", L | IF, A.MORE2, REFUSE),
    ("echo_duplicate", L | IF, A.MORE2, REFUSE), ("echo_read_request_body", L | IF, A.NOARGS, REFUSE),
    ("echo_foreach_split", L | IF, A.MORE2, REFUSE), ("echo_end", L | IF, A.NOARGS, REFUSE),
    ("echo_abort_parent", L | IF, A.NOARGS, REFUSE), ("echo_exec", L | IF, A.TAKE12, REFUSE),
    ("echo_status", L | IF, A.TAKE1, REFUSE),
))
_table("ngx_http_fancyindex_module (libnginx-mod-http-fancyindex)", (
    ("fancyindex", Ctx.HSL, A.FLAG, REFUSE), ("fancyindex_default_sort", Ctx.HSL, A.TAKE1, None),
    ("fancyindex_case_sensitive", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_directories_first", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_localtime", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_exact_size", Ctx.HSL, A.FLAG, flag_slot), ("fancyindex_header", Ctx.HSL, A.TAKE12, None),
    ("fancyindex_footer", Ctx.HSL, A.TAKE12, None), ("fancyindex_css_href", Ctx.HSL, A.FLAG, str_slot),
    ("fancyindex_ignore", Ctx.HSL, A.MORE1, None), ("fancyindex_hide_symlinks", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_show_path", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_show_dotfiles", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_hide_parent_dir", Ctx.HSL, A.FLAG, flag_slot),
    ("fancyindex_time_format", Ctx.HSL, A.FLAG, str_slot),
))
_table("ngx_http_dav_ext_module (libnginx-mod-http-dav-ext)", (
    ("dav_ext_methods", Ctx.HSL, A.MORE1, REFUSE), ("dav_ext_lock_zone", H, A.TAKE12, None),
    ("dav_ext_lock", Ctx.HSL, A.TAKE1, REFUSE),
))
_table("ngx_http_cache_purge_module (libnginx-mod-http-cache-purge)", (
    ("fastcgi_cache_purge", Ctx.HSL, A.MORE1, REFUSE), ("proxy_cache_purge", Ctx.HSL, A.MORE1, REFUSE),
    ("scgi_cache_purge", Ctx.HSL, A.MORE1, REFUSE), ("uwsgi_cache_purge", Ctx.HSL, A.MORE1, REFUSE),
))
_table("ngx_http_geoip2_module (libnginx-mod-http-geoip2, -stream-geoip2)", (
    ("geoip2", H | STREAM, A.TAKE1, REFUSE_BLOCK), ("geoip2_proxy", H, A.TAKE1, None),
    ("geoip2_proxy_recursive", H, A.FLAG, flag_slot),
))
_table("ngx_http_subs_filter_module (libnginx-mod-http-subs-filter)", (
    ("subs_filter", Ctx.HSL, A.MORE2, REFUSE), ("subs_filter_bypass", Ctx.HSL, A.MORE1, variables_slot),
    ("subs_filter_types", Ctx.HSL, A.MORE1, None), ("subs_line_buffer_size", Ctx.HSL, A.TAKE2, None),
    ("subs_buffers", Ctx.HSL, A.TAKE2, bufs_slot),
))
_table("ngx_http_upstream_fair_module (libnginx-mod-http-upstream-fair)", (
    ("fair", UPS, A.ANY, REFUSE), ("upstream_fair_shm_size", H, A.TAKE1, None),
))
_table("ngx_http_auth_pam_module (libnginx-mod-http-auth-pam)", (
    ("auth_pam", Ctx.HSL | LMT, A.TAKE1, REFUSE),
    ("auth_pam_service_name", Ctx.HSL | LMT, A.TAKE1, str_slot),
    ("auth_pam_set_pam_env", Ctx.HSL | LMT, A.FLAG, flag_slot),
))
_table("ngx_http_uploadprogress_module (libnginx-mod-http-uploadprogress)", (
    ("upload_progress", H, A.TAKE2, None), ("track_uploads", Ctx.HSL, A.TAKE2, None),
    ("report_uploads", Ctx.HSL, A.TAKE1, REFUSE),
    ("upload_progress_content_type", Ctx.HSL, A.TAKE1, str_slot),
    ("upload_progress_template", Ctx.HSL, A.TAKE2, None),
    ("upload_progress_java_output", Ctx.HSL, A.NOARGS, None),
    ("upload_progress_json_output", Ctx.HSL, A.NOARGS, None),
    ("upload_progress_jsonp_output", Ctx.HSL, A.NOARGS, None),
    ("upload_progress_header", Ctx.HSL, A.TAKE1, str_slot),
    ("upload_progress_jsonp_parameter", Ctx.HSL, A.TAKE1, str_slot),
))
_table("ngx_http_lua_module (libnginx-mod-http-lua)", (
    ("lua_load_resty_core", H, A.FLAG, None), ("lua_thread_cache_max_entries", H, A.TAKE1, num_slot),
    ("lua_max_running_timers", H, A.TAKE1, num_slot), ("lua_max_pending_timers", H, A.TAKE1, num_slot),
    ("lua_shared_dict", H, A.TAKE2, None), ("lua_capture_error_log", H, A.TAKE1, None),
    ("lua_sa_restart", H, A.FLAG, flag_slot), ("lua_regex_cache_max_entries", H, A.TAKE1, None),
    ("lua_regex_match_limit", H, A.TAKE1, None), ("lua_package_cpath", H, A.TAKE1, None),
    ("lua_package_path", H, A.TAKE1, None), ("lua_code_cache", _HSLI, A.FLAG, None),
    ("lua_need_request_body", _HSLI, A.FLAG, flag_slot),
    ("lua_transform_underscores_in_response_headers", _HSLI, A.FLAG, flag_slot),
    ("lua_socket_log_errors", _HSLI, A.FLAG, flag_slot), ("init_by_lua_block", H, A.NOARGS, REFUSE_BLOCK),
    ("init_by_lua", H, A.TAKE1, REFUSE), ("init_by_lua_file", H, A.TAKE1, REFUSE),
    ("init_worker_by_lua_block", H, A.NOARGS, REFUSE_BLOCK), ("init_worker_by_lua", H, A.TAKE1, REFUSE),
    ("init_worker_by_lua_file", H, A.TAKE1, REFUSE), ("exit_worker_by_lua_block", H, A.NOARGS, REFUSE_BLOCK),
    ("exit_worker_by_lua_file", H, A.TAKE1, REFUSE),
    ("set_by_lua_block", Ctx.SL | IF, A.TAKE1, REFUSE_BLOCK), ("set_by_lua", Ctx.SL | IF, A.MORE2, REFUSE),
    ("set_by_lua_file", Ctx.SL | IF, A.MORE2, REFUSE),
    ("server_rewrite_by_lua_block", Ctx.HS, A.NOARGS, REFUSE_BLOCK),
    ("server_rewrite_by_lua_file", Ctx.HS, A.TAKE1, REFUSE), ("rewrite_by_lua", _HSLI, A.TAKE1, REFUSE),
    ("rewrite_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK), ("access_by_lua", _HSLI, A.TAKE1, REFUSE),
    ("access_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK),
    ("precontent_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK),
    ("precontent_by_lua_file", _HSLI, A.TAKE1, REFUSE), ("precontent_by_lua_no_postpone", H, A.FLAG, REFUSE),
    ("content_by_lua", L | IF, A.TAKE1, REFUSE), ("content_by_lua_block", L | IF, A.NOARGS, REFUSE_BLOCK),
    ("log_by_lua", _HSLI, A.TAKE1, REFUSE), ("log_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK),
    ("rewrite_by_lua_file", _HSLI, A.TAKE1, REFUSE), ("rewrite_by_lua_no_postpone", H, A.FLAG, REFUSE),
    ("access_by_lua_file", _HSLI, A.TAKE1, REFUSE), ("access_by_lua_no_postpone", H, A.FLAG, REFUSE),
    ("content_by_lua_file", L | IF, A.TAKE1, REFUSE), ("log_by_lua_file", _HSLI, A.TAKE1, REFUSE),
    ("header_filter_by_lua", _HSLI, A.TAKE1, REFUSE),
    ("header_filter_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK),
    ("header_filter_by_lua_file", _HSLI, A.TAKE1, REFUSE), ("body_filter_by_lua", _HSLI, A.TAKE1, REFUSE),
    ("body_filter_by_lua_block", _HSLI, A.NOARGS, REFUSE_BLOCK),
    ("body_filter_by_lua_file", _HSLI, A.TAKE1, REFUSE),
    ("balancer_by_lua_block", UPS, A.NOARGS, REFUSE_BLOCK), ("balancer_by_lua_file", UPS, A.TAKE1, REFUSE),
    ("balancer_keepalive", UPS, A.TAKE1, REFUSE),
    ("lua_socket_keepalive_timeout", _HSLI, A.TAKE1, msec_slot),
    ("lua_socket_connect_timeout", _HSLI, A.TAKE1, msec_slot),
    ("lua_socket_send_timeout", _HSLI, A.TAKE1, msec_slot),
    ("lua_socket_send_lowat", _HSLI, A.TAKE1, size_slot),
    ("lua_socket_buffer_size", _HSLI, A.TAKE1, size_slot),
    ("lua_socket_pool_size", _HSLI, A.TAKE1, num_slot),
    ("lua_socket_read_timeout", _HSLI, A.TAKE1, msec_slot),
    ("lua_http10_buffering", _HSLI, A.FLAG, flag_slot), ("lua_check_client_abort", _HSLI, A.FLAG, flag_slot),
    ("lua_use_default_type", _HSLI, A.FLAG, flag_slot), ("lua_ssl_protocols", Ctx.HSL, A.MORE1, None),
    ("lua_ssl_ciphers", Ctx.HSL, A.TAKE1, str_slot),
    ("ssl_client_hello_by_lua_block", Ctx.HS, A.NOARGS, REFUSE_BLOCK),
    ("ssl_client_hello_by_lua_file", Ctx.HS, A.TAKE1, REFUSE),
    ("ssl_certificate_by_lua_block", Ctx.HS, A.NOARGS, REFUSE_BLOCK),
    ("ssl_certificate_by_lua_file", Ctx.HS, A.TAKE1, REFUSE),
    ("ssl_session_store_by_lua_block", H, A.NOARGS, REFUSE_BLOCK),
    ("ssl_session_store_by_lua_file", H, A.TAKE1, REFUSE),
    ("ssl_session_fetch_by_lua_block", H, A.NOARGS, REFUSE_BLOCK),
    ("ssl_session_fetch_by_lua_file", H, A.TAKE1, REFUSE),
    ("proxy_ssl_certificate_by_lua_block", L | IF, A.NOARGS, REFUSE_BLOCK),
    ("proxy_ssl_certificate_by_lua_file", L | IF, A.TAKE1, REFUSE),
    ("proxy_ssl_verify_by_lua_block", L | IF, A.NOARGS, REFUSE_BLOCK),
    ("proxy_ssl_verify_by_lua_file", L | IF, A.TAKE1, REFUSE),
    ("lua_upstream_skip_openssl_default_verify", L | IF, A.FLAG, flag_slot),
    ("lua_ssl_verify_depth", Ctx.HSL, A.TAKE1, num_slot), ("lua_ssl_certificate", Ctx.HSL, A.TAKE1, None),
    ("lua_ssl_certificate_key", Ctx.HSL, A.TAKE1, None),
    ("lua_ssl_trusted_certificate", Ctx.HSL, A.TAKE1, str_slot), ("lua_ssl_crl", Ctx.HSL, A.TAKE1, str_slot),
    ("lua_ssl_key_log", Ctx.HSL, A.TAKE1, str_slot), ("lua_ssl_conf_command", Ctx.HSL, A.TAKE2, None),
    ("lua_malloc_trim", H, A.TAKE1, None), ("lua_worker_thread_vm_pool_size", H, A.TAKE1, num_slot),
))
_table("ngx_nchan_module (libnginx-mod-nchan)", (
    ("nchan_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_pubsub_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_publisher_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_pub_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_publisher_upstream_request", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_deflate_message_for_websocket", Ctx.SL, A.TAKE1, None),
    ("nchan_channel_id_split_delimiter", Ctx.SL | IF, A.TAKE1, str_slot),
    ("nchan_subscriber_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_sub_channel_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, None),
    ("nchan_pubsub", Ctx.SL | IF, A.NOARGS | A.TAKE1234 | A.TAKE5 | A.TAKE6, REFUSE),
    ("nchan_pubsub_location", Ctx.SL | IF, A.NOARGS | A.TAKE1234 | A.TAKE5 | A.TAKE6, REFUSE),
    ("nchan_subscriber_info", L, A.NOARGS, REFUSE), ("nchan_subscriber_info_string", Ctx.SL, A.TAKE1, None),
    ("nchan_longpoll_multipart_response", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_eventsource_event", Ctx.SL | IF, A.TAKE1, str_slot),
    ("nchan_eventsource_ping_comment", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_eventsource_ping_event", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_eventsource_ping_data", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_eventsource_ping_interval", Ctx.SL | IF, A.TAKE1, sec_slot),
    ("nchan_subscriber", Ctx.SL | IF, A.NOARGS | A.TAKE1234 | A.TAKE5, REFUSE),
    ("push_subscriber", Ctx.SL | IF, A.NOARGS | A.TAKE1234 | A.TAKE5, REFUSE),
    ("nchan_subscriber_location", Ctx.SL | IF, A.NOARGS | A.TAKE1234 | A.TAKE5, REFUSE),
    ("nchan_subscriber_compound_etag_message_id", Ctx.SL | IF, A.TAKE1, flag_slot),
    ("nchan_subscriber_message_id_custom_etag_header", Ctx.SL | IF, A.TAKE1, str_slot),
    ("nchan_subscriber_last_message_id", Ctx.SL | IF, A.TAKE1234 | A.TAKE5, None),
    ("nchan_subscriber_http_raw_stream_separator", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_subscriber_first_message", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_websocket_ping_interval", Ctx.SL | IF, A.TAKE1, sec_slot),
    ("nchan_websocket_client_heartbeat", Ctx.SL | IF, A.TAKE2, None),
    ("nchan_publisher", Ctx.SL | IF, A.NOARGS | A.TAKE1 | A.TAKE2, REFUSE),
    ("push_publisher", Ctx.SL | IF, A.NOARGS | A.TAKE1 | A.TAKE2, REFUSE),
    ("nchan_publisher_location", Ctx.SL | IF, A.NOARGS | A.TAKE1 | A.TAKE2, REFUSE),
    ("nchan_subscriber_timeout", _HSLI, A.TAKE1, sec_slot),
    ("push_subscriber_timeout", _HSLI, A.TAKE1, sec_slot),
    ("nchan_authorize_request", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_subscribe_request", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_unsubscribe_request", Ctx.SL | IF, A.TAKE1, None), ("nchan_message_temp_path", H, A.TAKE1, None),
    ("nchan_store_messages", _HSLI, A.TAKE1, None), ("push_store_messages", _HSLI, A.TAKE1, None),
    ("nchan_shared_memory_size", H, A.TAKE1, None), ("push_max_reserved_memory", H, A.TAKE1, None),
    ("nchan_max_reserved_memory", H, A.TAKE1, None),
    ("nchan_permessage_deflate_compression_level", H, A.TAKE1, None),
    ("nchan_permessage_deflate_compression_strategy", H, A.TAKE1, None),
    ("nchan_permessage_deflate_compression_window", H, A.TAKE1, None),
    ("nchan_permessage_deflate_compression_memlevel", H, A.TAKE1, None),
    ("nchan_redis_url", Ctx.HSL, A.TAKE1, None), ("nchan_redis_pass", Ctx.HSL, A.TAKE1, None),
    ("nchan_redis_pass_inheritable", Ctx.HSL, A.TAKE1, flag_slot),
    ("nchan_redis_publish_msgpacked_max_size", H, A.TAKE1, size_slot),
    ("nchan_redis_discovered_ip_range_blacklist", UPS, A.TAKE1234 | A.TAKE5 | A.TAKE6 | A.TAKE7, REFUSE),
    ("nchan_redis_server", UPS, A.TAKE1 | A.TAKE2, REFUSE),
    ("nchan_redis_storage_mode", Ctx.HSL | UPS, A.TAKE1, None),
    ("nchan_redis_nostore_fastpublish", Ctx.HS | UPS, A.TAKE1, flag_slot),
    ("nchan_redis_username", UPS, A.TAKE1, REFUSE), ("nchan_redis_password", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl", UPS, A.TAKE1, REFUSE), ("nchan_redis_tls", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_client_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_tls_client_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_client_certificate_key", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_server_name", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_tls_server_name", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_trusted_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_tls_trusted_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_trusted_certificate_path", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_tls_trusted_certificate_path", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_ciphers", UPS, A.TAKE1, REFUSE), ("nchan_redis_tls_ciphers", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_ssl_verify_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_tls_verify_certificate", UPS, A.TAKE1, REFUSE),
    ("nchan_use_redis", Ctx.HSL, A.TAKE1, None),
    ("nchan_redis_ping_interval", Ctx.HSL | UPS, A.TAKE1, sec_slot),
    ("nchan_redis_load_scripts_unconditionally", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_accurate_subscriber_count", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_wait_after_connecting", Ctx.HSL, A.TAKE1, None),
    ("nchan_redis_connect_timeout", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_node_connect_timeout", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_connect_timeout", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_max_failing_time", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_reconnect_delay", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_reconnect_delay_min", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_reconnect_delay_jitter", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_reconnect_delay_backoff", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_reconnect_delay_max", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_idle_channel_keepalive_safety_margin", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_idle_channel_keepalive_min", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_idle_channel_keepalive_jitter", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_idle_channel_keepalive_backoff", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_idle_channel_keepalive_max", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_check_interval_min", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_check_interval", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_check_interval_jitter", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_check_interval_backoff", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_check_interval_max", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_recovery_delay", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_recovery_delay_min", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_recovery_delay_jitter", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_recovery_delay_backoff", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_cluster_recovery_delay_max", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_command_timeout", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_retry_commands", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_retry_commands_max_wait", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_subscribe_weights", UPS, A.TAKE1 | A.TAKE2, REFUSE),
    ("nchan_redis_optimize_target", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_namespace", Ctx.HSL | UPS, A.TAKE1, str_slot),
    ("nchan_redis_fakesub_timer_interval", H, A.TAKE1, msec_slot),
    ("nchan_redis_idle_channel_cache_timeout", Ctx.HSL, A.TAKE1, sec_slot),
    ("nchan_redis_upstream_stats", Ctx.SL, A.TAKE1, None),
    ("nchan_redis_upstream_stats_enabled", UPS, A.TAKE1, REFUSE),
    ("nchan_redis_upstream_stats_disconnected_timeout", UPS, A.TAKE1, REFUSE),
    ("nchan_message_timeout", Ctx.HSL, A.TAKE1, None), ("push_message_timeout", Ctx.HSL, A.TAKE1, None),
    ("nchan_message_buffer_length", Ctx.HSL, A.TAKE1, None),
    ("push_max_message_buffer_length", Ctx.HSL, A.TAKE1, None),
    ("push_message_buffer_length", Ctx.HSL, A.TAKE1, None),
    ("nchan_message_max_buffer_length", Ctx.HSL, A.TAKE1, None),
    ("nchan_subscribe_existing_channels_only", Ctx.HSL, A.TAKE1, flag_slot),
    ("push_authorized_channels_only", Ctx.HSL, A.TAKE1, flag_slot),
    ("nchan_access_control_allow_origin", _HSLI, A.TAKE1, None),
    ("nchan_access_control_allow_credentials", _HSLI, A.TAKE1, flag_slot),
    ("nchan_channel_group", Ctx.SL | IF, A.TAKE1, None), ("push_channel_group", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_channel_group_accounting", Ctx.SL, A.TAKE1, flag_slot),
    ("nchan_group_location", L, A.NOARGS | A.TAKE1 | A.TAKE2 | A.TAKE3, REFUSE),
    ("nchan_group_max_channels", L, A.TAKE1, None), ("nchan_group_max_messages", L, A.TAKE1, None),
    ("nchan_group_max_messages_memory", L, A.TAKE1, None),
    ("nchan_group_max_messages_disk", L, A.TAKE1, None), ("nchan_group_max_subscribers", L, A.TAKE1, None),
    ("nchan_channel_events_channel_id", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_stub_status", L, A.NOARGS, REFUSE), ("nchan_channel_event_string", Ctx.SL | IF, A.TAKE1, None),
    ("nchan_max_channel_id_length", Ctx.HSL, A.TAKE1, num_slot),
    ("push_max_channel_id_length", Ctx.HSL, A.TAKE1, num_slot),
    ("nchan_max_channel_subscribers", Ctx.HSL, A.TAKE1, num_slot),
    ("push_max_channel_subscribers", Ctx.HSL, A.TAKE1, num_slot),
    ("nchan_channel_timeout", Ctx.HSL, A.TAKE1, sec_slot),
    ("push_channel_timeout", Ctx.HSL, A.TAKE1, sec_slot), ("nchan_storage_engine", Ctx.HSL, A.TAKE1, None),
    ("nchan_benchmark", L, A.NOARGS, REFUSE), ("nchan_benchmark_time", L, A.TAKE1, sec_slot),
    ("nchan_benchmark_messages_per_channel_per_minute", L, A.TAKE1, num_slot),
    ("nchan_benchmark_message_padding_bytes", L, A.TAKE1, num_slot),
    ("nchan_benchmark_channels", L, A.TAKE1, num_slot),
    ("nchan_benchmark_subscribers_per_channel", L, A.TAKE1, num_slot),
    ("nchan_benchmark_subscriber_distribution", L, A.TAKE1, None),
    ("nchan_benchmark_publisher_distribution", L, A.TAKE1, None),
    ("push_min_message_buffer_length", Ctx.SL | IF, A.TAKE1, None),
    ("push_subscriber_concurrency", Ctx.SL | IF, A.TAKE1, None),
))
_table("ngx_rtmp_module (libnginx-mod-rtmp): its block and http directives", (
    ("rtmp", M, A.NOARGS, REFUSE_BLOCK),
    ("rtmp_stat", Ctx.HSL, A.MORE1, REFUSE), ("rtmp_stat_stylesheet", Ctx.HSL, A.TAKE1, str_slot),
    ("rtmp_control", Ctx.HSL, A.MORE1, REFUSE),
))
