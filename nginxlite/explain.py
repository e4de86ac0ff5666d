"""``nginxlite --explain URL``: which server and location answer a URL, and why.

Rules:
- The explanation runs the server's own code: the listening address is found as
  the server finds it, the server by ``VirtualHosts.select`` and the location by
  ``locations.find``, both asked to record their decisions.  There is no second
  implementation of nginx's rules here, only the printing.
- It reads the file system (to say which file would be served) and nothing else.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from nginxlite.config.locations import describe, find
from nginxlite.config.model import Config, Location, Server
from nginxlite.config.vhosts import validate_host
from nginxlite.handlers.static import map_path
from nginxlite.http.uri import BadUri, normalize_path, split_target


def explain(config: Config, url: str) -> tuple[int, str]:
    """Returns (exit code, report)."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme != "http":
        return 1, f"only http:// URLs can be explained (got {parts.scheme}://)\n"
    try:
        port = parts.port or 80
    except ValueError:
        return 1, f"invalid port in {url}\n"
    host_name = parts.hostname or ""
    out = [f"URL       {url}"]
    addresses = [a for a in config.addresses if a.port == port]
    if not addresses:
        ports = ", ".join(sorted({str(a.port) for a in config.addresses})) or "none"
        return 1, "\n".join(out + [f"no server listens on port {port} (ports: {ports})"]) + "\n"
    exact = [a for a in addresses if a.host == host_name]
    address = exact[0] if exact else next((a for a in addresses if a.host in ("0.0.0.0", "::")), addresses[0])
    vhosts = config.vhosts[(address.host, address.port)]
    out.append(f"address   {address.host}:{address.port}" + (" (the socket's own address)" if exact else
               " (the address a connection to this host would most likely arrive on)"))
    host = validate_host(parts.netloc.rsplit("@", 1)[-1]) if parts.netloc else ""
    if host is None:
        return 1, "\n".join(out + ["Host     invalid: nginx answers 400"]) + "\n"
    trace: list[str] = []
    server = vhosts.select(host, trace)
    out.append(f"server    {_server(server)}")
    out.append(f"  because {trace[-1]}")
    path, args, _ = split_target((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    try:
        uri = normalize_path(path, vhosts.address.default.merge_slashes)  # as the server does
    except BadUri as err:
        return 0, "\n".join(out + [f"URI       {path}: 400 Bad Request ({err})"]) + "\n"
    out.append(f"URI       {uri}" + (f" (from {path})" if uri != path else "") + (f", args {args}" if args else ""))
    if server.return_ is not None:
        out.append(f"answer    server-level return {server.return_.code} {server.return_.text or ''}".rstrip())
        out.append("          (runs before location selection)")
        return 0, "\n".join(out) + "\n"
    steps: list[str] = []
    match = find(server.tree, uri, steps)
    out.append("location  " + (describe(match.location) + _at(match.location) if match.location
                               else "none (the server's own settings apply)"))
    out += [f"  {step}" for step in steps] or ["  no location at this level matches"]
    out.append("answer    " + _answer(match.location, server, uri))
    return 0, "\n".join(out) + "\n"


def _server(server: Server) -> str:
    names = " ".join(n.text or '""' for n in server.names)
    where = f" ({server.pos})" if server.pos else ""
    return f"server_name {names}{where}"


def _at(loc: Location) -> str:
    return f" ({loc.pos})" if loc.pos else ""


def _answer(loc: Location | None, server: Server, uri: str) -> str:
    settings = loc.settings if loc is not None else server.settings
    if loc is not None and loc.return_ is not None:
        return f"return {loc.return_.code} {loc.return_.text or ''}".rstrip()
    if loc is not None and loc.stub_status:
        return "stub_status page"
    if loc is not None and loc.cgi_pass:
        return f"CGI with {loc.cgi_pass}"
    path = map_path(settings.root, settings, loc, uri)  # the static handler's own mapping
    how = "alias" if settings.alias else "root"
    if uri.endswith("/"):
        for name in settings.index:
            if os.path.isfile((path + name).encode("latin-1")):
                return f"index file {path + name} ({how}): internal redirect to {uri + name}"
        if settings.autoindex:
            return f"directory listing of {path} ({how})"
        exists = os.path.isdir(path.encode("latin-1"))
        return f"{path} ({how}): no index file, " + ("403 Forbidden" if exists else "404 Not Found")
    fs_path = path.encode("latin-1")
    if os.path.isdir(fs_path):
        return f"{path} is a directory ({how}): 301 to {uri}/"
    if os.path.isfile(fs_path):
        return f"static file {path} ({how})"
    return f"static file {path} ({how}): does not exist, 404 Not Found"
