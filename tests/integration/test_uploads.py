"""Uploads (``upload_store``) through real sockets: what is stored, what is answered, what is left behind.

Multipart bodies are built here byte by byte (``form``) so the tests choose the
boundary and every byte around it; ``curl -F`` and ``requests`` build some too.
The contract: parts are written to ``.nginxlite-upload-*`` temporary files and
renamed to ``safe_filename(filename)`` (numbered on collision) when complete;
any request that fails (413, 408, 507, an abort) leaves nothing in the store.
Waiting for the server to have handled a close is a bounded loop of stub_status
requests (active connections back to 1, the asking one), never a sleep.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests

from client import Reply, parse, parse_all, receive
from helpers import CHILD_ENV
from servers import read_until

BOUNDARY = "BoUnDaRy42"
LIMIT = 1000  # client_max_body_size of /small/ and /smallraw/

CONFIG = f"""
server {{
    listen 127.0.0.1:PORT0;
    server_name 127.0.0.1;
    root ROOT/www;
    location /up/ {{ upload_store store; alias ROOT/store/; dav_methods DELETE; }}
    location /hidden/ {{ upload_store hidden; }}
    location /small/ {{ upload_store small; alias ROOT/small/; client_max_body_size {LIMIT}; }}
    location /getonly/ {{ upload_store getonly; alias ROOT/getonly/; allow_methods GET; }}
    location /slow/ {{ upload_store slow; alias ROOT/slow/; client_body_timeout 1s; }}
    location /nostore/ {{ upload_store nosuchstore; }}
    location /filestore/ {{ upload_store afile; }}
    location = /s {{ stub_status; }}
}}
"""
STORES = ("store", "hidden", "small", "getonly", "slow")
def config_with(location: str) -> str:
    """CONFIG with one more location block."""
    return CONFIG.replace("    location = /s", f"    {location}\n    location = /s")


RAW = {"Content-Type": "application/octet-stream"}
FILES = {f"{name}/.keep": b"" for name in STORES} | {"www/index.html": "INDEX\n", "afile": "I am a file\n"}


# -- helpers --------------------------------------------------------------------

def part(name: str, content: bytes, filename: str | None = None, content_type: str | None = None) -> bytes:
    """One part of a form, without its delimiter (``filename`` sent as is inside quotes)."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type is None and filename is not None:
        content_type = "application/octet-stream"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + content


def form(*parts: bytes, boundary: str = BOUNDARY) -> bytes:
    """The whole multipart body: each part after its delimiter, then the close delimiter."""
    delimiter = b"--" + boundary.encode()
    return b"".join(delimiter + b"\r\n" + p + b"\r\n" for p in parts) + delimiter + b"--\r\n"


def form_type(boundary: str = BOUNDARY) -> str:
    return f"multipart/form-data; boundary={boundary}"


def post_form(running, path: str, body: bytes, *, accept: str = "application/json", chunked: bool = False,
              **kw) -> requests.Response:
    """POST ``body`` as multipart (Content-Length, or chunked in 7 KiB pieces)."""
    headers = {"Content-Type": form_type(), "Accept": accept, **kw.pop("headers", {})}
    data = _pieces(body, 7 * 1024) if chunked else body
    return requests.post(running.url(path), data=data, headers=headers, timeout=10, **kw)


def _pieces(body: bytes, size: int):
    for i in range(0, len(body), size):
        yield body[i:i + size]


def chunk_coded(body: bytes, size: int, last: bytes = b"0\r\n\r\n") -> bytes:
    """``body`` in chunked coding, ``size`` bytes a chunk, then ``last`` (b"" for a body cut short)."""
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in _pieces(body, size)) + last


def framed(body: bytes, chunked: bool, size: int = 1000, declared: int | None = None,
           whole: bool = True) -> tuple[dict[str, str], bytes]:
    """(headers, bytes to send) for a form ``body``: chunked, ``size`` bytes a chunk (no last chunk
    unless ``whole``), or after a Content-Length of ``declared`` (default: its length)."""
    headers = {"Content-Type": form_type()}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
        return headers, chunk_coded(body, size, last=b"0\r\n\r\n" if whole else b"")
    headers["Content-Length"] = str(len(body) if declared is None else declared)
    return headers, body


def stored(directory: Path) -> dict[str, bytes]:
    """The store's contents (name -> bytes), the fixture's ``.keep`` left out."""
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.name != ".keep"}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != ".keep")


def active_connections(port: int) -> int:
    body = requests.get(f"http://127.0.0.1:{port}/s", timeout=5).text
    return int(body.split("\n")[0].split(":")[1])


def wait_idle(port: int, tries: int = 500) -> None:
    """Ask stub_status until the only active connection is the asking one (bounded, no sleep)."""
    for _ in range(tries):
        if active_connections(port) == 1:
            return
    raise AssertionError(f"the server still has other connections open after {tries} stub_status requests")


def error_log(running) -> str:
    path = running.root / "logs" / "error.log"
    return path.read_text(errors="replace") if path.exists() else ""


