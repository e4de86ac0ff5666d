"""The configuration syntax tree: what the file says, before any meaning.

Rules:
- Nodes are frozen, slotted dataclasses built by ``grammar.ToAst`` (a lark
  Transformer) and never mutated.
- This module never imports lark: the serving process unpickles a model that
  may hold these nodes without loading the parser (see ``isolated``).
- ``Directive.pos`` is where nginx reports errors about the statement: the line
  of its terminating ``;`` or ``{``.
- ``block`` is None for a simple directive and a tuple (maybe empty) for a block.
- A ``SyntaxErrorNode`` stands where the lexer stopped; nothing follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nginxlite.errors import Pos


@dataclass(frozen=True, slots=True)
class Directive:
    name: str
    args: tuple[str, ...]
    pos: Pos
    block: tuple[Node, ...] | None = None


@dataclass(frozen=True, slots=True)
class SyntaxErrorNode:
    message: str
    pos: Pos


Node = Directive | SyntaxErrorNode
