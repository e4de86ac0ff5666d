"""Virtual-host selection, as nginx (nginx-semantics.md §2).

Rules:
- Built once at load for each listening address (``VirtualHosts``): a dict of
  exact names, leading and trailing wildcards (each checked longest first) and
  the regex names in config order, across the address's servers.  The first
  server to claim a name keeps it (nginx's "conflicting server name ... ignored").
- ``select`` looks up, in order: exact name, longest leading wildcard, longest
  trailing wildcard, first matching regex, then the address's default server.
- ``validate_host`` applies nginx's Host checks (lower-case, port and one
  trailing dot cut); it returns None for a Host nginx rejects with 400.  The
  same checks apply to the Host header and to an absolute-form target's host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.config.model import Address, NameKind, Server

_VALID: dict[str, str | None] = {}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def validate_host(raw: str) -> str | None:
    """nginx's ``ngx_http_validate_host``: the name to select by, or None (400).
    Results are remembered (Host values repeat), up to a bounded number."""
    try:
        return _VALID[raw]
    except KeyError:
        pass
    host = _validate_host(raw)
    if len(_VALID) >= 4096:
        _VALID.clear()
    _VALID[raw] = host
    return host


def _validate_host(host: str) -> str | None:
    """nginx 1.22's rules, character by character over the whole value, port included:
    ``..``, ``/``, a space, a control character or DEL anywhere is refused; the name ends
    at the first ``:`` (after the ``]`` of a ``[`` literal starting the value); a dot
    ending the name is cut if no dot follows it (``example.com.:1.2`` keeps its dot);
    an empty name is refused; ASCII letters are lower-cased, other bytes kept."""
    dot = length = len(host)
    literal = rest = False
    for i, ch in enumerate(host):
        if ch == ".":
            if dot == i - 1:
                return None
            dot = i
        elif ch == ":":
            if not literal and not rest:
                length, rest = i, True
        elif ch == "[":
            if i == 0:
                literal = True
        elif ch == "]":
            if literal:
                length, literal, rest = i + 1, False, True
        elif ch <= " " or ch == "/" or ch == "\x7f":
            return None
    if dot == length - 1:
        length -= 1
    if length == 0:
        return None
    return host[:length].translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True, eq=False)
class VirtualHosts:
    address: Address
    exact: dict[str, Server]
    head: dict[str, Server]  # "*.example.com" / ".example.com" -> key "example.com"
    tail: dict[str, Server]  # "www.example.*" -> key "www.example"
    regexes: tuple[tuple[re.Pattern, Server], ...]
    # (Host header, request target) -> handlers.exchange.Route: filled while serving,
    # bounded, and gone with this configuration (a reload builds new VirtualHosts).
    routes: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, address: Address) -> VirtualHosts:
        exact: dict[str, Server] = {}
        head: dict[str, Server] = {}
        tail: dict[str, Server] = {}
        regexes: list[tuple[re.Pattern, Server]] = []
        for server in address.servers:
            for name in server.names:
                text = name.text
                if name.kind is NameKind.REGEX:
                    regexes.append((name.regex, server))
                elif name.kind is NameKind.WILDCARD_HEAD:
                    if text.startswith("."):
                        exact.setdefault(text[1:], server)
                        head.setdefault(text[1:], server)
                    else:
                        head.setdefault(text[2:], server)
                elif name.kind is NameKind.WILDCARD_TAIL:
                    tail.setdefault(text[:-2], server)
                else:
                    exact.setdefault(text, server)
        return cls(address, exact, head, tail, tuple(regexes))

    @staticmethod
    def _first(table: dict[str, Server], keys) -> Server | None:
        for key in keys:
            server = table.get(key)
            if server is not None:
                return server
        return None

    def captures(self, server: Server, host: str) -> re.Match | None:
        """The match of the regex name that chose ``server`` for ``host``, for $1.. and named captures."""
        for regex, owner in self.regexes:
            if owner is server:
                found = regex.search(host)
                if found:
                    return found
        return None

    def select(self, host: str, trace: list[str] | None = None) -> Server:
        """The server for a validated host name ("" when the request had none)."""
        server = self.exact.get(host)
        if server is not None:
            if trace is not None:
                trace.append(f'exact name "{host}"')
            return server
        labels = host.split(".")
        if self.head:  # *.example.com: the longest suffix first
            server = self._first(self.head, (".".join(labels[i:]) for i in range(1, len(labels))))
            if server is not None:
                if trace is not None:
                    trace.append(f'leading wildcard matching "{host}"')
                return server
        if self.tail:  # www.example.*: the longest prefix first
            server = self._first(self.tail, (".".join(labels[:i]) for i in range(len(labels) - 1, 0, -1)))
            if server is not None:
                if trace is not None:
                    trace.append(f'trailing wildcard matching "{host}"')
                return server
        for regex, server in self.regexes:
            if regex.search(host):
                if trace is not None:
                    trace.append(f'regex name "~{regex.pattern}"')
                return server
        if trace is not None:
            trace.append(f"no name matched: default server of {self.address.host}:{self.address.port}")
        return self.address.default
