"""HTTPS beside nginx: several certificate pairs in one server, ssl_buffer_size on the wire,
and SNI over three servers of one listener.

Certificates are made at test time with ``openssl`` (none is committed).  Each test runs the
same configuration in nginxlite and in nginx and asserts the same observations.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl

import pytest

from test_tls import make_cert

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def make_pair(folder, name: str, kind: str) -> tuple[str, str]:
    """A self-signed certificate with CN ``name`` and an RSA 2048 or ECDSA P-256 key."""
    return make_cert(folder, name, kind=kind)


@pytest.fixture
def pairs(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    made = {
        "rsa": make_pair(folder, "dual-rsa", "rsa"),
        "ecdsa": make_pair(folder, "dual-ecdsa", "ecdsa"),
        "rsa2": make_pair(folder, "sni-rsa", "rsa"),
        "ecdsa2": make_pair(folder, "sni-ecdsa", "ecdsa"),
    }
    bundle = folder / "ca.pem"
    bundle.write_text("".join(open(c).read() for c, _ in made.values()))
    made["ca"] = str(bundle)
    return made


def client(ca: str, tls12_ciphers: str | None = None) -> ssl.SSLContext:
    """A client that trusts ``ca`` (names unchecked); with ``tls12_ciphers``: TLS 1.2 and only those."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(ca)
    if tls12_ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(tls12_ciphers)
    return ctx


def common_name(cert: dict) -> str:
    return dict(item[0] for item in cert["subject"])["commonName"]


def fetch(ctx: ssl.SSLContext, port: int, name: str | None, host: str) -> tuple[str, str, str, str]:
    """One request for /who; returns (certificate CN, protocol, cipher, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=name) as tls:
            tls.sendall(f"GET /who HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
            body = data.partition(b"\r\n\r\n")[2].decode()
            return common_name(tls.getpeercert()), tls.version(), tls.cipher()[0], body


# -- several certificate pairs ------------------------------------------------------------

def dual_site(pairs) -> str:
    (ra, rk), (ea, ek), (r2, r2k), (e2, e2k) = pairs["rsa"], pairs["ecdsa"], pairs["rsa2"], pairs["ecdsa2"]
    return f"""
ssl_protocols TLSv1.2 TLSv1.3;
server {{
    listen 127.0.0.1:PORT0 ssl default_server;
    server_name dual.test;
    ssl_certificate {ra};
    ssl_certificate_key {rk};
    ssl_certificate {ea};
    ssl_certificate_key {ek};
    location = /who {{ return 200 "dual"; }}
}}
server {{
    listen 127.0.0.1:PORT0 ssl;
    server_name sni.test;
    ssl_certificate {e2};
    ssl_certificate_key {e2k};
    ssl_certificate {r2};
    ssl_certificate_key {r2k};
    location = /who {{ return 200 "sni"; }}
}}
"""


ECDSA_ONLY = "ECDHE-ECDSA-AES128-GCM-SHA256"
RSA_ONLY = "ECDHE-RSA-AES128-GCM-SHA256"


def dual_answers(pairs, port: int) -> list[tuple[str, str, str, str]]:
    answers = []
    for name in ("dual.test", "sni.test", None):
        for ciphers in (ECDSA_ONLY, RSA_ONLY, None):
            answers.append(fetch(client(pairs["ca"], ciphers), port, name, name or "dual.test"))
    return answers


def test_rsa_and_ecdsa_pairs_in_one_server(serve, oracle, pairs):
    """A client that can only verify ECDSA gets the ECDSA certificate, one restricted to RSA
    the RSA one, in the default server and in one chosen by SNI; nginx does the same."""
    ours = dual_answers(pairs, serve(dual_site(pairs)).port)
    expected_cn = ["dual-ecdsa", "dual-rsa", None, "sni-ecdsa", "sni-rsa", None, "dual-ecdsa", "dual-rsa", None]
    for (cn, protocol, cipher, body), want in zip(ours, expected_cn):
        if want is not None:
            assert (cn, protocol) == (want, "TLSv1.2")
            assert cipher == (ECDSA_ONLY if want.endswith("ecdsa") else RSA_ONLY)
    assert [a[3] for a in ours] == ["dual"] * 3 + ["sni"] * 3 + ["dual"] * 3
    assert ours == dual_answers(pairs, oracle(dual_site(pairs)).port)


# -- ssl_buffer_size -------------------------------------------------------------------------

TLS13_OVERHEAD = 1 + 16  # the inner content type byte and the AEAD tag (every TLS 1.3 suite: 16)
LARGE = os.urandom(300_000)


def buffer_site(pairs) -> str:
    ea, ek = pairs["ecdsa"]
    return f"""
