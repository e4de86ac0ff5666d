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
- ``ssl_ecdh_curve``: ``set_ecdh_curve`` takes one curve, so "auto" keeps
  OpenSSL's groups, one curve is set, and a list is checked name by name (OpenSSL's
  aliases such as ``P-256`` and any case accepted, as nginx's
  SSL_CTX_set1_curves_list) and then keeps OpenSSL's groups.  An unknown name is
  nginx's ``SSL_CTX_set1_curves_list("LIST") failed``.
- ``ssl_dhparam``: ``BIO_new_file``, ``PEM_read_bio_DHparams`` or
  ``SSL_CTX_set_tmp_dh`` failed, as nginx tells those apart.
- Keys are decrypted with ``ssl_password_file``'s passphrases, tried in order;
  without one an encrypted key fails at once (nothing prompts on a terminal).
- A server with ``ssl_reject_handshake on`` gets a context even without a
  certificate (``serves``): the SNI callback needs it to refuse the handshake.
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
        load_pair(ctx, cert, key, tls.passwords)
    if tls.dhparam:
        _dhparam(ctx, tls.dhparam)
    _curves(ctx, tls.ecdh_curve)
    if sni_callback is not None:
        ctx.sni_callback = sni_callback
    return ctx


def serves(tls: Tls) -> bool:
    """Whether a server's TLS settings make a context (nginx: certificates, or rejecting)."""
    return bool(tls.certificates) or tls.reject_handshake


_CURVE_ALIASES = {"p-192": "prime192v1", "p-224": "secp224r1", "p-256": "prime256v1",
                  "p-384": "secp384r1", "p-521": "secp521r1"}


def _curve(probe: ssl.SSLContext, name: str) -> str | None:
    """The name ``set_ecdh_curve`` knows for ``name`` (an OpenSSL group name or alias), or None."""
    for candidate in (name, _CURVE_ALIASES.get(name.lower()), name.lower(), name.upper()):
        if candidate:
            try:
                probe.set_ecdh_curve(candidate)
            except ValueError:
                continue
            return candidate
    return None


def _curves(ctx: ssl.SSLContext, text: str) -> None:
    if text == "auto":
        return
    names = text.split(":")
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    known = []
    for name in names:
        found = _curve(probe, name)
        if found is None:
            raise ConfigError(f'SSL_CTX_set1_curves_list("{text}") failed '
                              f"(SSL: passed invalid argument: group '{name}' cannot be set)")
        known.append(found)
    if len(known) == 1:
        ctx.set_ecdh_curve(known[0])


def _dhparam(ctx: ssl.SSLContext, path: str) -> None:
    try:
        ctx.load_dh_params(path.encode("latin-1"))
    except ssl.SSLError as err:
        if getattr(err, "library", None) == "PEM" or getattr(err, "reason", None) in (None, "NO_START_LINE"):
            raise ConfigError(f'PEM_read_bio_DHparams("{path}") failed (SSL: {_reason(err)})') from None
        raise ConfigError(f'SSL_CTX_set_tmp_dh("{path}") failed (SSL: {_reason(err)})') from None
    except OSError as err:
        raise ConfigError(f'BIO_new_file("{path}") failed ({err.errno}: {err.strerror})') from None


def _encrypted(key: str) -> bool:
    try:
        with open(key.encode("latin-1"), "rb") as f:
            return b"ENCRYPTED" in f.read(1 << 16)
    except OSError:
        return False


def load_pair(ctx: ssl.SSLContext, cert: str, key: str, passwords: tuple[bytes, ...] | None = None) -> None:
    _readable(cert, "certificate")
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        probe.load_verify_locations(cafile=cert.encode("latin-1"))
    except ssl.SSLError as err:
        raise ConfigError(f'cannot load certificate "{cert}": PEM_read_bio_X509_AUX() failed '
                          f'(SSL: {_reason(err)})') from None
    _readable(key, "certificate key")
    tries = passwords or (b"",)  # (b"": an encrypted key fails, never a terminal prompt)
    for n, password in enumerate(tries, 1):
        try:
            ctx.load_cert_chain(cert.encode("latin-1"), key.encode("latin-1"), password=password)
            return
        except (ssl.SSLError, ValueError) as err:  # ValueError: a passphrase too long for OpenSSL
            if getattr(err, "reason", None) == "KEY_VALUES_MISMATCH":
                raise ConfigError(f'SSL_CTX_use_PrivateKey("{key}") failed (SSL: key values mismatch)') from None
            if n == len(tries):
                plain = isinstance(err, ssl.SSLError) and not _encrypted(key)
                raise ConfigError(f'cannot load certificate key "{key}": PEM_read_bio_PrivateKey() failed '
                                  f'(SSL: {_reason(err) if plain else "bad decrypt"})') from None
        except OSError as err:
            raise ConfigError(f'cannot load certificate "{cert}": {err.strerror}') from None
