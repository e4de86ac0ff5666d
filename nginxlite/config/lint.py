"""Lint warnings beyond nginx's (SPEC §2): legal configurations that do not do what they seem to.

``lint`` runs once per load, after the http block is read and checked (the
location levels are final), over the load-time blocks; each finding is a
``ConfigWarning`` that ``-t`` prints as ``nginxlite: [warn] MESSAGE in FILE:LINE``
after nginx's own warnings.  None changes the exit status or what is served.

Rules (each message starts as shown; ``is_lint`` recognises them):

1. ``alias "A" ends with "/" but location "P" does not``: a prefix location
   without a trailing slash whose alias has one (``location /static { alias
   /srv/static/; }``): ``/static../x`` reads ``/srv/static/../x``, outside the
   alias.  The reverse, ``alias "A" does not end with "/" but location "P"
   does``, glues names (``/static/x`` reads ``/srv/staticx``).  At the alias.
2. ``location "~ R" can never be selected``, at the location, in the cases that
   can be proved from the text alone:
   - a regex after a regex of the same level that matches every URI it can
     match: the same pattern (a ``~*`` covers a later ``~`` but not the other
     way), or one that matches every URI starting with a literal prefix that
     the later regex's own literal prefix starts with (``~ ^/img/`` before
     ``~ ^/img/.*\\.png$``), or one that matches every URI (``~ /``, ``~ ^/``,
     ``~ .``, ``~ .*``, ``~ ""``);
   - a prefix location (not ``^~``) whose every URI a regex of its level
     matches (``location /img/`` beside ``location ~ ^/img``): the regexes of a
     level are tried after its longest prefix, and the first match wins;
   - a location nested in a prefix location P whose URIs all have a longer
     prefix than P at P's level, or (an exact one) an exact location of the
     same URI there: P is never the longest prefix for them, so its nested
     locations are never searched for them.
3. ``regex location "~ R" has no anchor``: neither a leading ``^`` (or ``\\A``)
   nor a trailing ``$`` (or ``\\z``, ``\\Z``, or a last group ``(/|$)``, nginx's idiom for
   an extension before PATH_INFO): the regex matches anywhere in the URI
   (``location ~ \\.php`` matches ``/x.php/y`` and ``/a.phpx``).  At the location.
4. ``root "R" repeats the root this location inherits``: a ``root`` equal to the
   one the enclosing server or location already gives it.  At the root.

Duplicate server names are nginx's own warning (``conflicting server name "x"
on ADDR, ignored``), given by the loader as nginx gives it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nginxlite.config.blocks import Block
from nginxlite.errors import ConfigWarning

_LINT = re.compile(r'(alias "|location "|regex location "|root ").*'
                   r'( ends with "/" but location | does not end with "/" but location '
                   r'| can never be selected: | has no anchor| repeats the root this location inherits)')

# Patterns that match every URI (a URI always starts with "/").
_EVERY_URI = frozenset({"", "^", "/", "^/", ".", ".*", ".+", "^.", "^.*", "^.+", "^/.*", "(.*)", "^(.*)$",
                        "^.*$", "^/.*$"})
_META = frozenset(".^$*+?()[]{}|\\")
_QUANTIFIERS = frozenset("*+?{")


def is_lint(message: str) -> bool:
    """Whether a warning's text is one of this module's (the differential -t test drops them)."""
    return _LINT.match(message) is not None


def lint(http: Block, path: Callable[[str], str]) -> list[ConfigWarning]:
    """The warnings for every server of ``http``; ``path`` resolves a root as the loader does."""
    found: list[ConfigWarning] = []
    for server in http.servers:
        _level(server, path, found)
    return found


def _level(parent: Block, path: Callable[[str], str], found: list[ConfigWarning]) -> None:
    locations = [loc for loc in parent.locations if loc.modifier != "@"]
    regexes = [loc for loc in locations if loc.regex is not None]
    for loc in locations:
        pos = loc.directive.pos if loc.directive else None
        if loc.regex is not None:
            if not _anchored(loc.name):
                found.append(ConfigWarning(f'regex location "{_show(loc)}" has no anchor (^ or $): '
                                           "it matches anywhere in the URI", pos))
            earlier = next((r for r in regexes[:regexes.index(loc)] if _covers(r, loc)), None)
            if earlier is not None:
                found.append(ConfigWarning(f'location "{_show(loc)}" can never be selected: '
                                           f'the regex location "{_show(earlier)}" before it{_at(earlier)} '
                                           "matches every URI it matches", pos))
        elif loc.modifier == "":
            regex = next((r for r in regexes if _covers_prefix(r, loc.name)), None)
            if regex is not None:
                found.append(ConfigWarning(f'location "{_show(loc)}" can never be selected: '
                                           f'the regex location "{_show(regex)}"{_at(regex)} '
                                           "matches every URI it matches", pos))
        if loc.modifier in ("", "^~"):
            for child in loc.locations:
                reason = _never_searched(child, loc, locations)
                if reason:
                    found.append(ConfigWarning(f'location "{_show(child)}" can never be selected: {reason}',
                                               child.directive.pos if child.directive else None))
        _alias(loc, found)
        _root(loc, parent, path, found)
        _level(loc, path, found)


def _show(loc: Block) -> str:
    return f"{loc.modifier} {loc.name}" if loc.modifier else loc.name


def _at(loc: Block) -> str:
    return f" ({loc.directive.pos})" if loc.directive and loc.directive.pos else ""


def _anchored(pattern: str) -> bool:
    body = re.sub(r"^\(\?[a-zA-Z]+\)", "", pattern)  # a leading inline flag group: (?i)
    if body.startswith(("^", "\\A")):
        return True
    if body.endswith(("\\z", "\\Z", "|$)")):
        return True  # ("|$)": the idiom ``\.php(/|$)``, an extension at the end or before PATH_INFO)
    if body.endswith("$"):
        slashes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
        return slashes % 2 == 0  # "\$" is a literal dollar
    return False


def _literal_prefix(pattern: str) -> tuple[str, bool] | None:
    """For ``^`` followed by literal text: (that text, whether nothing follows it but ``.*``).
    None when the pattern is not anchored at the start or has an alternation."""
    if not pattern.startswith("^") or "|" in pattern:
        return None
    text, i = [], 1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            char, width = pattern[i + 1], 2
        elif c in _META:
            break
        else:
            char, width = c, 1
        if i + width < len(pattern) and pattern[i + width] in _QUANTIFIERS:
            break  # the character is optional or repeated: not part of the literal prefix
        text.append(char)
        i += width
    rest = pattern[i:]
    return "".join(text), rest in ("", ".*")


def _covered(regex: Block) -> str | None:
    """The literal L such that ``regex`` matches every URI starting with L, if provable."""
    if regex.name in _EVERY_URI:
        return ""
    lit = _literal_prefix(regex.name)
    if lit is not None and lit[1]:
        return lit[0]
    return None


def _starts(text: str, prefix: str, caseless: bool) -> bool:
    return text.lower().startswith(prefix.lower()) if caseless else text.startswith(prefix)


def _covers(earlier: Block, later: Block) -> bool:
    """Every URI ``later`` (a regex location) matches, ``earlier`` matches too."""
    caseless = earlier.modifier == "~*"
    if earlier.name == later.name and (caseless or later.modifier == "~"):
        return True
    covered = _covered(earlier)
    if covered is None:
        return False
    if covered == "":
        return True
    if later.modifier == "~*" and not caseless:
        return False
    lit = _literal_prefix(later.name)
    return lit is not None and _starts(lit[0], covered, caseless)


def _covers_prefix(regex: Block, prefix: str) -> bool:
    covered = _covered(regex)
    return covered is not None and _starts(prefix, covered, regex.modifier == "~*")


def _never_searched(child: Block, parent: Block, level: list[Block]) -> str:
    """Why ``child``, nested in the prefix location ``parent``, is never searched ("" if it may be)."""
    if child.modifier == "=":
        same = next((loc for loc in level if loc.modifier == "=" and loc.name == child.name), None)
        if same is not None:
            return f'the exact location "{_show(same)}"{_at(same)} answers it first'
    elif child.modifier not in ("", "^~"):
        return ""
    for loc in level:
        if loc.modifier in ("", "^~") and len(loc.name) > len(parent.name) and child.name.startswith(loc.name):
            return (f'location "{_show(loc)}"{_at(loc)} is a longer prefix than "{parent.name}" '
                    "for every URI it matches")
    return ""


def _alias(loc: Block, found: list[ConfigWarning]) -> None:
    if not loc.own.get("alias") or loc.modifier not in ("", "^~"):
        return
    alias, name = loc.own["root"], loc.name
    pos = loc.positions.get("alias")
    if alias.endswith("/") and not name.endswith("/"):
        found.append(ConfigWarning(f'alias "{alias}" ends with "/" but location "{name}" does not: '
                                   f'"{name}../x" reads "{alias}../x", outside the alias', pos))
    elif name.endswith("/") and not alias.endswith("/") and "$" not in alias:
        found.append(ConfigWarning(f'alias "{alias}" does not end with "/" but location "{name}" does: '
                                   f'"{name}x" reads "{alias}x"', pos))


def _root(loc: Block, parent: Block, path: Callable[[str], str], found: list[ConfigWarning]) -> None:
    if "root" not in loc.own or loc.own["alias"]:
        return
    above: Block | None = parent
    while above is not None and "root" not in above.own:
        above = above.parent
    if above is not None and above.own["alias"]:
        return
    inherited = above.own["root"] if above is not None else "html"
    if path(loc.own["root"]) == path(inherited):
        found.append(ConfigWarning(f'root "{loc.own["root"]}" repeats the root this location inherits',
                                   loc.positions.get("root")))
