"""nginx and nginxlite serve the same static tree: the answers must agree.

One config (``PORT0``/``ROOT`` filled in) is nginxlite's site file and the body of
nginx's ``http {}``; each server gets its OWN copy of a document tree written with
fixed contents and fixed mtimes, so ``Last-Modified``, ``ETag`` (hex mtime-size) and
listing dates are equal on both sides.  Compared per request: status, Location
(port normalised), Content-Type, Content-Length, Content-Range, ETag presence,
Last-Modified, Accept-Ranges and the body.  Normalised out: built-in pages'
signature and reason phrase (docs/differences.md), the multipart/byteranges
boundary (with the lengths that depend on it).  nginx is the oracle.

Covered: root/alias mapping, index, directory redirects, autoindex (html, sizes,
json), types, try_files, HEAD, conditional requests, ranges, static-handler
methods, limit_except and DAV (PUT/DELETE/MKCOL, run as one ordered sequence).
"""

from __future__ import annotations

import os
import re
from email.utils import formatdate
from pathlib import Path

import pytest

from client import parse, raw
from conftest import require_nginx
from servers import nginx_and_nginxlite

CONFIG = r"""
server {
    listen 127.0.0.1:PORT0;
    server_name a.test localhost;
    root ROOT/www;

    location /alias/ { alias ROOT/al/; }
    location /alias2 { alias ROOT/al; }
    location /alias3/ { alias ROOT/al; }
    location ~ ^/rx/(.*)$ { alias ROOT/al/$1; }
    location /nest/ {
        alias ROOT/al/;
        location /nest/sub/ { }
    }

    location /idx/ { index missing.html second.html third.html; }
    location /idxabs/ { index nothere.html /abs-index.html; }
    location /idxre/ { index page.html; }
    location = /idxre/page.html { return 200 "index redirect re-selected the location\n"; }

    location /ai/ { autoindex on; }
    location /aisize/ { alias ROOT/www/ai/; autoindex on; autoindex_exact_size off; }
    location /aijson/ { alias ROOT/www/ai/; autoindex on; autoindex_format json; }
    location /ailocal/ { alias ROOT/www/ai/; autoindex on; autoindex_localtime on; }
    location /aiu/ { autoindex on; charset utf-8; }
    location /aiuoff/ { alias ROOT/www/aiu/; autoindex on; }
    location /aiuk/ { alias ROOT/www/aiu/; autoindex on; charset koi8-r; }
    location /aiuvar/ { alias ROOT/www/aiu/; autoindex on; charset $arg_c; }

    location /ty/ {
        types { text/html html; application/x-foo foo; }
        default_type application/octet-stream;
    }
    location /dt/ { default_type application/x-dt; }
    location /noetag/ { etag off; }

    # nginx-tests range.t and range_if_range.t (issue 11, HTTP items 5 and 6)
    location /mr2/ { alias ROOT/www/rt/; max_ranges 2; }
    location /mr0/ { alias ROOT/www/rt/; max_ranges 0; }
    location /lmoff/ { alias ROOT/www/rt/; add_header Last-Modified ""; }
    location /lmset/ { alias ROOT/www/rt/; add_header Last-Modified "Mon, 28 Sep 1970 06:00:00 GMT"; }
    location /etagset/ { alias ROOT/www/rt/; add_header ETag '"mine"'; }
    location /etagoff/ { alias ROOT/www/rt/; add_header ETag ""; }
    location /addh/ { alias ROOT/www/rt/; add_header X-A a; add_header X-B b always; }
    location /ownh/ {
        alias ROOT/www/rt/;
        add_header Content-Type x/y; add_header Server S; add_header Content-Length 5;
        add_header Accept-Ranges none; add_header Cache-Control no-cache; add_header Cache-Control "";
        add_header Link "<a>"; add_header Last-Modified garbage; add_header etag unquoted;
    }

    location /tf/ { root ROOT/tfroot; try_files $uri $uri/ /fallback.html; }
    location /tf404/ { root ROOT/tfroot; try_files $uri =404; }
    location /tfn/ { try_files $uri @named; }
    location @named { return 200 "named uri=$uri\n"; }
    location /tfty/ { types { application/x-custom txt; } try_files $uri /fallback.html; }
    location /tfnest/ {
        try_files $uri /fallback.html;
        location /tfnest/n/ { }
    }
    location /tfx/ { try_files $uri $uri.html =404; }

    location /le/ {
        limit_except GET { deny all; }
        location /le/n/ { }
    }
    location /le2/ { limit_except GET POST { deny all; } }

    location /dav/ {
        root ROOT/davroot;
        dav_methods PUT DELETE MKCOL;
        create_full_put_path on;
    }
    location /davnp/ {
        root ROOT/davroot;
        dav_methods PUT DELETE MKCOL;
    }
}
"""

MTIME = 1704164645  # 02-Jan-2024 03:04:05 GMT
LAST_MODIFIED = formatdate(MTIME, usegmt=True)
OLDER = formatdate(MTIME - 86400, usegmt=True)
NEWER = formatdate(MTIME + 86400, usegmt=True)

DIR = None  # marks a directory in TREE
AI_LONG_FILE = "L" * 60 + ".txt"
AI_FIFTY = "F" * 46 + ".txt"  # exactly 50 bytes
AI_FIFTY_ONE = "G" * 47 + ".txt"  # 51 bytes
AI_LONG_DIR = "D" * 55

