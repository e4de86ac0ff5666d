"""Location selection and URI normalisation: nginx and nginxlite on one config must agree.

Every location answers ``return 200 "<id>";`` so the body names the location that
was chosen (some also echo ``$uri`` to show the normalised URI).  For each raw
request the status and body of both servers are compared, built-in error pages
normalised as in test_differential_http.py.  nginx 1.22 is the oracle.

Three groups:

* ``test_hand_written``: the examples of nginx-semantics.md §3 (L1-L11) and the URI
  normalisation rules of §1, servers picked by Host header / port (ids name the
  server block and the rule: ``loc-L3-/exact``).
* ``test_pcre_dialect``: PCRE syntax in location regexes, one small config each.
* ``test_random``: seeded random location trees (all modifiers, nesting within
  nginx's rules, glued modifiers, sometimes ``merge_slashes off``) checked with
  ``nginx -t``, and random URIs aimed at their edges.  The seed is in the test id
  (``seed5-17-/a/%2Fb``); ``PYTHONPATH=tests:. python
  tests/integration/test_differential_locations.py 5`` prints that config and its
  requests.

A failure shows the server block, the raw request and both answers.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from client import parse, raw
from conftest import require_nginx
from servers import NGINX, nginx_available, start_nginx, start_nginxlite, stop_nginxlite

# ---------------------------------------------------------------------------
# Hand-written group
# ---------------------------------------------------------------------------

# Server blocks, in config order.  "norm" is the default server of PORT0 and
# "msoff" the default server of PORT1 (nginx normalises the URI with the default
# server's merge_slashes: the request line is parsed before the Host header).
SERVERS = {
    "norm": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name norm.test;
    location / { return 200 "prefix / uri=$uri"; }
    location ~ ^/caf.$ { return 200 "regex ^/caf. uri=$uri"; }
    location = /a%b { return 200 "exact /a%b"; }
    location = "/sp ace" { return 200 "exact /sp ace"; }
    location = "/q?m" { return 200 "exact /q?m"; }
    location = "/h#s" { return 200 "exact /h#s"; }
    location = /b { return 200 "exact /b uri=$uri"; }
    location /dots/ { return 200 "prefix /dots/ uri=$uri"; }
}
""",
    "loc": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name loc.test;
    location / { return 200 "prefix /"; }
    location = / { return 200 "exact /"; }
    location /longest/prefix/wins { return 200 "prefix /longest/prefix/wins"; }
    location ~ /longest/prefix/regex { return 200 "regex /longest/prefix/regex"; }
    location ~ ^/order { return 200 "regex ^/order"; }
    location ~ ^/order/x { return 200 "regex ^/order/x"; }
    location = /exact { return 200 "exact /exact"; }
    location /exact { return 200 "prefix /exact"; }
    location /caseSens { return 200 "prefix /caseSens"; }
    location /lp { return 200 "prefix /lp"; }
    location /lp/longer { return 200 "prefix /lp/longer"; }
    location ^~ /stop { return 200 "^~ /stop"; }
    location ^~ /sh { return 200 "^~ /sh"; }
    location /sh/longer { return 200 "prefix /sh/longer"; }
    location ~ \.php$ { return 200 "regex .php"; }
    location ~* \.JPG$ { return 200 "regex* .JPG"; }
    location ~* ^/\xc3\x89T { return 200 "regex* ^/(C3 89)T"; }
    location ~* ^/ci/caf\xe9$ { return 200 "regex* ^/ci/caf(E9)"; }
    location @named { return 200 "named @named"; }
    location =/glued { return 200 "glued =/glued"; }
    location ^~/gnore { return 200 "glued ^~/gnore"; }
    location ~\.gphp$ { return 200 "glued ~.gphp"; }
    location ~*\.gif$ { return 200 "glued ~*.gif"; }
}
""",
    "nest": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name nest.test;
    root ROOT/www;
    location /a {
        return 200 "prefix /a";
        location ^~ /a/c { return 200 "/a > ^~ /a/c"; }
        location ~ \.nested$ { return 200 "/a > regex .nested"; }
        location /a/b { return 200 "/a > prefix /a/b"; }
        location = /a/exact { return 200 "/a > exact /a/exact"; }
    }
    location ~ \.php$ { return 200 "regex .php"; }
    location ~ \.nested$ { return 200 "server regex .nested"; }
    location /same {
        return 200 "outer /same";
        location /same { return 200 "/same > inner /same"; }
    }
    location ~ ^/rx {
        return 200 "regex ^/rx";
        location ~ /deep$ { return 200 "^/rx > regex /deep"; }
        location ~* \.TXT$ { return 200 "^/rx > regex* .TXT"; }
    }
    location /p {
        return 200 "prefix /p";
        location /p/child { }
    }
    location /deep {
        return 200 "prefix /deep";
        location /deep/er {
            return 200 "/deep > /deep/er";
            location /deep/er/est {
                return 200 "/deep > /deep/er > /deep/er/est";
                location ~ \.php$ { return 200 "/deep/er/est > regex .php"; }
            }
        }
    }
    location ^~ /nr {
        return 200 "^~ /nr";
        location ~ \.php$ { return 200 "^~ /nr > regex .php"; }
    }
}
""",
    "l6": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name l6.test;
    location /a {
        return 200 "a";
        location ^~ /a/c { return 200 "a/c"; }
        location ~ \.nested$ { return 200 "a nested"; }
    }
    location ~ \.php$ { return 200 "php"; }
}
""",
    "redir": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name redir.test;
    root ROOT/www;
    location /tf/ { try_files /nope /landing/from-try; }
    location /landing/ { return 200 "prefix /landing/ uri=$uri"; }
    location /ep/ { error_page 404 /landing/from-error; return 404; }
    location /loop/ { try_files /nope /loop/x; }
    location /idx/ { index missing.html target.html; }
    location = /idx/target.html { return 200 "exact /idx/target.html"; }
    location /tn/ { try_files /nope @nm; }
    location @nm { return 200 "named @nm uri=$uri"; }
}
""",
    "off0": r"""
server {
    listen 127.0.0.1:PORT0;
    server_name off0.test;
    merge_slashes off;
    location / { return 200 "off0 prefix / uri=$uri"; }
}
""",
    "msoff": r"""
server {
    listen 127.0.0.1:PORT1;
    server_name msoff.test;
    merge_slashes off;
    location / { return 200 "msoff prefix / uri=$uri"; }
    location = //a { return 200 "msoff exact //a"; }
    location /x/ { return 200 "msoff prefix /x/ uri=$uri"; }
}
""",
    "on1": r"""
server {
    listen 127.0.0.1:PORT1;
    server_name on1.test;
    location / { return 200 "on1 prefix / uri=$uri"; }
}
""",
}
HAND_CONFIG = "".join(SERVERS.values())
HAND_FILES = {"www/idx/target.html": "target file\n"}
HOSTS = {"norm": "norm.test", "loc": "loc.test", "nest": "nest.test", "l6": "l6.test", "redir": "redir.test",
         "off0": "off0.test", "msoff": "msoff.test", "on1": "on1.test"}