def head_bytes(path: str, headers: dict[str, str], port: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def closed_after_answer(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes; fails if it keeps the connection open."""
    data = receive(sock, timeout)
    sock.settimeout(0.5)
    try:
        assert sock.recv(1) == b"", "the server sent more after its answer"
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise AssertionError(f"the server kept the connection open after its answer: {data[:300]!r}") from None
    return data


def send_raw(port: int, path: str, headers: dict[str, str], body: bytes) -> Reply:
    """One request on its own connection (Connection: close); the server may stop reading the body early."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(head_bytes(path, {"Connection": "close", **headers}, port) + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it answered before the end of the body: the answer is still to be read
        data = receive(sock, 10)
    assert data, "no answer"
    return parse(data)[0]


def only_entry(answer: requests.Response) -> dict:
    doc = answer.json()
    assert len(doc["stored"]) == 1, doc
    return doc["stored"][0]


@pytest.fixture
def site(serve):
    return serve(CONFIG, files=FILES)


@pytest.fixture
def mount_tmpfs(tmp_path):
    """mount_tmpfs(options) -> a fresh tmpfs folder (skips where mounting is not permitted)."""
    mounted: list[Path] = []

    def _mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
        mounted.append(point)
        return point

    yield _mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


# -- what is stored ---------------------------------------------------------------

TRICKY = (b"\x00\r\n\r\n\x00--" + BOUNDARY.encode() + b"X\r\n"       # --boundaryX
          + b"\r\n--" + BOUNDARY.encode() + b"Z"                         # CRLF--boundary, no CRLF after it
          + b"\r\n--" + BOUNDARY.encode() + b"-\r\n"                     # one dash is not a close
          + b"\r\n--" + BOUNDARY.encode() + b"\r"                        # CR without LF
          + bytes(range(256)) + b"\n--" + BOUNDARY.encode() + b"\r\n"    # LF only is no delimiter
          + b"\r\r\n\n\r\n--" + BOUNDARY[:-1].encode())                  # ends with a delimiter's prefix


def test_binary_part_with_boundary_like_bytes_is_stored_byte_identical(site):
    answer = post_form(site, "/up/", form(part("f", TRICKY, "tricky.bin")))
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"tricky.bin": TRICKY}
    assert only_entry(answer)["size"] == len(TRICKY)


def test_large_binary_part_sent_chunked_in_small_pieces_is_stored_byte_identical(site):
    rng = random.Random(7)
    content = b"".join(rng.randbytes(rng.randrange(1, 3000)) + TRICKY for _ in range(150))
    answer = post_form(site, "/up/", form(part("f", content, "big.bin")), chunked=True)
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"big.bin": content}


def test_curl_form_upload_of_a_binary_file_is_stored_byte_identical(site, tmp_path):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    content = TRICKY + os.urandom(100_000) + b"\r\n--------------------------\r\n"
    source = tmp_path / "from-curl.bin"
    source.write_bytes(content)
    done = subprocess.run([curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-F", f"file=@{source}",
                           site.url("/up/")], capture_output=True, text=True, timeout=30)
    assert done.stdout == "201", done.stderr
    assert stored(site.root / "store") == {"from-curl.bin": content}


def test_several_files_in_one_form_are_all_stored(site, tmp_path):
    body = form(part("a", b"first\n", "one.txt"), part("b", b"", "empty.txt"),
                part("c", b"\x00" * 5000, "zeros.bin"), part("note", b"not a file"))
    answer = post_form(site, "/up/", body)
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"one.txt": b"first\n", "empty.txt": b"", "zeros.bin": b"\x00" * 5000}
    doc = answer.json()
    assert [(e["field"], e["name"], e["size"]) for e in doc["stored"]] == [
        ("a", "one.txt", 6), ("b", "empty.txt", 0), ("c", "zeros.bin", 5000)]


def test_curl_several_files_and_a_field_in_one_form(site, tmp_path):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    (tmp_path / "x.txt").write_bytes(b"XX")
    (tmp_path / "y.bin").write_bytes(b"\r\n\x00YY")
    done = subprocess.run([curl, "-sS", "-H", "Accept: application/json", "-F", f"one=@{tmp_path / 'x.txt'}",
                           "-F", f"two=@{tmp_path / 'y.bin'}", "-F", "comment=hello there", site.url("/up/")],
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["fields"] == {"comment": "hello there"}
    assert stored(site.root / "store") == {"x.txt": b"XX", "y.bin": b"\r\n\x00YY"}


@pytest.mark.parametrize("sent, kept", [
    ("../../x", "x"),
    ("a\\b", "b"),
    (".env", "_env"),
    ("C:\\Users\\me\\report.pdf", "report.pdf"),
    ("r\u00e9sum\u00e9 \u65e5\u672c.txt", "r\u00e9sum\u00e9 \u65e5\u672c.txt"),
    ("  spaced.txt  ", "spaced.txt"),
    ("bidi\u202egnp.exe", "bidignp.exe"),
], ids=["dotdot", "backslash", "dotfile", "windows-path", "unicode", "spaces", "bidi-override"])
def test_hostile_and_unicode_filenames_are_stored_under_their_safe_name(site, sent, kept):
    answer = post_form(site, "/up/", form(part("f", b"DATA", sent)))
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {kept: b"DATA"}
    assert only_entry(answer)["name"] == kept
    assert not (site.root / "x").exists() and not (site.root.parent / "x").exists()


def test_a_300_byte_filename_is_cut_to_at_most_255_bytes_keeping_its_extension(site):
    sent = "\u00e9" * 148 + "abc.txt"  # 296 + 7 bytes of UTF-8
    assert len(sent.encode()) > 300
    answer = post_form(site, "/up/", form(part("f", b"LONG", sent)))
    assert answer.status_code == 201, answer.text
    (name, content), = stored(site.root / "store").items()
    assert content == b"LONG"
    assert len(name.encode()) <= 255 and name.endswith(".txt") and name.startswith("\u00e9" * 100)


@pytest.mark.parametrize("filename", ["..", "...", "a/..", "\u202e", " \t"],
                         ids=["dotdot", "dots", "dir-dotdot", "bidi-only", "blank"])
def test_a_file_part_with_an_unusable_name_is_400_and_nothing_is_stored(site, filename):
    body = form(part("ok", b"fine", "fine.txt"), part("f", b"DATA", filename))
    answer = post_form(site, "/up/", body)
    assert answer.status_code == 400
    assert leftovers(site.root / "store") == []


def test_a_file_input_left_empty_is_skipped_and_the_other_files_stored(site):
    # What a browser sends for a file input with no file chosen: filename="" and no content.
    body = form(part("none", b"", ""), part("f", b"real", "real.txt"), part("t", b"v"))
    answer = post_form(site, "/up/", body)
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"real.txt": b"real"}
    assert [e["field"] for e in answer.json()["stored"]] == ["f"] and answer.json()["fields"] == {"t": "v"}


