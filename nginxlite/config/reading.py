"""What a directive handler may ask of the loader that runs it: an interface only.

Rules:
- ``directives`` types its handlers against ``Reading``, not ``loader.Loader``:
  the loader imports the directive table, never the other way round.
- ``loader.Loader`` is the one implementation; a name added here is one the
  loader must provide (and every name here is used by some directive handler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from nginxlite.config.ast import Directive, Node
    from nginxlite.config.blocks import Block
    from nginxlite.config.maps import Map
    from nginxlite.config.model import ErrorLog, Listen
    from nginxlite.errors import Pos


class Reading(Protocol):
    prefix: str
    conf_dir: str
    events_seen: bool
    http: Block | None
    worker_connections: int | None
    pid: str | None
    error_logs: list[ErrorLog]
    regex_names: set[str]
    defined_variables: set[str]  # auth_request_set, perl_set
    maps: dict[str, Map]  # map's variables, by name
    log_buffers: dict[str, tuple]  # access_log file -> its buffer, flush and gzip

    def walk(self, nodes: tuple[Node, ...], blk: Block) -> None: ...

    def include(self, d: Directive, blk: Block) -> None: ...

    def warn(self, message: str, pos: Pos | None = None) -> None: ...

    def check_variables(self, text: str, d: Directive, log_format: bool = False) -> None: ...

    def add_listen(self, server: Block, lst: Listen, options: bool, d: Directive | None) -> None: ...

    def moved_port(self, port: int, d: Directive | None) -> int: ...

    def finish_http(self, http: Block) -> None: ...

    def path(self, value: str) -> str: ...
