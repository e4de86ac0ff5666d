"""HTTPS on real sockets: handshake in the event loop, SNI, keep-alive, big files, -t errors.

Certificates are made at test time with ``openssl`` into the test's folder (none is committed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import pytest
import requests

from helpers import CHILD_ENV

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def make_cert(folder, name: str, sans: str = "", kind: str = "ecdsa") -> tuple[str, str]:
    """A self-signed certificate (its own CA) with CN ``name``, for ``sans`` when given, with an
    ECDSA P-256 key (``kind="rsa"``: RSA 2048); returns (cert, key) paths."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    newkey = ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    extra = ["-addext", f"subjectAltName={sans}"] if sans else []
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-subj", f"/CN={name}", *extra, "-days", "2",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def certs(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    made = {
        "a": make_cert(folder, "a.test", "DNS:a.test"),
        "w": make_cert(folder, "wild", "DNS:*.w.test"),
        "d": make_cert(folder, "default", "DNS:d.test"),
    }
    bundle = folder / "ca.pem"
    bundle.write_text("".join(open(c).read() for c, _ in made.values()))
    made["ca"] = str(bundle)
    return made


def site(certs) -> str:
    (da, dk), (aa, ak), (wa, wk) = certs["d"], certs["a"], certs["w"]
    return f"""
ssl_protocols TLSv1.2 TLSv1.3;
server {{
    listen 127.0.0.1:PORT0 ssl default_server;
    server_name d.test;
    ssl_certificate {da};
    ssl_certificate_key {dk};
    root ROOT/www;
    client_header_timeout 2s;
    location = /who {{ return 200 "default $scheme $https\\n"; }}
    location = /go {{ return 302 /there; }}
}}
server {{
    listen 127.0.0.1:PORT0 ssl;
    server_name a.test;
    ssl_certificate {aa};
    ssl_certificate_key {ak};
    root ROOT/www;
    location = /who {{ return 200 "a $scheme $https\\n"; }}
}}
server {{
    listen 127.0.0.1:PORT0 ssl http2;
    server_name *.w.test;
    ssl_certificate {wa};
    ssl_certificate_key {wk};
    location = /who {{ return 200 "wild $host\\n"; }}
}}
server {{
    listen 127.0.0.1:PORT1;
    location = /who {{ return 200 "plain $scheme [$https]\\n"; }}
}}
"""


BIG = os.urandom(10 << 20)


@pytest.fixture
def tls_site(serve, certs):
    return serve(site(certs), ports=2, files={"www/index.html": "INDEX\n", "www/big.bin": BIG})


def client_context(certs) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=certs["ca"])
    return ctx


def tls_request(certs, port: int, name: str, raw: bytes) -> tuple[bytes, dict]:
    """One connection: send ``raw``, read to EOF; returns (bytes, the peer certificate)."""
    ctx = client_context(certs)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=name) as tls:
            cert = tls.getpeercert()
            tls.sendall(raw)
            data = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
    return data, cert


def common_name(cert: dict) -> str:
    return dict(item[0] for item in cert["subject"])["commonName"]


def test_get_over_tls_with_requests(tls_site, certs, monkeypatch):
    from urllib3.util import connection  # noqa: PLC0415 - resolve the test names to 127.0.0.1

    real = connection.create_connection

    def resolve(address, *args, **kwargs):
        host, port = address
        return real(("127.0.0.1" if host.endswith(".test") else host, port), *args, **kwargs)

    monkeypatch.setattr(connection, "create_connection", resolve)
    url = f"https://d.test:{tls_site.port}"
    with requests.Session() as session:
        r = session.get(f"{url}/", verify=certs["ca"], timeout=10)
        assert r.status_code == 200 and r.text == "INDEX\n"
        r = session.get(f"{url}/who", verify=certs["ca"], timeout=10)
        assert r.text == "default https on\n"
        r = session.get(f"{url}/go", verify=certs["ca"], timeout=10, allow_redirects=False)
        assert r.status_code == 302 and r.headers["Location"] == f"https://d.test:{tls_site.port}/there"


