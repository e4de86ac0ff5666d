"""The resolved configuration the server runs on: typed, merged, frozen.

Rules:
- Built once at load by ``nginxlite.config.loader``; never mutated afterwards.
- ``Settings`` holds every inheritable location-level value.  Each level
  (http -> server -> location -> nested location -> limit_except) is its
  parent's ``Settings`` with the values the level set itself replaced (nginx's
  ``merge_loc_conf``: own value, else parent's, else default).  List-valued
  directives (``error_page``, ``add_header``, ``allow``/``deny``, ``index``,
  ``access_log``, ``cgi_param``) are inherited all-or-nothing: a level that sets
  any of them does not see its parent's.
- ``Settings.derived`` is the one mutable part: a cache the handlers fill from the
  frozen values (never read by the loader).
- Values that nginx does not inherit (``return``, ``try_files``,
  ``limit_except``, ``cgi_pass``, ``stub_status``) live on ``Location`` itself.
"""

from __future__ import annotations

import copyreg
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Mapping

from nginxlite.errors import ConfigWarning, Pos


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# The model crosses a process boundary by pickle (``isolated``); read-only mappings go as
# their items.
copyreg.pickle(MappingProxyType, lambda proxy: (_mapping_proxy, (dict(proxy),)))

# nginx's built-in types when no "types" block is configured (ngx_http_core_default_types).
DEFAULT_TYPES: Mapping[str, str] = MappingProxyType(
    {"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}
)

REDIRECT_CODES = (301, 302, 303, 307, 308)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
                "OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH")


@dataclass(frozen=True, slots=True)
class Listen:
    """One ``listen``: the address:port a server answers on."""

    host: str  # numeric address: "0.0.0.0", "127.0.0.1", "::1"
    port: int
    default_server: bool
    pos: Pos
    family: int = socket.AF_INET
    ssl: bool = False  # "listen ... ssl": the address speaks TLS (for all its servers, as nginx)

    @property
    def key(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def text(self) -> str:
        """The address as nginx prints it (``0.0.0.0:80``, ``[::1]:8080``)."""
        if self.family == socket.AF_INET6:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Tls:
    """A server's ``ssl_*`` values (paths, not contexts: ``config.tls`` builds those)."""

    certificates: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ("tlsv1.2", "tlsv1.3")  # lower-cased, as ssl_protocols records them
    ciphers: str = "HIGH:!aNULL:!MD5"
    prefer_server_ciphers: bool = False
    session_tickets: bool = True
    session_cache: tuple[str, ...] = ("none",)
    session_timeout: float = 300.0
    ecdh_curve: str = "auto"  # "auto", a curve, or a list (config.tls decides what Python can set)
    dhparam: str = ""  # a DH parameters file ("": none, as nginx)
    passwords: tuple[bytes, ...] | None = None  # ssl_password_file's passphrases, read at load
    reject_handshake: bool = False  # no certificate needed: the handshake is refused
    buffer_size: int = 16384  # ssl_buffer_size: a written record's largest plaintext


class NameKind(Enum):
    EXACT = "exact"
    WILDCARD_HEAD = "leading wildcard"  # *.example.com (and .example.com)
    WILDCARD_TAIL = "trailing wildcard"  # www.example.*
    REGEX = "regex"


@dataclass(frozen=True, slots=True)
class ServerName:
    text: str  # as configured (lower-cased unless a regex)
    kind: NameKind
    regex: re.Pattern | None = None


@dataclass(frozen=True, slots=True)
class ErrorPage:
    codes: tuple[int, ...]
    overwrite: int | None  # None: keep the status; 0: "=" (the target's status); else "=code"
    target: str


@dataclass(frozen=True, slots=True)
class Return:
    code: int
    text: str | None  # URL for 301/302/303/307/308, body text otherwise


@dataclass(frozen=True, slots=True)
class AccessRule:
    allow: bool
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None  # None = all


@dataclass(frozen=True, slots=True)
class AddHeader:
    name: str
    value: str
    always: bool


@dataclass(frozen=True, slots=True)
class LogFormat:
    name: str
    escape: str  # default | json | none
    template: str


COMBINED = LogFormat(
    "combined", "default",
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"',
)


@dataclass(frozen=True, slots=True)
class AccessLog:
    path: str
    format: LogFormat
    buffer: int = 0
    flush: float = 0.0
    gzip: int = 0  # the gzip level asked for (accepted; lines are written uncompressed)
    condition: str | None = None  # if=: not logged when this expands to "" or "0"


@dataclass(frozen=True, slots=True)
class ErrorLog:
    path: str
    level: str = "error"


@dataclass(frozen=True, slots=True)
class CgiParam:
    name: str
    value: str
    if_not_empty: bool = False


@dataclass(frozen=True, slots=True)
class Expires:
    """One ``expires``: ``mode`` is access, modified, epoch, max or daily (``@TIME``);
    ``seconds`` the time (negative: in the past; daily: the time of day).  ``text``: a
    value with variables, parsed per request (``mode`` then says only whether
    ``modified`` was given)."""

    mode: str
    seconds: int = 0
    text: str | None = None


# ``charset_types``' default (ngx_http_charset_default_types); text/html is always one.  MIME
# type lists are sorted tuples: the model's repr is the same in every process (test_isolated).
CHARSET_TYPES = ("application/javascript", "application/rss+xml", "text/html", "text/plain", "text/vnd.wap.wml",
                 "text/xml")
HTML_TYPES = ("text/html",)  # ``gzip_types``' default, and always one of them


@dataclass(frozen=True, slots=True)
class Settings:
    """Inheritable location-level settings (see the module rules)."""

    root: str = "html"
    alias: bool = False
    alias_strip: int = 0  # characters of the URI the alias replaces (location name length)
    index: tuple[str, ...] = ("index.html",)
    autoindex: bool = False
    autoindex_format: str = "html"
    autoindex_exact_size: bool = True
    autoindex_localtime: bool = False
    error_page: tuple[ErrorPage, ...] = ()
    recursive_error_pages: bool = False
    if_modified_since: str = "exact"  # off | exact | before
    client_max_body_size: int = 1 << 20
    client_body_buffer_size: int = 16 << 10
    client_body_timeout: float = 60.0
    send_timeout: float = 60.0
    keepalive_timeout: float = 75.0
    keepalive_header: float | None = None
    keepalive_requests: int = 1000
    types: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TYPES)
    default_type: str = "text/plain"
    dav_methods: frozenset[str] = frozenset()
    create_full_put_path: bool = False
    min_delete_depth: int = 0
    dav_access: int = 0o600  # file mode; folders also get x where r is given (ngx_dir_access)
    absolute_redirect: bool = True
    port_in_redirect: bool = True
    server_name_in_redirect: bool = False
    server_tokens: str = "on"
    add_header: tuple[AddHeader, ...] = ()
    etag: bool = True
    max_ranges: int | None = None  # None: unlimited
    log_not_found: bool = True
    access: tuple[AccessRule, ...] = ()
    access_log: tuple[AccessLog, ...] | None = None  # None: the default log; () : off
    error_log: tuple[ErrorLog, ...] = ()
    allow_methods: frozenset[str] | None = None
    cgi_param: tuple[CgiParam, ...] = ()
    cgi_timeout: float = 60.0
    cgi_split_path_info: re.Pattern | None = None
    cgi_index: str | None = None
    cgi_pass_authorization: bool = False
    upload_store: str | None = None
    session: bool = False
    session_name: str = "NLSESSID"
    session_timeout: float = 1800.0
    session_max_age: float = 8 * 3600.0
    session_store: str = "sessions"
    expires: Expires | None = None  # None: off
    charset: str | None = None  # None: off; may hold variables
    source_charset: str | None = None
    override_charset: bool = False
    charset_types: tuple[str, ...] | None = CHARSET_TYPES  # None: "*", any type
    gzip: bool = False
    gzip_types: tuple[str, ...] | None = HTML_TYPES  # None: "*"
    gzip_min_length: int = 20
    gzip_comp_level: int = 1
    gzip_http_version: int = 1  # the lowest HTTP/1.minor compressed for
    gzip_proxied: tuple[str, ...] = ("off",)  # sorted
    gzip_vary: bool = False
    gzip_disable: tuple = ()  # "msie6" and compiled caseless regexes on User-Agent
    gzip_static: str = "off"  # off | on | always
    # What the handlers derive from these values, computed at their first use and kept
    # with them (the header filters that can act here, ``filters.header_filters``; the content
    # handlers a location or server may use, ``content.handlers_here``).  Never
    # a directive's value, never copied to a child level.
    derived: dict = field(default_factory=dict, init=False, compare=False, repr=False)


