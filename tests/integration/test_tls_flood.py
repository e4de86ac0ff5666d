"""A flood of TLS connections that never finish their handshake: at most half of
worker_connections are held (the oldest dropped beyond), clients that handshake promptly
are still served, and the rest are closed at client_header_timeout."""

from __future__ import annotations

import resource
import selectors
import shutil
import socket
import ssl
import subprocess
import time

import pytest

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

FLOOD = 1000
WORKER_CONNECTIONS = 1000  # the flood alone would fill every slot without the handshake limit
LIMIT = WORKER_CONNECTIONS // 2
HEADER_TIMEOUT = 8  # seconds: the handshake's deadline


@pytest.fixture
def cert(tmp_path):
    pem, key = tmp_path / "c.pem", tmp_path / "c.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", "/CN=flood", "-days", "2", "-keyout", str(key), "-out", str(pem)],
                   check=True, capture_output=True)
    return str(pem), str(key)


@pytest.fixture
def descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3 * FLOOD
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, want), hard))  # (the server inherits it)
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < want:
        pytest.skip(f"RLIMIT_NOFILE is below {want}")
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def site(cert) -> str:
    pem, key = cert
    return f"""
events {{ worker_connections {WORKER_CONNECTIONS}; }}
error_log ROOT/logs/error.log info;
http {{
    ssl_protocols TLSv1.2 TLSv1.3;
    server {{
        listen 127.0.0.1:PORT0 ssl;
        ssl_certificate {pem};
        ssl_certificate_key {key};
        client_header_timeout {HEADER_TIMEOUT}s;
        location = /who {{ return 200 "served"; }}
    }}
    server {{
        listen 127.0.0.1:PORT1;
        location = /s {{ stub_status; }}
    }}
}}
"""


def half_hello() -> bytes:
    """The first half of a real ClientHello."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    outgoing = ssl.MemoryBIO()
    tls = ctx.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname="flood.test")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outgoing.read()
    assert hello[0] == 0x16 and len(hello) > 100
    return hello[:len(hello) // 2]


def probe(port: int, before: float) -> bytes:
    """One HTTPS request, answered before the monotonic time ``before`` (or a timeout error):
    without the limit a probe would only be let in once the flood reached its deadline."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=max(0.1, before - time.monotonic())) as sock:
        with ctx.wrap_socket(sock, server_hostname="flood.test") as tls:
            tls.sendall(b"GET /who HTTP/1.1\r\nHost: flood.test\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
    return data.partition(b"\r\n\r\n")[2]


def active(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /s HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b"Active connections: ")[1].split()[0])


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True
    except BlockingIOError:
        return False


def test_handshake_flood_is_capped_prompt_clients_served_the_rest_closed_at_the_deadline(serve, cert, descriptors):
    running = serve(site(cert), ports=2, name="nginx.conf")
    port, status_port = running.ports
    partial = half_hello()
    flood: list[socket.socket] = []
    before = time.monotonic() + HEADER_TIMEOUT  # no flood connection can have reached its deadline
    try:
        for i in range(FLOOD):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 2:
                sock.sendall(partial)  # half a ClientHello, then nothing
            flood.append(sock)
            if i % 250 == 249:
                assert probe(port, before) == b"served"  # a client that handshakes promptly is served
        # The server holds at most LIMIT handshakes (the flood's newest) and the status request.
        assert active(status_port) <= LIMIT + 1
        for sock in flood:
            sock.setblocking(False)
        dropped = [i for i, sock in enumerate(flood) if closed_by_server(sock)]
        # The oldest were closed as new ones came (each probe took one more slot while it handshook).
        assert FLOOD - LIMIT <= len(dropped) <= FLOOD - LIMIT + 4, len(dropped)
        assert dropped == list(range(len(dropped)))
        assert probe(port, before) == b"served"
        # The others are closed at the deadline, without a byte sent.
        sel = selectors.DefaultSelector()
        left = {sock for i, sock in enumerate(flood) if i >= len(dropped)}
        for sock in left:
            sel.register(sock, selectors.EVENT_READ)
        while left:
            events = sel.select(timeout=HEADER_TIMEOUT + 10)
            assert events, f"{len(left)} connections still open after the deadline"
            for key, _ in events:
                if closed_by_server(key.fileobj):
                    sel.unregister(key.fileobj)
                    left.discard(key.fileobj)
        sel.close()
        assert active(status_port) == 1
    finally:
        for sock in flood:
            sock.close()
    log = (running.root / "logs" / "error.log").read_text(errors="replace")
    assert "Traceback" not in log and "[alert]" not in log
    said = [line for line in log.splitlines() if f"more than {LIMIT} TLS handshakes in flight" in line]
    assert len(said) == len(dropped) and all("[info]" in line and "from client 127.0.0.1" in line for line in said)


SMALL_SITE = """
error_log ROOT/logs/error.log info;
events { worker_connections 40; }
http {
    server {
        listen 127.0.0.1:PORT0 ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate CERT;
        ssl_certificate_key KEY;
        client_header_timeout 60s;
        keepalive_timeout 60s;
        location = /who { return 200 "served"; }
    }
}
"""


def test_handshaken_connections_do_not_count_against_the_limit(serve, cert):
    """Only handshakes in flight count: kept-alive TLS connections and plain HTTP ones on the TLS
    port stay while silent ones beyond the limit (half of 40) drop the oldest silent ones."""
    pem, key = cert
    running = serve(SMALL_SITE.replace("CERT", pem).replace("KEY", key), name="nginx.conf")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    request = b"GET /who HTTP/1.1\r\nHost: flood.test\r\n\r\n"

    def answered(tls: ssl.SSLSocket) -> bool:
        tls.sendall(request)
        data = b""
        while not data.endswith(b"served"):
            chunk = tls.recv(65536)
            if not chunk:
                return False
            data += chunk
        return True

    kept = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", running.port), timeout=10),
                            server_hostname="flood.test") for _ in range(8)]
    silent: list[socket.socket] = []
    plain: list[socket.socket] = []
    try:
        assert all(answered(tls) for tls in kept)
        for _ in range(5):  # plain HTTP on the TLS port, half a request line: not a handshake either
            plain.append(socket.create_connection(("127.0.0.1", running.port), timeout=10))
            plain[-1].sendall(b"GET /who HT")
        for _ in range(20 + 3):  # three beyond the limit
            silent.append(socket.create_connection(("127.0.0.1", running.port), timeout=10))
        probe = ctx.wrap_socket(socket.create_connection(("127.0.0.1", running.port), timeout=10),
                                server_hostname="flood.test")
        kept.append(probe)  # accepted after every silent one, it made a fourth beyond the limit
        assert answered(probe)
        assert all(answered(tls) for tls in kept)  # the handshaken ones were never counted
        for sock in silent[:4]:  # the flood's four oldest were closed
            assert sock.recv(10) == b""
        for sock in silent[4:] + plain:
            sock.setblocking(False)
            assert not closed_by_server(sock)
    finally:
        for sock in kept + silent + plain:
            sock.close()
