"""Location selection, as nginx's ``ngx_http_core_find_location`` (nginx-semantics.md §3).

Rules:
- The tree is built once at load (``build_tree``) for each server: per level, a
  dict of exact locations, the prefixes sorted longest first, the regexes in
  config order and (server level) the named locations.
- ``find`` implements nginx's recursion: an exact match is final; else the
  longest prefix is remembered and its nested locations searched (a final
  result from inside wins, a tentative one replaces it); unless that longest
  prefix is ``^~``, this level's regexes are tried in order and the first match
  (or what its nested locations find) is final.
- Matching is byte-wise (latin-1 strings) and case-sensitive for prefixes;
  ``~*`` regexes are compiled ASCII-case-insensitive.
- ``find`` can record each decision in a trace, which ``--explain`` prints: the
  explanation and the answer come from the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nginxlite.config.model import Location


@dataclass(frozen=True, slots=True, eq=False)
class Tree:
    exact: dict[str, tuple[Location, Tree]]
    prefixes: tuple[tuple[str, Location, Tree], ...]  # longest first
    regexes: tuple[tuple[Location, Tree], ...]
    named: dict[str, Location] = field(default_factory=dict)


EMPTY = Tree({}, (), ())


def build_tree(locations: tuple[Location, ...], server_level: bool = True) -> Tree:
    if not locations:
        return EMPTY
    exact: dict[str, tuple[Location, Tree]] = {}
    prefixes: list[tuple[str, Location, Tree]] = []
    regexes: list[tuple[Location, Tree]] = []
    named: dict[str, Location] = {}
    for loc in locations:
        sub = build_tree(loc.locations, False)
        if loc.modifier == "=":
            exact.setdefault(loc.name, (loc, sub))
        elif loc.modifier in ("", "^~"):
            prefixes.append((loc.name, loc, sub))
        elif loc.modifier == "@":
            named.setdefault(loc.name, loc)
        else:
            regexes.append((loc, sub))
    prefixes.sort(key=lambda p: len(p[0]), reverse=True)  # stable: config order among equals
    return Tree(exact, tuple(prefixes), tuple(regexes), named)


@dataclass(slots=True)
class Match:
    location: Location | None
    captures: re.Match | None = None
    trace: list[str] | None = None


def describe(loc: Location) -> str:
    mod = f"{loc.modifier} " if loc.modifier and loc.modifier != "@" else ""
    return f'location {mod}{loc.name}'


def find(tree: Tree, uri: str, trace: list[str] | None = None) -> Match:
    """Choose the location for ``uri`` (decoded, normalised, latin-1)."""
    match = Match(None, None, trace)
    loc, _ = _find(tree, uri, match, 0)
    match.location = loc
    return match


def _find(tree: Tree, uri: str, match: Match, depth: int) -> tuple[Location | None, bool]:
    trace = match.trace
    pad = "  " * depth
    hit = tree.exact.get(uri)
    if hit is not None:
        if trace is not None:
            trace.append(f"{pad}exact match: {describe(hit[0])}")
        return hit[0], True
    result: Location | None = None
    longest = None
    for name, loc, sub in tree.prefixes:
        if uri.startswith(name):
            longest = loc
            result = loc
            if trace is not None:
                kind = "longest prefix (^~: regexes at this level are skipped)" if loc.modifier == "^~" \
                    else "longest prefix"
                trace.append(f"{pad}{kind}: {describe(loc)}")
            inner, final = _find(sub, uri, match, depth + 1)
            if final:
                return inner, True
            if inner is not None:
                result = inner
            break
    if longest is None or longest.modifier != "^~":
        for loc, sub in tree.regexes:
            found = loc.regex.search(uri)
            if trace is not None:
                trace.append(f"{pad}regex {describe(loc)}: {'matches' if found else 'no match'}")
            if found:
                match.captures = found
                inner, _ = _find(sub, uri, match, depth + 1)
                return inner or loc, True
    return result, False
