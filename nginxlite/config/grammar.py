"""Loads the lark grammar once and parses configuration files into the AST.

Rules:
- ``GRAMMAR_FILE`` is resolved here and nowhere else: the installed package
  ``nginxlite.grammar`` (a wheel), else the repository's top-level ``grammar/``
  (a source checkout).
- This is the only module that imports lark (the transformer too): the
  serving process never loads it (see ``isolated``).
- The transformer never raises: meaning and errors belong to ``loader``.
- Files are bytes; they are decoded as latin-1 so every byte is one character.
- ``parse_text`` never raises on bad input: a syntax error becomes a
  ``SyntaxErrorNode`` at the point nginx would stop (see ``lexer``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark, Transformer, v_args
from lark import Token as LarkToken
from lark.lexer import Lexer

from nginxlite.config.ast import Directive, Node, SyntaxErrorNode
from nginxlite.config.lexer import tokens
from nginxlite.errors import Pos


def _grammar_file() -> Path:
    try:
        candidate = Path(str(resources.files("nginxlite.grammar").joinpath("nginx.lark")))
        if candidate.is_file():
            return candidate
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "grammar" / "nginx.lark"


GRAMMAR_FILE = _grammar_file()


class _NginxLexer(Lexer):
    """Adapter that feeds lark the tokens of ``nginxlite.config.lexer``."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, text, parser_state=None):
        for kind, value, line in tokens(text):
            yield LarkToken(kind, value, line=line)


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


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR_FILE.read_text(encoding="utf-8"), parser="lalr", lexer=_NginxLexer)


def parse_text(text: str, file: str, numbered: bool = True) -> tuple[Node, ...]:
    """Parse one file's text (latin-1 decoded bytes) into AST nodes.

    Args:
        text: the file's content.
        file: the file name used in positions (as the user will see it).
        numbered: False for text that has no lines (``-g`` directives).
    """
    tree = _parser().parse(text)
    return ToAst(file, numbered).transform(tree)


def parse_bytes(data: bytes, file: str) -> tuple[Node, ...]:
    return parse_text(data.decode("latin-1"), file)