def test_three_uploads_of_one_name_are_numbered_and_the_earlier_ones_untouched(site):
    for i in range(3):
        answer = post_form(site, "/up/", form(part("f", f"version {i}".encode(), "a.txt")))
        assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"a.txt": b"version 0", "a-1.txt": b"version 1", "a-2.txt": b"version 2"}
    assert only_entry(answer)["name"] == "a-2.txt"


def test_two_parts_of_one_name_in_one_form_are_numbered(site):
    answer = post_form(site, "/up/", form(part("f", b"ONE", "same.tar.gz"), part("g", b"TWO", "same.tar.gz")))
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"same.tar.gz": b"ONE", "same.tar-1.gz": b"TWO"}


def test_an_existing_file_is_never_overwritten(serve):
    running = serve(CONFIG, files={**FILES, "store/a.txt": b"ORIGINAL"})
    answer = post_form(running, "/up/", form(part("f", b"NEW", "a.txt")))
    assert answer.status_code == 201, answer.text
    assert stored(running.root / "store") == {"a.txt": b"ORIGINAL", "a-1.txt": b"NEW"}


def test_no_temporary_file_is_left_after_a_successful_upload(site):
    answer = post_form(site, "/up/", form(part("f", os.urandom(300_000), "r.bin")), chunked=True)
    assert answer.status_code == 201, answer.text
    assert leftovers(site.root / "store") == ["r.bin"]


# -- raw bodies ---------------------------------------------------------------------

def test_raw_post_with_content_length_is_stored_under_the_decoded_uri_name(site):
    content = b"\x00raw\r\nbody\xff" * 100
    answer = requests.post(site.url("/up/hello%20world.bin"), data=content, timeout=10,
                           headers={"Content-Type": "application/octet-stream"})
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"hello world.bin": content}


def test_raw_post_chunked_is_stored(site):
    content = os.urandom(200_000)
    answer = requests.post(site.url("/up/chunked.bin"), data=_pieces(content, 4099), timeout=10,
                           headers={"Content-Type": "application/octet-stream"})
    assert answer.request.headers.get("Transfer-Encoding") == "chunked"
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"chunked.bin": content}


def test_raw_post_name_collisions_are_numbered(site):
    for content in (b"1", b"2"):
        assert requests.post(site.url("/up/r.txt"), data=content, timeout=10, headers=RAW).status_code == 201
    assert stored(site.root / "store") == {"r.txt": b"1", "r-1.txt": b"2"}


def test_raw_post_to_a_dotfile_name_is_stored_with_an_underscore(site):
    answer = requests.post(site.url("/up/.env"), data=b"SECRET=1", timeout=10, headers=RAW)
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"_env": b"SECRET=1"}


def test_raw_post_without_content_type_is_stored_raw(site):
    answer = requests.post(site.url("/up/untyped"), data=b"--" + BOUNDARY.encode() + b"\r\n", timeout=10)
    assert "Content-Type" not in answer.request.headers
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"untyped": b"--" + BOUNDARY.encode() + b"\r\n"}


def test_raw_post_to_the_location_itself_is_400_and_nothing_is_stored(site):
    answer = requests.post(site.url("/up/"), data=b"no name", timeout=10,
                           headers={"Content-Type": "application/octet-stream"})
    assert answer.status_code == 400
    assert leftovers(site.root / "store") == []


# -- the answer --------------------------------------------------------------------

def test_the_answer_is_201_with_a_location_that_serves_the_stored_bytes(site):
    content = b"\x00\x01served\r\n"
    answer = post_form(site, "/up/", form(part("f", content, "served.bin"), part("g", b"2nd", "second.txt")))
    assert answer.status_code == 201 and answer.reason == "Created"
    assert answer.headers["Location"] == f"http://127.0.0.1:{site.port}/up/served.bin"
    got = requests.get(answer.headers["Location"], timeout=10)
    assert got.status_code == 200 and got.content == content


def test_a_unicode_name_has_a_location_that_serves_it(site):
    name = "\u00fcber \u65e5\u672c.txt"
    answer = post_form(site, "/up/", form(part("f", b"UNI", name)))
    assert answer.status_code == 201, answer.text
    location = answer.headers["Location"]
    path = urlsplit(location).path
    assert unquote(path) == "/up/" + name and path.isascii() and " " not in path
    assert only_entry(answer)["location"] == path
    assert requests.get(location, timeout=10).content == b"UNI"


def test_json_answer_lists_stored_files_and_form_fields(site):
    body = form(part("title", "caf\u00e9 \u2615".encode()), part("doc", b"12345", "doc.txt"), part("tag", b"x"))
    answer = post_form(site, "/up/", body, accept="application/json")
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"stored": [{"field": "doc", "name": "doc.txt", "size": 5, "location": "/up/doc.txt"}],
                             "fields": {"title": "caf\u00e9 \u2615", "tag": "x"}}


