"""nginx's lexer rules (reference/nginx-config-syntax.md §1), token by token."""

from __future__ import annotations

import pytest

from nginxlite.config.lexer import ERROR, LBRACE, RBRACE, SEMI, WORD, raw_tokens, tokens, unescape


def words(text: str) -> list:
    return [(t.kind, t.value) for t in raw_tokens(text)]


@pytest.mark.parametrize("text, expected", [
    ("a b;", [(WORD, "a"), (WORD, "b"), (SEMI, ";")]),
    ("a\tb\r\nc;", [(WORD, "a"), (WORD, "b"), (WORD, "c"), (SEMI, ";")]),
    ("a\x0cb;", [(WORD, "a\x0cb"), (SEMI, ";")]),  # form feed is a word character
    ("a\xa0b;", [(WORD, "a\xa0b"), (SEMI, ";")]),  # so is NBSP
    ("return 200 ok};", [(WORD, "return"), (WORD, "200"), (WORD, "ok}"), (SEMI, ";")]),
    ("a#b;", [(WORD, "a#b"), (SEMI, ";")]),
    ('it"s;', [(WORD, 'it"s'), (SEMI, ";")]),
    ("a # comment ; {\n b;", [(WORD, "a"), (WORD, "b"), (SEMI, ";")]),
    ('"a b;{}#" c;', [(WORD, "a b;{}#"), (WORD, "c"), (SEMI, ";")]),
    ("'it\"s';", [(WORD, 'it"s'), (SEMI, ";")]),
    ('"";', [(WORD, ""), (SEMI, ";")]),
    ("${uri}x;", [(WORD, "${uri}x"), (SEMI, ";")]),
    ("a${b}c{", [(WORD, "a${b}c"), (LBRACE, "{")]),
    ("a$ {", [(WORD, "a$"), (LBRACE, "{")]),
    ("x {}", [(WORD, "x"), (LBRACE, "{"), (RBRACE, "}")]),
    ("location /foo{}location /bar{}", [(WORD, "location"), (WORD, "/foo"), (LBRACE, "{"), (RBRACE, "}"),
                                         (WORD, "location"), (WORD, "/bar"), (LBRACE, "{"), (RBRACE, "}")]),
    ('if ($a = "b") {', [(WORD, "if"), (WORD, "($a"), (WORD, "="), (WORD, "b"), (WORD, ")"), (LBRACE, "{")]),
    ("\\;a;", [(WORD, "\\;a"), (SEMI, ";")]),
    ("a\\ b;", [(WORD, "a\\ b"), (SEMI, ";")]),
    ("\xe9\xff;", [(WORD, "\xe9\xff"), (SEMI, ";")]),
])
def test_tokens(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize("raw, value", [
    ('\\"', '"'), ("\\'", "'"), ("\\\\", "\\"), ("\\t", "\t"), ("\\r", "\r"), ("\\n", "\n"),
    ("a\\;b\\{c\\}", "a\\;b\\{c\\}"), ("\\.php$", "\\.php$"), ("\\\\n", "\\n"), ("\\$uri", "\\$uri"),
])
def test_escapes(raw, value):
    assert unescape(raw) == value


@pytest.mark.parametrize("text, message, line", [
    (";", 'unexpected ";"', 1),
    ("{", 'unexpected "{"', 1),
    ("a }", 'unexpected "}"', 1),
    ('"a"b;', 'unexpected "b"', 1),
    ('"left"-quote;', 'unexpected "-"', 1),
    ('"x"#;', 'unexpected "#"', 1),
    ("a\n\nb", 'unexpected end of file, expecting ";" or "}"', 3),
    ('a "open\n\n', 'unexpected end of file, expecting ";" or "}"', 3),
    ("a # c", 'unexpected end of file, expecting ";" or "}"', 1),
    ("a \\", 'unexpected end of file, expecting ";" or "}"', 1),
    ("a " + "x" * 5000 + ";", 'too long parameter "xxxxxxxxxx..." started', 1),
    ('a "' + "x" * 5000 + '";', 'too long parameter, probably missing terminating """ character', 1),
])
def test_errors(text, message, line):
    toks = list(raw_tokens(text))
    assert toks[-1].kind == ERROR
    assert (toks[-1].value, toks[-1].line) == (message, line)


def test_lines_are_those_of_the_terminator():
    toks = list(raw_tokens("a\nb\n;\nc {\n}"))
    assert [(t.kind, t.line) for t in toks] == [(WORD, 1), (WORD, 2), (SEMI, 3), (WORD, 4), (LBRACE, 4), (RBRACE, 5)]
    assert [t.line for t in raw_tokens('a "x\ny\nz";')] == [1, 3, 3]


def test_stream_is_closed_after_an_error():
    kinds = [t.kind for t in tokens("a { b { c d }")]
    # the words of the unfinished statement are dropped, both blocks closed
    assert kinds == [WORD, LBRACE, WORD, LBRACE, ERROR, RBRACE, RBRACE]


@pytest.mark.parametrize("text, message, line", [
    ("}", 'unexpected "}"', 1),
    ("a {\n}\n}", 'unexpected "}"', 3),
    ("a {\nb;\n", 'unexpected end of file, expecting "}"', 3),
])
def test_block_errors(text, message, line):
    toks = list(tokens(text))
    err = [t for t in toks if t.kind == ERROR]
    assert [(t.value, t.line) for t in err] == [(message, line)]
