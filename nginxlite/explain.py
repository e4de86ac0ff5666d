"""``nginxlite --explain [METHOD] URL``: how the server would answer a URL, and why.

Rules:
- The explanation is a request run through the server's own pipeline
  (``pipeline.respond``) without a socket: the request head is parsed by the
  server's parser, the address found as the server finds it, and every decision
  (server, location, return, allow_methods, access, try_files, index, alias or
  root, error_page, internal redirects) is recorded by the pipeline itself in a
  ``pipeline.Trace`` while it takes it.  The answer printed is the status and
  headers of the response the pipeline built.  There is no second implementation
  of nginx's rules here, only the printing.
- A URL without ``scheme://host`` is asked of the first server's first address.
- It reads the file system (the files the request would be served from) and
  writes nothing: the DAV handler is not run (the trace stops before it), and the
  file descriptor of a served file is closed.  The client is 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from nginxlite.config.model import Config
from nginxlite.handlers.exchange import ConnInfo, Exchange, Trace
from nginxlite.handlers.pipeline import respond
from nginxlite.http.body import UNKNOWN, FileSlice, close_body
from nginxlite.http.parser import ProtocolError, parse_head
from nginxlite.http.response import Response
from nginxlite.http.status import reason

CLIENT = "127.0.0.1"
_WILDCARD_LOCAL = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def explain(config: Config, url: str) -> tuple[int, str]:
    """Returns (exit code, report).  ``url`` may start with a method and a space."""
    method, _, rest = url.partition(" ")
    if rest and method.isupper():
        url = rest.strip()
    else:
        method = "GET"
    out = []
    if url.startswith("/"):  # no scheme and host: the first server's address
        if not config.servers or not config.servers[0].listens:
            return 1, "no server to ask\n"
        listen = config.servers[0].listens[0]
        host = _WILDCARD_LOCAL.get(listen.host, listen.host)
        url = f"http://{f'[{host}]' if ':' in host else host}:{listen.port}{url}"
        out.append(f"URL       {url} (the first server's address)")
    else:
        if "://" not in url:
            url = "http://" + url
        out.append(f"URL       {url}")
    parts = urlsplit(url)
    if parts.scheme != "http":
        return 1, f"only http:// URLs can be explained (got {parts.scheme}://)\n"
    try:
        port = parts.port or 80
    except ValueError:
        return 1, f"invalid port in {url}\n"
    host_name = parts.hostname or ""
    addresses = [a for a in config.addresses if a.port == port]
    if not addresses:
        ports = ", ".join(sorted({str(a.port) for a in config.addresses})) or "none"
        return 1, "\n".join(out + [f"no server listens on port {port} (ports: {ports})"]) + "\n"
    exact = [a for a in addresses if a.host == host_name]
    address = exact[0] if exact else next((a for a in addresses if a.host in _WILDCARD_LOCAL), addresses[0])
    out.append(f"address   {address.host}:{address.port}" + (" (the socket's own address)" if exact else
               " (the address a connection to this host would most likely arrive on)"))
    out.append(f"request   {method} {_target(parts)}, client {CLIENT}")
    head = f"{method} {_target(parts)} HTTP/1.1\r\nHost: {parts.netloc.rsplit('@', 1)[-1]}"
    try:
        request = parse_head(head)
    except ProtocolError as err:
        return 0, "\n".join(out + [f"answer    {err.status} {reason(err.status)} ({err})"]) + "\n"
    local = _WILDCARD_LOCAL.get(address.host, address.host)
    ex = Exchange(request, ConnInfo(local, address.port, CLIENT, 0, config.vhosts[(address.host, address.port)]),
                  trace=Trace())
    response = respond(ex)
    out += ex.trace.lines
    # The error-log lines the request wrote, without the request's context (printed above).
    out += [f"log       [error] {note.splitlines()[0].partition(' ')[2].split(', client: ')[0]}"
            for note in ex.notes]
    if not isinstance(response, Response):  # a body consumer: only DAV asks for the body
        response.abort()
        out.append("answer    the handler would read the request body (not run by --explain)")
    elif response.status == 0:
        what = "the CGI script would run (not run by --explain)" if ex.handler == "cgi_pass" else \
            "the DAV handler would run (not run by --explain: it writes files)"
        out.append(f"answer    {what}")
    else:
        out.append("answer    " + _answer(response))
        close_body(response.body)
    return 0, "\n".join(out) + "\n"


def _target(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _answer(response: Response) -> str:
    if response.status == 444:
        return "444: the connection is closed without an answer"
    text = f"{response.status} {reason(response.status)}".rstrip()
    for name, value in response.headers:
        if name in ("Location", "Allow"):
            text += f", {name}: {value}"
    body = response.body
    if type(body) is FileSlice:
        text += f", {body.length} bytes from the file"
    elif type(body) is not bytes:
        text += ", a body of unknown length" if body.length == UNKNOWN else f", {body.length} bytes"
    elif body and len(body) <= 80 and b"<html>" not in body:
        text += f", body {body.decode('latin-1')!r}"
    elif body:
        text += f", {len(body)} bytes" + (" (the built-in page)" if b"<html>" in body else "")
    return text