def test_keep_alive_several_requests(tls_site, certs):
    ctx = client_context(certs)
    with socket.create_connection(("127.0.0.1", tls_site.port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="a.test") as tls:
            for i in range(5):
                tls.sendall(b"GET /who HTTP/1.1\r\nHost: a.test\r\n\r\n")
                data = b""
                while not data.endswith(b"a https on\n"):
                    chunk = tls.recv(65536)
                    assert chunk, f"closed after {i} answers"
                    data += chunk
                assert data.startswith(b"HTTP/1.1 200 ")
            # pipelined
            tls.sendall(b"GET /who HTTP/1.1\r\nHost: a.test\r\n\r\n" * 3)
            data = b""
            while data.count(b"a https on\n") < 3:
                chunk = tls.recv(65536)
                assert chunk
                data += chunk


def test_ten_mebibyte_static_file(tls_site, certs):
    data, _ = tls_request(certs, tls_site.port, "d.test",
                          b"GET /big.bin HTTP/1.1\r\nHost: d.test\r\nConnection: close\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Length: %d" % len(BIG) in head
    assert hashlib.sha256(body).digest() == hashlib.sha256(BIG).digest()


@pytest.mark.parametrize("name, cn, answer", [
    ("a.test", "a.test", b"a https on\n"),
    ("x.w.test", "wild", b"wild x.w.test\n"),
    ("d.test", "default", b"default https on\n"),
])
def test_sni_picks_the_server_certificate(tls_site, certs, name, cn, answer):
    data, cert = tls_request(certs, tls_site.port, name,
                             f"GET /who HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
    assert common_name(cert) == cn
    assert data.endswith(answer)


def test_unknown_or_absent_name_gets_the_default_certificate(tls_site, certs):
    for hostname in ("nobody.example", None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(certs["ca"])
        with socket.create_connection(("127.0.0.1", tls_site.port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname=hostname) as tls:
                assert common_name(tls.getpeercert()) == "default"


def test_plain_port_is_plain(tls_site):
    r = requests.get(f"http://127.0.0.1:{tls_site.ports[1]}/who", timeout=10)
    assert r.text == "plain http []\n"


def test_plain_http_on_the_tls_port(tls_site):
    with socket.create_connection(("127.0.0.1", tls_site.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: d.test\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"The plain HTTP request was sent to HTTPS port" in data


def test_silent_client_closed_at_header_timeout_others_served(tls_site, certs):
    with socket.create_connection(("127.0.0.1", tls_site.port), timeout=10) as idle:
        started = time.monotonic()
        data, _ = tls_request(certs, tls_site.port, "a.test",
                              b"GET /who HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        assert data.endswith(b"a https on\n")  # served while the other one says nothing
        assert idle.recv(10) == b""  # client_header_timeout 2s of the default server
        assert 1.5 <= time.monotonic() - started < 8


@pytest.mark.parametrize("garbage", [b"\x16\x03\x01\x00\x05hello" + os.urandom(64), b"\x16" + b"\xff" * 300])
def test_garbage_hello_closed_quietly(tls_site, certs, garbage):
    with socket.create_connection(("127.0.0.1", tls_site.port), timeout=10) as sock:
        sock.sendall(garbage)
        try:
            rest = sock.recv(4096)
            while rest and not rest.startswith(b"HTTP"):  # (an alert record, maybe)
                rest = sock.recv(4096)
        except ConnectionResetError:
            rest = b""
        assert not rest.startswith(b"HTTP")
    data, _ = tls_request(certs, tls_site.port, "d.test",
                          b"GET /who HTTP/1.1\r\nHost: d.test\r\nConnection: close\r\n\r\n")
    assert data.endswith(b"default https on\n")
    log = (tls_site.root / "logs" / "error.log").read_text(errors="replace")
    assert "Traceback" not in log and "[alert]" not in log


# -- -t -------------------------------------------------------------------------------


def check(tmp_path, body: str) -> subprocess.CompletedProcess:
    conf = tmp_path / "t.conf"
    conf.write_text(body)
    return subprocess.run([sys.executable, "-m", "nginxlite", "-t", "-c", str(conf), "-p", str(tmp_path)],
                          capture_output=True, text=True, env=CHILD_ENV, timeout=60)


def test_t_missing_certificate_file(tmp_path):
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_certificate {tmp_path}/no.pem; "
                          f"ssl_certificate_key {tmp_path}/no.key; }}\n")
    assert out.returncode == 1
    assert f'cannot load certificate "{tmp_path}/no.pem": BIO_new_file() failed' in out.stderr + out.stdout


def test_t_key_not_matching(tmp_path, certs):
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_certificate {certs['a'][0]}; "
                          f"ssl_certificate_key {certs['d'][1]}; }}\n")
    assert out.returncode == 1
    assert f'SSL_CTX_use_PrivateKey("{certs["d"][1]}") failed (SSL: key values mismatch)' in out.stderr + out.stdout


def test_t_no_certificate(tmp_path):
    out = check(tmp_path, "server { listen 127.0.0.1:31890 ssl; }\n")
    assert out.returncode == 1
    assert 'no "ssl_certificate" is defined for the "listen ... ssl" directive in' in out.stderr + out.stdout


def test_t_ok(tmp_path, certs):
    out = check(tmp_path, f"ssl_certificate {certs['a'][0]}; ssl_certificate_key {certs['a'][1]};\n"
                          "server { listen 127.0.0.1:31890 ssl; }\n")
    assert out.returncode == 0, out.stderr + out.stdout


# -- reload and the oracle ------------------------------------------------------------


def test_reload_switches_certificates_open_connections_keep_theirs(serve, certs):
    (aa, ak), (da, dk) = certs["a"], certs["d"]
    running = serve(f"server {{ listen 127.0.0.1:PORT0 ssl; ssl_certificate {aa}; ssl_certificate_key {ak}; "
                    "return 200 one; }\n")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(certs["ca"])
    old = ctx.wrap_socket(socket.create_connection(("127.0.0.1", running.port), timeout=10), server_hostname="x")
    try:
        assert common_name(old.getpeercert()) == "a.test"
        conf = running.root / "site.conf"
        conf.write_text(f"server {{ listen 127.0.0.1:{running.port} ssl; ssl_certificate {da}; "
                        f"ssl_certificate_key {dk}; return 200 two; }}\n")
        running.signal(signal.SIGHUP)
        running.read_line(b"configuration reloaded")
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", running.port), timeout=10),
                             server_hostname="x") as new:
            assert common_name(new.getpeercert()) == "default"
        old.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := old.recv(65536):
            data += chunk
        assert data.endswith(b"one")  # the open connection finishes on its configuration
    finally:
        old.close()


def _unsigned(page: bytes) -> bytes:
    return page.replace(b"nginxlite/0.1.0", b"SIG").replace(b"nginx/1.22.1", b"SIG")


def test_same_as_nginx(serve, oracle, certs):
    da, dk = certs["d"]
    body = (f"server {{ listen 127.0.0.1:PORT0 ssl; server_name d.test; ssl_certificate {da}; "
            f"ssl_certificate_key {dk}; location = /go {{ return 302 /there; }} "
            "location = /v { return 200 \"$scheme:$https\"; } }\n")
    answers = []
    for server in (serve(body), oracle(body)):
        plain = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        plain.sendall(b"GET / HTTP/1.1\r\nHost: d.test\r\n\r\n")
        data = b""
        while chunk := plain.recv(65536):
            data += chunk
        plain.close()
        status = data.split(b"\r\n", 1)[0]
        page = _unsigned(data.partition(b"\r\n\r\n")[2])
        go, _ = tls_request(certs, server.port, "d.test", b"GET /go HTTP/1.1\r\nHost: d.test\r\n\r\n"
                            b"GET /v HTTP/1.1\r\nHost: d.test\r\nConnection: close\r\n\r\n")
        location = [line.replace(b"%d" % server.port, b"PORT") for line in go.split(b"\r\n")
                    if line.lower().startswith(b"location:")]
        answers.append((status, page, location, go.endswith(b"https:on")))
    assert answers[0] == answers[1]


# -- $ssl_* variables -----------------------------------------------------------------

SSL_VARS = "$ssl_protocol|$ssl_cipher|$ssl_server_name|$ssl_session_reused|$ssl_alpn_protocol"


def ssl_vars_site(certs, tls12: bool = False) -> str:
    da, dk = certs["d"]
    protocols = ("ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;" if tls12
                 else "ssl_protocols TLSv1.2 TLSv1.3;")  # (nginx 1.22's default has no TLSv1.3)
    return (f"server {{ listen 127.0.0.1:PORT0 ssl; server_name d.test; ssl_certificate {da}; "
            f"ssl_certificate_key {dk}; {protocols} location = /v {{ return 200 \"{SSL_VARS}\"; }} "
            f"location = /curve {{ return 200 \"[$ssl_curve]\"; }} }}\n"
            f"server {{ listen 127.0.0.1:PORT1; location = /v {{ return 200 \"[{SSL_VARS}]\"; }} }}\n")


_CLIENTS: dict = {}


def ssl_vars(certs, port: int, name: str | None, session=None, alpn: bool = True):
    """One request for /v over TLS; returns (its body, the client's cipher, the session to reuse)."""
    ctx = _CLIENTS.get((certs["ca"], alpn))  # (a session is reused through the context that made it)
    if ctx is None:
        ctx = _CLIENTS[certs["ca"], alpn] = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(certs["ca"])
        if alpn:
            ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=name, session=session) as tls:
            tls.sendall(b"GET /v HTTP/1.1\r\nHost: d.test\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
            return data.partition(b"\r\n\r\n")[2].decode(), tls.cipher()[0], tls.session


def test_ssl_variables(serve, certs):
    running = serve(ssl_vars_site(certs), ports=2)
    body, cipher, session = ssl_vars(certs, running.port, "d.test")
    assert body == f"TLSv1.3|{cipher}|d.test|.|http/1.1"
    body, _, _ = ssl_vars(certs, running.port, None, alpn=False)  # no name, no ALPN: not found
    assert body == f"TLSv1.3|{cipher}||.|"
    body, _, _ = ssl_vars(certs, running.port, "d.test", session=session)
    assert body == f"TLSv1.3|{cipher}|d.test|r|http/1.1"  # resumed with the ticket
    r = requests.get(f"http://127.0.0.1:{running.ports[1]}/v", timeout=10)
    assert r.text == "[||||]"  # plain HTTP: all not found
    data, _ = tls_request(certs, running.port, "d.test", b"GET /curve HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
    assert data.endswith(b"[]")  # Python cannot tell the group: not found (docs/differences.md)


def test_ssl_variables_tls12(serve, certs):
    running = serve(ssl_vars_site(certs, tls12=True), ports=2)
    body, cipher, _ = ssl_vars(certs, running.port, "d.test")
    assert cipher == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert body == f"TLSv1.2|{cipher}|d.test|.|http/1.1"


@pytest.mark.parametrize("tls12", [False, True])
def test_ssl_variables_same_as_nginx(serve, oracle, certs, tls12):
    answers = []
    for server in (serve(ssl_vars_site(certs, tls12), ports=2), oracle(ssl_vars_site(certs, tls12), ports=2)):
        first, _, session = ssl_vars(certs, server.port, "d.test")
        nameless, _, _ = ssl_vars(certs, server.port, None, alpn=False)
        resumed, _, _ = ssl_vars(certs, server.port, "d.test", session=session)
        plain = requests.get(f"http://127.0.0.1:{server.ports[1]}/v", timeout=10).text
        answers.append((first, nameless, resumed, plain))
    assert answers[0] == answers[1]


# -- ssl_reject_handshake, ssl_ecdh_curve, ssl_dhparam, ssl_password_file ----------------


def handshake(certs, port: int, name: str | None, curve: str | None = None, ciphers: str | None = None) -> str:
    """One handshake and request for /; returns the body, or "alert NAME" / "failed" when refused."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if curve:
        ctx.set_ecdh_curve(curve)
    if ciphers:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(ciphers)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname=name) as tls:
                tls.sendall(f"GET / HTTP/1.1\r\nHost: {name or 'x'}\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while chunk := tls.recv(65536):
                    data += chunk
    except ssl.SSLError as err:
        return f"alert {err.reason}" if err.reason else "failed"
    except (ConnectionResetError, BrokenPipeError):
        return "failed"
    return data.partition(b"\r\n\r\n")[2].decode()


def reject_site(certs) -> str:
    aa, ak = certs["a"]
    return ("ssl_protocols TLSv1.2 TLSv1.3;\n"
            "server { listen 127.0.0.1:PORT0 ssl default_server; ssl_reject_handshake on; return 200 default; }\n"
            f"server {{ listen 127.0.0.1:PORT0 ssl; server_name a.test; ssl_certificate {aa}; "
            f"ssl_certificate_key {ak}; return 200 a; }}\n"
            f"server {{ listen 127.0.0.1:PORT0 ssl; server_name r.test; ssl_certificate {aa}; "
            f"ssl_certificate_key {ak}; ssl_reject_handshake on; return 200 r; }}\n")


def reject_answers(certs, port: int) -> list[str]:
    return [handshake(certs, port, name) for name in ("a.test", "nobody.test", None, "r.test")]


def test_reject_handshake(serve, certs):
    running = serve(reject_site(certs))
    assert reject_answers(certs, running.port) == ["a"] + ["alert TLSV1_UNRECOGNIZED_NAME"] * 3
    log = (running.root / "logs" / "error.log").read_text(errors="replace")
    assert "Traceback" not in log and "[alert]" not in log


def test_reject_handshake_same_as_nginx(serve, oracle, certs):
    answers = [reject_answers(certs, s.port) for s in (serve(reject_site(certs)), oracle(reject_site(certs)))]
    assert answers[0] == answers[1]


def curve_site(certs, curve: str) -> str:
    da, dk = certs["d"]
    return (f"server {{ listen 127.0.0.1:PORT0 ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_ecdh_curve {curve}; "
            f"ssl_certificate {da}; ssl_certificate_key {dk}; return 200 \"$ssl_protocol\"; }}\n")


NO_GROUP = "alert SSLV3_ALERT_HANDSHAKE_FAILURE"


def curve_answers(certs, port: int) -> list[str]:
    return [handshake(certs, port, "d.test", curve) for curve in ("prime256v1", "secp384r1", "X25519")]


@pytest.mark.parametrize("curve, answers", [
    ("secp384r1", [NO_GROUP, "TLSv1.3", NO_GROUP]),  # one curve: only it
    ("X25519", [NO_GROUP, NO_GROUP, "TLSv1.3"]),
    ("auto", ["TLSv1.3"] * 3),
    ("X25519:prime256v1:secp384r1", ["TLSv1.3"] * 3),  # a list: OpenSSL's groups (these are among them)
])
def test_ecdh_curve_handshakes(serve, certs, curve, answers):
    assert curve_answers(certs, serve(curve_site(certs, curve)).port) == answers


@pytest.mark.parametrize("curve", ["secp384r1", "X25519:prime256v1:secp384r1"])
def test_ecdh_curve_same_as_nginx(serve, oracle, certs, curve):
    ours, nginx = (curve_answers(certs, s.port) for s in (serve(curve_site(certs, curve)), oracle(curve_site(certs, curve))))
    assert ours == nginx


def test_t_unknown_curve(tmp_path, certs):
    da, dk = certs["d"]
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_ecdh_curve X25519:bogus; "
                          f"ssl_certificate {da}; ssl_certificate_key {dk}; }}\n")
    assert out.returncode == 1
    assert ("SSL_CTX_set1_curves_list(\"X25519:bogus\") failed (SSL: passed invalid argument: "
            "group 'bogus' cannot be set)") in out.stderr + out.stdout


@pytest.fixture
def rsa_and_dh(tmp_path):
    folder = tmp_path / "rsa"
    folder.mkdir()
    cert, key, dh = folder / "rsa.pem", folder / "rsa.key", folder / "dh.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=rsa", "-days", "2",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    subprocess.run(["openssl", "dhparam", "-dsaparam", "-out", str(dh), "2048"], check=True, capture_output=True)
    return str(cert), str(key), str(dh)


def dhe_site(rsa_and_dh, with_dh: bool) -> str:
    cert, key, dh = rsa_and_dh
    return (f"server {{ listen 127.0.0.1:PORT0 ssl; ssl_protocols TLSv1.2; ssl_ciphers DHE-RSA-AES128-GCM-SHA256; "
            f"{f'ssl_dhparam {dh};' if with_dh else ''} ssl_certificate {cert}; ssl_certificate_key {key}; "
            "return 200 \"$ssl_cipher\"; }\n")


def test_dhparam_enables_dhe(serve, oracle, certs, rsa_and_dh):
    for start in (serve, oracle):
        assert handshake(certs, start(dhe_site(rsa_and_dh, True)).port, "x",
                         ciphers="DHE-RSA-AES128-GCM-SHA256") == "DHE-RSA-AES128-GCM-SHA256"
        assert handshake(certs, start(dhe_site(rsa_and_dh, False)).port, "x",
                         ciphers="DHE-RSA-AES128-GCM-SHA256").startswith(("failed", "alert"))


def test_t_dhparam_missing(tmp_path, certs):
    da, dk = certs["d"]
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_dhparam {tmp_path}/none.pem; "
                          f"ssl_certificate {da}; ssl_certificate_key {dk}; }}\n")
    assert out.returncode == 1
    assert f'BIO_new_file("{tmp_path}/none.pem") failed (2: No such file or directory)' in out.stderr + out.stdout


def test_password_file_serves_an_encrypted_key(serve, certs, tmp_path):
    da, dk = certs["d"]
    locked = tmp_path / "locked.key"
    subprocess.run(["openssl", "pkey", "-in", dk, "-aes256", "-passout", "pass:s3cret", "-out", str(locked)],
                   check=True, capture_output=True)
    (tmp_path / "pw").write_text("first guess\ns3cret\n")
    running = serve(f"server {{ listen 127.0.0.1:PORT0 ssl; ssl_password_file {tmp_path}/pw; "
                    f"ssl_certificate {da}; ssl_certificate_key {locked}; return 200 unlocked; }}\n")
    assert handshake(certs, running.port, "d.test") == "unlocked"
    (tmp_path / "pw").write_text("wrong\n")
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_password_file {tmp_path}/pw; "
                          f"ssl_certificate {da}; ssl_certificate_key {locked}; }}\n")
    assert out.returncode == 1
    assert f'cannot load certificate key "{locked}": PEM_read_bio_PrivateKey() failed (SSL: bad decrypt)' in out.stderr
    out = check(tmp_path, f"server {{ listen 127.0.0.1:31890 ssl; ssl_password_file {tmp_path}/nopw; }}\n")
    assert out.returncode == 1
    assert f'open() "{tmp_path}/nopw" failed (2: No such file or directory) in {tmp_path}/t.conf:1' in out.stderr
