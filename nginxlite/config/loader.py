"""Reads a configuration file into the resolved model, with nginx's checks and words.

Rules:
- Statements are checked in the order nginx reads them; the first error stops
  loading (``ConfigError``), as ``nginx -t``.  For each directive the checks run
  in ``ngx_conf_handler``'s order: known name, context, terminator, argument
  count, then the directive's own handler (``directives``).
- Checks nginx makes only after the whole ``http`` block (duplicate locations,
  server-name hashes, unknown variables) run in ``finish_http``; they carry no
  position unless nginx prints one.
- A file whose top level holds ``server`` blocks but no ``events``/``http`` is a
  site file (as in ``sites-enabled/``): its statements are read inside an
  implicit ``http`` block and no ``events`` section is required.  Any other file
  is a full nginx.conf (so an empty file lacks ``events``, as for nginx).
- ``include`` paths are relative to the main configuration file's folder; globs
  expand in sorted order and may match nothing.
- Relative paths in the model (root, alias, logs, pid, stores) are made
  absolute against the prefix, once, in ``build``.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from dataclasses import dataclass, field
from types import MappingProxyType

from nginxlite.config.ast import Directive, Node, SyntaxErrorNode
from nginxlite.config.blocks import Block, Ctx
from nginxlite.config.directives import DIRECTIVES, Spec, fail, map_entry, types_entry
from nginxlite.config.grammar import parse_bytes, parse_text
from nginxlite.config.lint import lint
from nginxlite.config.locations import build_tree
from nginxlite.config.maps import Map
from nginxlite.config.vhosts import VirtualHosts
from nginxlite.config.model import (
    Address, Config, ErrorLog, Listen, Location, LimitExcept, NameKind, Server,
    ServerName, Settings, SETTING_NAMES, Tls,
)
from nginxlite.errors import ConfigError, ConfigWarning, Pos
from nginxlite.config.tls import context as tls_context
from nginxlite.config.tls import serves as tls_serves
from nginxlite.handlers.variables import known, scan

MAX_INCLUDE_DEPTH = 64
COMMAND_LINE = "command line"

@dataclass(eq=False)
class _AddressState:
    first: Listen
    servers: list[Block] = field(default_factory=list)
    default: Block | None = None
    options: bool = False


class Loader:
    """One load of one configuration; use ``load_config``."""

    def __init__(self, file: str, prefix: str, port: int | None = None) -> None:
        self.file = file
        self.port = port  # --port: the first listen's new port; the others move with it
        self.port_shift: int | None = None
        self.conf_dir = os.path.dirname(file)
        self.prefix = prefix
        self.warnings: list[ConfigWarning] = []
        self.files: list[tuple[str, bytes]] = []
        self.events_seen = False
        self.http: Block | None = None
        self.worker_connections: int | None = None
        self.pid: str | None = None
        self.error_logs: list[ErrorLog] = []
        self.addresses: dict[tuple[str, int], _AddressState] = {}
        self.variables: list[str] = []
        self.regex_names: set[str] = set()
        self.defined_variables: set[str] = set()  # auth_request_set, perl_set
        self.maps: dict[str, Map] = {}  # map's variables, by name (the last map of a name wins)
        self.log_buffers: dict[str, tuple] = {}  # access_log file -> its buffer, flush and gzip
        self.depth = 0

    # -- reading ------------------------------------------------------------

    def load(self, extra: str | None = None) -> Config:
        main = Block(Ctx.MAIN)
        if extra:
            self.walk(parse_text(extra, COMMAND_LINE, numbered=False), main)
        nodes = parse_bytes(self.read(self.file, None), self.file)
        top = {n.name for n in nodes if isinstance(n, Directive)}
        site = "server" in top and not top & {"http", "events"}
        if site:
            self.http = Block(Ctx.HTTP, main)
            self.walk(nodes, self.http)
            self.finish_http(self.http)
        else:
            self.walk(nodes, main)
            if not self.events_seen:  # ngx_event_init_conf, after "syntax is ok"
                err = ConfigError('no "events" section in configuration')
                err.after_syntax_ok = True
                raise err
        return self.build()

    def read(self, path: str, d: Directive | None) -> bytes:
        try:
            with open(path.encode("latin-1"), "rb") as f:
                data = f.read()
        except OSError as err:
            raise ConfigError(f'open() "{path}" failed ({err.errno}: {os.strerror(err.errno)})',
                              d.pos if d else None) from None
        self.files.append((path, data))
        return data

    def walk(self, nodes: tuple[Node, ...], blk: Block) -> None:
        for node in nodes:
            if type(node) is SyntaxErrorNode:
                raise ConfigError(node.message, node.pos)
            if blk.ctx is Ctx.MAP:
                map_entry(self, node, blk)
                continue
            if blk.ctx is Ctx.TYPES and node.name != "include":
                if node.block is not None:
                    raise ConfigError('unexpected "{"', node.pos)
                types_entry(self, node, blk)
                continue
            self.dispatch(node, blk)

    def dispatch(self, d: Directive, blk: Block) -> None:
        spec: Spec | None = DIRECTIVES.get(d.name)
        if spec is None:
            raise fail(f'unknown directive "{d.name}"', d)
        if not spec.contexts & blk.ctx:
            raise fail(f'"{d.name}" directive is not allowed here', d)
        if spec.block and d.block is None:
            raise fail(f'directive "{d.name}" has no opening "{{"', d)
        if not spec.block and d.block is not None:
            raise fail(f'directive "{d.name}" is not terminated by ";"', d)
        if not spec.arity.accepts(len(d.args)):
            raise fail(f'invalid number of arguments in "{d.name}" directive', d)
        blk.positions.setdefault(d.name, d.pos)  # for the lint's messages
        spec.handler(self, d, blk)

    def include(self, d: Directive, blk: Block) -> None:
        pattern = d.args[0]
        path = pattern if os.path.isabs(pattern) else os.path.join(self.conf_dir, pattern)
        if any(c in pattern for c in "*?["):
            names = sorted(p.decode("latin-1") for p in glob.glob(path.encode("latin-1")))
        else:
            names = [path]
        if self.depth >= MAX_INCLUDE_DEPTH:
            raise fail(f'include nesting deeper than {MAX_INCLUDE_DEPTH} levels (an include loop?)', d)
        self.depth += 1
        try:
            for name in names:
                self.walk(parse_bytes(self.read(name, d), name), blk)
        finally:
            self.depth -= 1

    def warn(self, message: str, pos: Pos | None = None) -> None:
        self.warnings.append(ConfigWarning(message, pos))

    def check_variables(self, text: str, d: Directive, log_format: bool = False) -> None:
        """nginx's script compiler (``variables.scan``); names are checked in ``finish_http``.
        ``log_format``: the log module's compiler, which words a bad name ``invalid parameter``."""
        if "$" not in text:
            return
        try:
            parts = scan(text, captures=not log_format)
        except ValueError as err:
            message, at = err.args
            if log_format and message == "invalid variable name":
                message = f'invalid parameter "{text[at:]}"'
            raise fail(message, d) from None
        self.variables.extend(part[0] for part in parts if isinstance(part, tuple))

    def add_listen(self, server: Block, lst: Listen, options: bool, d: Directive | None) -> None:
        state = self.addresses.get(lst.key)
        if state is None:
            state = self.addresses[lst.key] = _AddressState(lst)
        elif server in state.servers:
            raise ConfigError(f"a duplicate listen {lst.text}", d.pos if d else None)
        state.servers.append(server)
        if options:
            if state.options:
                raise ConfigError(f"duplicate listen options for {lst.text}", d.pos if d else None)
            state.options = True
        if lst.default_server:
            if state.default is not None:
                raise ConfigError(f"a duplicate default server for {lst.text}", d.pos if d else None)
            state.default = server

    def moved_port(self, port: int, d: Directive | None) -> int:
        """``--port N``: the first port read becomes N, every other one moves by as much."""
        if self.port is None:
            return port
        if self.port_shift is None:
            self.port_shift = self.port - port
        moved = port + self.port_shift
        if not 0 < moved < 65536:
            raise ConfigError(f"--port {self.port} moves port {port} to {moved}, "
                              f"outside 1-65535", d.pos if d else None)
        return moved

    # -- checks after the http block ------------------------------------------

    def finish_http(self, http: Block) -> None:
        for server in http.servers:  # ngx_http_core_merge_srv_conf
            if not server.listens:
                port = self.moved_port(80 if os.geteuid() == 0 else 8000, None)
                lst = Listen("0.0.0.0", port, False, server.directive.pos if server.directive else None)
                self.add_listen(server, lst, False, None)
                server.listens.append(lst)
            if not server.names:
                server.names.append(ServerName("", NameKind.EXACT))
            for name in server.names:
                if name.regex is not None:
                    self.regex_names.update(name.regex.groupindex)
        for server in http.servers:
            _check_duplicate_locations(server)
        for key, state in self.addresses.items():
            if len(state.servers) > 1 or _captures(state.default or state.servers[0]):
                self._check_server_names(state)
        for name in self.variables:
            if (not known(name) and name not in self.regex_names and name not in self.defined_variables
                    and name not in self.maps):
                raise ConfigError(f'unknown "{name}" variable')

    def _check_server_names(self, state: _AddressState) -> None:
        """``ngx_http_server_names``: wildcard syntax and conflicting names on one address."""
        exact: set[str] = set()
        head: set[str] = set()
        tail: set[str] = set()
        where = state.first.text
        for server in state.servers:
            for sn in server.names:
                if sn.kind is NameKind.REGEX:
                    continue
                name = sn.text
                stars = name.count("*")
                if stars > 1 or ".." in name or "\0" in name:
                    raise ConfigError(f'invalid server name or wildcard "{name}" on {where}')
                busy = False
                if len(name) > 1 and name[0] == ".":
                    key = name[1:]
                    busy = key in exact or key in head
                    if not busy:
                        exact.add(key)
                        head.add(key)
                elif len(name) > 2 and name.startswith("*."):
                    key = name[2:]
                    busy = key in head
                    head.add(key)
                elif len(name) > 2 and name.endswith(".*"):
                    key = name[:-2]
                    busy = key in tail
                    tail.add(key)
                elif stars:
                    raise ConfigError(f'invalid server name or wildcard "{name}" on {where}')
                else:
                    busy = name in exact
                    exact.add(name)
                if busy:
                    self.warn(f'conflicting server name "{name}" on {where}, ignored')

    # -- building the model ---------------------------------------------------

    def path(self, value: str) -> str:
        if os.path.isabs(value) or "$" in value:
            return value
        full = os.path.normpath(os.path.join(self.prefix, value))
        return full + "/" if value.endswith("/") and not full.endswith("/") else full  # alias u/: the slash counts

    def log_path(self, value: str) -> str:
        """An access log's path; one with variables is made absolute too (ngx_conf_full_name)."""
        if "$" in value and not os.path.isabs(value):
            return os.path.join(self.prefix, value)
        return self.path(value)

    def error_log(self, log: ErrorLog) -> ErrorLog:
        """``error_log stderr`` is the standard error stream, never a file of that name."""
        return log if log.path == "stderr" else ErrorLog(self.path(log.path), log.level)

    def settings(self, parent: Settings, own: dict) -> Settings:
        changes = {k: v for k, v in own.items() if k in SETTING_NAMES}
        if not changes:
            return parent
        if "types" in changes:
            changes["types"] = MappingProxyType(dict(changes["types"]))
        if "root" in changes:
            changes["root"] = self.path(changes["root"])
        if "access_log" in changes:
            changes["access_log"] = tuple(dataclasses.replace(log, path=self.log_path(log.path))
                                          for log in changes["access_log"])
        if "error_log" in changes:
            changes["error_log"] = tuple(self.error_log(e) for e in changes["error_log"])
        for key in ("upload_store", "session_store"):
            if key in changes:
                changes[key] = self.path(changes[key])
        settings = dataclasses.replace(parent, **changes)
        if "charset" in changes or "source_charset" in changes:
            _check_charsets(settings)
        return settings

    def location(self, blk: Block, parent: Settings) -> Location:
        settings = self.settings(parent, blk.own)
        limit = None
        if blk.limit_except is not None:
            limit = LimitExcept(blk.limit_except.limit_methods, self.settings(settings, blk.limit_except.own))
        return Location(
            modifier=blk.modifier, name=blk.name, settings=settings,
            locations=tuple(self.location(child, settings) for child in blk.locations),
            regex=blk.regex, return_=blk.return_, try_files=blk.try_files, limit_except=limit,
            cgi_pass=blk.cgi_pass, stub_status=blk.stub_status,
            pos=blk.directive.pos if blk.directive else None,
        )

    def build(self) -> Config:
        http = self.http
        servers: dict[int, Server] = {}
        maps = MappingProxyType(self.maps)
        if http is not None:
            http_settings = self.settings(Settings(session_store=self.path("sessions")), http.own)
            for blk in http.servers:
                own = blk.own
                settings = self.settings(http_settings, own)

                def pick(key, default, own=own):
                    return own.get(key, http.own.get(key, default))

                locations = tuple(self.location(loc, settings) for loc in blk.locations)
                servers[id(blk)] = Server(
                    names=tuple(blk.names), listens=tuple(blk.listens), settings=settings,
                    locations=locations, tree=build_tree(locations),
                    return_=blk.return_, try_files=blk.try_files, merge_slashes=pick("merge_slashes", True),
                    client_header_timeout=pick("client_header_timeout", 60.0),
                    large_client_header_buffers=pick("large_client_header_buffers", (4, 8 << 10)),
                    tls=self.tls(own, http.own), maps=maps,
                    pos=blk.directive.pos if blk.directive else None,
                )
        if http is not None:  # the location trees are built: the lint's warnings follow nginx's
            self.warnings += lint(http, self.path)
        addresses = []
        for (host, port), state in self.addresses.items():
            members = tuple(servers[id(b)] for b in state.servers)
            default = servers[id(state.default)] if state.default is not None else members[0]
            tls = any(lst.ssl for b in state.servers for lst in b.listens if lst.key == (host, port))
            addresses.append(Address(host, port, state.first.family, members, default, tls))
        self.check_tls(addresses)
        return Config(
            vhosts={(a.host, a.port): VirtualHosts.build(a) for a in addresses},
            file=self.file, prefix=self.prefix, servers=tuple(servers.values()),
            addresses=tuple(addresses),
            worker_connections=self.worker_connections if self.worker_connections is not None else 1024,
            pid=self.path(self.pid or "logs/nginxlite.pid"),
            error_log=tuple(self.error_log(e) for e in self.error_logs)
            or (ErrorLog(self.path("logs/error.log")),),
            files=tuple(self.files), warnings=tuple(self.warnings),
        )

    @staticmethod
    def tls(own: dict, http_own: dict) -> Tls:
        """A server's ``ssl_*`` values, inherited from http (certificates as a pair of lists)."""

        def pick(key, default):
            return own.get(key, http_own.get(key, default))

        certs = pick("ssl_certificate", ())
        keys = pick("ssl_certificate_key", ())
        for i, cert in enumerate(certs):
            if i >= len(keys):  # nginx: ngx_http_ssl_merge_srv_conf
                raise ConfigError(f'no "ssl_certificate_key" is defined for certificate "{cert}"')
        protocols = pick("ssl_protocols", None)
        base = Tls()
        return Tls(
            certificates=tuple(certs), keys=tuple(keys),
            protocols=tuple(sorted(protocols)) if protocols is not None else base.protocols,
            ciphers=pick("ssl_ciphers", base.ciphers),
            prefer_server_ciphers=pick("ssl_prefer_server_ciphers", False),
            session_tickets=pick("ssl_session_tickets", True),
            session_cache=pick("ssl_session_cache", base.session_cache),
            session_timeout=pick("ssl_session_timeout", base.session_timeout),
            ecdh_curve=pick("ssl_ecdh_curve", base.ecdh_curve),
            dhparam=pick("ssl_dhparam", base.dhparam),
            passwords=pick("ssl_password_file", base.passwords),
            reject_handshake=pick("ssl_reject_handshake", False),
            buffer_size=pick("ssl_buffer_size", base.buffer_size),
        )

    def check_tls(self, addresses: list[Address]) -> None:
        """``-t`` for TLS: each address's default server has a certificate, or rejects
        handshakes and then every server of the address has one or rejects too (nginx's
        ngx_http_ssl_init); every TLS server's files load into a context."""
        checked: set[int] = set()
        for address in addresses:
            if not address.ssl:
                continue
            default = address.default
            if not default.tls.certificates:
                for server in (default, *address.servers):
                    if not server.tls.certificates and not server.tls.reject_handshake:
                        raise ConfigError('no "ssl_certificate" is defined for the "listen ... ssl" directive',
                                          server.pos)
            for server in address.servers:
                if id(server) not in checked and tls_serves(server.tls):
                    checked.add(id(server))
                    tls_context(server.tls)