# path -> (content or DIR, mtime offset in seconds from MTIME)
TREE: dict[str, tuple[bytes | None, int]] = {
    "www/index.html": (b"INDEX\n", 0),
    "www/plain.txt": (b"plain\n", 0),
    "www/range.txt": (b"0123456789abcdefghij", 0),
    "www/rt/t1.html": ("".join(f"X{i:03d}XXXXXX" for i in range(100)).encode(), 0),  # range.t's file
    "www/rt/hello.txt": (b"hello world\n", 0),
    "www/rt/empty.txt": (b"", 0),
    "www/fallback.html": (b"FALLBACK\n", 0),
    "www/abs-index.html": (b"ABS-INDEX\n", 0),
    "www/style.css": (b"body{}\n", 0),
    "www/page.htm": (b"<p>htm</p>\n", 0),
    "www/pic.png": (b"PNG", 0),
    "www/pic.jpg": (b"JPG", 0),
    "www/img.gif": (b"GIF", 0),
    "www/UP.HTML": (b"<p>upper</p>\n", 0),
    "www/Mixed.JpG": (b"JPG", 0),
    "www/noext": (b"no extension\n", 0),
    "www/arch.tar.gz": (b"gz", 0),
    "www/dot.d/noext": (b"dot dir\n", 0),
    "www/trailingdot.": (b"dot\n", 0),
    "www/dir/index.html": (b"DIR-INDEX\n", 0),
    "www/dir/a.txt": (b"dir a\n", 0),
    "www/noindex/file.txt": (b"file\n", 0),
    "www/sp dir/index.html": (b"SP-DIR\n", 0),
    "www/sp file.txt": (b"sp file\n", 0),
    "www/q?d/index.html": (b"Q-DIR\n", 0),
    "www/caf\u00e9/index.html": (b"CAFE\n", 0),
    "www/idx/second.html": (b"SECOND\n", 0),
    "www/idx/third.html": (b"THIRD\n", 0),
    "www/idx/sub/third.html": (b"SUB-THIRD\n", 0),
    "www/idx/dironly/second.html": (DIR, 0),
    "www/idx/dironly/third.html": (b"DIRONLY-THIRD\n", 0),
    "www/idx/none/x.txt": (b"x\n", 0),
    "www/idxabs/has/nothere.html": (b"HAS-NOTHERE\n", 0),
    "www/idxabs/empty": (DIR, 0),
    "www/idxre/page.html": (b"page file\n", 0),
    # autoindex
    "www/ai/a.txt": (b"a\n", 0),
    "www/ai/Zed.txt": (b"zed\n", 3600),
    "www/ai/sp ace.txt": (b"space\n", 86400 * 40),
    "www/ai/amp&er.txt": (b"amp\n", 86400 * 300),
    "www/ai/lt<gt>.txt": (b"ltgt\n", 0),
    "www/ai/q?mark.txt": (b"qmark\n", 0),
    "www/ai/pct%41.txt": (b"pct\n", 0),
    'www/ai/q"uote.txt': (b"quote\n", 0),
    "www/ai/back\\slash.txt": (b"backslash\n", 0),
    "www/ai/caf\u00e9.txt": (b"cafe\n", 0),
    "www/ai/\u00fcn\u00ef/inner.txt": (b"umlaut\n", 0),
    f"www/ai/{AI_LONG_FILE}": (b"long\n", 0),
    f"www/ai/{AI_FIFTY}": (b"fifty\n", 0),
    f"www/ai/{AI_FIFTY_ONE}": (b"fifty-one\n", 0),
    "www/ai/.hidden": (b"hidden\n", 0),
    "www/ai/.hiddendir/x.txt": (b"x\n", 0),
    "www/ai/empty.txt": (b"", 0),
    "www/ai/mid.bin": (b"m" * 9999, 0),
    "www/ai/ten.bin": (b"t" * 10000, 0),
    "www/ai/big.bin": (b"b" * 123456, 0),
    "www/ai/huge.bin": (b"h" * 1300000, 0),
    "www/ai/sub/inner.txt": (b"inner\n", 0),
    "www/ai/sp dir/inner.txt": (b"inner\n", 0),
    "www/ai/&dir/inner.txt": (b"inner\n", 0),
    "www/ai/<b>/inner.txt": (b"inner\n", 0),
    f"www/ai/{AI_LONG_DIR}/inner.txt": (b"inner\n", 0),
    "www/ai/withindex/index.html": (b"WITH-INDEX\n", 0),
    "www/ai/emptydir": (DIR, 0),
    # autoindex under charset utf-8: names measured in characters
    "www/aiu/" + "\u00e9" * 30 + ".txt": (b"e\n", 0),  # 64 bytes, 34 characters
    "www/aiu/" + "\u65e5\u672c" * 30: (b"jp\n", 0),  # 180 bytes, 60 characters
    "www/aiu/" + "\u00fc" * 46 + ".txt": (b"u50\n", 0),  # exactly 50 characters
    "www/aiu/" + "\u00fc" * 47 + ".txt": (b"u51\n", 0),  # 51 characters
    "www/aiu/a&\u00e9<" + "x" * 50: (b"amp\n", 0),
    "www/aiu/\U0001f600" * 3 + "-emoji-" + "z" * 50: (b"emoji\n", 0),
    "www/aiu/caf\udce9-" + "not-utf-8-" * 6: (b"latin1\n", 0),  # a lone 0xE9 byte: cut by bytes
    "www/aiu/\u00e9dir" + "\u00e9" * 50: (DIR, 0),
    # types
    "www/ty/a.html": (b"<p>a</p>\n", 0),
    "www/ty/a.css": (b"css\n", 0),
    "www/ty/UP.HTML": (b"<p>UP</p>\n", 0),
    "www/ty/noext": (b"noext\n", 0),
    "www/ty/a.FOO": (b"foo\n", 0),
    "www/ty/b.foo": (b"foo\n", 0),
    "www/ty/a.jpg": (b"JPG", 0),
    "www/dt/x.css": (b"css\n", 0),
    "www/dt/x.html": (b"<p>x</p>\n", 0),
    "www/noetag/f.txt": (b"no etag\n", 0),
    # try_files
    "www/tfn/x.txt": (b"TFN-X\n", 0),
    "www/tfty/x.txt": (b"TFTY-X\n", 0),
    "www/tfnest/n/here.txt": (b"TFNEST-HERE\n", 0),
    "www/tfx/page.html": (b"TFX-PAGE\n", 0),
    "www/tfx/plain.txt": (b"TFX-PLAIN\n", 0),
    "tfroot/tf/file.txt": (b"TF-FILE\n", 0),
    "tfroot/tf/d/index.html": (b"TF-D-INDEX\n", 0),
    "tfroot/tf/e/x.txt": (b"x\n", 0),
    "tfroot/tf404/f.txt": (b"TF404-F\n", 0),
    # limit_except
    "www/le/f.txt": (b"LE\n", 0),
    "www/le/n/f.txt": (b"LE-N\n", 0),
    "www/le2/f.txt": (b"LE2\n", 0),
    # alias targets
    "al/index.html": (b"AL-INDEX\n", 0),
    "al/x.txt": (b"AL-X\n", 0),
    "al/sp file.txt": (b"AL-SP\n", 0),
    "al/sub/y.txt": (b"AL-SUB-Y\n", 0),
    "alx.txt": (b"ALX\n", 0),
    "alsub/y.txt": (b"ALSUB-Y\n", 0),
    # dav
    "davroot/dav/existing.txt": (b"existing\n", 0),
    "davroot/dav/olddir/f.txt": (b"old\n", 0),
    "davroot/dav/emptydir": (DIR, 0),
    "davroot/dav/somedir": (DIR, 0),
    "davroot/davnp/existing.txt": (b"existing np\n", 0),
}