SETTING_NAMES = frozenset(name for name, f in Settings.__dataclass_fields__.items() if f.init)


@dataclass(frozen=True, slots=True)
class LimitExcept:
    methods: frozenset[str]  # the methods the block does NOT apply to
    settings: Settings


@dataclass(frozen=True, slots=True, eq=False)
class Location:
    modifier: str  # "" prefix, "=", "^~", "~", "~*", "@" named
    name: str  # the prefix, exact URI, regex source or @name
    settings: Settings
    locations: tuple[Location, ...] = ()
    regex: re.Pattern | None = None
    return_: Return | None = None
    try_files: tuple[str, ...] | None = None
    limit_except: LimitExcept | None = None
    cgi_pass: str | None = None
    stub_status: bool = False
    pos: Pos | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Server:
    names: tuple[ServerName, ...]
    listens: tuple[Listen, ...]
    settings: Settings
    locations: tuple[Location, ...] = ()
    return_: Return | None = None
    try_files: tuple[str, ...] | None = None  # used when no location matches
    merge_slashes: bool = True
    client_header_timeout: float = 60.0
    large_client_header_buffers: tuple[int, int] = (4, 8 << 10)
    tls: Tls = Tls()
    maps: Mapping[str, object] = field(default_factory=dict)  # maps.Map by variable name (the http block's)
    pos: Pos | None = None
    tree: object = field(default=None, repr=False)  # locations.Tree, built once at load


@dataclass(frozen=True, slots=True)
class Address:
    """The servers that share one listening address:port, default first."""

    host: str
    port: int
    family: int
    servers: tuple[Server, ...]
    default: Server
    ssl: bool = False  # some "listen" of this address says "ssl"


@dataclass(frozen=True, slots=True)
class Config:
    file: str
    prefix: str
    servers: tuple[Server, ...]
    addresses: tuple[Address, ...]
    worker_connections: int = 1024
    pid: str = "logs/nginxlite.pid"
    error_log: tuple[ErrorLog, ...] = (ErrorLog("logs/error.log"),)
    files: tuple[tuple[str, bytes], ...] = ()  # every file read, in order (for -T)
    warnings: tuple[ConfigWarning, ...] = field(default=())
    vhosts: Mapping[tuple[str, int], object] = field(default_factory=dict, repr=False)  # vhosts.VirtualHosts
