"""The TLS side of the configuration: directives, inheritance, the model, contexts built from it."""

from __future__ import annotations

import pickle
import shutil
import ssl
import subprocess

import pytest

from nginxlite.config import load_config
from nginxlite.config.model import Tls
from nginxlite.config.tls import context
from nginxlite.errors import ConfigError


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("certs")
    made = []
    for name in ("one", "two"):
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-subj", f"/CN={name}", "-days", "2", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        made.append((str(cert), str(key)))
    return made


def load(tmp_path, body: str):
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp {\n" + body + "\n}\n")
    return load_config(str(conf), str(tmp_path))


def test_listen_ssl_and_inherited_files(tmp_path, pair):
    (cert, key), (cert2, key2) = pair
    config = load(tmp_path, f"""
ssl_certificate {cert}; ssl_certificate_key {key};
ssl_protocols TLSv1.3; ssl_ciphers HIGH; ssl_prefer_server_ciphers on;
ssl_session_cache shared:SSL:10m; ssl_session_timeout 10m; ssl_session_tickets off;
server {{ listen 127.0.0.1:31891 ssl; server_name a; }}
server {{ listen 127.0.0.1:31891; server_name b; ssl_certificate {cert2}; ssl_certificate_key {key2}; }}
server {{ listen 127.0.0.1:31892; }}
""")
    by_port = {a.port: a for a in config.addresses}
    assert by_port[31891].ssl and not by_port[31892].ssl  # one "ssl" makes the address TLS (nginx)
    a, b, c = config.servers
    assert a.tls == Tls((cert,), (key,), ("tlsv1.3",), "HIGH", True, False, ("shared:SSL:10m",), 600.0)
    assert b.tls.certificates == (cert2,) and b.tls.protocols == ("tlsv1.3",)
    assert a.listens[0].ssl and not b.listens[0].ssl
    assert pickle.loads(pickle.dumps(config)).servers[0].tls == a.tls  # the model crosses processes


def test_defaults(tmp_path):
    config = load(tmp_path, "server { listen 127.0.0.1:31893; }")
    tls = config.servers[0].tls
    assert tls.protocols == ("tlsv1.2", "tlsv1.3") and tls.ciphers == "HIGH:!aNULL:!MD5"
    assert not tls.prefer_server_ciphers and tls.session_tickets and not config.addresses[0].ssl


def test_relative_paths_are_relative_to_the_config_folder(tmp_path, pair):
    (cert, key), _ = pair
    (tmp_path / "c.pem").write_bytes(open(cert, "rb").read())
    (tmp_path / "c.key").write_bytes(open(key, "rb").read())
    config = load(tmp_path, "server { listen 127.0.0.1:31894 ssl; ssl_certificate c.pem; ssl_certificate_key c.key; }")
    assert config.servers[0].tls.certificates == (str(tmp_path / "c.pem"),)