def _check_charsets(settings: Settings) -> None:
    """nginx refuses a ``source_charset`` different from ``charset`` without a ``charset_map``
    between them; nginxlite ignores ``charset_map`` (it never recodes), so it refuses every
    such pair with nginx's message.  A pair with variables is checked per request."""
    dst, src = settings.charset, settings.source_charset
    if dst is None or src is None or "$" in dst or "$" in src or dst.lower() == src.lower():
        return
    raise ConfigError(f'no "charset_map" between the charsets "{src}" and "{dst}" '
                      f'(nginxlite does not recode: source_charset must name the charset itself)')


def _captures(server: Block) -> bool:
    """nginx's ``cscf->captures``: whether the server's last regex name has captures (each regex
    name sets it anew); such a server's names are checked even when it is alone on its address."""
    regexes = [n.regex for n in server.names if n.regex is not None]
    return bool(regexes) and regexes[-1].groups > 0


def _check_duplicate_locations(parent: Block) -> None:
    """``ngx_http_init_static_location_trees``: nested levels first, in sorted order."""
    plain = [loc for loc in parent.locations if loc.modifier in ("", "=", "^~")]
    ordered = sorted(plain, key=lambda loc: (loc.name, loc.modifier != "="))
    for loc in ordered:
        _check_duplicate_locations(loc)
    for first, second in zip(ordered, ordered[1:]):
        if first.name == second.name and (first.modifier == "=") == (second.modifier == "="):
            raise ConfigError(f'duplicate location "{second.name}"', second.directive.pos)


def load_config(file: str, prefix: str | None = None, extra: str | None = None,
                port: int | None = None) -> Config:
    """Load, validate and resolve a configuration file.

    Args:
        file: the configuration file, as the user named it (used in messages).
            File names are OS strings; inside the model every path and value is
            latin-1 text (one character per byte of the file system or config).
        prefix: the folder relative paths are resolved against (default: cwd).
        extra: main-context directives given with ``-g``.
        port: ``--port``: the first ``listen`` port read becomes this one and every
            other listen port moves by the same amount (8080, 8081 -> 9090, 9091).

    Raises:
        ConfigError: the first problem, worded as nginx would.
    """
    # Paths inside nginxlite are latin-1 text (one character per byte), like config values.
    file = os.fsencode(file).decode("latin-1")
    prefix = os.fsencode(os.path.abspath(prefix or os.getcwd())).decode("latin-1")
    loader = Loader(file, prefix, port)
    try:
        return loader.load(extra)
    except ConfigError as err:
        err.warnings = tuple(loader.warnings)
        err.files = tuple(loader.files)
        raise