def build_tree(base: Path, tree: dict | None = None) -> None:
    """Write ``tree`` (TREE) under ``base`` and give every file and directory its fixed mtime."""
    stamps: dict[Path, int] = {}
    for rel, (content, offset) in (TREE if tree is None else tree).items():
        path = base / rel
        if content is DIR:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        stamps[path] = MTIME + offset
        for parent in path.relative_to(base).parents:
            if str(parent) != ".":
                stamps.setdefault(base / parent, MTIME)
    # deepest first, so setting a child's time never disturbs a parent's afterwards
    for path in sorted(stamps, key=lambda p: len(p.parts), reverse=True):
        os.utime(path, (stamps[path], stamps[path]))


def req(path: str, method: str = "GET", extra: str = "", body: bytes = b"", length: bool = True) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n{extra}"
    if body or (length and method in ("POST", "PUT", "MKCOL")):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


ETAG_OF = "{etag:%s}"  # in a request: replaced by the ETag the same server sends for that path


def with_etag(path: str) -> str:
    return ETAG_OF % path


CASES: dict[str, bytes] = {
    # --- root / alias -------------------------------------------------------------
    "root file": req("/plain.txt"),
    "root file percent-encoded name": req("/sp%20file.txt"),
    "root file with args": req("/plain.txt?a=1"),
    "root file as a directory": req("/plain.txt/"),
    "root file under a file": req("/index.html/x"),
    "root missing": req("/nope.txt"),
    "alias file": req("/alias/x.txt"),
    "alias encoded name": req("/alias/sp%20file.txt"),
    "alias index": req("/alias/"),
    "alias subdir file": req("/alias/sub/y.txt"),
    "alias subdir without slash": req("/alias/sub"),
    "alias missing": req("/alias/nope.txt"),
    "alias prefix without slash pitfall": req("/alias2x.txt"),
    "alias prefix without slash, slash form": req("/alias2/x.txt"),
    "alias prefix without slash, sub pitfall": req("/alias2sub/y.txt"),
    "alias prefix without slash, bare": req("/alias2"),
    "alias without slash in slash location": req("/alias3/x.txt"),
    "alias without slash in slash location, sub": req("/alias3/sub/y.txt"),
    "alias regex capture file": req("/rx/x.txt"),
    "alias regex capture subdir file": req("/rx/sub/y.txt"),
    "alias regex capture directory": req("/rx/sub"),
    "alias regex capture index": req("/rx/"),
    "alias regex capture missing": req("/rx/nope"),
    "alias regex capture encoded": req("/rx/sp%20file.txt"),
    "nested location inherits alias": req("/nest/sub/y.txt"),
    "nested location inherits alias, parent file": req("/nest/x.txt"),
    "nested location inherits alias, index": req("/nest/"),
    "nested location inherits alias, dir redirect": req("/nest/sub"),
    # --- index / directories --------------------------------------------------------
    "index at root": req("/"),
    "index in dir": req("/dir/"),
    "index first existing of several": req("/idx/"),
    "index later name": req("/idx/sub/"),
    "index name that is a directory": req("/idx/dironly/"),
    "index none exists": req("/idx/none/"),
    "index absolute name": req("/idxabs/"),
    "index absolute name after existing": req("/idxabs/has/"),
    "index absolute name in empty dir": req("/idxabs/empty/"),
    "index redirect re-selects location": req("/idxre/"),
    "directory without slash": req("/dir"),
    "directory without slash with args": req("/dir?x=1&y=%2F"),
    "directory without slash, encoded space": req("/sp%20dir"),
    "directory without slash, encoded question mark": req("/q%3Fd"),
    "directory without slash, needless escape": req("/d%69r"),
    "directory without slash, non-ASCII": req("/caf%C3%A9"),
    "directory encoded space with slash": req("/sp%20dir/"),
    "directory non-ASCII with slash": req("/caf%C3%A9/"),
    "directory without index": req("/noindex/"),
    "directory missing": req("/missingdir/"),
    "missing file in missing dir": req("/missingdir/x"),
    "HEAD directory without slash": req("/dir", "HEAD"),
    "HEAD index": req("/", "HEAD"),
    "HEAD directory without index": req("/noindex/", "HEAD"),
    "HEAD missing": req("/nope.txt", "HEAD"),
    # --- autoindex ------------------------------------------------------------------
    "autoindex html": req("/ai/"),
    "autoindex html with args": req("/ai/?C=M;O=A"),
    "autoindex HEAD": req("/ai/", "HEAD"),
    "autoindex POST": req("/ai/", "POST"),
    "autoindex without slash": req("/ai"),
    "autoindex subdir": req("/ai/sub/"),
    "autoindex empty dir": req("/ai/emptydir/"),
    "autoindex dir with space": req("/ai/sp%20dir/"),
    "autoindex dir with ampersand": req("/ai/&dir/"),
    "autoindex dir with angle brackets": req("/ai/%3Cb%3E/"),
    "autoindex non-ASCII dir": req("/ai/%C3%BCn%C3%AF/"),
    "autoindex long dir": req(f"/ai/{AI_LONG_DIR}/"),
    "autoindex hidden dir": req("/ai/.hiddendir/"),
    "autoindex charset utf-8 cuts characters": req("/aiu/"),
    "autoindex without charset cuts bytes": req("/aiuoff/"),
    "autoindex charset koi8-r cuts bytes": req("/aiuk/"),
    "autoindex charset from a variable, utf-8": req("/aiuvar/?c=UTF-8"),
    "autoindex charset from a variable, utf8 is not utf-8": req("/aiuvar/?c=utf8"),
    "autoindex index wins": req("/ai/withindex/"),
    "autoindex missing dir": req("/ai/nope/"),
    "autoindex file with question mark": req("/ai/q%3Fmark.txt"),
    "autoindex file with percent": req("/ai/pct%2541.txt"),
    "autoindex hidden file served": req("/ai/.hidden"),
    "autoindex range ignored": req("/ai/", extra="Range: bytes=0-4\r\n"),
    "autoindex exact_size off": req("/aisize/"),
    "autoindex exact_size off HEAD": req("/aisize/", "HEAD"),
    "autoindex json": req("/aijson/"),
    "autoindex json subdir": req("/aijson/sub/"),
    "autoindex json HEAD": req("/aijson/", "HEAD"),
    "autoindex localtime (status only)": req("/ailocal/"),
    "autoindex off directory": req("/noindex/"),
    # --- types ----------------------------------------------------------------------
    "types builtin html": req("/index.html"),
    "types builtin css is text/plain": req("/style.css"),
    "types builtin htm is text/plain": req("/page.htm"),
    "types builtin png is text/plain": req("/pic.png"),
    "types builtin jpg": req("/pic.jpg"),
    "types builtin gif": req("/img.gif"),
    "types builtin upper-case extension": req("/UP.HTML"),
    "types builtin mixed-case extension": req("/Mixed.JpG"),
    "types builtin no extension": req("/noext"),
    "types builtin double extension": req("/arch.tar.gz"),
    "types builtin dot in directory only": req("/dot.d/noext"),
    "types builtin trailing dot": req("/trailingdot."),
    "types block html": req("/ty/a.html"),
    "types block replaces defaults (css)": req("/ty/a.css"),
    "types block replaces defaults (jpg)": req("/ty/a.jpg"),
    "types block upper-case extension": req("/ty/UP.HTML"),
    "types block own type": req("/ty/b.foo"),
    "types block own type upper-case": req("/ty/a.FOO"),
    "types block no extension uses default_type": req("/ty/noext"),
    "types block missing file": req("/ty/nope.html"),
    "default_type only": req("/dt/x.css"),
    "default_type keeps builtin html": req("/dt/x.html"),
    "HEAD typed file": req("/ty/b.foo", "HEAD"),
    # --- try_files ------------------------------------------------------------------
    "try_files file hit": req("/tf/file.txt"),
    "try_files file hit with args": req("/tf/file.txt?q=1"),
    "try_files directory hit without slash": req("/tf/d"),
    "try_files directory with index": req("/tf/d/"),
    "try_files directory without index": req("/tf/e/"),
    "try_files location root dir": req("/tf/"),
    "try_files fallback": req("/tf/nope"),
    "try_files fallback HEAD": req("/tf/nope", "HEAD"),
    "try_files fallback POST": req("/tf/nope", "POST"),
    "try_files POST to hit": req("/tf/file.txt", "POST"),
    "try_files =404 hit": req("/tf404/f.txt"),
    "try_files =404 miss": req("/tf404/nope"),
    "try_files =404 directory": req("/tf404/"),
    "try_files @named miss": req("/tfn/nope?a=b"),
    "try_files @named hit": req("/tfn/x.txt"),
    "try_files hit uses the location's types": req("/tfty/x.txt"),
    "try_files fallback uses the target's types": req("/tfty/nope"),
    "try_files not inherited by nested location": req("/tfnest/n/zz"),
    "try_files nested location file": req("/tfnest/n/here.txt"),
    "try_files parent fallback": req("/tfnest/zz"),
    "try_files $uri.html": req("/tfx/page"),
    "try_files $uri wins over $uri.html": req("/tfx/plain.txt"),
    "try_files $uri.html miss": req("/tfx/nope"),
    # --- conditional requests -------------------------------------------------------
    "file headers": req("/range.txt"),
    "If-Modified-Since exact": req("/range.txt", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    "If-Modified-Since older": req("/range.txt", extra=f"If-Modified-Since: {OLDER}\r\n"),
    "If-Modified-Since newer": req("/range.txt", extra=f"If-Modified-Since: {NEWER}\r\n"),
    "If-Modified-Since garbage": req("/range.txt", extra="If-Modified-Since: yesterday\r\n"),
    "If-Modified-Since exact HEAD": req("/range.txt", "HEAD", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    "If-Modified-Since on missing": req("/nope.txt", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    "If-Modified-Since RFC 850": req("/range.txt", extra="If-Modified-Since: Tuesday, 02-Jan-24 03:04:05 GMT\r\n"),
    "If-Modified-Since asctime": req("/range.txt", extra="If-Modified-Since: Tue Jan  2 03:04:05 2024\r\n"),
    "If-Modified-Since asctime one space": req("/range.txt", extra="If-Modified-Since: Tue Jan 2 03:04:05 2024\r\n"),
    "If-Modified-Since without zone": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 2024 03:04:05\r\n"),
    "If-Modified-Since with offset (ignored)": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 2024 03:04:05 +0100\r\n"),
    "If-Modified-Since wrong weekday": req("/range.txt", extra="If-Modified-Since: Fri, 02 Jan 2024 03:04:05 GMT\r\n"),
    "If-Modified-Since no space after comma": req("/range.txt", extra="If-Modified-Since: Tue,02 Jan 2024 03:04:05 GMT\r\n"),
    "If-Modified-Since lower-case month": req("/range.txt", extra="If-Modified-Since: Tue, 02 jan 2024 03:04:05 GMT\r\n"),
    "If-Modified-Since one-digit day": req("/range.txt", extra="If-Modified-Since: Tue, 2 Jan 2024 03:04:05 GMT\r\n"),
    "If-Modified-Since two-digit year": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 24 03:04:05 GMT\r\n"),
    "If-Modified-Since one-digit hour": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 2024 3:04:05 GMT\r\n"),
    "If-Modified-Since hour 24": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 2024 24:04:05 GMT\r\n"),
    "If-Modified-Since 31 Feb": req("/range.txt", extra="If-Modified-Since: Sat, 31 Feb 2024 03:04:05 GMT\r\n"),
    "If-Modified-Since truncated": req("/range.txt", extra="If-Modified-Since: Tue, 02 Jan 2024 03:04\r\n"),
    "If-Unmodified-Since garbage": req("/range.txt", extra="If-Unmodified-Since: yesterday\r\n"),
    "If-Unmodified-Since asctime older": req("/range.txt", extra="If-Unmodified-Since: Mon Jan  1 03:04:05 2024\r\n"),
    "If-Range RFC 850 exact": req("/range.txt", extra="Range: bytes=0-4\r\nIf-Range: Tuesday, 02-Jan-24 03:04:05 GMT\r\n"),
    "If-None-Match own ETag": req("/range.txt", extra=f"If-None-Match: {with_etag('/range.txt')}\r\n"),
    "If-None-Match weak own ETag": req("/range.txt", extra=f"If-None-Match: W/{with_etag('/range.txt')}\r\n"),
    "If-None-Match star": req("/range.txt", extra="If-None-Match: *\r\n"),
    "If-None-Match list": req("/range.txt", extra=f'If-None-Match: "x", {with_etag("/range.txt")}, "y"\r\n'),
    "If-None-Match other": req("/range.txt", extra='If-None-Match: "0-0"\r\n'),
    "If-None-Match HEAD": req("/range.txt", "HEAD", extra=f"If-None-Match: {with_etag('/range.txt')}\r\n"),
    "If-None-Match mismatch beats exact IMS": req(
        "/range.txt", extra=f'If-None-Match: "0-0"\r\nIf-Modified-Since: {LAST_MODIFIED}\r\n'),
    "If-None-Match match with older IMS": req(
        "/range.txt", extra=f"If-None-Match: {with_etag('/range.txt')}\r\nIf-Modified-Since: {OLDER}\r\n"),
    "If-Match own ETag": req("/range.txt", extra=f"If-Match: {with_etag('/range.txt')}\r\n"),
    "If-Match other": req("/range.txt", extra='If-Match: "0-0"\r\n'),
    "If-Match star": req("/range.txt", extra="If-Match: *\r\n"),
    "If-Unmodified-Since older": req("/range.txt", extra=f"If-Unmodified-Since: {OLDER}\r\n"),
    "If-Unmodified-Since exact": req("/range.txt", extra=f"If-Unmodified-Since: {LAST_MODIFIED}\r\n"),
    "If-None-Match on index": req("/dir/", extra=f"If-None-Match: {with_etag('/dir/index.html')}\r\n"),
    "If-Modified-Since on listing": req("/ai/", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    "etag off": req("/noetag/f.txt"),
    "etag off If-None-Match star": req("/noetag/f.txt", extra="If-None-Match: *\r\n"),
    "etag off If-Modified-Since exact": req("/noetag/f.txt", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    # --- ranges ---------------------------------------------------------------------
    "Range first bytes": req("/range.txt", extra="Range: bytes=0-4\r\n"),
    "Range suffix": req("/range.txt", extra="Range: bytes=-3\r\n"),
    "Range open end": req("/range.txt", extra="Range: bytes=5-\r\n"),
    "Range past the end": req("/range.txt", extra="Range: bytes=15-100\r\n"),
    "Range suffix longer than file": req("/range.txt", extra="Range: bytes=-100\r\n"),
    "Range last byte": req("/range.txt", extra="Range: bytes=19-19\r\n"),
    "Range multiple": req("/range.txt", extra="Range: bytes=0-1,4-5\r\n"),
    "Range multiple with suffix": req("/range.txt", extra="Range: bytes=0-0,-2\r\n"),
    "Range multiple overlapping": req("/range.txt", extra="Range: bytes=0-5,3-8\r\n"),
    "Range multiple with spaces": req("/range.txt", extra="Range: bytes= 1-2 , 7-9\r\n"),
    "Range multiple one unsatisfiable": req("/range.txt", extra="Range: bytes=0-1,50-60\r\n"),
    "Range unsatisfiable": req("/range.txt", extra="Range: bytes=100-200\r\n"),
    "Range unsatisfiable start at size": req("/range.txt", extra="Range: bytes=20-\r\n"),
    "Range reversed": req("/range.txt", extra="Range: bytes=5-2\r\n"),
    "Range garbage": req("/range.txt", extra="Range: bytes=abc\r\n"),
    "Range zero suffix": req("/range.txt", extra="Range: bytes=-0\r\n"),
    "Range other unit": req("/range.txt", extra="Range: items=0-4\r\n"),
    "Range on HEAD": req("/range.txt", "HEAD", extra="Range: bytes=0-4\r\n"),
    "Range multiple on HEAD": req("/range.txt", "HEAD", extra="Range: bytes=0-1,4-5\r\n"),
    "Range unsatisfiable on HEAD": req("/range.txt", "HEAD", extra="Range: bytes=100-\r\n"),
    "Range on missing": req("/nope.txt", extra="Range: bytes=0-4\r\n"),
    "Range on empty file": req("/ai/empty.txt", extra="Range: bytes=0-4\r\n"),
    "Range on big file": req("/ai/big.bin", extra="Range: bytes=123450-\r\n"),
    "If-Range own ETag": req("/range.txt", extra=f"Range: bytes=0-4\r\nIf-Range: {with_etag('/range.txt')}\r\n"),
    "If-Range other ETag": req("/range.txt", extra='Range: bytes=0-4\r\nIf-Range: "0-0"\r\n'),
    "If-Range exact date": req("/range.txt", extra=f"Range: bytes=0-4\r\nIf-Range: {LAST_MODIFIED}\r\n"),
    "If-Range older date": req("/range.txt", extra=f"Range: bytes=0-4\r\nIf-Range: {OLDER}\r\n"),
    "If-Range with unsatisfiable range": req("/range.txt", extra='Range: bytes=100-\r\nIf-Range: "0-0"\r\n'),
    "Range with If-None-Match match": req(
        "/range.txt", extra=f"Range: bytes=0-4\r\nIf-None-Match: {with_etag('/range.txt')}\r\n"),
    # nginx-tests range.t (t3: max_ranges 2, t4: max_ranges 0) and range_if_range.t
    "range.t 0-8": req("/rt/t1.html", extra="Range: bytes=0-8\r\n"),
    "range.t final bytes": req("/rt/t1.html", extra="Range: bytes=-10\r\n"),
    "range.t final bytes explicit": req("/rt/t1.html", extra="Range: bytes=990-\r\n"),
    "range.t more than length": req("/rt/t1.html", extra="Range: bytes=990-1990\r\n"),
    "range.t multipart": req("/rt/t1.html", extra="Range: bytes=0-9, -10, 10-19\r\n"),
    "range.t multipart big": req("/rt/t1.html", extra="Range: bytes=0-9, -10, 100000-, 10-19\r\n"),
    "range.t too big first byte pos": req("/rt/t1.html", extra="Range: bytes=100000-\r\n"),
    "range.t alpha in first byte pos": req("/rt/t1.html", extra="Range: bytes=alpha\r\n"),
    "range.t alpha in last byte pos": req("/rt/t1.html", extra="Range: bytes=10-alpha\r\n"),
    "range.t no hyphen": req("/rt/t1.html", extra="Range: bytes=10\r\n"),
    "range.t no comma": req("/rt/t1.html", extra="Range: bytes=10-11 12-\r\n"),
    "range.t last byte pos adjusted": req("/rt/t1.html", extra="Range: bytes=0-10001\r\n"),
    "range.t malicious byte ranges": req("/rt/t1.html", extra="Range: bytes=0-10001, 0-0\r\n"),
    "range.t max_ranges not reached": req("/mr2/t1.html", extra="Range: bytes=0-9, -10\r\n"),
    "range.t max_ranges not reached bad range": req("/mr2/t1.html", extra="Range: bytes=0-9, -10, 10000-\r\n"),
    "range.t max_ranges reached": req("/mr2/t1.html", extra="Range: bytes=0-9, -10, 10-19\r\n"),
    "range.t max_ranges zero": req("/mr0/t1.html", extra="Range: bytes=0-9\r\n"),
    "max_ranges zero without Range": req("/mr0/t1.html"),
    "max_ranges zero small file": req("/mr0/hello.txt"),
    "max_ranges zero HEAD": req("/mr0/t1.html", "HEAD"),
    "Range past-the-end part skipped": req("/rt/hello.txt", extra="Range: bytes=0-4, 100000-\r\n"),
    "Range reversed part skipped": req("/rt/hello.txt", extra="Range: bytes=0-4,5-3\r\n"),
    "Range zero suffix part skipped": req("/rt/hello.txt", extra="Range: bytes=-0,2-3\r\n"),
    "Range bytes= alone": req("/rt/hello.txt", extra="Range: bytes=\r\n"),
    "Range upper-case unit": req("/rt/hello.txt", extra="Range: BYTES=0-1\r\n"),
    "Range tab before the range": req("/rt/hello.txt", extra="Range: bytes=\t0-4\r\n"),
    "Range trailing comma": req("/rt/hello.txt", extra="Range: bytes=0-1,\r\n"),
    "Range overlapping parts in request order": req("/rt/hello.txt", extra="Range: bytes=5-7,0-2,1-1\r\n"),
    "Range adjacent parts not merged": req("/rt/hello.txt", extra="Range: bytes=0-1,2-3\r\n"),
    "Range huge number": req("/rt/hello.txt", extra="Range: bytes=0-99999999999999999999\r\n"),
    "Range on empty file past the start": req("/rt/empty.txt", extra="Range: bytes=1-2\r\n"),
    "Range suffix on empty file": req("/rt/empty.txt", extra="Range: bytes=-2\r\n"),
    "range_if_range.t wrong": req("/rt/t1.html", extra="Range: bytes=0-9\r\nIf-Range: wrong\r\n"),
    "range_if_range.t date": req("/rt/t1.html", extra=f"Range: bytes=0-9\r\nIf-Range: {LAST_MODIFIED}\r\n"),
    "range_if_range.t notime": req("/lmoff/t1.html", extra="Range: bytes=0-9\r\nIf-Range: wrong\r\n"),
    "add_header Last-Modified empty and If-Range date": req(
        "/lmoff/t1.html", extra=f"Range: bytes=0-9\r\nIf-Range: {LAST_MODIFIED}\r\n"),
    "range_if_range.t time wrong": req("/lmset/t1.html", extra="Range: bytes=0-9\r\nIf-Range: wrong\r\n"),
    "range_if_range.t time": req(
        "/lmset/t1.html", extra="Range: bytes=0-9\r\nIf-Range: Mon, 28 Sep 1970 06:00:00 GMT\r\n"),
    "add_header Last-Modified and If-Range file date": req(
        "/lmset/t1.html", extra=f"Range: bytes=0-9\r\nIf-Range: {LAST_MODIFIED}\r\n"),
    "add_header Last-Modified on a small file": req("/lmset/hello.txt"),
    "add_header Last-Modified empty on a small file": req("/lmoff/hello.txt"),
    "add_header Last-Modified on 304": req("/lmset/t1.html", extra=f"If-Modified-Since: {LAST_MODIFIED}\r\n"),
    "add_header Last-Modified date is not the file's for 304": req(
        "/lmset/t1.html", extra="If-Modified-Since: Mon, 28 Sep 1970 06:00:00 GMT\r\n"),
    "add_header ETag and If-Range it": req("/etagset/t1.html", extra='Range: bytes=0-9\r\nIf-Range: "mine"\r\n'),
    "add_header ETag and If-Range the file's": req(
        "/etagset/t1.html", extra=f"Range: bytes=0-9\r\nIf-Range: {with_etag('/rt/t1.html')}\r\n"),
    "add_header ETag and If-None-Match the file's": req(
        "/etagset/t1.html", extra=f"If-None-Match: {with_etag('/rt/t1.html')}\r\n"),
    "add_header ETag empty and If-Range the file's": req(
        "/etagoff/t1.html", extra=f"Range: bytes=0-9\r\nIf-Range: {with_etag('/rt/t1.html')}\r\n"),
    "add_header ETag empty on 304": req("/etagoff/t1.html", extra=f"If-None-Match: {with_etag('/rt/t1.html')}\r\n"),
    "add_header ETag empty on a small file": req("/etagoff/hello.txt"),
    "add_header and a 416": req("/addh/t1.html", extra="Range: bytes=100000-\r\n"),
    # --- methods --------------------------------------------------------------------
    "POST to a file": req("/plain.txt", "POST"),
    "POST with body to a file": req("/plain.txt", "POST", body=b"a=1"),
    "POST to a missing file": req("/nope.txt", "POST"),
    "POST to a directory with index": req("/dir/", "POST"),
    "POST to a directory without index": req("/noindex/", "POST"),
    "POST to a directory without slash": req("/dir", "POST"),
    "PUT without dav": req("/plain.txt", "PUT", body=b"x"),
    "PUT missing without dav": req("/new.txt", "PUT", body=b"x"),
    "DELETE without dav": req("/plain.txt", "DELETE"),
    "DELETE missing without dav": req("/nope.txt", "DELETE"),
    "MKCOL without dav": req("/newdir/", "MKCOL"),
    "OPTIONS on a file": req("/plain.txt", "OPTIONS"),
    "PUT to a directory without dav": req("/dir/", "PUT", body=b"x"),
    "limit_except GET allows GET": req("/le/f.txt"),
    "limit_except GET allows HEAD": req("/le/f.txt", "HEAD"),
    "limit_except GET denies POST": req("/le/f.txt", "POST"),
    "limit_except GET denies DELETE": req("/le/f.txt", "DELETE"),
    "limit_except GET denies POST to missing": req("/le/nope", "POST"),
    "limit_except not inherited by nested": req("/le/n/f.txt", "POST"),
    "limit_except GET POST lets POST reach static": req("/le2/f.txt", "POST"),
    "limit_except GET POST denies PUT": req("/le2/f.txt", "PUT", body=b"x"),
}

# Timezone-dependent answers: only the status is compared.
STATUS_ONLY = {"autoindex localtime (status only)"}

# DAV: one fixed sequence sent to both servers, each step compared right away.
DAV_STEPS: list[tuple[str, bytes]] = [
    ("PUT new file", req("/dav/new.txt", "PUT", body=b"hello\n")),
    ("GET the new file", req("/dav/new.txt")),
    ("PUT overwrite", req("/dav/new.txt", "PUT", body=b"second version\n")),
    ("GET the overwritten file", req("/dav/new.txt")),
    ("PUT over a fixture file", req("/dav/existing.txt", "PUT", body=b"replaced\n")),
    ("PUT empty body", req("/dav/empty.txt", "PUT")),
    ("GET the empty file", req("/dav/empty.txt")),
    ("PUT encoded name", req("/dav/sp%20ace.txt", "PUT", body=b"space\n")),
    ("GET encoded name", req("/dav/sp%20ace.txt")),
    ("PUT to a directory URI", req("/dav/somedir/", "PUT", body=b"x")),
    ("PUT to a new directory URI", req("/dav/newdir/", "PUT", body=b"x")),
    ("PUT with Content-Range", req("/dav/cr.txt", "PUT", extra="Content-Range: bytes 0-0/1\r\n", body=b"x")),
    ("PUT missing parent with create_full_put_path", req("/dav/a/b/c.txt", "PUT", body=b"deep\n")),
    ("GET the deep file", req("/dav/a/b/c.txt")),
    ("HEAD the deep file", req("/dav/a/b/c.txt", "HEAD")),
    ("GET the created directory without slash", req("/dav/a/b")),
    ("PUT missing parent without create_full_put_path", req("/davnp/x/y.txt", "PUT", body=b"deep\n")),
    ("GET after failed PUT", req("/davnp/x/y.txt")),
    ("PUT new without create_full_put_path", req("/davnp/new.txt", "PUT", body=b"np\n")),
    ("PUT overwrite without create_full_put_path", req("/davnp/existing.txt", "PUT", body=b"np2\n")),
    ("DELETE file", req("/dav/new.txt", "DELETE")),
    ("GET deleted file", req("/dav/new.txt")),
    ("DELETE missing file", req("/dav/new.txt", "DELETE")),
    ("DELETE file with slash", req("/dav/existing.txt/", "DELETE")),
    ("DELETE directory without slash", req("/dav/olddir", "DELETE")),
    ("DELETE directory with Depth 1", req("/dav/olddir/", "DELETE", extra="Depth: 1\r\n")),
    ("DELETE directory", req("/dav/olddir/", "DELETE")),
    ("GET deleted directory", req("/dav/olddir/f.txt")),
    ("DELETE empty directory", req("/dav/emptydir/", "DELETE")),
    ("MKCOL new", req("/dav/coll/", "MKCOL")),
    ("MKCOL existing", req("/dav/coll/", "MKCOL")),
    ("MKCOL without slash", req("/dav/coll2", "MKCOL")),
    ("MKCOL missing parent", req("/dav/nope/deep/", "MKCOL")),
    ("MKCOL with a body", req("/dav/coll3/", "MKCOL", body=b"<x/>")),
    ("MKCOL over a file", req("/dav/existing.txt/", "MKCOL")),
    ("PUT into the new collection", req("/dav/coll/f.txt", "PUT", body=b"in coll\n")),
    ("GET the new collection", req("/dav/coll/")),
    ("GET the new collection without slash", req("/dav/coll")),
    ("GET in the new collection", req("/dav/coll/f.txt")),
    ("DELETE the collection", req("/dav/coll/", "DELETE")),
    ("GET in the deleted collection", req("/dav/coll/f.txt")),
    ("OPTIONS not in dav_methods", req("/dav/existing.txt", "OPTIONS")),
    ("POST in a dav location", req("/dav/existing.txt", "POST")),
    ("DELETE in the location without create_full_put_path", req("/davnp/existing.txt", "DELETE")),
    ("GET after DELETE in davnp", req("/davnp/existing.txt")),
]

_PAGE = re.compile(rb"(<title>|<h1>)(\d{3})[^<]*(</title>|</h1>)")
_SIGNATURE = re.compile(rb"<hr><center>nginx(lite)?(/[0-9A-Za-z.+-]+)?</center>")
_BOUNDARY = re.compile(r"boundary=\"?([^\";\s]+)\"?")


def normalise(data: bytes, port: int, head: bool, dates: bool = True) -> dict:
    """The compared view of one answer (``dates=False``: Last-Modified only as presence)."""
    if not data:
        return {"answer": None}
    reply, rest = parse(data, head=head)
    ctype = reply.header("Content-Type")
    length = reply.header("Content-Length")
    body = reply.body
    chunked = (reply.header("Transfer-Encoding") or "").lower() == "chunked"
    if not head and length is None and not chunked and reply.status not in (204, 304):
        body = rest  # delimited by the connection's close (RFC 9112 section 6.3): legal framing
    if not head and length is not None and length.isdigit() and reply.status not in (204, 304):
        assert int(length) == len(body), f"Content-Length {length} but {len(body)} body bytes"
    match = _BOUNDARY.search(ctype or "")
    if ctype and ctype.startswith("multipart/") and match:
        boundary = match.group(1)
        ctype = ctype.replace(boundary, "BOUNDARY")
        body = body.replace(b"--" + boundary.encode(), b"--BOUNDARY")
    else:
        boundary = None
    new_body = _SIGNATURE.sub(b"<hr><center>SIGNATURE</center>", _PAGE.sub(rb"\1\2\3", body))
    if length is not None and (boundary or new_body != body):
        length = "normalised" if head else str(len(new_body))
    elif length is not None and head and reply.status >= 300 and (ctype or "").startswith("text/html"):
        length = "built-in page"  # the signature's length differs (docs/differences.md)
    last_modified = reply.header("Last-Modified")
    if not dates and last_modified is not None:
        last_modified = "present"
    return {
        "status": reply.status,
        "Location": (reply.header("Location") or "").replace(f":{port}", ":PORT") or None,
        "Content-Type": ctype,
        "Content-Length": length,
        "Content-Range": reply.header("Content-Range"),
        "ETag": reply.header("ETag") is not None,
        "Last-Modified": last_modified,
        "Accept-Ranges": reply.header("Accept-Ranges"),
        "ETag value": reply.header("ETag") if reply.header("ETag") in ('"mine"', None) else "the file's",
        "added": [(k, v) for k, v in reply.headers if k.startswith("X-")],
        "body": new_body,
    }


_ETAG_REF = re.compile(rb"\{etag:([^}]*)\}")


def resolve(data: bytes, port: int) -> bytes:
    """Fill in ``{etag:PATH}`` with the ETag this server sends for PATH."""
    def etag(match: re.Match) -> bytes:
        reply, _ = parse(raw(port, req(match.group(1).decode(), "HEAD")), head=True)
        return (reply.header("ETag") or '"no-etag-sent"').encode("latin-1")
    return _ETAG_REF.sub(etag, data)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    require_nginx()
    lite_root, ngx_root = tmp_path_factory.mktemp("lite"), tmp_path_factory.mktemp("nginx")
    build_tree(lite_root)
    build_tree(ngx_root)
    with nginx_and_nginxlite(lite_root, ngx_root, CONFIG) as servers:
        yield servers


def exchange(server, data: bytes, dates: bool = True) -> dict:
    data = resolve(data, server.port)
    return normalise(raw(server.port, data), server.port, data.startswith(b"HEAD "), dates)


@pytest.mark.parametrize("name", list(CASES))
def test_same_answer_as_nginx(pair, name):
    lite, ngx = pair
    got, want = exchange(lite, CASES[name]), exchange(ngx, CASES[name])
    if name in STATUS_ONLY:
        got, want = got.get("status"), want.get("status")
    assert got == want


@pytest.mark.parametrize("step", range(len(DAV_STEPS)), ids=[name for name, _ in DAV_STEPS])
def test_dav_sequence_same_as_nginx(pair, step):
    """Steps run in order; both servers see the same sequence, whichever steps are selected."""
    lite, ngx = pair
    _, data = DAV_STEPS[step]
    # Files written by these steps get the time of the write: only compare Last-Modified's presence.
    got, want = exchange(lite, data, dates=False), exchange(ngx, data, dates=False)
    assert got == want


@pytest.mark.parametrize("extra", ["", "Range: bytes=0-1\r\nIf-Range: garbage\r\n", "Range: bytes=0-1\r\nIf-Range: unquoted\r\n"])
def test_add_header_of_headers_the_server_sets(pair, extra):
    """nginx's headers filter: Last-Modified and ETag replace the file's own (the name as
    written), every other name is one more line, Content-Type and Server included; an
    empty value adds nothing.  Compared: the header lines, in any order."""
    answers = []
    for server in pair:
        reply, _ = parse(raw(server.port, req("/ownh/hello.txt", extra=extra)))
        lines = sorted((k, v) for k, v in reply.headers if k not in ("Date", "Connection"))
        server_lines = [line for line in lines if line[0] == "Server"]
        lines.remove(next(line for line in server_lines if line[1] != "S"))  # the server's own
        answers.append((reply.status, lines))
    assert answers[0] == answers[1]