ssl_protocols TLSv1.3;
ssl_certificate {ea};
ssl_certificate_key {ek};
server {{
    listen 127.0.0.1:PORT0 ssl default_server;
    server_name small.test;
    ssl_buffer_size 4k;
    root ROOT/www;
}}
server {{
    listen 127.0.0.1:PORT0 ssl;
    server_name big.test;
    root ROOT/www;
}}
server {{
    listen 127.0.0.1:PORT0 ssl;
    server_name odd.test;
    ssl_buffer_size 1000;
    root ROOT/www;
}}
"""


def record_sizes(port: int, name: str | None, host: str) -> tuple[list[int], bytes]:
    """GET /large.bin through an ``SSLObject`` over memory BIOs, splitting the server's bytes
    into TLS records on the way: returns (the application-data records' lengths, the body)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
    sizes: list[int] = []
    pending = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:

        def receive() -> bool:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            pending.extend(chunk)
            while len(pending) >= 5:
                length = int.from_bytes(pending[3:5], "big")
                if len(pending) < 5 + length:
                    break
                if pending[0] == 23:  # application data (TLS 1.3: every encrypted record)
                    sizes.append(length)
                incoming.write(bytes(pending[:5 + length]))
                del pending[:5 + length]
            return True

        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(outgoing.read())
                assert receive(), "closed during the handshake"
        tls.write(f"GET /large.bin HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        sock.sendall(outgoing.read())
        data = b""
        while True:
            try:
                chunk = tls.read(65536)
            except ssl.SSLWantReadError:
                if not receive():
                    break
                continue
            except ssl.SSLZeroReturnError:  # close_notify
                break
            if not chunk:
                break
            data += chunk
        assert tls.version() == "TLSv1.3"
    return sizes, data.partition(b"\r\n\r\n")[2]


def largest_records(port: int) -> list[int]:
    largest = []
    for name, host in (("small.test", "small.test"), ("big.test", "big.test"), ("odd.test", "odd.test"),
                       (None, "big.test"), ("small.test", "big.test"), ("unknown.test", "odd.test")):
        sizes, body = record_sizes(port, name, host)
        assert body == LARGE
        largest.append(max(sizes))
    return largest


def test_ssl_buffer_size_bounds_the_records_written(serve, oracle, pairs):
    """Records carry at most ssl_buffer_size bytes of plaintext (16k by default), those of the
    server the SNI name chose (the default server's without a known name), whatever the
    Host header says; a large file fills them to the bound.  nginx writes the same."""
    files = {"www/large.bin": LARGE}
    ours = largest_records(serve(buffer_site(pairs), files=files).port)
    assert ours == [n + TLS13_OVERHEAD for n in (4096, 16384, 1000, 4096, 4096, 4096)]
    assert ours == largest_records(oracle(buffer_site(pairs), files=files).port)


# -- SNI over three named servers and a default one -------------------------------------------

@pytest.fixture
def sni_certs(tmp_path):
    folder = tmp_path / "sni"
    folder.mkdir()
    made = {name: make_pair(folder, name, "ecdsa") for name in ("fallback", "exact", "wild", "regex")}
    bundle = folder / "ca.pem"
    bundle.write_text("".join(open(c).read() for c, _ in made.values()))
    made["ca"] = str(bundle)
    return made


def sni_site(certs) -> str:
    servers = [("fallback", "default.test", " default_server"), ("exact", "exact.example.test", ""),
               ("wild", "*.example.test", ""), ("regex", r"~^www\d+\.", "")]
    text = "ssl_protocols TLSv1.2 TLSv1.3;\n"
    for key, name, default in servers:
        cert, cert_key = certs[key]
        text += (f"server {{ listen 127.0.0.1:PORT0 ssl{default}; server_name {name}; "
                 f"ssl_certificate {cert}; ssl_certificate_key {cert_key}; "
                 f"location = /who {{ return 200 \"{key} $host [$ssl_server_name]\"; }} }}\n")
    return text


SNI_CASES = [  # (SNI name, Host)
    ("exact.example.test", "exact.example.test"),
    ("EXACT.Example.Test", "exact.example.test"),  # names are caseless
    ("foo.example.test", "foo.example.test"),
    ("a.b.example.test", "a.b.example.test"),
    ("www12.other.test", "www12.other.test"),
    ("www1.example.test", "www1.example.test"),  # a wildcard wins over a regex
    ("default.test", "default.test"),
    (None, "exact.example.test"),  # no name: the default server's certificate, Host picks the server
    ("nobody.test", "nobody.test"),
    ("foo.example.test", "www3.x.test"),  # the name picks the certificate, Host the server
    ("www7.x.test", "nobody.test"),
]


def sni_answers(certs, port: int) -> list[tuple[str, str]]:
    ctx = client(certs["ca"])
    return [(cn, body) for cn, _, _, body in (fetch(ctx, port, name, host) for name, host in SNI_CASES)]


def test_sni_three_servers_and_the_default_same_as_nginx(serve, oracle, sni_certs):
    ours = sni_answers(sni_certs, serve(sni_site(sni_certs)).port)
    assert ours == [
        ("exact", "exact exact.example.test [exact.example.test]"),
        ("exact", "exact exact.example.test [EXACT.Example.Test]"),
        ("wild", "wild foo.example.test [foo.example.test]"),
        ("wild", "wild a.b.example.test [a.b.example.test]"),
        ("regex", "regex www12.other.test [www12.other.test]"),
        ("wild", "wild www1.example.test [www1.example.test]"),
        ("fallback", "fallback default.test [default.test]"),
        ("fallback", "exact exact.example.test []"),
        ("fallback", "fallback nobody.test [nobody.test]"),
        ("wild", "regex www3.x.test [foo.example.test]"),
        ("regex", "fallback nobody.test [www7.x.test]"),
    ]
    assert ours == sni_answers(sni_certs, oracle(sni_site(sni_certs)).port)


# -- a slow reader: writes that would block midway through an SSL_write ---------------------

SLOW = os.urandom(3 << 20)


@pytest.mark.parametrize("buffer_size", ["", "ssl_buffer_size 4k;"])
def test_slow_reader_gets_every_byte(serve, pairs, buffer_size):
    """A client with a tiny receive buffer, reading small pieces: the server's TLS writes
    (several records each) would block midway and are retried until the file is out whole."""
    ea, ek = pairs["ecdsa"]
    running = serve(f"server {{ listen 127.0.0.1:PORT0 ssl; ssl_protocols TLSv1.2 TLSv1.3; {buffer_size} "
                    f"ssl_certificate {ea}; ssl_certificate_key {ek}; root ROOT/www; }}\n",
                    files={"www/slow.bin": SLOW})
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", running.port))
    with ctx.wrap_socket(sock, server_hostname="slow.test") as tls:
        tls.sendall(b"GET /slow.bin HTTP/1.1\r\nHost: slow.test\r\nConnection: close\r\n\r\n")
        data = bytearray()
        while chunk := tls.recv(1024):
            data += chunk
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and body == SLOW