PORT_OF = {"msoff": 1, "on1": 1}


@dataclass
class Case:
    group: str           # the server block (key of SERVERS) or "seedN"
    target: bytes        # the raw request-target
    host: str
    port: int = 0        # index into the servers' ports
    note: str = ""

    @property
    def request(self) -> bytes:
        return (b"GET " + self.target + b" HTTP/1.1\r\nHost: " + self.host.encode()
                + b"\r\nConnection: close\r\n\r\n")

    @property
    def id(self) -> str:
        shown = self.target.decode("latin-1").encode("unicode_escape").decode("ascii")
        return f"{self.group}-{self.note + '-' if self.note else ''}{shown}"


def _cases(group: str, *targets: str | bytes, note: str = "") -> list[Case]:
    return [Case(group, t if isinstance(t, bytes) else t.encode("latin-1"), HOSTS[group],
                 PORT_OF.get(group, 0), note) for t in targets]


HAND_CASES = [
    # --- §1 URI normalisation (norm.test echoes $uri) ---
    *_cases("norm", "/a?b#c", "/a#frag", "/a?x=%2F&y=../z", "/a+b", "/a\\b", note="N5"),
    *_cases("norm", "/a%2F..%2Fb", "/a/%2e%2e/b", "/a/%2E%2E/b", "/a/%2e/b", "/x/.%2e/y",
            "/a%2fb", "/%62", "/pl%61in", "/sp%20ace", "/a%3fb", "/q%3Fm", "/q%3fm",
            "/a%25b", "/a%2525b", "/h%23s", "/a%3F..%2Fb", "/a%2e", "/a/%2e", note="N6-N7"),
    *_cases("norm", "/%", "/%4", "/%zz", "/a%g1", "/a%2", "/a%00b", "/a%01b", note="N6-escapes"),
    *_cases("norm", b"/a b", b"/a\x01b", b"/a\x7fb", b"/a\tb", note="N4-raw"),
    *_cases("norm", "//a", "/a///b//", "/%2F%2Fx", "///", "//b", "/dots//", note="N8"),
    *_cases("norm", "/a/./b", "/a/../b", "/a/b/c/./../../d", "/a/.", "/a/b/..", "/a/..", "/.",
            "/a/.b", "/a/..b", "/a/...", "/a/b./c", "/a/b/../", "/dots/x/..", "/dots/./x",
            "/dots/..", "/x/../b", note="N9"),
    *_cases("norm", "/..", "/../a", "/a/../../b", "/%2e%2e/x", "/./.././a", "/a/%2E%2E/%2e%2e/x",
            "/a%2F..%2F..", note="N10"),
    *_cases("norm", "/cafe", b"/caf\xe9", "/caf%E9", "/caf%e9", "/caf%C3%A9", b"/caf\xc3\xa9",
            "/caf%2F", "/caf", "/caf/x", note="N11"),
    # --- §3 location selection ---
    *_cases("loc", "/", "/index.html", "/%2F", "//", note="L2-root"),
    *_cases("loc", "/longest/prefix/regex", "/longest/prefix/winsx", "/longest/prefix/wins",
            "/longest/prefix/wins/x", note="L2-longest"),
    *_cases("loc", "/order/x", "/order/y", "/orde", "/ORDER/x", note="L2-order"),
    *_cases("loc", "/lp/longer/z", "/lp/long", "/lp", "/lpx", note="L2-prefix"),
    *_cases("loc", "/stop/x.php", "/stop.php", "/sto.php", "/sh/longer.php", "/sh/x.php",
            "/sh/longer", "/sh", note="L2-noregex"),
    *_cases("loc", "/exact", "/exact/", "/exactly", "/exact?x=1", "/ex%61ct", "/EXACT",
            note="L3"),
    *_cases("loc", "/caseSens", "/casesens", "/CASESENS", "/caseSensitive", note="L1"),
    *_cases("loc", "/x.php", "/x.PHP", "/x.php/", "/x.php?a", "/y.jpg", "/y.JpG", "/y.JPG",
            "/y.jpgx", note="L4"),
    *_cases("loc", "/%C3%89T", "/%C3%89t", "/%C3%A9t", "/%C3%A9T", b"/\xc3\x89tz", "/%c3%89T",
            "/ci/caf%E9", "/ci/caf%C9", "/ci/CAF%E9", "/ci/caf%C3%A9", note="L4-bytes"),
    *_cases("loc", "/@named", "/named", "@named", "/%40named", note="L9"),
    *_cases("loc", "/glued", "/glued/", "/gnore/x.php", "/gnore.gphp", "/a.gphp", "/a.GIF",
            "/a.gif", note="glued"),
    *_cases("nest", "/a/c.php", "/a/c/z.nested", "/a/c", "/a/cx", note="L6"),
    *_cases("l6", "/a/c.php", "/a/c/z.nested", "/a/z.nested", "/a/c", "/a/x.php", note="L6"),
    *_cases("nest", "/same", "/same/x", "/samex", note="L7"),
    *_cases("nest", "/a/b.nested", "/a/z.nested", "/b.nested", "/a.nested", "/a/b.php",
            "/a/b", "/a/x", "/a/exact", "/a/exact/", "/a/exact.php", note="L8"),
    *_cases("nest", "/rx/deep", "/rx/x", "/rxdeep", "/rx/a.txt", "/rx/a.TXT", "/rx/x.php",
            note="L5-regex"),
    *_cases("nest", "/deep/er/est/x.php", "/deep/er/x.php", "/deep/er/est/x", "/deep/e",
            "/nr/x.php", "/nr/x.nested", "/nr", note="L5-nesting"),
    *_cases("nest", "/p/child", "/p/x", "/p/child.php", note="L10"),
    *_cases("redir", "/tf/a", "/ep/a", "/loop/a", "/idx/", "/tn/a", "/landing/x", note="L11"),
    # --- merge_slashes off (default server of PORT1) ---
    *_cases("msoff", "//a", "/a//../b", "/a/.//b", "/%2F%2Fx", "//x//y", "/x//y", "//..",
            "/a//..", "//../..", "/a/..//b", "/x/%2F", "/%2F/a", "//a/..", "///.", "///a/../..",
            note="N8-off"),
    # merge_slashes belongs to the default server of the address (not the Host's server)
    *_cases("on1", "//a", "/a//../b", note="N8-dflt"),
    *_cases("off0", "//a", "/a//../b", note="N8-dflt"),
]

