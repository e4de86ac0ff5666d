"""DAV without sockets: the header checks (sans-IO), the directives' values, and the
COPY/MOVE cases the differential test cannot compare with nginx (nginx loses data there)."""

from __future__ import annotations

import os

import pytest

from nginxlite.config import load_config
from nginxlite.handlers.dav import (
    INFINITY, INVALID, BadDestination, depth, dir_access, overwrite, parse_destination,
)
from test_pipeline import answer  # noqa: F401 - the fixture

INVALID_LINE = 'client sent invalid "Destination" header: "{}"'


@pytest.mark.parametrize("value, host, uri", [
    ("/a/b", "", "/a/b"),  # a path needs no Host
    ("/a%20b", "x", "/a b"),
    ("/q?x=1", "x", "/q"),
    ("http://x/f", "x", "/f"),
    ("http://x:8080/f", "x", "/f"),  # the port is not compared, as nginx
    ("http://xy/f", "x", "/f"),  # only the host's first characters are, as nginx
    ("http://x/%D0%BC", "x", "/\xd0\xbc"),  # one character per byte
    ("/bad%zzesc", "x", "/badzzesc"),  # ngx_unescape_uri: "%" before a non-hex character dropped
    ("/bad%4zesc", "x", "/badesc"),  # "%", a hex digit and a non-hex character: all three dropped
    ("/end%4", "x", "/end"),
    ("/%%41", "x", "/%41"),
    ("/./a//b", "x", "/./a//b"),  # not normalised: the file system resolves it
    ("/a..b/..c", "x", "/a..b/..c"),
])
def test_destination_accepted(value, host, uri):
    assert parse_destination(value, host) == uri


@pytest.mark.parametrize("value, host, lines", [
    (None, "x", ('client sent no "Destination" header',)),
    ("http://x/f", "", ('client sent no "Host" header',)),
    ("", "x", (INVALID_LINE.format(""),)),
    ("ftp://x/f", "x", (INVALID_LINE.format("ftp://x/f"),)),
    ("HTTP://x/f", "x", (INVALID_LINE.format("HTTP://x/f"),)),
    ("http://x", "x", (INVALID_LINE.format("http://x"),)),
    ("http://X/f", "x", ('"Destination" URI "http://X/f" is handled by different repository than the source URI',)),
    ("http://y/f", "x", ('"Destination" URI "http://y/f" is handled by different repository than the source URI',)),
    ("/a/../b", "x", ('unsafe URI "/a/../b" was detected', INVALID_LINE.format("/a/../b"))),
    ("/a/..", "x", ('unsafe URI "/a/.." was detected', INVALID_LINE.format("/a/.."))),
    ("/..?x", "x", ('unsafe URI "/..?x" was detected', INVALID_LINE.format("/..?x"))),  # nginx lets this one by
    ("/../x?y", "x", ('unsafe URI "/../x?y" was detected', INVALID_LINE.format("/../x?y"))),
    ("/%2e%2e/b", "x", ('unsafe URI "/../b" was detected', INVALID_LINE.format("/%2e%2e/b"))),
    ("/a%2F..", "x", ('unsafe URI "/a/.." was detected', INVALID_LINE.format("/a%2F.."))),
    ("/a%00", "x", ('unsafe URI "/a\0" was detected', INVALID_LINE.format("/a%00"))),
])
def test_destination_refused(value, host, lines):
    with pytest.raises(BadDestination) as info:
        parse_destination(value, host)
    assert info.value.args == lines


def test_depth_and_overwrite_as_nginx():
    assert [depth(v, 7) for v in (None, "0", "1", "infinity", "Infinity", "2", "", " 0")] == \
        [7, 0, 1, INFINITY, INVALID, INVALID, INVALID, INVALID]
    assert [overwrite(v) for v in (None, "T", "t", "F", "f", "", "TRUE", "x")] == \
        [True, True, True, False, False, None, None, None]


def test_dir_access_adds_x_where_r_is():
    assert [oct(dir_access(m)) for m in (0o600, 0o644, 0o660, 0o400, 0o606)] == \
        ["0o700", "0o755", "0o770", "0o500", "0o707"]


@pytest.mark.parametrize("value, mode", [
    ("user:rw", 0o600), ("user:r", 0o400), ("group:rw", 0o660), ("all:r", 0o604),
    ("user:rw group:r all:r", 0o644), ("user:r group:rw", 0o460), ("group:r all:rw", 0o646),
])
def test_dav_access_values(write, tmp_path, value, mode):
    path = write("n.conf", f"events {{}} http {{ server {{ listen 8080; dav_access {value}; min_delete_depth 4; }} }}")
    settings = load_config(path, str(tmp_path)).servers[0].settings
    assert (oct(settings.dav_access), settings.min_delete_depth) == (oct(mode), 4)


def test_defaults(write, tmp_path):
    settings = load_config(write("n.conf", "events {} http { server { listen 8080; } }"),
                           str(tmp_path)).servers[0].settings
    assert (settings.dav_access, settings.min_delete_depth) == (0o600, 0)


def test_allow_methods_knows_copy_and_move(write, tmp_path):
    path = write("n.conf", "events {} http { server { listen 8080; allow_methods COPY MOVE; } }")
    assert load_config(path, str(tmp_path)).servers[0].settings.allow_methods == {"COPY", "MOVE"}


