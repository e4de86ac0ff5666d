"""nginx variables in ``return`` text and URLs, ``error_page`` targets and the like.

Rules:
- ``expand`` replaces ``$name`` / ``${name}`` / ``$1``..``$9`` with the request's
  values; unknown names cannot reach here (the loader rejects them).
- Values are latin-1 strings, one character per byte, like everything else.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nginxlite import __version__

if TYPE_CHECKING:
    from nginxlite.handlers.pipeline import Exchange

_VAR = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([1-9])|([A-Za-z0-9_]+))")


def value(ex: Exchange, name: str) -> str:
    """The value of variable ``name`` (lower-case) for this request."""
    req = ex.request
    if name == "uri" or name == "document_uri":
        return ex.uri
    if name == "args" or name == "query_string":
        return ex.args
    if name == "is_args":
        return "?" if ex.args else ""
    if name == "request_uri":
        return req.target
    if name == "host":
        return ex.host or (ex.server.names[0].text if ex.server and ex.server.names else "") or ex.conn.local_host
    if name == "scheme":
        return "http"
    if name == "https":
        return ""
    if name == "server_port":
        return str(ex.conn.local_port)
    if name == "server_addr":
        return ex.conn.local_host
    if name == "server_name":
        return ex.server.names[0].text if ex.server and ex.server.names else ""
    if name == "server_protocol":
        return f"HTTP/1.{req.minor}"
    if name == "remote_addr":
        return ex.conn.remote_host
    if name == "remote_port":
        return str(ex.conn.remote_port)
    if name == "request_method":
        return req.method
    if name == "request":
        return ex.request_line()
    if name == "content_length":
        return req.header("content-length") or ""
    if name == "content_type":
        return req.header("content-type") or ""
    if name == "nginx_version":
        return __version__
    if name.startswith("http_"):
        return req.header(name[5:].replace("_", "-")) or ""
    if name.startswith("arg_"):
        for pair in ex.args.split("&"):
            key, _, value = pair.partition("=")
            if key == name[4:]:
                return value
        return ""
    if name.startswith("cookie_"):
        for part in (req.header("cookie") or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name[7:]:
                return value
        return ""
    if ex.captures is not None and name in ex.captures.re.groupindex:
        return ex.captures.group(name) or ""
    return ""


def expand(template: str, ex: Exchange) -> str:
    if "$" not in template:
        return template

    def sub(m: re.Match) -> str:
        if m.group(2):
            caps = ex.captures
            n = int(m.group(2))
            if caps is None or n > caps.re.groups:
                return ""
            return caps.group(n) or ""
        return value(ex, (m.group(1) or m.group(3)).lower())

    return _VAR.sub(sub, template)