# PCRE syntax in location regexes (nginx compiles them with PCRE2, without UTF mode).
# One config per regex so that a regex nginxlite cannot compile fails alone.
PCRE_CASES = {
    "posix-class": (r"~ ^/p/[[:digit:]]+$", ["/p/123", "/p/12a", "/p/:"]),
    "posix-negated": (r"~ ^/p/[^[:alpha:]]$", ["/p/1", "/p/a", "/p/:"]),
    "Z-before-final-newline": (r"~ ^/p\Z", ["/p", "/p%0A", "/px"]),
    "z-end": (r"~ ^/p\z", ["/p", "/p%0A", "/px"]),
    "dollar-before-final-newline": (r"~ ^/p$", ["/p", "/p%0A", "/p%0A%0A"]),
    "h-horizontal-space": (r"~ ^/p\h", ["/p%20", "/p%09", "/p%A0", "/px"]),
    "x-braces": (r'~* "^/p/\x{e9}$"', ["/p/%E9", "/p/%C9", "/p/e"]),
    "quantifier-braces": (r'~ "^/p/a{2}$"', ["/p/aa", "/p/a", "/p/aaa"]),
    "Q-E-literal": (r"~ ^/p/\Qa.b\E$", ["/p/a.b", "/p/axb"]),
    "k-named-backref": (r"~ ^/p/(?<n>[ab])\k<n>$", ["/p/aa", "/p/ab"]),
    "named-group": (r"~ ^/p/(?<n>[ab])(?P=n)$", ["/p/bb", "/p/ba"]),
    "case-insensitive-ascii-only": (r"~* ^/p/\xe9$", ["/p/%E9", "/p/%C9"]),
}


