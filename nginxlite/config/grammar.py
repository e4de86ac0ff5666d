"""Loads the lark grammar once and parses configuration files into the AST.

Rules:
- ``GRAMMAR_FILE`` is resolved here and nowhere else: the installed package
  ``nginxlite.grammar`` (a wheel), else the repository's top-level ``grammar/``
  (a source checkout).
- Files are bytes; they are decoded as latin-1 so every byte is one character.
- ``parse_text`` never raises on bad input: a syntax error becomes a
  ``SyntaxErrorNode`` at the point nginx would stop (see ``lexer``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark
from lark import Token as LarkToken
from lark.lexer import Lexer

from nginxlite.config.ast import Node, ToAst
from nginxlite.config.lexer import tokens


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
