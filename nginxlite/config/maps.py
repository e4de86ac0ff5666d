"""``map SOURCE $NAME { ... }``: the table of one map, built once at load, and its lookup.

Rules (nginx 1.22's ngx_http_map_module and ngx_hash_add_key):
- A line is ``KEY VALUE;``; ``default VALUE;`` (once), ``hostnames;``, ``volatile;`` and
  ``include FILE;`` are the special lines.  Any other number of words is
  ``invalid number of the map parameters``.
- A key starting with ``~`` is a regex (``~*``: caseless), tried in the order written;
  a leading ``\\`` is dropped (so ``\\~`` and ``\\default`` are plain keys).  Plain keys
  are compared caselessly (lower-cased here and in ``lookup``); the same key twice is
  ``conflicting parameter``.
- With ``hostnames`` a key may be a wildcard name as in ``server_name``
  (``*.example.com``, ``.example.com``, ``www.example.*``); the most specific wildcard
  wins, exact keys first, and a source value's trailing dot is ignored.
- ``lookup`` order: exact key, leading wildcard, trailing wildcard, then the regexes
  (never for an empty value), then ``default`` ("" when there is none).
- Values are texts that may hold variables; the caller expands them (``variables``),
  with the regex's match as the request's captures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.config.regex import compile_pcre, pcre_error


@dataclass(frozen=True, slots=True)
class Map:
    name: str  # the variable defined, lower-case, without "$"
    source: str  # the text looked up, with variables
    exact: dict[str, str] = field(default_factory=dict)
    head: dict[str, str] = field(default_factory=dict)  # "*.example.com" and ".example.com" -> "example.com"
    tail: dict[str, str] = field(default_factory=dict)  # "www.example.*" -> "www.example"
    dotted: frozenset[str] = frozenset()  # head keys written ".example.com": they match "example.com" too
    regexes: tuple[tuple[re.Pattern, str], ...] = ()
    default: str = ""
    hostnames: bool = False
    volatile: bool = False  # not cached per request

    def lookup(self, text: str) -> tuple[str, re.Match | None]:
        """The value text for the source value ``text``, and the regex match that chose it."""
        if self.hostnames and text.endswith("."):
            text = text[:-1]
        low = text.lower()
        found = self.exact.get(low)
        if found is not None:
            return found, None
        if self.head or self.tail:
            found = self._wildcard(low)
            if found is not None:
                return found, None
        if text:
            for regex, value in self.regexes:
                match = regex.search(text)
                if match is not None:
                    return value, match
        return self.default, None

    def _wildcard(self, low: str) -> str | None:
        if low in self.dotted:
            return self.head[low]
        labels = low.split(".")
        for i in range(1, len(labels)):  # the longest suffix first
            found = self.head.get(".".join(labels[i:]))
            if found is not None:
                return found
        for i in range(len(labels) - 1, 0, -1):  # the longest prefix first
            found = self.tail.get(".".join(labels[:i]))
            if found is not None:
                return found
        return None


class MapBuilder:
    """The lines of one ``map`` block, checked as nginx checks them; ``build`` freezes it."""

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.exact: dict[str, str] = {}
        self.head: dict[str, str] = {}
        self.tail: dict[str, str] = {}
        self.dotted: set[str] = set()
        self.regexes: list[tuple[re.Pattern, str]] = []
        self.default: str | None = None
        self.hostnames = False
        self.volatile = False

    def add(self, key: str, value: str) -> re.Pattern | None:
        """One ``KEY VALUE;`` line; the regex compiled for a ``~`` key.

        Raises:
            ValueError: nginx's message.
        """
        if key == "default":
            if self.default is not None:
                raise ValueError("duplicate default map parameter")
            self.default = value
            return None
        if key.startswith("~"):
            caseless = key.startswith("~*")
            pattern = key[2:] if caseless else key[1:]
            try:
                regex = compile_pcre(pattern, caseless=caseless)
            except re.error as err:
                raise ValueError(pcre_error(pattern, err)) from None
            self.regexes.append((regex, value))
            return regex
        if key.startswith("\\"):
            key = key[1:]
        if self.hostnames:
            self._add_hostname(key, value)
        else:
            self._add_exact(key.lower(), key, value)
        return None

    def _add_exact(self, low: str, key: str, value: str) -> None:
        if low in self.exact or low in self.dotted:
            raise ValueError(f'conflicting parameter "{key}"')
        self.exact[low] = value

    def _add_hostname(self, key: str, value: str) -> None:
        """ngx_hash_add_key with NGX_HASH_WILDCARD_KEY."""
        if key.count("*") > 1 or ".." in key or "\0" in key:
            raise ValueError(f'invalid hostname or wildcard "{key}"')
        low = key.lower()
        if len(key) > 1 and key[0] == ".":
            name = low[1:]
            if name in self.exact or name in self.head:
                raise ValueError(f'conflicting parameter "{key}"')
            self.head[name] = value
            self.dotted.add(name)
        elif len(key) > 2 and key.startswith("*."):
            name = low[2:]
            if name in self.head:
                raise ValueError(f'conflicting parameter "{key}"')
            self.head[name] = value
        elif len(key) > 2 and key.endswith(".*"):
            name = low[:-2]
            if name in self.tail:
                raise ValueError(f'conflicting parameter "{key}"')
            self.tail[name] = value
        elif "*" in key:
            raise ValueError(f'invalid hostname or wildcard "{key}"')
        else:
            self._add_exact(low, key, value)

    def build(self) -> Map:
        return Map(
            name=self.name, source=self.source, exact=self.exact, head=self.head, tail=self.tail,
            dotted=frozenset(self.dotted), regexes=tuple(self.regexes),
            default=self.default if self.default is not None else "",
            hostnames=self.hostnames, volatile=self.volatile,
        )