def pcre_config(regex: str) -> str:
    return ("server {\n    listen 127.0.0.1:PORT0;\n    server_name pcre.test;\n"
            f'    location / {{ return 200 "prefix /"; }}\n    location {regex} {{ return 200 "regex"; }}\n}}\n')


PCRE_LIST = [(name, Case(name, t.encode(), "pcre.test")) for name, (_re, targets) in PCRE_CASES.items()
             for t in targets]

# ---------------------------------------------------------------------------
# Random group
# ---------------------------------------------------------------------------

RANDOM_SEEDS = (1, 2, 3, 5, 8, 13, 21, 34)
REQUESTS_PER_SEED = 60

# Prefix/exact names at server level, extensions for nested prefixes, regexes.
NAMES = ["/", "/a", "/ab", "/a/", "/a/b", "/a/b/", "/b", "/b/", "/img", "/img/", "/img/x",
         "/A", "/a.php", "/abc", "/img/x.gif", "/b/c"]
EXTEND = ["", "/", "b", "/b", "x", "/x", ".php", "/img", "/b/", "c", "/c.php"]
REGEXES = [r"^/a", r"^/a/", r"^/ab", r"\.php$", r"\.PHP$", r"/b/", r"/b$", r"^/img/", r"x",
           r"^/a/b", r"\.(gif|jpg)$", r"/$", r"^/$", r"a.b", r"^/A", r"^/img/x$", r"b", r"^/b",
           r"/x/", r"\.ph", r"^/a$", r"/a/.*/", r"^/[ab]+$", r"c\.php", r"^/img/.*\.GIF$"]