DAV = "server {{ listen 8080; root {root}; location / {{ dav_methods PUT DELETE MKCOL COPY MOVE; }} }}"


def request(method: str, uri: str, destination: str, extra: str = "") -> str:
    return f"{method} {uri} HTTP/1.1\r\nHost: x\r\nDestination: {destination}\r\n{extra}".rstrip("\r\n")


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "www"
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "dir" / "f").write_bytes(b"F")
    (root / "file").write_bytes(b"FILE")
    return root


@pytest.mark.parametrize("method, uri, destination", [
    ("COPY", "/dir/", "/dir/"),
    ("MOVE", "/dir/", "/dir/"),
    ("COPY", "/dir/", "/dir/sub/"),
    ("MOVE", "/dir/", "/dir/new/"),
    ("COPY", "/file", "/file"),
    ("MOVE", "/file", "/./file"),
    ("MOVE", "/dir/sub/", "/dir/"),  # nginx deletes the destination first: the source with it
    ("COPY", "/dir/f", "/dir/./f"),
])
def test_destination_in_the_source_is_403_and_changes_nothing(answer, tree, method, uri, destination):
    """nginx deletes the destination first (the source itself, or a folder holding it), or
    copies a folder into itself until the path is too long: refused (docs/differences.md)."""
    response, ex = answer(DAV.format(root=tree), request(method, uri, destination))
    assert response.status == 403
    assert sorted(str(p.relative_to(tree)) for p in tree.rglob("*")) == ["dir", "dir/f", "dir/sub", "file"]
    assert (tree / "file").read_bytes() == b"FILE"
    assert f'the source URI "{uri}" and the "Destination" URI "{destination}" overlap' in ex.notes[0]


def test_a_sibling_with_the_same_prefix_is_not_inside(answer, tree):
    response, _ = answer(DAV.format(root=tree), request("COPY", "/dir/", "/dir2/"))
    assert response.status == 201
    assert (tree / "dir2" / "f").read_bytes() == b"F" and (tree / "dir2" / "sub").is_dir()


def test_a_folder_moved_out_of_its_parent_is_no_overlap(answer, tree):
    response, _ = answer(DAV.format(root=tree), request("MOVE", "/dir/sub/", "/sub2/"))
    assert response.status == 201 and (tree / "sub2").is_dir() and not (tree / "dir" / "sub").exists()


def test_failed_copy_leaves_no_temporary_file(answer, tree, monkeypatch):
    def broken(fd, mode):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fchmod", broken)
    (tree / "old").write_bytes(b"OLD")
    response, _ = answer(DAV.format(root=tree), request("COPY", "/file", "/old"))
    assert response.status == 500
    assert sorted(p.name for p in tree.iterdir()) == ["dir", "file", "old"]
    assert (tree / "old").read_bytes() == b"OLD"  # never half-written


def test_refusals_are_logged_as_nginx(answer, tree):
    conf = DAV.format(root=tree)
    cases = [
        (request("COPY", "/file", "/dir/"), 409,
         'both URI "/file" and "Destination" URI "/dir/" should be either collections or non-collections'),
        (request("COPY", "/file", "/x", "Depth: 1\r\n"), 400, '"Depth" header must be 0 or infinity'),
        (request("MOVE", "/file", "/x", "Depth: 0\r\n"), 400, '"Depth" header must be infinity'),
        (request("COPY", "/file", "/x", "Overwrite: yes\r\n"), 400, 'client sent invalid "Overwrite" header: "yes"'),
        (request("MOVE", "/file", "/dir"), 409, '"/file" could not be MOVEed to collection "/dir"'),
        (request("COPY", "/dir", "/x"), 400, '"/dir" is collection'),
        (request("COPY", "/file", "http://y/x"), 400,
         '"Destination" URI "http://y/x" is handled by different repository than the source URI'),
    ]
    for head, status, line in cases:
        response, ex = answer(conf, head)
        assert (response.status, line in ex.notes[0]) == (status, True), (head, ex.notes)


def test_min_delete_depth_counts_path_elements(answer, tree):
    conf = DAV.format(root=tree).replace("COPY MOVE;", "COPY MOVE; min_delete_depth 2;")
    response, ex = answer(conf, "DELETE /file HTTP/1.1\r\nHost: x")
    assert response.status == 409 and "insufficient URI depth:1 to DELETE" in ex.notes[0]
    response, ex = answer(conf, "DELETE /dir/ HTTP/1.1\r\nHost: x")
    assert response.status == 409 and "insufficient URI depth:2 to DELETE" in ex.notes[0]
    assert answer(conf, "DELETE /dir/f HTTP/1.1\r\nHost: x")[0].status == 204


def test_allow_methods_lets_copy_through_and_names_it_in_allow(answer, tree):
    conf = DAV.format(root=tree).replace("COPY MOVE;", "COPY MOVE; allow_methods GET COPY;")
    assert answer(conf, request("COPY", "/file", "/copied"))[0].status == 204
    assert (tree / "copied").read_bytes() == b"FILE"
    response, _ = answer(conf, request("MOVE", "/file", "/moved"))
    assert (response.status, dict(response.headers).get("Allow")) == (405, "COPY, GET, HEAD")
    assert (tree / "file").exists()
