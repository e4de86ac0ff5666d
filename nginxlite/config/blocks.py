"""Load-time state of one configuration block while its directives are read.

Rules:
- A ``Block`` exists only while loading; ``loader`` turns the finished tree of
  blocks into the frozen model (``model``).
- ``own`` holds the inheritable settings this level set itself, keyed by the
  ``model.Settings`` field name; "is duplicate" checks look only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntFlag, auto
from typing import Any

from nginxlite.config.ast import Directive
from nginxlite.config.model import Listen, Return, ServerName
from nginxlite.errors import Pos


class Ctx(IntFlag):
    """Configuration contexts (nginx's NGX_*_CONF command types)."""

    MAIN = auto()
    EVENTS = auto()
    HTTP = auto()
    SERVER = auto()
    LOCATION = auto()
    LIMIT_EXCEPT = auto()
    TYPES = auto()
    IF = auto()  # "if" blocks (refused by nginxlite; kept for context checks)
    MAP = auto()  # map {}: its lines are keys and values, never directives
    # Blocks nginxlite refuses, so never entered: their directives elsewhere are "not allowed here".
    UPSTREAM = auto()
    STREAM = auto()  # stream {} and its server, upstream
    MAIL = auto()  # mail {} and its server

    ANY = MAIN | EVENTS | HTTP | SERVER | LOCATION | LIMIT_EXCEPT | TYPES | IF | UPSTREAM | STREAM | MAIL
    HSL = HTTP | SERVER | LOCATION
    HS = HTTP | SERVER
    SL = SERVER | LOCATION


CTX_NAMES = {
    Ctx.MAIN: "main", Ctx.EVENTS: "events", Ctx.HTTP: "http", Ctx.SERVER: "server",
    Ctx.LOCATION: "location", Ctx.LIMIT_EXCEPT: "limit_except", Ctx.TYPES: "types", Ctx.IF: "if",
    Ctx.MAP: "map",
    Ctx.UPSTREAM: "upstream", Ctx.STREAM: "stream", Ctx.MAIL: "mail",
}


@dataclass(eq=False)
class Block:
    ctx: Ctx
    parent: Block | None = None
    directive: Directive | None = None
    own: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, Pos] = field(default_factory=dict)  # where each directive of this level was (first)
    # server and location levels
    locations: list[Block] = field(default_factory=list)
    return_: Return | None = None
    # server level
    listens: list[Listen] = field(default_factory=list)
    names: list[ServerName] = field(default_factory=list)
    # location level
    modifier: str = ""
    name: str = ""
    regex: re.Pattern | None = None
    try_files: tuple[str, ...] | None = None
    limit_except: Block | None = None
    limit_methods: frozenset[str] = frozenset()
    cgi_pass: str | None = None
    stub_status: bool = False
    # http level
    servers: list[Block] = field(default_factory=list)
    log_formats: dict[str, Any] = field(default_factory=dict)

    def up(self, ctx: Ctx) -> Block | None:
        """The nearest enclosing block (self included) of context ``ctx``."""
        blk: Block | None = self
        while blk is not None and not blk.ctx & ctx:
            blk = blk.parent
        return blk
