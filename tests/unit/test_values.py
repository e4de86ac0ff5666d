"""Value parsers (nginx's ngx_parse_size / ngx_parse_time / flags) and PCRE translation."""

from __future__ import annotations

import pytest

from nginxlite.config.regex import compile_pcre
from nginxlite.config.values import parse_flag, parse_int, parse_offset, parse_size, parse_time


@pytest.mark.parametrize("text, value", [("0", 0), ("10", 10), ("1k", 1024), ("1K", 1024), ("2m", 2 << 20),
                                         ("1M", 1 << 20)])
def test_size(text, value):
    assert parse_size(text) == value == parse_offset(text)


def test_offsets_take_gigabytes_sizes_do_not():
    # nginx: client_max_body_size (an offset) accepts 1g, client_body_buffer_size (a size) does not.
    assert parse_offset("1g") == 1 << 30 and parse_offset("3G") == 3 << 30
    with pytest.raises(ValueError):
        parse_size("1g")


@pytest.mark.parametrize("text", ["", "k", "-1", "+1", "1.5k", "12zz", "1 k", "1kb", "99999999999999999999"])
def test_size_invalid(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize("text, seconds, msec", [
    ("60", 60, True), ("5s", 5, True), ("500ms", 0.5, True), ("1m30s", 90, True), ("1h 30m", 5400, True),
    ("2d", 172800, True), ("1w", 604800, True), ("1y", 31536000, False), ("1M", 2592000, False),
    ("1h1m1s", 3661, False), ("0", 0, True),
])
def test_time(text, seconds, msec):
    assert parse_time(text, msec=msec) == seconds


@pytest.mark.parametrize("text, msec", [("5x", True), ("", True), ("s", True), ("30m1h", True), ("1s1s", True),
                                        ("1y", True), ("1M", True), ("5ms", False), ("-1", True), ("1.5s", True)])
def test_time_invalid(text, msec):
    with pytest.raises(ValueError):
        parse_time(text, msec=msec)


@pytest.mark.parametrize("text, value", [("on", True), ("ON", True), ("Off", False), ("off", False)])
def test_flag(text, value):
    assert parse_flag(text) is value


@pytest.mark.parametrize("text", ["yes", "1", "", "onn"])
def test_flag_invalid(text):
    with pytest.raises(ValueError):
        parse_flag(text)


def test_int_has_no_sign_or_spaces():
    assert parse_int("007") == 7
    for bad in ("-1", "+1", " 1", "1 ", "", "١"):
        with pytest.raises(ValueError):
            parse_int(bad)


def test_pcre_named_groups_and_bytes():
    assert compile_pcre(r"^/(?<name>\w+)$").match("/abc").group("name") == "abc"
    assert compile_pcre(r"^/(?'n'\d+)$").match("/12").group("n") == "12"
    assert compile_pcre(r"(?<=a)b").search("ab")  # look-behind is left alone
    assert compile_pcre(r"[(?<]x").search("<x")  # inside a class too
    assert compile_pcre(r"^/caf.$").match("/cafe") and not compile_pcre(r"^/caf.$").match("/caf\xc3\xa9")
    assert compile_pcre(r"\.JPG$", caseless=True).search("/y.jpg")
    assert not compile_pcre(r"^/\xc9", caseless=True).match("/\xe9")  # ASCII-only case folding


@pytest.mark.parametrize("pattern, message", [
    ("^/(a", 'pcre2_compile() failed: missing closing parenthesis in "^/(a"'),
    ("a)", 'pcre2_compile() failed: unmatched closing parenthesis in "a)" at ")"'),
    ("*", 'pcre2_compile() failed: quantifier does not follow a repeatable item in "*" at "*"'),
    ("[a", 'pcre2_compile() failed: missing terminating ] for character class in "[a"'),
    ("[z-a]", 'pcre2_compile() failed: range out of order in character class in "[z-a]" at "a]"'),
    ("(?<1a>x)", 'pcre2_compile() failed: subpattern name must start with a non-digit in "(?<1a>x)" at "1a>x)"'),
])
def test_pcre_errors_in_nginx_words(pattern, message):
    with pytest.raises(ValueError) as info:
        compile_pcre(pattern)
    assert str(info.value) == message


@pytest.mark.parametrize("pattern, subject, matches", [
    (r"^/p/[[:digit:]]+$", "/p/123", True), (r"^/p/[^[:alpha:]]$", "/p/a", False),
    (r"^/p\Z", "/p\n", True), (r"^/p\z", "/p\n", False), (r"^/p\h", "/p\xa0", True),
    (r"^/p/\x{e9}$", "/p/\xe9", True), (r"^/p/\Qa.b\E$", "/p/axb", False), (r"^/p/\Qa.b\E$", "/p/a.b", True),
    (r"^/p/(?<n>[ab])\k<n>$", "/p/aa", True), (r"^/p/(?<n>[ab])\k{n}$", "/p/ab", False),
    (r"^(a)\g{1}$", "aa", True), (r"[]a]", "]", True),
])
def test_pcre_syntax_is_translated(pattern, subject, matches):
    assert bool(compile_pcre(pattern).search(subject)) is matches