def test_html_answer_links_each_stored_file_with_its_size(site):
    body = form(part("f", b"abc", "a.txt"), part("g", b"", "b.txt"))
    answer = post_form(site, "/up/", body, accept="text/html")
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"].startswith("text/html")
    assert '<li><a href="/up/a.txt">a.txt</a> (3 bytes)</li>' in answer.text
    assert '<li><a href="/up/b.txt">b.txt</a> (0 bytes)</li>' in answer.text


def test_a_store_not_served_by_its_location_gets_no_location_header_nor_links(site):
    answer = post_form(site, "/hidden/", form(part("f", b"HID", "h.txt")))
    assert answer.status_code == 201, answer.text
    assert "Location" not in answer.headers
    assert only_entry(answer)["location"] is None
    assert stored(site.root / "hidden") == {"h.txt": b"HID"}
    html = post_form(site, "/hidden/", form(part("f", b"HID", "h2.txt")), accept="text/html")
    assert html.status_code == 201 and "h2.txt (3 bytes)" in html.text and "h2.txt\"" not in html.text


def test_get_on_the_upload_location_is_its_static_behaviour(serve):
    running = serve(CONFIG, files={**FILES, "store/there.txt": b"THERE"})
    assert requests.get(running.url("/up/there.txt"), timeout=10).content == b"THERE"
    assert requests.get(running.url("/up/missing.txt"), timeout=10).status_code == 404
    assert requests.head(running.url("/up/there.txt"), timeout=10).headers["Content-Length"] == "5"


# -- limits, methods, lifecycle ---------------------------------------------------

def padded_form(total: int) -> bytes:
    """A one-file form exactly ``total`` bytes long."""
    empty = form(part("f", b"", "pad.bin"))
    return form(part("f", b"p" * (total - len(empty)), "pad.bin"))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_form_exactly_at_client_max_body_size_is_accepted(site, chunked):
    body = padded_form(LIMIT)
    assert len(body) == LIMIT
    answer = post_form(site, "/small/", body, chunked=chunked)
    assert answer.status_code == 201, answer.text
    assert leftovers(site.root / "small") == ["pad.bin"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_raw_body_exactly_at_client_max_body_size_is_accepted(site, chunked):
    content = b"r" * LIMIT
    answer = requests.post(site.url("/small/raw.bin"), timeout=10, headers=RAW,
                           data=_pieces(content, 300) if chunked else content)
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "small") == {"raw.bin": content}


@pytest.mark.parametrize("kind", ["form", "raw"])
def test_one_byte_over_client_max_body_size_by_content_length_is_413_before_the_body(site, kind):
    headers = {"Content-Length": str(LIMIT + 1)}
    path = "/small/"
    if kind == "form":
        headers["Content-Type"] = form_type()
    else:
        path = "/small/raw.bin"
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes(path, headers, site.port))  # no body at all: the answer comes anyway
        data = closed_after_answer(sock)
    reply, rest = parse(data)
    assert reply.status == 413 and rest == b""
    assert leftovers(site.root / "small") == []


@pytest.mark.parametrize("kind", ["form", "raw"])
def test_a_chunked_body_one_byte_over_client_max_body_size_is_413_and_the_connection_closes(site, kind):
    if kind == "form":
        path, (headers, chunks) = "/small/", framed(padded_form(LIMIT + 1), chunked=True, size=100)
    else:
        path, headers, chunks = "/small/raw.bin", {"Transfer-Encoding": "chunked"}, chunk_coded(b"r" * (LIMIT + 1), 100)
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes(path, headers, site.port) + chunks)
        data = closed_after_answer(sock)
    reply, _ = parse(data)
    assert reply.status == 413
    assert data.count(b"HTTP/1.1 ") == 1
    wait_idle(site.port)
    assert leftovers(site.root / "small") == []


def test_expect_100_continue_gets_100_then_201(site):
    body = form(part("f", b"continued", "c.txt"))
    headers = {"Content-Type": form_type(), "Content-Length": str(len(body)), "Expect": "100-continue",
               "Connection": "close"}
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes("/up/", headers, site.port))
        interim = receive(sock, 10, until=b"\r\n\r\n")
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        reply, _ = parse(receive(sock, 10))
    assert reply.status == 201
    assert stored(site.root / "store") == {"c.txt": b"continued"}


@pytest.mark.parametrize("kind", ["form", "raw"])
def test_expect_100_continue_over_the_limit_gets_413_without_100(site, kind):
    headers = {"Content-Length": str(LIMIT + 1), "Expect": "100-continue"}
    path = "/small/raw.bin"
    if kind == "form":
        headers["Content-Type"] = form_type()
        path = "/small/"
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes(path, headers, site.port))
        data = closed_after_answer(sock)
    assert data.startswith(b"HTTP/1.1 413 "), data[:200]
    assert b"100 Continue" not in data
    assert leftovers(site.root / "small") == []


