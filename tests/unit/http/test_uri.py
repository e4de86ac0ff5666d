"""URI normalisation: every example of nginx-semantics.md §1 (observed on nginx 1.22)."""

from __future__ import annotations

import pytest

from nginxlite.http.uri import BadUri, escape_uri, normalize_path, split_target


@pytest.mark.parametrize("target, path, args, host", [
    ("/a?b#c", "/a", "b", None),
    ("/a#frag", "/a", "", None),
    ("/a?x=%2F&y=../z", "/a", "x=%2F&y=../z", None),
    ("http://h.test:81/p?q", "/p", "q", "h.test"),
    ("http://h.test", "/", "", "h.test"),
    ("HTTP://h.test?q", "/", "q", "h.test"),
])
def test_split_target(target, path, args, host):
    assert split_target(target) == (path, args, host)


@pytest.mark.parametrize("raw, uri", [
    ("/", "/"), ("/index.html", "/index.html"),
    ("/a%2F..%2Fb", "/b"), ("/a/%2e%2e/b", "/b"), ("/a%3fb", "/a?b"), ("/a%25b", "/a%b"), ("/a%2541", "/a%41"),
    ("/%61.txt", "/a.txt"), ("/caf%C3%A9", "/caf\xc3\xa9"), ("/caf\xe9", "/caf\xe9"), ("/a+b", "/a+b"),
    ("/%01", "/\x01"),
    ("//a", "/a"), ("/a///b//", "/a/b/"), ("/%2F%2Fx", "/x"),
    ("/a/./b", "/a/b"), ("/a/../b", "/b"), ("/a/b/c/./../../d", "/a/d"),
    ("/a/.", "/a/"), ("/a/b/..", "/a/"), ("/a/..", "/"), ("/.", "/"),
    ("/a/.b", "/a/.b"), ("/a/..b", "/a/..b"), ("/a/...", "/a/..."), ("/a/b./c", "/a/b./c"),
])
def test_normalize(raw, uri):
    assert normalize_path(raw) == uri


@pytest.mark.parametrize("raw, uri", [("//a", "//a"), ("/a//../b", "/a/b"), ("/a/.//b", "/a//b"), ("/a//", "/a//")])
def test_normalize_without_merging_slashes(raw, uri):
    assert normalize_path(raw, merge_slashes=False) == uri


@pytest.mark.parametrize("raw", ["/..", "/../a", "/a/../../b", "/%2e%2e/x", "/./.././a", "/%", "/%4", "/%zz", "/a%00b",
                                 "/static/..%2f..%2f..%2fetc/passwd"])
def test_bad(raw):
    with pytest.raises(BadUri):
        normalize_path(raw)


def test_escape_for_location():
    assert escape_uri("/sp dir/") == "/sp%20dir/"
    assert escape_uri("/q?d/") == "/q%3Fd/"
    assert escape_uri("/caf\xe9") == "/caf%E9"