@pytest.mark.parametrize("body, message", [
    ("server { ssl on; }", 'the "ssl" directive is deprecated, use the "listen ... ssl" directive instead'),
    ("server { ssl_certificate $host.pem; }", 'variables in "ssl_certificate" are not supported by nginxlite'),
    ("server { listen 31895 ssl; }", 'no "ssl_certificate" is defined for the "listen ... ssl" directive'),
    ("server { listen 31895 ssl; ssl_certificate /x.pem; }", 'no "ssl_certificate_key" is defined for certificate "/x.pem"'),
    ("server { listen 31895 ssl; ssl_certificate /nonexistent.pem; ssl_certificate_key /x.key; }",
     'cannot load certificate "/nonexistent.pem": BIO_new_file() failed (2: No such file or directory)'),
    ("ssl_protocols TLSv9;", 'invalid value "TLSv9"'),
    ("ssl_session_cache bogus;", 'invalid session cache "bogus"'),
    ("server { listen 31895 quic; }", 'the "quic" parameter of the "listen" directive is not supported by nginxlite'),
])
def test_errors(tmp_path, body, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    assert caught.value.message == message


def test_http2_warns(tmp_path, pair):
    (cert, key), _ = pair
    config = load(tmp_path, f"server {{ listen 127.0.0.1:31896 ssl http2; ssl_certificate {cert}; "
                            f"ssl_certificate_key {key}; }}")
    assert any('"http2" parameter' in w.message and "HTTP/1.1" in w.message for w in config.warnings)


def test_context_from_the_model(pair):
    (cert, key), (_, key2) = pair
    ctx = context(Tls((cert,), (key,), ("tlsv1.2", "tlsv1.3"), "HIGH:!aNULL:!MD5", False, False))
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2 and ctx.maximum_version == ssl.TLSVersion.TLSv1_3
    assert ctx.options & ssl.OP_NO_TICKET and not ctx.options & ssl.OP_CIPHER_SERVER_PREFERENCE
    assert context(Tls((cert,), (key,), prefer_server_ciphers=True)).options & ssl.OP_CIPHER_SERVER_PREFERENCE
    with pytest.raises(ConfigError, match=r'SSL_CTX_use_PrivateKey\(".*two.key"\) failed \(SSL: key values mismatch\)'):
        context(Tls((cert,), (key2,)))
    with pytest.raises(ConfigError, match=r"SSL_CTX_set_cipher_list"):
        context(Tls((cert,), (key,), ciphers="NOTHING-AT-ALL"))


# -- ssl_ecdh_curve, ssl_dhparam, ssl_password_file, ssl_reject_handshake ---------------


@pytest.mark.parametrize("curve", ["auto", "X25519:prime256v1:secp384r1", "P-256:x25519", "prime256v1",
                                   "secp384r1", "P-384", "x25519", "SECP521R1"])
def test_ecdh_curve(pair, curve):
    (cert, key), _ = pair  # (which groups a handshake gets: tests/integration/test_tls.py)
    assert isinstance(context(Tls((cert,), (key,), ecdh_curve=curve)), ssl.SSLContext)


@pytest.mark.parametrize("curve, bad", [("bogus", "bogus"), ("X25519:bogus", "bogus"), ("auto:X25519", "auto"),
                                        ("X25519::P-256", "")])
def test_ecdh_curve_unknown(pair, curve, bad):
    (cert, key), _ = pair
    with pytest.raises(ConfigError) as caught:
        context(Tls((cert,), (key,), ecdh_curve=curve))
    assert caught.value.message == (f'SSL_CTX_set1_curves_list("{curve}") failed '
                                    f"(SSL: passed invalid argument: group '{bad}' cannot be set)")


def test_ecdh_curve_from_the_directive(tmp_path, pair):
    (cert, key), _ = pair
    config = load(tmp_path, f"ssl_ecdh_curve secp384r1; server {{ listen 127.0.0.1:31897 ssl; "
                            f"ssl_certificate {cert}; ssl_certificate_key {key}; }}")
    assert config.servers[0].tls.ecdh_curve == "secp384r1"
    with pytest.raises(ConfigError, match="SSL_CTX_set1_curves_list"):
        load(tmp_path, f"server {{ listen 127.0.0.1:31897 ssl; ssl_ecdh_curve X9; "
                       f"ssl_certificate {cert}; ssl_certificate_key {key}; }}")
    with pytest.raises(ConfigError, match='"ssl_ecdh_curve" directive is duplicate'):
        load(tmp_path, "ssl_ecdh_curve auto; ssl_ecdh_curve auto;")


@pytest.fixture(scope="module")
def dh_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dh")
    made = {}
    for bits in (1024, 2048):
        path = folder / f"dh{bits}.pem"
        subprocess.run(["openssl", "dhparam", "-dsaparam", "-out", str(path), str(bits)], check=True, capture_output=True)
        made[bits] = str(path)
    return made


def test_dhparam(tmp_path, pair, dh_files):
    (cert, key), _ = pair
    context(Tls((cert,), (key,), dhparam=dh_files[2048]))
    with pytest.raises(ConfigError) as caught:
        context(Tls((cert,), (key,), dhparam=dh_files[1024]))
    assert caught.value.message == f'SSL_CTX_set_tmp_dh("{dh_files[1024]}") failed (SSL: dh key too small)'
    with pytest.raises(ConfigError) as caught:
        context(Tls((cert,), (key,), dhparam=cert))
    assert caught.value.message == f'PEM_read_bio_DHparams("{cert}") failed (SSL: no start line)'
    with pytest.raises(ConfigError) as caught:
        context(Tls((cert,), (key,), dhparam=str(tmp_path / "none.pem")))
    assert caught.value.message == f'BIO_new_file("{tmp_path}/none.pem") failed (2: No such file or directory)'
    (tmp_path / "dh.pem").write_bytes(open(dh_files[2048], "rb").read())
    config = load(tmp_path, f"server {{ listen 127.0.0.1:31898 ssl; ssl_dhparam dh.pem; "
                            f"ssl_certificate {cert}; ssl_certificate_key {key}; }}")
    assert config.servers[0].tls.dhparam == str(tmp_path / "dh.pem")  # relative to the configuration's folder


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory, pair):
    (cert, key), _ = pair
    folder = tmp_path_factory.mktemp("enc")
    locked = folder / "locked.key"
    subprocess.run(["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", str(locked)],
                   check=True, capture_output=True)
    return cert, str(locked)