def test_allow_methods_refuses_a_post_with_405_and_allow_before_the_body(site):
    headers = {"Content-Type": form_type(), "Content-Length": "50000"}
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes("/getonly/", headers, site.port))  # the body never comes
        reply, _ = parse(receive(sock, 10, until=b"\r\n\r\n"))
    assert reply.status == 405
    assert set(reply.header("Allow").replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert leftovers(site.root / "getonly") == []


def test_an_uploaded_file_is_deleted_through_its_location_then_is_404(site):
    answer = post_form(site, "/up/", form(part("f", b"short-lived", "gone.txt")))
    assert answer.status_code == 201, answer.text
    location = answer.headers["Location"]
    assert requests.get(location, timeout=10).content == b"short-lived"
    assert requests.delete(location, timeout=10).status_code == 204
    assert requests.get(location, timeout=10).status_code == 404
    assert leftovers(site.root / "store") == []


def test_form_fields_over_their_64_kib_budget_are_413_and_nothing_is_stored(site):
    body = form(part("f", b"kept?", "first.txt"), part("a", b"v" * 40_000), part("b", b"w" * 40_000))
    reply = send_raw(site.port, "/up/", {"Content-Type": form_type(), "Content-Length": str(len(body))}, body)
    assert reply.status == 413
    wait_idle(site.port)
    assert leftovers(site.root / "store") == []


# -- failures leave nothing --------------------------------------------------------

ABORT_BODY = form(part("done", b"complete before the cut\r\n", "first.txt"),
                  part("half", os.urandom(150_000), "second.bin"), part("field", b"value"))
FIRST_PART_END = ABORT_BODY.index(b"--" + BOUNDARY.encode(), 10) + len(BOUNDARY) + 4  # the 2nd delimiter read


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_client_closing_mid_body_leaves_nothing_in_the_store(site, chunked):
    rng = random.Random(2026 + chunked)
    cuts = sorted({0, 1, FIRST_PART_END, FIRST_PART_END + 200, len(ABORT_BODY) - 1}
                  | {rng.randrange(1, len(ABORT_BODY)) for _ in range(6)})
    for cut in cuts:
        headers, sent = framed(ABORT_BODY[:cut], chunked, 5000, declared=len(ABORT_BODY), whole=False)
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
            sock.sendall(head_bytes("/up/", headers, site.port) + sent)
        wait_idle(site.port)
        assert leftovers(site.root / "store") == [], f"left after a cut at {cut} of {len(ABORT_BODY)}"
    # and the store still works
    assert post_form(site, "/up/", ABORT_BODY).status_code == 201
    assert leftovers(site.root / "store") == ["first.txt", "second.bin"]


def test_a_raw_body_cut_short_leaves_nothing_in_the_store(site):
    content = os.urandom(100_000)
    for cut in (0, 1, 65_536, 99_999):
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
            sock.sendall(head_bytes("/up/raw.bin", {"Content-Length": str(len(content))}, site.port)
                         + content[:cut])
        wait_idle(site.port)
        assert leftovers(site.root / "store") == [], f"left after a cut at {cut}"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_stalled_body_is_408_and_leaves_nothing_in_the_store(site, chunked):
    body = form(part("done", b"whole part", "first.txt"), part("f", b"x" * 10_000, "stalled.bin"))
    cut = body.index(b"stalled.bin") + 5000
    headers, sent = framed(body[:cut], chunked, declared=len(body), whole=False)
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes("/slow/", headers, site.port) + sent)
        data = closed_after_answer(sock, timeout=10)  # client_body_timeout 1s does the waiting
    assert data.startswith(b"HTTP/1.1 408 ") and time.monotonic() - start < 8
    assert leftovers(site.root / "slow") == []


def test_a_full_disk_is_507_and_the_partial_file_is_removed(serve, mount_tmpfs):
    tiny = mount_tmpfs("size=256k")
    running = serve(config_with(f"location /tiny/ {{ upload_store {tiny}; alias {tiny}/; }}"), files=FILES)
    body = form(part("f", b"kept", "small.txt"), part("g", os.urandom(600_000), "huge.bin"))
    reply = send_raw(running.port, "/tiny/", {"Content-Type": form_type(), "Content-Length": str(len(body))}, body)
    assert reply.status == 507
    wait_idle(running.port)
    assert sorted(os.listdir(tiny)) == []
    reply = send_raw(running.port, "/tiny/huge-raw.bin", {"Content-Type": "application/octet-stream",
                                                           "Content-Length": "600000"}, os.urandom(600_000))
    assert reply.status == 507
    wait_idle(running.port)
    assert sorted(os.listdir(tiny)) == []
    # the space was given back: nearly all of the tmpfs fits again
    again = post_form(running, "/tiny/", form(part("f", b"z" * 200_000, "fits.bin")))
    assert again.status_code == 201, again.text
    assert sorted(os.listdir(tiny)) == ["fits.bin"]