URI_BASES = ["/", "/a", "/ab", "/abc", "/a/b", "/a/b/c", "/b", "/b/c", "/img", "/img/x",
             "/img/x/y.gif", "/A", "/a.php", "/x.php", "/@n", "/c.php", "/x", "/x/", "/aab",
             "/a/x/b/", "/img/a.GIF", "/a.phpb", "/ba"]
URI_SUFFIXES = ["", "/", "b", "x", ".php", ".PHP", "/b/", ".gif", ".JPG", "c", "/x", "/img/x",
                "a", "/c.php", ".Php"]


@dataclass
class Loc:
    id: int
    kind: str        # "=", "", "^~", "~", "~*", "@"
    name: str
    glued: bool = False
    children: list["Loc"] = field(default_factory=list)

    def render(self, indent: str) -> str:
        if self.kind in ("", "@"):
            head = self.name
        elif self.glued:
            head = self.kind + self.name
        else:
            head = f"{self.kind} {self.name}"
        inner = f'return 200 "L{self.id}";'
        if not self.children:
            return f"{indent}location {head} {{ {inner} }}\n"
        body = "".join(child.render(indent + "    ") for child in self.children)
        return f"{indent}location {head} {{\n{indent}    {inner}\n{body}{indent}}}\n"


class _Tree:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next_id = 1

    def _loc(self, kind: str, name: str) -> Loc:
        loc = Loc(self.next_id, kind, name, glued=kind not in ("", "@") and self.rng.random() < 0.2)
        self.next_id += 1
        return loc

    def level(self, parent: Loc | None, depth: int) -> list[Loc]:
        rng = self.rng
        if parent is None:
            count, kinds, weights = rng.randint(5, 10), ["=", "", "^~", "~", "~*", "@"], [2, 4, 2, 3, 2, 0.4]
        elif parent.kind in ("~", "~*"):
            count, kinds, weights = rng.randint(1, 2), ["~", "~*"], [1, 1]
        else:
            count, kinds, weights = rng.randint(1, 3), ["=", "", "^~", "~", "~*"], [1, 3, 1, 2, 1]
        out, seen = [], set()
        for _ in range(count):
            kind = rng.choices(kinds, weights)[0]
            if kind in ("~", "~*"):
                name = rng.choice(REGEXES)
                key = None  # identical regexes are legal: the first one wins
            elif kind == "@":
                name = "@" + rng.choice("nm")
                key = name
            else:
                name = rng.choice(NAMES) if parent is None else parent.name + rng.choice(EXTEND)
                key = ("=" if kind == "=" else "p", name)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            loc = self._loc(kind, name)
            if kind in ("", "^~", "~", "~*") and depth < 3 and rng.random() < 0.45:
                loc.children = self.level(loc, depth + 1)
            out.append(loc)
        if parent is None and rng.random() < 0.5 and ("p", "/") not in seen:
            out.insert(rng.randrange(len(out) + 1), self._loc("", "/"))
        return out


def _server_block(locs: list[Loc], merge_slashes: bool) -> str:
    body = "".join(loc.render("    ") for loc in locs)
    merge = "" if merge_slashes else "    merge_slashes off;\n"
    return ("server {\n    listen 127.0.0.1:PORT0;\n    server_name gen.test;\n"
            f"    root ROOT/nowhere;\n{merge}{body}}}\n")


