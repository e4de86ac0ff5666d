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