def unwritable_dir(tmp_path: Path, mount_tmpfs) -> Path:
    """A folder this process cannot create files in: mode 0555, or (as root) a read-only tmpfs."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        return folder
    (folder / "probe").unlink()
    folder.chmod(0o755)
    return mount_tmpfs("ro,size=64k")  # root ignores mode bits, not a read-only mount


def test_a_read_only_store_is_500_with_an_error_log_line_naming_it(serve, tmp_path, mount_tmpfs):
    folder = unwritable_dir(tmp_path, mount_tmpfs)
    running = serve(config_with(f"location /ro/ {{ upload_store {folder}; }}"), files=FILES)
    before = len(error_log(running).splitlines())
    answer = post_form(running, "/ro/", form(part("f", b"no", "no.txt")))
    assert answer.status_code == 500
    assert os.listdir(folder) == []
    lines = error_log(running).splitlines()[before:]
    assert any(f'upload_store "{folder}' in line for line in lines), error_log(running)


@pytest.mark.parametrize("path, store", [("/nostore/", "nosuchstore"), ("/filestore/", "afile")],
                         ids=["missing-dir", "regular-file"])
def test_a_store_that_is_not_a_directory_is_500_with_an_error_log_line_naming_it(site, path, store):
    before = len(error_log(site).splitlines())
    answer = post_form(site, path, form(part("f", b"no", "no.txt")))
    assert answer.status_code == 500
    lines = [line for line in error_log(site).splitlines()[before:] if 'upload_store "' in line and store in line]
    assert lines, error_log(site)
    assert (site.root / "afile").read_bytes() == b"I am a file\n"
    assert not (site.root / "nosuchstore").exists()


def test_check_config_warns_about_a_missing_store_and_one_that_is_a_file(tmp_path):
    prefix = tmp_path / "prefix"
    (prefix / "present").mkdir(parents=True)
    (prefix / "plain-file-store").write_text("not a folder\n")
    conf = prefix / "site.conf"
    conf.write_text("server { listen 127.0.0.1:31301; location /a/ { upload_store missing-store-dir; }"
                    " location /b/ { upload_store present; } location /c/ { upload_store plain-file-store; } }\n")
    done = subprocess.run([sys.executable, "-m", "nginxlite", "-t", "-c", str(conf), "-p", str(prefix)],
                          capture_output=True, text=True, env=CHILD_ENV, timeout=60)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "[warn]" in line]
    assert any('upload_store "' in line and "missing-store-dir" in line for line in warnings), done.stderr
    assert any('upload_store "' in line and "plain-file-store" in line for line in warnings), done.stderr
    assert not any("present" in line for line in warnings), done.stderr


# -- edges ------------------------------------------------------------------------

def test_a_name_with_uri_delimiters_gets_a_location_that_serves_it(site):
    name = "100% a#b?c;d&e=f.txt"
    answer = post_form(site, "/up/", form(part("f", b"DELIMS", name)))
    assert answer.status_code == 201, answer.text
    location = answer.headers["Location"]
    assert "#" not in location and "?" not in location
    assert unquote(urlsplit(location).path) == "/up/" + name
    assert requests.get(location, timeout=10).content == b"DELIMS"


def test_html_answer_escapes_hostile_names(site):
    answer = post_form(site, "/up/", form(part("f", b"x", "<img src=x onerror=alert(1)>.txt")), accept="text/html")
    assert answer.status_code == 201, answer.text
    assert "<img" not in answer.text and "&lt;img src=x onerror=alert(1)&gt;.txt" in answer.text


@pytest.mark.parametrize("accept, is_json", [
    ("application/json", True),
    ("text/html, application/json;q=0.5", False),
    ("application/json, */*", True),
    ("*/*", False),
    (None, False),
])
def test_accept_chooses_between_the_json_and_the_html_answer(site, accept, is_json):
    headers = {"Content-Type": form_type()} | ({"Accept": accept} if accept else {})
    answer = requests.post(site.url("/up/"), data=form(part("f", b"x", "acc.txt")), headers=headers, timeout=10)
    assert answer.status_code == 201
    assert answer.headers["Content-Type"].startswith("application/json" if is_json else "text/html")
    if is_json:
        assert answer.json()["stored"][0]["name"] == "acc.txt"


def test_an_existing_symlink_is_not_written_through(serve, tmp_path):
    target = tmp_path / "outside.txt"
    target.write_bytes(b"OUTSIDE")
    running = serve(CONFIG, files=FILES)
    (running.root / "store" / "link.txt").symlink_to(target)
    (running.root / "store" / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    answer = post_form(running, "/up/", form(part("f", b"NEW", "link.txt"), part("g", b"NEW2", "dangling.txt")))
    assert answer.status_code == 201, answer.text
    assert target.read_bytes() == b"OUTSIDE" and not (tmp_path / "nowhere.txt").exists()
    assert [e["name"] for e in answer.json()["stored"]] == ["link-1.txt", "dangling-1.txt"]


def test_two_interleaved_uploads_of_one_name_both_arrive_whole(site):
    bodies = [form(part("f", bytes([65 + i]) * 200_000, "same.bin")) for i in range(2)]
    socks = [socket.create_connection(("127.0.0.1", site.port), timeout=10) for _ in bodies]
    try:
        for sock, body in zip(socks, bodies):
            sock.sendall(head_bytes("/up/", {"Content-Type": form_type(), "Content-Length": str(len(body)),
                                             "Connection": "close"}, site.port))
        for start in range(0, len(bodies[0]), 50_000):
            for sock, body in zip(socks, bodies):
                sock.sendall(body[start:start + 50_000])
        replies = [parse(receive(sock, 10))[0] for sock in socks]
    finally:
        for sock in socks:
            sock.close()
    assert [r.status for r in replies] == [201, 201]
    assert sorted(stored(site.root / "store").values()) == [b"A" * 200_000, b"B" * 200_000]
    assert sorted(stored(site.root / "store")) == ["same-1.bin", "same.bin"]


@contextmanager
def half_sent_upload(running):
    """A connection whose form upload is under way: its first file placed, the second in its temporary file."""
    body = form(part("a", b"first", "first.txt"), part("b", b"y" * 300_000, "second.bin"))
    cut = body.index(b"second.bin") + 100_000
    store = running.root / "store"
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(head_bytes("/up/", {"Content-Type": form_type(), "Content-Length": str(len(body))},
                                running.port) + body[:cut])
        for _ in range(500):  # each stub_status answer means the server had a turn to read our bytes
            names = leftovers(store)
            if "first.txt" in names and any(n.startswith(".nginxlite-upload-") for n in names):
                break
            active_connections(running.port)
        else:
            raise AssertionError(f"the upload never got under way: {leftovers(store)}")
        yield [store / n for n in names]


def test_the_temporary_file_is_private_and_a_part_placed_before_the_abort_is_removed(site):
    with half_sent_upload(site) as paths:
        temp, = (p for p in paths if p.name.startswith(".nginxlite-upload-"))
        assert temp.stat().st_mode & 0o777 == 0o600
        assert (site.root / "store" / "first.txt").read_bytes() == b"first"
    wait_idle(site.port)
    assert leftovers(site.root / "store") == []


def test_a_server_stopped_mid_upload_leaves_nothing_and_exits_cleanly(site):
    with half_sent_upload(site):
        assert site.stop() == 0
    assert leftovers(site.root / "store") == []


@pytest.mark.parametrize("ctype", ["multipart/form-data", "multipart/form-data; boundary=",
                                   'multipart/form-data; boundary="a"; boundary="b"'],
                         ids=["no-boundary", "empty-boundary", "two-boundaries"])
def test_a_form_without_a_usable_boundary_is_400_and_nothing_is_stored(site, ctype):
    answer = requests.post(site.url("/up/"), data=form(part("f", b"x", "x.txt")), timeout=10,
                           headers={"Content-Type": ctype})
    assert answer.status_code == 400
    assert leftovers(site.root / "store") == []


@pytest.mark.parametrize("body", [
    form(part("f", b"whole", "whole.txt"))[:-4],                              # no close delimiter
    form(part("f", b"whole", "whole.txt"), b"Bad header line\r\n\r\nx"),     # a part header that is no header
], ids=["unterminated", "bad-part-header"])
def test_a_malformed_form_is_400_and_leaves_nothing(site, body):
    reply = send_raw(site.port, "/up/", {"Content-Type": form_type(), "Content-Length": str(len(body))}, body)
    assert reply.status == 400
    wait_idle(site.port)
    assert leftovers(site.root / "store") == []


SMUGGLED = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.mark.parametrize("body, status", [
    (form(part("f", b"x", ".."), SMUGGLED), 400),
    (b"--" + BOUNDARY.encode() + b"\r\nBad header\r\n\r\n" + SMUGGLED * 3, 400),
    (padded_form(LIMIT - 200) + b"\r\n" + SMUGGLED * 10, 413),
], ids=["unusable-name", "bad-header", "over-the-limit"])
def test_the_rest_of_a_refused_body_is_never_read_as_requests(site, body, status):
    path = "/small/" if status == 413 else "/up/"
    headers, sent = framed(body, chunked=status == 413, size=100)
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes(path, headers, site.port) + sent + SMUGGLED)
        data = receive(sock, 10)
    assert data.startswith(b"HTTP/1.1 %d " % status), data[:200]
    # at most the one GET after the body is answered, never those inside it
    assert data.count(b"INDEX") <= 1, data


def test_upload_store_in_server_context_is_relative_to_the_prefix(serve):
    running = serve("server { listen 127.0.0.1:PORT0; server_name 127.0.0.1; root ROOT/srvstore;"
                    " upload_store srvstore; }", files={"srvstore/.keep": b""})
    answer = requests.post(running.url("/any/where.txt"), data=b"SRV", timeout=10, headers=RAW)
    assert answer.status_code == 201, answer.text
    assert stored(running.root / "srvstore") == {"where.txt": b"SRV"}
    assert "Location" not in answer.headers  # /any/where.txt maps to srvstore/any/where.txt
    form_answer = post_form(running, "/", form(part("f", b"TOP", "top.txt")))
    assert form_answer.headers["Location"] == f"http://127.0.0.1:{running.port}/top.txt"
    assert requests.get(form_answer.headers["Location"], timeout=10).content == b"TOP"


def test_keep_alive_goes_on_after_an_upload(site):
    with requests.Session() as session:
        for i in range(3):
            answer = session.post(site.url(f"/up/k{i}.txt"), data=b"K%d" % i, headers=RAW, timeout=10)
            assert answer.status_code == 201
        assert session.get(site.url("/up/k1.txt"), timeout=10).content == b"K1"
    assert stored(site.root / "store") == {"k0.txt": b"K0", "k1.txt": b"K1", "k2.txt": b"K2"}


def test_form_field_names_count_in_the_64_kib_budget_too(site):
    body = form(*(part(f"{i:04d}" + "n" * 996, b"") for i in range(100)))  # 100 KB of names, no value
    reply = send_raw(site.port, "/up/", {"Content-Type": form_type(), "Content-Length": str(len(body)),
                                         "Accept": "application/json"}, body)
    assert reply.status == 413


def test_pipelined_uploads_on_one_connection_are_all_stored(site):
    bodies = [form(part("f", b"P%d" % i * 10_000, f"p{i}.txt")) for i in range(3)]
    data = b""
    for i, body in enumerate(bodies):
        last = {"Connection": "close"} if i == len(bodies) - 1 else {}
        data += head_bytes("/up/", {"Content-Type": form_type(), "Content-Length": str(len(body)),
                                    "Accept": "application/json", **last}, site.port) + body
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(data)
        replies = parse_all(receive(sock, 10))
    assert [r.status for r in replies] == [201, 201, 201]
    assert stored(site.root / "store") == {f"p{i}.txt": b"P%d" % i * 10_000 for i in range(3)}


def test_expect_100_continue_with_a_chunked_body(site):
    headers = {"Content-Type": form_type(), "Transfer-Encoding": "chunked", "Expect": "100-continue",
               "Connection": "close"}
    body = form(part("f", TRICKY, "exp.bin"))
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(head_bytes("/up/", headers, site.port))
        assert receive(sock, 10, until=b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in _pieces(body, 33))
                     + b"0\r\nX-Trailer: t\r\n\r\n")
        reply, _ = parse(receive(sock, 10))
    assert reply.status == 201
    assert stored(site.root / "store") == {"exp.bin": TRICKY}


def test_a_store_with_a_non_ascii_path_works(serve):
    running = serve(config_with("location /u/ { upload_store d\u00e9p\u00f4t; alias ROOT/d\u00e9p\u00f4t/; }"),
                    files={**FILES, "d\u00e9p\u00f4t/.keep": b""})
    answer = post_form(running, "/u/", form(part("f", b"UTF", "\u00e9t\u00e9.txt")))
    assert answer.status_code == 201, answer.text
    assert stored(running.root / "d\u00e9p\u00f4t") == {"\u00e9t\u00e9.txt": b"UTF"}
    assert requests.get(answer.headers["Location"], timeout=10).content == b"UTF"


def test_a_relative_store_is_under_the_prefix_not_the_working_directory(tmp_path):
    prefix, elsewhere = tmp_path / "prefix", tmp_path / "elsewhere"
    (prefix / "rel").mkdir(parents=True)
    (elsewhere / "rel").mkdir(parents=True)
    conf = prefix / "site.conf"
    rng = random.Random()
    for port in rng.sample(range(31300, 31450), 5):  # started by hand: the ports set aside for that
        conf.write_text(f"server {{ listen 127.0.0.1:{port}; location /r/ {{ upload_store rel; }} }}\n")
        proc = subprocess.Popen([sys.executable, "-m", "nginxlite", "-c", str(conf), "-p", str(prefix)],
                                cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=CHILD_ENV)
        try:
            read_until(proc.stdout, b"listening on", 1, time.monotonic() + 15, proc)
        except RuntimeError:
            continue  # that port was taken
        try:
            answer = requests.post(f"http://127.0.0.1:{port}/r/where.txt", data=b"W", headers=RAW, timeout=10)
        finally:
            proc.terminate()
            assert proc.wait(15) == 0
        break
    else:
        pytest.fail("no free port in 31300-31449")
    assert answer.status_code == 201
    assert os.listdir(prefix / "rel") == ["where.txt"] and os.listdir(elsewhere / "rel") == []


def test_an_error_page_inside_the_upload_location_is_served_not_stored(serve):
    conf = config_with("location /ep/ { upload_store ep; alias ROOT/ep/; client_max_body_size 10;"
                       " error_page 400 413 /ep/err.html; }")
    running = serve(conf, files={**FILES, "ep/err.html": b"CUSTOM ERROR\n"})
    too_big = requests.post(running.url("/ep/x.txt"), data=b"x" * 11, headers=RAW, timeout=10)
    assert (too_big.status_code, too_big.content) == (413, b"CUSTOM ERROR\n")
    no_name = requests.post(running.url("/ep/"), data=b"y", headers=RAW, timeout=10)
    assert (no_name.status_code, no_name.content) == (400, b"CUSTOM ERROR\n")
    assert sorted(os.listdir(running.root / "ep")) == ["err.html"]


def test_a_long_name_numbered_on_collision_stays_within_255_bytes(site):
    name = "n" * 251 + ".txt"
    for content in (b"1", b"2"):
        assert post_form(site, "/up/", form(part("f", content, name))).status_code == 201
    names = stored(site.root / "store")
    assert sorted(names.values()) == [b"1", b"2"]
    assert all(len(n.encode()) <= 255 and n.endswith(".txt") for n in names) and name in names


def test_broken_chunked_framing_mid_upload_is_400_and_leaves_nothing(site):
    body = form(part("a", b"first", "first.txt"), part("b", b"z" * 20_000, "second.bin"))
    cut = body.index(b"second.bin") + 5000
    sent = chunk_coded(body[:cut], 1000, last=b"") + b"zz-not-hex\r\n" + body[cut:]
    headers = {"Content-Type": form_type(), "Transfer-Encoding": "chunked"}
    reply = send_raw(site.port, "/up/", headers, sent)
    assert reply.status == 400
    wait_idle(site.port)
    assert leftovers(site.root / "store") == []


def test_the_form_content_type_and_its_boundary_parameter_are_case_insensitive(site):
    answer = requests.post(site.url("/up/"), data=form(part("f", b"case", "case.txt")), timeout=10,
                           headers={"Content-Type": f"Multipart/Form-Data; BOUNDARY=\"{BOUNDARY}\""})
    assert answer.status_code == 201, answer.text
    assert stored(site.root / "store") == {"case.txt": b"case"}


def test_a_location_with_root_instead_of_alias_also_gets_a_location_header(serve):
    running = serve("server { listen 127.0.0.1:PORT0; server_name 127.0.0.1;"
                    " location /r/ { root ROOT; upload_store r; } }", files={"r/.keep": b""})
    answer = post_form(running, "/r/", form(part("f", b"ROOTED", "rooted.txt")))
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == f"http://127.0.0.1:{running.port}/r/rooted.txt"
    assert requests.get(answer.headers["Location"], timeout=10).content == b"ROOTED"


def test_a_form_over_the_part_limit_is_413_and_the_files_already_placed_are_removed(site):
    body = form(*(part("f", b"%d" % i, f"many{i}.txt") for i in range(1001)))  # MAX_PARTS is 1000
    reply = send_raw(site.port, "/up/", {"Content-Type": form_type(), "Content-Length": str(len(body))}, body)
    assert reply.status == 413
    wait_idle(site.port)
    assert leftovers(site.root / "store") == []


def test_when_every_numbered_name_is_taken_the_upload_is_refused_and_leaves_nothing(site):
    store = site.root / "store"
    for n in range(10_000):  # a.txt, a-1.txt ... a-9999.txt: all the names numbering tries
        (store / ("full.txt" if n == 0 else f"full-{n}.txt")).write_bytes(b"")
    answer = post_form(site, "/up/", form(part("f", b"one too many", "full.txt")))
    assert answer.status_code == 409
    assert len(leftovers(store)) == 10_000 and not any(n.startswith(".nginxlite-upload-") for n in leftovers(store))
