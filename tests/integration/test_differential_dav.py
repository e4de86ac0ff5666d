"""nginx and nginxlite run the same WebDAV sequence: answers and the files left must agree.

nginx-tests' dav.t, dav_chunked.t and dav_utf8.t, ported (COPY, MOVE, the Destination, Overwrite
and Depth checks, ``min_delete_depth``, ``dav_access``), plus the cases around them:
the host in Destination (compared by prefix, as nginx), unsafe destinations, the
trailing-slash rules, error pages for DAV errors, alias mapping of the destination.

Each server gets its own copy of one tree (fixed contents, mtimes and modes); the
steps run in order, and after each one the answer (normalised as in
test_differential_static) AND the whole tree under ``d/`` (names, kinds, modes,
contents) are compared.  Files a step writes get the time of the write, so
Last-Modified is only compared where the step says so (copies keep their source's).

Not compared here: a destination that is the source or inside it (nginx loses the
source; nginxlite answers 403: tests/unit/test_dav.py, docs/differences.md).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import require_nginx
from servers import nginx_and_nginxlite
from test_differential_static import DIR, build_tree, exchange, req

ALL = "dav_methods PUT DELETE MKCOL COPY MOVE;"
CONFIG = rf"""
server {{
    listen 127.0.0.1:PORT0;
    server_name a.test localhost;
    root ROOT/d;
    absolute_redirect off;

    location / {{ {ALL} }}
    location /i/ {{ alias ROOT/d/; {ALL} }}
    location /full/ {{ {ALL} create_full_put_path on; dav_access group:rw all:r; }}
    location /min3/ {{ {ALL} min_delete_depth 3; }}
    location /min0/ {{ {ALL} min_delete_depth 0; }}
    location /access/ {{ {ALL} dav_access user:rw group:r all:r; }}
    location /ro/ {{ dav_methods PUT DELETE MKCOL; }}
    location /ep/ {{ {ALL} error_page 400 404 409 412 415 /errpage.html; }}
    location /ep2/ {{ {ALL} error_page 409 =200 /errpage.html; }}
}}
"""

TREE = {
    "d/errpage.html": (b"CUSTOM ERROR PAGE\n", 0),
    "d/src_file": (b"COPYDATA", 0),
    "d/src_ow": (b"OWDATA", 100),
    "d/existing_dst": (b"OLD", 0),
    "d/srcdir_tree/file1": (b"FILE1", 200),
    "d/srcdir_tree/subdir/file2": (b"FILE2", 300),
    "d/srcdir_tree/empty": (DIR, 400),
    "d/ow_src/data": (b"NEWDATA", 0),
    "d/ow_dst/old": (b"OLDDATA", 0),
    "d/existing_dir_dst": (DIR, 0),
    "d/moveme": (b"MOVEDATA", 0),
    "d/keep": (b"KEEP", 500),
    "d/mv_src2": (b"MV2", 0),
    "d/dir_over_file": (b"F", 0),
    "d/movedir_nested/a": (b"A", 0),
    "d/movedir_nested/sub/b": (b"B", 0),
    "d/movedir_nested_dst": (DIR, 0),
    "d/min3/shallow": (b"x", 0),
    "d/min3/a/b/deep": (b"x", 0),
    "d/min0/top": (b"x", 0),
    "d/access": (DIR, 0),
    "d/full": (DIR, 0),
    "d/mode/f": (b"MODE", 0),
    "d/deldir/f": (b"x", 0),
    "d/ro/f": (b"RO", 0),
    "d/ep/f": (b"EP", 0),
    "d/ep/dir/g": (b"EPG", 0),
    "d/ep2/f": (b"EP2", 0),
}
MODES = {"d/mode/f": 0o640, "d/mode": 0o750}


def copy(path: str, destination: str | None, extra: str = "", method: str = "COPY", **kw) -> bytes:
    head = f"Destination: {destination}\r\n" if destination is not None else ""
    return req(path, method, extra=head + extra, **kw)


def move(path: str, destination: str | None, extra: str = "") -> bytes:
    return copy(path, destination, extra, "MOVE")


def chunked(method: str, path: str, extra: str, body: bytes = b"0123456789", size: int = 1000) -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n{extra}"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


BIG = bytes(range(256)) * 1000  # 256 000 bytes: copied in several reads


UTF8 = "file-%D0%BC%D0%B8"
UTF8_DIR = "dir-%D0%BC%D0%B8"

# (name, request, compare Last-Modified?)
STEPS: list[tuple[str, bytes, bool]] = [
    # Destination header
    ("COPY without Destination", copy("/src_file", None), False),
    ("MOVE without Destination", move("/src_file", None), False),
    ("COPY empty Destination", copy("/src_file", ""), False),
    ("COPY ftp Destination", copy("/src_file", "ftp://a.test/bad_scheme"), False),
    ("COPY https Destination", copy("/src_file", "https://a.test/bad_scheme"), False),
    ("COPY other host", copy("/src_file", "http://otherhost/file"), False),
    ("COPY host in capitals", copy("/src_file", "http://A.TEST/caps"), False),
    ("COPY full URL", copy("/src_file", "http://a.test/full_url_copy"), False),
    ("GET the copy (source's mtime)", req("/full_url_copy"), True),
    ("COPY full URL with a port", copy("/src_file", "http://a.test:8080/port_copy"), False),
    ("COPY host that only starts with the host", copy("/src_file", "http://a.testing/prefix_copy"), False),
    ("COPY no path after host", copy("/src_file", "http://a.test"), False),
    ("COPY unsafe ..", copy("/src_file", "/a/../../escape"), False),
    ("COPY unsafe trailing ..", copy("/src_file", "/a/.."), False),
    ("COPY unsafe encoded ..", copy("/src_file", "/%2e%2e/escape"), False),
    ("COPY unsafe encoded slash ..", copy("/src_file", "/x%2F..%2Fescape"), False),
    ("COPY encoded NUL", copy("/src_file", "/nul%00x"), False),
    ("COPY query cut", copy("/src_file", "/query_copy?x=1"), False),
    ("COPY bad escape", copy("/src_file", "/bad%zzesc%4"), False),
    ("COPY escaped name", copy("/src_file", "/file-moved%20escape"), False),
    ("GET the escaped copy", req("/file-moved%20escape"), True),
    ("COPY two Destination headers", copy("/src_file", "/first_dst", "Destination: /second_dst\r\n"), False),
    ("COPY single dot segment", copy("/src_file", "/./dot_copy"), False),
    # Overwrite
    ("COPY Overwrite F", copy("/src_ow", "/existing_dst", "Overwrite: F\r\n"), False),
    ("GET kept by Overwrite F", req("/existing_dst"), False),
    ("COPY Overwrite f", copy("/src_ow", "/existing_dst", "Overwrite: f\r\n"), False),
    ("COPY Overwrite F onto itself", copy("/src_ow", "/src_ow", "Overwrite: F\r\n"), False),
    ("COPY Overwrite F to a new name", copy("/src_ow", "/ow_new", "Overwrite: F\r\n"), False),
    ("COPY Overwrite T", copy("/src_ow", "/existing_dst", "Overwrite: T\r\n"), False),
    ("GET replaced by Overwrite T", req("/existing_dst"), True),
    ("COPY Overwrite t", copy("/src_ow", "/ow_lower", "Overwrite: t\r\n"), False),
    ("COPY Overwrite X", copy("/src_ow", "/inv_ow", "Overwrite: X\r\n"), False),
    ("COPY Overwrite TRUE", copy("/src_ow", "/inv_ow", "Overwrite: TRUE\r\n"), False),
    ("COPY Overwrite empty", copy("/src_ow", "/inv_ow", "Overwrite: \r\n"), False),
    # Depth
    ("COPY file Depth 0", copy("/src_ow", "/depth0_copy", "Depth: 0\r\n"), False),
    ("COPY file Depth 1", copy("/src_ow", "/depth1_copy", "Depth: 1\r\n"), False),
    ("COPY file Depth Infinity", copy("/src_ow", "/depthI_copy", "Depth: Infinity\r\n"), False),
    ("COPY file Depth infinity", copy("/src_ow", "/depthi_copy", "Depth: infinity\r\n"), False),
    ("COPY dir Depth 0 (nginx copies all)", copy("/srcdir_tree/", "/depth0_tree/", "Depth: 0\r\n"), False),
    ("MOVE Depth 0", move("/moveme", "/movedepth", "Depth: 0\r\n"), False),
    ("MOVE Depth 1", move("/moveme", "/movedepth", "Depth: 1\r\n"), False),
    # collections and non-collections
    ("COPY collection to non-collection", copy("/srcdir_tree/", "/mismatch_noncol"), False),
    ("COPY non-collection to collection", copy("/src_ow", "/mismatch_col/"), False),
    ("COPY dir named without slash", copy("/srcdir_tree", "/nodir_copy"), False),
    ("COPY file named with slash", copy("/src_ow/", "/slash_copy/"), False),
    ("COPY to existing dir without slash", copy("/src_ow", "http://a.test/existing_dir_dst"), False),
    ("COPY file to a dir path with slash", copy("/src_ow/", "/existing_dir_dst/"), False),
    ("COPY source not found", copy("/nonexistent_src", "/some_dst"), False),
    ("COPY source below a file", copy("/src_ow/x", "/some_dst"), False),
    ("COPY to missing parent", copy("/src_ow", "/nope/deep/f"), False),
    ("COPY to below a file", copy("/src_ow", "/src_file/below"), False),
    # trees
    ("COPY directory tree", copy("/srcdir_tree/", "/dstdir_tree/"), False),
    ("GET copied tree file", req("/dstdir_tree/file1"), True),
    ("GET copied tree subdir file", req("/dstdir_tree/subdir/file2"), True),
    ("GET copied subdir without slash", req("/dstdir_tree/subdir"), False),
    ("COPY dir over an existing dir", copy("/ow_src/", "/ow_dst/", "Overwrite: T\r\n"), False),
    ("COPY dir over a dir Overwrite F", copy("/ow_src/", "/ow_dst/", "Overwrite: F\r\n"), False),
    ("COPY dir over a file", copy("/ow_src/", "/dir_over_file/"), False),
    ("COPY dir to missing parent", copy("/ow_src/", "/nope/deeper/"), False),
    ("COPY keeps the mode", copy("/mode/f", "/mode/g"), False),
    ("COPY dir keeps modes", copy("/mode/", "/mode2/"), False),
    # MOVE
    ("MOVE file", move("/moveme", "/moved"), False),
    ("GET moved source", req("/moveme"), False),
    ("GET moved file", req("/moved"), True),
    ("MOVE file over a file", move("/moved", "/src_file"), False),
    ("MOVE file Overwrite F", move("/src_file", "/src_ow", "Overwrite: F\r\n"), False),
    ("MOVE file to missing parents", move("/src_file", "/mv/a/b/f"), False),
    ("MOVE file to below a file", move("/mv_src2", "/ow_lower/x"), False),
    ("MOVE nested directory", move("/movedir_nested/", "/movedir_nested_dst/"), False),
    ("MOVE directory to a new name", move("/movedir_nested_dst/", "/renamed_dir/"), False),
    ("MOVE directory to missing parent", move("/renamed_dir/", "/nope2/x/"), False),
    ("MOVE directory Overwrite F", move("/renamed_dir/", "/dstdir_tree/", "Overwrite: F\r\n"), False),
    ("MOVE missing source", move("/gone", "/gone2"), False),
    # alias: the destination maps through the source's location
    ("COPY under alias", copy("/i/keep", "/i/alias_copy"), False),
    ("COPY under alias to outside it", copy("/i/keep", "/other_copy"), False),
    ("GET the alias copy", req("/alias_copy"), True),
    # bodies
    ("COPY with body", copy("/src_ow", "/body_dst", body=b"0123456789"), False),
    ("MOVE with body", copy("/src_ow", "/body_dst", method="MOVE", body=b"0123456789"), False),
    ("COPY with chunked body", chunked("COPY", "/src_ow", "Destination: /body_dst\r\n"), False),
    ("MOVE with chunked body", chunked("MOVE", "/src_ow", "Destination: /body_dst\r\n"), False),
    ("DELETE with chunked body", chunked("DELETE", "/src_ow", ""), False),
    ("MKCOL with chunked body", chunked("MKCOL", "/newcol/", ""), False),
    # Host
    ("COPY HTTP/1.0 without Host, full URL",
     b"COPY /keep HTTP/1.0\r\nDestination: http://a.test/h10\r\n\r\n", False),
    ("COPY HTTP/1.0 without Host, path", b"COPY /keep HTTP/1.0\r\nDestination: /h10\r\n\r\n", False),
    ("COPY absolute-form target", b"COPY http://localhost/keep HTTP/1.1\r\nHost: a.test\r\n"
                                  b"Destination: http://localhost/absform\r\nConnection: close\r\n\r\n", False),
    # not in dav_methods: the static handler
    ("COPY not in dav_methods", copy("/ro/f", "/ro/g"), False),
    ("MOVE not in dav_methods", move("/ro/f", "/ro/g"), False),
    # error pages
    ("error_page for 400", copy("/ep/f", None), False),
    ("error_page for 409", copy("/ep/f", "/ep/g/"), False),
    ("error_page for 412", copy("/ep/f", "/ep/f", "Overwrite: F\r\n"), False),
    ("error_page for 404", copy("/ep/nope", "/ep/g"), False),
    ("error_page for 415", copy("/ep/f", "/ep/g", body=b"x"), False),
    ("error_page for DELETE 409", req("/ep/dir", "DELETE"), False),
    ("error_page =200 for 409", copy("/ep2/f", "/ep2/g/"), False),
    # DELETE: Depth and min_delete_depth
    ("DELETE dir Depth Infinity", req("/deldir/", "DELETE", extra="Depth: Infinity\r\n"), False),
    ("DELETE dir Depth infinity", req("/deldir/", "DELETE", extra="Depth: infinity\r\n"), False),
    ("DELETE below a file", req("/ow_lower/x", "DELETE"), False),
    ("DELETE file Depth 1", req("/ow_lower", "DELETE", extra="Depth: 1\r\n"), False),
    ("DELETE min_delete_depth too shallow", req("/min3/shallow", "DELETE"), False),
    ("DELETE min_delete_depth dir too shallow", req("/min3/a/", "DELETE"), False),
    ("DELETE min_delete_depth deep enough", req("/min3/a/b/deep", "DELETE"), False),
    ("DELETE min_delete_depth dir deep enough", req("/min3/a/b/", "DELETE"), False),
    ("DELETE min_delete_depth 0", req("/min0/top", "DELETE"), False),
    # dav_access and create_full_put_path
    ("PUT with dav_access", req("/access/afile", "PUT", body=b"accessdata"), False),
    ("MKCOL with dav_access", req("/access/subdir/", "MKCOL"), False),
    ("PUT full path with dav_access", req("/full/a/b/c/deep_file", "PUT", body=b"deep"), False),
    ("MOVE file to missing parents with dav_access", move("/full/a/b/c/deep_file", "/full/x/y/moved"), False),
    ("PUT with a Date", req("/dated", "PUT", extra="Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n", body=b"d"), False),
    ("GET the dated file", req("/dated"), True),
    ("PUT with a bad Date", req("/baddated", "PUT", extra="Date: invalid-date-value\r\n", body=b"d"), False),
    # dav_chunked.t, and a large file copied and moved
    ("PUT chunked", chunked("PUT", "/chunked", ""), False),
    ("GET the chunked PUT", req("/chunked"), False),
    ("PUT chunked empty", chunked("PUT", "/chunked", "", b""), False),
    ("GET the empty chunked PUT", req("/chunked"), False),
    ("PUT chunked big", chunked("PUT", "/chunked", "", b"1234567890" * 1024, 1024), False),
    ("PUT a large file", req("/big", "PUT", body=BIG), False),
    ("COPY a large file", copy("/big", "/big_copy"), False),
    ("GET the large copy", req("/big_copy"), False),
    ("MOVE a large file", move("/big_copy", "/big_moved"), False),
    ("GET the large moved file", req("/big_moved"), False),
    # dav_utf8.t
    ("PUT UTF-8 name", req(f"/{UTF8}", "PUT", body=b"0123456789"), False),
    ("COPY UTF-8 name", copy(f"/{UTF8}", f"/{UTF8}-moved"), False),
    ("MOVE UTF-8 name", move(f"/{UTF8}", f"/{UTF8}-moved"), False),
    ("DELETE UTF-8 name", req(f"/{UTF8}-moved", "DELETE"), False),
    ("MKCOL UTF-8 name", req(f"/{UTF8_DIR}/", "MKCOL"), False),
    ("COPY UTF-8 dir", copy(f"/{UTF8_DIR}/", f"/{UTF8_DIR}-moved/"), False),
    ("MOVE UTF-8 dir", move(f"/{UTF8_DIR}/", f"/{UTF8_DIR}-moved/"), False),
    ("DELETE UTF-8 dir", req(f"/{UTF8_DIR}-moved/", "DELETE"), False),
]


def snapshot(base: Path) -> list[tuple]:
    """Every entry under ``base``: name, kind, mode and (files) contents."""
    out = []
    for folder, dirs, files in os.walk(base):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder) / name
            st = path.lstat()
            kind = "dir" if stat.S_ISDIR(st.st_mode) else "file"
            out.append((str(path.relative_to(base)), kind, oct(stat.S_IMODE(st.st_mode)),
                        path.read_bytes() if kind == "file" else None))
    return out


def build(base: Path) -> None:
    build_tree(base, TREE)
    for rel, mode in MODES.items():
        os.chmod(base / rel, mode)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    lite_root, ngx_root = tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx")
    build(lite_root)
    build(ngx_root)
    with nginx_and_nginxlite(lite_root, ngx_root, CONFIG) as servers:
        yield servers


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[name for name, _, _ in STEPS])
def test_dav_same_as_nginx(pair, step):
    """Steps run in order; both servers see the same sequence, whichever steps are selected."""
    lite, ngx = pair
    _, data, dates = STEPS[step]
    got, want = exchange(lite, data, dates=dates), exchange(ngx, data, dates=dates)
    assert got == want
    assert snapshot(lite.root / "d") == snapshot(ngx.root / "d")
