"""The configuration syntax tree: what the file says, before any meaning.

Rules:
- Nodes are frozen, slotted dataclasses built by ``ToAst`` (a lark Transformer)
  and never mutated.
- ``Directive.pos`` is where nginx reports errors about the statement: the line
  of its terminating ``;`` or ``{``.
- ``block`` is None for a simple directive and a tuple (maybe empty) for a block.
- A ``SyntaxErrorNode`` stands where the lexer stopped; nothing follows it.
- The transformer never raises: meaning and errors belong to ``validate``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Transformer, v_args

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


@v_args(inline=True)
class ToAst(Transformer):
    """Turns lark's rules into ``Directive`` and ``SyntaxErrorNode`` values."""

    def __init__(self, file: str, numbered: bool = True) -> None:
        super().__init__()
        self.file = file
        self.numbered = numbered  # False for -g text: nginx says "in command line"

    def _pos(self, token) -> Pos:
        return Pos(self.file, token.line if self.numbered else 0)

    def start(self, *items: Node) -> tuple[Node, ...]:
        return items

    def directive(self, *words):
        semi = words[-1]
        return Directive(str(words[0]), tuple(map(str, words[1:-1])), self._pos(semi))

    def block(self, *parts):
        for i, part in enumerate(parts):
            if getattr(part, "type", None) == "LBRACE":
                break
        words = parts[:i]
        body = tuple(parts[i + 1:-1])
        return Directive(str(words[0]), tuple(map(str, words[1:])), self._pos(part), body)

    def error(self, token):
        return SyntaxErrorNode(str(token), self._pos(token))
