"""A server's TLS settings turned into an ``ssl.SSLContext`` (nginx's ngx_http_ssl_module at load).

Rules:
- The model keeps only paths and values (``model.Tls``: picklable); contexts are
  built from them by ``context`` in whichever process needs one: the loader
  builds one per TLS server to check it (``-t``, a reload's child), the server
  builds its own once per configuration it applies.
- Errors are ``ConfigError`` in nginx's words where ``ssl`` lets us tell the
  cases apart: ``cannot load certificate "PATH": ...``, ``cannot load
  certificate key "PATH": ...``, ``SSL_CTX_use_PrivateKey("PATH") failed``.
- What ``ssl`` cannot set (the session cache's size, its timeout) is accepted
  and left to OpenSSL's defaults.
"""

from __future__ import annotations

import ssl

from nginxlite.config.model import Tls
from nginxlite.errors import ConfigError

_VERSIONS = {
    "sslv2": None, "sslv3": ssl.TLSVersion.SSLv3, "tlsv1": ssl.TLSVersion.TLSv1,
    "tlsv1.1": ssl.TLSVersion.TLSv1_1, "tlsv1.2": ssl.TLSVersion.TLSv1_2, "tlsv1.3": ssl.TLSVersion.TLSv1_3,
}


def _reason(err: ssl.SSLError) -> str:
    reason = getattr(err, "reason", None)
    return reason.lower().replace("_", " ") if reason else str(err.args[-1] if err.args else err)


def _readable(path: str, what: str) -> None:
    try:
        with open(path.encode("latin-1"), "rb"):
            pass
    except OSError as err:
        raise ConfigError(f'cannot load {what} "{path}": BIO_new_file() failed '
                          f'({err.errno}: {err.strerror})') from None


def context(tls: Tls, sni_callback=None) -> ssl.SSLContext:
    """The server context for ``tls`` (its certificates loaded and checked)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    versions = [_VERSIONS[p] for p in tls.protocols if _VERSIONS.get(p) is not None]
    if not versions:
        raise ConfigError("no protocols available (ssl_protocols)")
    try:
        ctx.minimum_version = min(versions)
        ctx.maximum_version = max(versions)
    except (ValueError, ssl.SSLError):
        pass  # a version this OpenSSL does not build: its own limits stay
    try:
        ctx.set_ciphers(tls.ciphers)
    except ssl.SSLError as err:
        raise ConfigError(f'SSL_CTX_set_cipher_list("{tls.ciphers}") failed (SSL: {_reason(err)})') from None
    if tls.prefer_server_ciphers:
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    if not tls.session_tickets:
        ctx.options |= ssl.OP_NO_TICKET
        ctx.num_tickets = 0
    try:
        ctx.set_alpn_protocols(["http/1.1"])  # never h2: nginxlite speaks HTTP/1.1 only
    except (NotImplementedError, ssl.SSLError):
        pass
    for cert, key in zip(tls.certificates, tls.keys):
        load_pair(ctx, cert, key)
    if sni_callback is not None:
        ctx.sni_callback = sni_callback
    return ctx


def load_pair(ctx: ssl.SSLContext, cert: str, key: str) -> None:
    _readable(cert, "certificate")
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        probe.load_verify_locations(cafile=cert.encode("latin-1"))
    except ssl.SSLError as err:
        raise ConfigError(f'cannot load certificate "{cert}": PEM_read_bio_X509_AUX() failed '
                          f'(SSL: {_reason(err)})') from None
    _readable(key, "certificate key")
    try:
        ctx.load_cert_chain(cert.encode("latin-1"), key.encode("latin-1"))
    except ssl.SSLError as err:
        if getattr(err, "reason", None) == "KEY_VALUES_MISMATCH":
            raise ConfigError(f'SSL_CTX_use_PrivateKey("{key}") failed (SSL: key values mismatch)') from None
        raise ConfigError(f'cannot load certificate key "{key}": PEM_read_bio_PrivateKey() failed '
                          f'(SSL: {_reason(err)})') from None
    except OSError as err:
        raise ConfigError(f'cannot load certificate "{cert}": {err.strerror}') from None