@pytest.mark.parametrize("content, passwords", [
    (b"wrong\n\nsecret\n", (b"wrong", b"secret")),
    (b"secret", (b"secret",)),
    (b"x\r\nsecret\r\n", (b"x", b"secret")),
])
def test_password_file(tmp_path, encrypted, content, passwords):
    cert, locked = encrypted
    (tmp_path / "pw").write_bytes(content)
    config = load(tmp_path, f"server {{ listen 127.0.0.1:31899 ssl; ssl_password_file pw; "
                            f"ssl_certificate {cert}; ssl_certificate_key {locked}; }}")
    assert config.servers[0].tls.passwords == passwords


@pytest.mark.parametrize("content", [b"wrong\nalso wrong\n", b"", b"\n\n"])
def test_password_file_none_works(tmp_path, encrypted, content):
    cert, locked = encrypted
    (tmp_path / "pw").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f"server {{ listen 127.0.0.1:31899 ssl; ssl_password_file pw; "
                       f"ssl_certificate {cert}; ssl_certificate_key {locked}; }}")
    assert caught.value.message == (f'cannot load certificate key "{locked}": PEM_read_bio_PrivateKey() failed '
                                    f"(SSL: bad decrypt)")


def test_encrypted_key_without_password_file_fails_without_prompting(encrypted):
    cert, locked = encrypted
    with pytest.raises(ConfigError, match=r"PEM_read_bio_PrivateKey\(\) failed \(SSL: bad decrypt\)"):
        context(Tls((cert,), (locked,)))


def test_password_file_errors(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "ssl_password_file nopw;")
    assert caught.value.message == f'open() "{tmp_path}/nopw" failed (2: No such file or directory)'
    assert caught.value.pos is not None  # nginx: "in FILE:LINE", at the directive
    (tmp_path / "long").write_bytes(b"x" * 5000 + b"\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "ssl_password_file long;")
    assert caught.value.message == f'too long line in "{tmp_path}/long"'
    (tmp_path / "pw").write_bytes(b"a\n")
    with pytest.raises(ConfigError, match='"ssl_password_file" directive is duplicate'):
        load(tmp_path, "ssl_password_file pw; ssl_password_file pw;")


def test_reject_handshake_default_needs_no_certificate(tmp_path, pair):
    (cert, key), _ = pair
    config = load(tmp_path, f"""
server {{ listen 127.0.0.1:31900 ssl default_server; ssl_reject_handshake on; }}
server {{ listen 127.0.0.1:31900 ssl; server_name a; ssl_certificate {cert}; ssl_certificate_key {key}; }}
""")
    assert config.servers[0].tls.reject_handshake and not config.servers[1].tls.reject_handshake
    assert isinstance(context(config.servers[0].tls), ssl.SSLContext)  # a context without a certificate


def test_reject_handshake_default_then_every_server_needs_one(tmp_path, pair):
    (cert, key), _ = pair
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f"""
server {{ listen 127.0.0.1:31900 ssl default_server; ssl_reject_handshake on; }}
server {{ listen 127.0.0.1:31900 ssl; server_name a; ssl_certificate {cert}; ssl_certificate_key {key}; }}
server {{ listen 127.0.0.1:31900 ssl; server_name b; }}
""")
    assert caught.value.message == 'no "ssl_certificate" is defined for the "listen ... ssl" directive'
    assert caught.value.pos.line == 6  # the server without one (nginx's cscf->line)
    load(tmp_path, f"""
server {{ listen 127.0.0.1:31900 ssl default_server; ssl_reject_handshake on; }}
server {{ listen 127.0.0.1:31900 ssl; server_name b; ssl_reject_handshake on; }}
""")


def test_reject_handshake_flag(tmp_path):
    with pytest.raises(ConfigError, match='it must be "on" or "off"'):
        load(tmp_path, "ssl_reject_handshake yes;")


def test_buffer_size(tmp_path):
    config = load(tmp_path, "ssl_buffer_size 4k; server { listen 127.0.0.1:31896; } "
                            "server { listen 127.0.0.1:31897; ssl_buffer_size 1000; } server { listen 127.0.0.1:31898; }")
    assert [s.tls.buffer_size for s in config.servers] == [4096, 1000, 4096]  # inherited from http
    assert load(tmp_path, "server { listen 127.0.0.1:31899; }").servers[0].tls.buffer_size == 16384  # nginx: 16k
    assert not load(tmp_path, "ssl_buffer_size 8k;").warnings  # served, not ignored
    with pytest.raises(ConfigError, match='"ssl_buffer_size" directive invalid value'):
        load(tmp_path, "ssl_buffer_size 4q;")
    with pytest.raises(ConfigError, match='"ssl_buffer_size" directive is duplicate'):
        load(tmp_path, "ssl_buffer_size 4k; ssl_buffer_size 8k;")
