"""Lint warnings beyond nginx (config/lint.py): each rule, as ``-t`` prints it, exit status 0.

tests/integration/test_lint_shadowing.py checks on live nginx that each location said
to be shadowed here is never selected there.
"""

from __future__ import annotations

import pytest

from nginxlite.cli import main
from nginxlite.config.lint import is_lint


def lint(capsys, write, body: str) -> list[str]:
    """``-t -q`` of a site file holding one server with ``body``; its [warn] lines."""
    path = write("site.conf", "server {\n    listen 127.0.0.1:8080;\n" + body + "}\n")
    assert main(["-t", "-q", "-c", path]) == 0  # warnings never fail the test
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert all(line.startswith("nginxlite: [warn] ") for line in lines), err
    return [line.removeprefix("nginxlite: [warn] ").replace(path, "F") for line in lines]


CASES = [
    ("alias slash traversal", '    location /static { alias /srv/static/; }\n',
     ['alias "/srv/static/" ends with "/" but location "/static" does not: "/static../x" reads '
      '"/srv/static/../x", outside the alias in F:3']),
    ("alias slash glued", '    location /static/ {\n        alias /srv/static;\n    }\n',
     ['alias "/srv/static" does not end with "/" but location "/static/" does: "/static/x" reads '
      '"/srv/staticx" in F:4']),
    ("alias slashes agree", '    location /static/ { alias /srv/static/; }\n    location /s { alias /srv/s; }\n'
     '    location ~ ^/r/(.*)$ { alias /srv/r/$1; }\n    location = /e { alias /srv/e.html; }\n', []),
    ("caret alias", '    location ^~ /st { alias /srv/st/; }\n',
     ['alias "/srv/st/" ends with "/" but location "/st" does not: "/st../x" reads "/srv/st/../x", '
      'outside the alias in F:3']),
    ("regex without anchor", '    location ~ \\.php {\n    }\n',
     ['regex location "~ \\.php" has no anchor (^ or $): it matches anywhere in the URI in F:3']),
    ("regex anchors", '    location ~ \\.php$ { }\n    location ~* ^/img { }\n    location ~ "(?i)^/a" { }\n'
     '    location ~ \\Astart { }\n    location ~ end\\z { }\n', []),
    ("escaped dollar is no anchor", '    location ~ cost\\$ { }\n',
     ['regex location "~ cost\\$" has no anchor (^ or $): it matches anywhere in the URI in F:3']),
    ("identical regex", '    location ~ ^/x$ { }\n    location ~ ^/x$ { }\n',
     ['location "~ ^/x$" can never be selected: the regex location "~ ^/x$" before it (F:3) '
      'matches every URI it matches in F:4']),
    ("caseless regex covers", '    location ~* ^/x$ { }\n    location ~ ^/x$ { }\n',
     ['location "~ ^/x$" can never be selected: the regex location "~* ^/x$" before it (F:3) '
      'matches every URI it matches in F:4']),
    ("case-sensitive regex does not cover caseless", '    location ~ ^/x$ { }\n    location ~* ^/x$ { }\n', []),
    ("regex with literal prefix covers", '    location ~ ^/img { }\n    location ~ ^/img/.*\\.png$ { }\n',
     ['location "~ ^/img/.*\\.png$" can never be selected: the regex location "~ ^/img" before it (F:3) '
      'matches every URI it matches in F:4']),
    ("regex matching every URI", '    location ~ / { }\n    location ~ \\.css$ { }\n',
     ['regex location "~ /" has no anchor (^ or $): it matches anywhere in the URI in F:3',
      'location "~ \\.css$" can never be selected: the regex location "~ /" before it (F:3) '
      'matches every URI it matches in F:4']),
    ("regexes in order are fine", '    location ~ ^/img/.*\\.png$ { }\n    location ~ ^/img { }\n'
     '    location ~ ^/im?g { }\n    location ~ ^/a|^/b { }\n    location ~ ^/a { }\n', []),
    ("prefix under a regex of its level", '    location /img/ { }\n    location ~ ^/img { }\n',
     ['location "/img/" can never be selected: the regex location "~ ^/img" (F:4) matches every URI '
      'it matches in F:3']),
    ("caret prefix is not shadowed by a regex", '    location ^~ /img/ { }\n    location ~ ^/img { }\n', []),
    ("nested under a prefix never the longest", '    location /a/ {\n        location /a/b/c { }\n'
     '        location = /a/b/d { }\n        location /a/x { }\n    }\n    location /a/b/ { }\n',
     ['location "/a/b/c" can never be selected: location "/a/b/" (F:8) is a longer prefix than "/a/" '
      'for every URI it matches in F:4',
      'location "= /a/b/d" can never be selected: location "/a/b/" (F:8) is a longer prefix than "/a/" '
      'for every URI it matches in F:5']),
    ("nested exact answered by an exact of the level above", '    location /a/ {\n        location = /a/e { }\n'
     '    }\n    location = /a/e { }\n',
     ['location "= /a/e" can never be selected: the exact location "= /a/e" (F:6) answers it first in F:4']),
    ("root repeats the server's", '    root /srv/www;\n    location /r/ {\n        root /srv/www/;\n    }\n'
     '    location /o/ { root /srv/other; }\n    location /n/ { location /n/m/ { root /srv/www; } }\n',
     ['root "/srv/www" repeats the root this location inherits in F:5',
      'root "/srv/www" repeats the root this location inherits in F:8']),
    ("root repeats the default", '    location /r/ { root html; }\n',
     ['root "html" repeats the root this location inherits in F:3']),
    ("root under an alias is not compared", '    location /a/ { alias /srv/www/; location /a/b/ { root /srv/www; } }\n', []),
]


@pytest.mark.parametrize("name,body,expected", CASES, ids=[c[0] for c in CASES])
def test_rule(capsys, write, name, body, expected):
    got = lint(capsys, write, body)
    assert got == expected
    assert all(is_lint(line.rsplit(" in F:", 1)[0]) for line in got)


def test_warnings_come_after_nginxs_and_do_not_change_the_outcome(capsys, write):
    path = write("site.conf", "server { listen 8080; server_name a; location ~ x { } }\n"
                              "server { listen 8080; server_name a; }\n")
    assert main(["-t", "-c", path]) == 0
    assert capsys.readouterr().err.splitlines() == [
        'nginxlite: [warn] conflicting server name "a" on 0.0.0.0:8080, ignored',
        f'nginxlite: [warn] regex location "~ x" has no anchor (^ or $): it matches anywhere in the URI in {path}:1',
        f"nginxlite: the configuration file {path} syntax is ok",
        f"nginxlite: configuration file {path} test is successful",
    ]


def test_nginx_messages_are_not_lint():
    assert not is_lint('conflicting server name "a" on 0.0.0.0:8080, ignored')
    assert not is_lint('"sendfile" directive is ignored by nginxlite')
    assert not is_lint('location "/x" is outside location "/a"')