def nginx_accepts(block: str) -> bool:
    """``nginx -t`` on ``block`` inside http {} (in a temporary prefix; nothing is started)."""
    if not nginx_available():
        return True
    with tempfile.TemporaryDirectory(prefix="ngx-t-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        text = block.replace("PORT0", "18999").replace("ROOT", tmp)
        conf.write_text(f"pid {tmp}/nginx.pid;\nevents {{ }}\nhttp {{\n{text}\n}}\n")
        done = subprocess.run([NGINX, "-t", "-q", "-p", tmp + "/", "-c", str(conf),
                               "-e", f"{tmp}/err.log"], capture_output=True, timeout=30)
        return done.returncode == 0


def _names(locs: list[Loc]) -> list[str]:
    out = []
    for loc in locs:
        if loc.kind in ("", "=", "^~", "@"):
            out.append("/" + loc.name if loc.kind == "@" else loc.name)
        out.extend(_names(loc.children))
    return out


def _random_uri(rng: random.Random, names: list[str]) -> str:
    uri = rng.choice(names if names and rng.random() < 0.6 else URI_BASES)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        uri += rng.choice(URI_SUFFIXES)
    uri = re.sub(r"//+", "/", uri)

    def slashes() -> list[int]:
        return [i for i, c in enumerate(uri) if c == "/"]

    if rng.random() < 0.25:  # flip the case of one letter
        letters = [i for i, c in enumerate(uri) if c.isalpha()]
        if letters:
            i = rng.choice(letters)
            uri = uri[:i] + uri[i].swapcase() + uri[i + 1:]
    if rng.random() < 0.15:  # double slash, often a leading one
        i = 0 if rng.random() < 0.4 else rng.choice(slashes())
        uri = uri[:i] + "/" + uri[i:]
    if rng.random() < 0.15:  # dot segment
        i = rng.choice(slashes())
        uri = uri[:i + 1] + rng.choice(["./", "x/../", "../", "%2e/", "b/%2E%2E/", ".", ".."]) + uri[i + 1:]
    if rng.random() < 0.1 and len(slashes()) > 1:  # an encoded slash
        i = rng.choice(slashes()[1:])
        uri = uri[:i] + rng.choice(["%2F", "%2f"]) + uri[i + 1:]
    if rng.random() < 0.1:  # an encoded letter or dot
        chars = [i for i, c in enumerate(uri) if c.isalpha() or c == "."]
        if chars:
            i = rng.choice(chars)
            uri = uri[:i] + f"%{ord(uri[i]):02X}" + uri[i + 1:]
    if rng.random() < 0.1:  # trailing dot segment
        uri += rng.choice(["/.", "/..", "/%2e", "/./"])
    if rng.random() < 0.15:  # trailing slash toggled
        uri = uri[:-1] if uri.endswith("/") and len(uri) > 1 else uri + "/"
    if rng.random() < 0.08:  # args / fragment are not part of $uri
        uri += rng.choice(["?x=/a.php", "#.php", "?", "?/b/"])
    return uri


def random_config(seed: int) -> tuple[str, list[str]]:
    """The server block for ``seed`` (accepted by nginx -t) and its request-targets."""
    rng = random.Random(seed)
    for _attempt in range(50):
        merge_slashes = rng.random() < 0.75
        locs = _Tree(rng).level(None, 1)
        block = _server_block(locs, merge_slashes)
        if nginx_accepts(block):
            break
    else:
        raise RuntimeError(f"seed {seed}: no config accepted by nginx -t")
    urng = random.Random(seed * 7919 + 1)
    names = _names(locs)
    uris: list[str] = []
    for _ in range(REQUESTS_PER_SEED * 20):
        uri = _random_uri(urng, names)
        if uri not in uris:
            uris.append(uri)
        if len(uris) == REQUESTS_PER_SEED:
            break
    return block, uris


RANDOM_CONFIGS = {f"seed{seed}": random_config(seed) for seed in RANDOM_SEEDS}
RANDOM_CASES = [Case(key, uri.encode("latin-1"), "gen.test", note=f"{i:02d}")
                for key, (_block, uris) in RANDOM_CONFIGS.items() for i, uri in enumerate(uris)]

# ---------------------------------------------------------------------------
# Running both servers and comparing
# ---------------------------------------------------------------------------

_PAGE = re.compile(rb"(<title>|<h1>)(\d{3})[^<]*(</title>|</h1>)")
_SIGNATURE = re.compile(rb"<hr><center>nginx(lite)?(/[0-9.]+)?</center>")


def answer(port: int, data: bytes) -> tuple:
    try:
        got = raw(port, data)
    except OSError as exc:
        return ("connection failed", type(exc).__name__)
    if not got:
        return ("no answer",)
    try:
        reply, _ = parse(got)
    except (ValueError, IndexError):
        return ("unparsable", got[:200])
    return reply.status, _SIGNATURE.sub(b"<hr><center>SIGNATURE</center>", _PAGE.sub(rb"\1\2\3", reply.body))


def shown(ans: tuple) -> str:
    if len(ans) == 2 and isinstance(ans[0], int):
        status, body = ans
        return f"{status} " + ("<built-in page>" if body.startswith(b"<html>") else repr(body))
    return ": ".join(map(str, ans))


class Farm:
    """Both servers for each config, started on first use and kept for the module."""

    def __init__(self, factory):
        self.factory = factory
        self.pairs: dict[str, tuple] = {}

    def pair(self, key: str, conf: str, ports: int = 1, files=None):
        """(nginxlite or None, nginx, why nginxlite did not start)."""
        if key not in self.pairs:
            ngx = start_nginx(self.factory.mktemp(f"nginx-{key}"), conf, ports, files)
            try:
                lite, error = start_nginxlite(self.factory.mktemp(f"lite-{key}"), conf, ports, files), ""
            except (RuntimeError, TimeoutError) as exc:  # nginx accepted this config
                found = re.search(r"\[emerg\].*?(?=['\"]\]$)", str(exc))
                lite, error = None, (found.group(0).replace("\\\\", "\\") if found else str(exc)[-300:])
            self.pairs[key] = (lite, ngx, error)
        return self.pairs[key]

    def close(self) -> None:
        errors = []
        for lite, ngx, _error in self.pairs.values():
            ngx.stop()
            if lite is not None:
                try:
                    stop_nginxlite(lite)
                except AssertionError as exc:
                    errors.append(exc)
        assert not errors, errors


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    require_nginx()
    servers = Farm(tmp_path_factory)
    yield servers
    servers.close()


def compare(farm: Farm, key: str, conf: str, ports: int, case: Case, snippet: str, files=None) -> None:
    lite, ngx, error = farm.pair(key, conf, ports, files)
    want = answer(ngx.ports[case.port], case.request)
    got = answer(lite.ports[case.port], case.request) if lite else ("did not start", error)
    assert got == want, (
        f"\nconfig ({case.group}):\n{snippet.strip()}\n"
        f"request (port PORT{case.port}): {case.request!r}\n"
        f"nginx:     {shown(want)}\nnginxlite: {shown(got)}")


@pytest.mark.parametrize("case", HAND_CASES, ids=[c.id for c in HAND_CASES])
def test_hand_written(farm, case):
    compare(farm, "hand", HAND_CONFIG, 2, case, SERVERS[case.group], HAND_FILES)


@pytest.mark.parametrize("name, case", PCRE_LIST, ids=[c.id for _n, c in PCRE_LIST])
def test_pcre_dialect(farm, name, case):
    conf = pcre_config(PCRE_CASES[name][0])
    compare(farm, f"pcre-{name}", conf, 1, case, conf)


@pytest.mark.parametrize("case", RANDOM_CASES, ids=[c.id for c in RANDOM_CASES])
def test_random(farm, case):
    block = RANDOM_CONFIGS[case.group][0]
    compare(farm, case.group, block, 1, case, block)


if __name__ == "__main__":  # print a seed's config and requests
    for arg in sys.argv[1:] or [str(s) for s in RANDOM_SEEDS]:
        block, uris = random_config(int(arg))
        print(f"# seed {arg}\n{block}")
        for uri in uris:
            print("   ", uri)
