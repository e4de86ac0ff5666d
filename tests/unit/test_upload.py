"""Uploads without sockets: the pipeline's sink for a POST to an ``upload_store`` location,
fed the body in pieces as the connection would."""

from __future__ import annotations

import errno
import json
import os

import pytest

from nginxlite.config import load_config
from nginxlite.handlers import upload
from nginxlite.handlers.pipeline import ConnInfo, Exchange, end_body, feed_body, respond
from nginxlite.http.body import Sink
from nginxlite.http.parser import parse_head
from nginxlite.http.response import Response

BOUNDARY = "b0undary"


def form(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body of (field, filename or None, data) parts."""
    out = b""
    for field, filename, data in parts:
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def site(write, tmp_path):
    (tmp_path / "store").mkdir()
    path = write("site.conf", f"server {{ listen 8080; root {tmp_path};\n"
                              "location /store/ { upload_store store; client_max_body_size 1k; }\n"
                              "location /nowhere/ { upload_store missing; } }")
    config = load_config(path, str(tmp_path))
    return next(iter(config.vhosts.values()))


def post(vhosts, target: str, body: bytes, ctype: str | None = f"multipart/form-data; boundary={BOUNDARY}",
         pieces: int = 7, extra: str = "", chunked: bool = False):
    """The answer to a POST, its body fed in ``pieces``; (response, exchange)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = f"POST {target} HTTP/1.1\r\nHost: x\r\n{framing}\r\n" + (f"Content-Type: {ctype}\r\n" if ctype else "")
    ex = Exchange(parse_head((head + extra).rstrip("\r\n")), ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, vhosts))
    sink = respond(ex)
    if type(sink) is Response:
        return sink, ex
    step = max(1, len(body) // pieces)
    for at in range(0, len(body), step):
        failed = feed_body(ex, sink, body[at:at + step])
        if failed is not None:
            return failed, ex
    return end_body(ex, sink), ex


def listing(tmp_path) -> list[str]:
    return sorted(os.listdir(tmp_path / "store"))


def test_file_parts_are_stored_whole_and_fields_reported(site, tmp_path):
    data = b"\x00\r\n--b0undaryX\r\n--b0undar\r\n"
    response, _ = post(site, "/store/", form(("f", "a.bin", data), ("k", None, b"v\xc3\xa9"), ("g", "b.txt", b"B")),
                       extra="Accept: application/json\r\n")
    assert response.status == 201 and response.headers[1] == ("Location", "http://x:8080/store/a.bin")
    answer = json.loads(response.body)
    assert answer == {"stored": [{"field": "f", "name": "a.bin", "size": len(data), "location": "/store/a.bin"},
                                 {"field": "g", "name": "b.txt", "size": 1, "location": "/store/b.txt"}],
                      "fields": {"k": "vé"}}
    assert listing(tmp_path) == ["a.bin", "b.txt"] and (tmp_path / "store" / "a.bin").read_bytes() == data


def test_an_existing_name_is_never_overwritten(site, tmp_path):
    (tmp_path / "store" / "a.txt").write_bytes(b"original")
    for _ in range(2):
        assert post(site, "/store/", form(("f", "a.txt", b"new")))[0].status == 201
    assert listing(tmp_path) == ["a-1.txt", "a-2.txt", "a.txt"]
    assert (tmp_path / "store" / "a.txt").read_bytes() == b"original"


def test_names_are_reduced_to_a_safe_basename(site, tmp_path):
    response, _ = post(site, "/store/", form(("f", "../../x", b"1"), ("g", ".env", b"2")))
    assert response.status == 201 and listing(tmp_path) == ["_env", "x"]
    assert b'<a href="/store/x">x</a> (1 bytes)' in response.body


def test_an_unusable_file_name_is_a_400_and_nothing_stays(site, tmp_path):
    response, _ = post(site, "/store/", form(("f", "ok.txt", b"1"), ("g", "..", b"2")))
    assert response.status == 400 and listing(tmp_path) == []


def test_a_file_input_left_empty_is_skipped(site, tmp_path):
    response, _ = post(site, "/store/", form(("f", "", b""), ("k", None, b"v")), extra="Accept: application/json\r\n")
    assert response.status == 201 and json.loads(response.body) == {"stored": [], "fields": {"k": "v"}}


def test_a_raw_body_is_stored_under_the_uris_name(site, tmp_path):
    response, _ = post(site, "/store/r%C3%A9sum%C3%A9.pdf", b"%PDF", "application/pdf")
    assert response.status == 201 and listing(tmp_path) == ["résumé.pdf"]
    assert ("Location", "http://x:8080/store/r%C3%A9sum%C3%A9.pdf") in response.headers
    assert post(site, "/store/", b"x", "text/plain")[0].status == 400  # no name to store it under


def test_a_chunked_body_over_client_max_body_size_is_413_and_nothing_stays(site, tmp_path):
    response, ex = post(site, "/store/big", b"x" * 1025, "application/octet-stream", pieces=3, chunked=True)
    assert response.status == 413 and listing(tmp_path) == []
    assert "too large chunked body" in ex.notes[0]
    assert post(site, "/store/fits", b"x" * 1024, "application/octet-stream", chunked=True)[0].status == 201


def test_form_fields_have_a_budget(site, tmp_path, monkeypatch):
    monkeypatch.setattr(upload, "FIELDS_BUDGET", 10)
    response, _ = post(site, "/store/", form(("k", None, b"v" * 11)))
    assert response.status == 413


def test_an_upload_cut_short_removes_what_it_stored(site, tmp_path):
    body = form(("f", "one.txt", b"1"), ("g", "two.txt", b"2" * 100))
    ex = Exchange(parse_head(f"POST /store/ HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                             f"Content-Type: multipart/form-data; boundary={BOUNDARY}"),
                  ConnInfo("127.0.0.1", 8080, "10.0.0.1", 5555, site))
    sink = respond(ex)
    assert isinstance(sink, Sink)
    feed_body(ex, sink, body[:len(body) - 50])  # one.txt placed, two.txt half-written
    assert "one.txt" in listing(tmp_path) and any(n.startswith(".nginxlite-upload-") for n in listing(tmp_path))
    sink.abort()  # the client went away
    assert listing(tmp_path) == []


def test_a_body_without_its_close_delimiter_is_a_400(site, tmp_path):
    body = form(("f", "a.txt", b"1"))[:-len(f"--{BOUNDARY}--\r\n")]
    assert post(site, "/store/", body)[0].status == 400 and listing(tmp_path) == []


def test_a_full_disk_is_507_and_the_partial_file_is_removed(site, tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(upload.os, "write", full)
    response, ex = post(site, "/store/", form(("f", "a.txt", b"data")))
    assert response.status == 507 and listing(tmp_path) == []
    assert "write()" in ex.notes[0] and "(28: No space left on device)" in ex.notes[0]


def test_a_missing_store_is_500_with_the_reason_in_the_error_log(site):
    response, ex = post(site, "/nowhere/", form(("f", "a.txt", b"1")))
    assert response.status == 500
    assert 'upload_store "' in ex.notes[0] and "missing\" is not usable (2: No such file or directory)" in ex.notes[0]


@pytest.mark.parametrize("accept, wanted", [
    (None, False), ("application/json", True), ("text/html,application/json;q=0.9", False),
    ("application/json, text/html;q=0.5", True), ("*/*", False), ("application/json;q=0", False),
    ("text/html;q=0.1, application/json;q=0.2", True),
])
def test_json_is_answered_when_accept_prefers_it(accept, wanted):
    assert upload.prefers_json(accept) is wanted


def test_a_nameless_file_part_with_content_is_a_400(site, tmp_path):
    assert post(site, "/store/", form(("f", "", b"data")))[0].status == 400 and listing(tmp_path) == []


def test_form_field_names_count_in_the_budget(site, monkeypatch):
    monkeypatch.setattr(upload, "FIELDS_BUDGET", 10)
    assert post(site, "/store/", form(("n" * 11, None, b"")))[0].status == 413
