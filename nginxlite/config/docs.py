"""Directive documentation generated from the directive table.

Rules:
- ``docs/directives.md`` and ``nginxlite --directives`` both come from
  ``directives.DIRECTIVES``; nothing about a directive is written twice.
- ``python -m nginxlite.config.docs`` (run from the repository root) rewrites
  ``docs/directives.md``; a test fails when the committed file differs from
  ``directives_markdown()``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nginxlite.config.blocks import CTX_NAMES
from nginxlite.config.directives import DIRECTIVES, Kind, Spec

DOC_FILE = Path("docs") / "directives.md"


def contexts(spec: Spec) -> str:
    return ", ".join(name for ctx, name in CTX_NAMES.items() if spec.contexts & ctx)


def syntax(spec: Spec) -> str:
    if spec.arity == spec.arity.NOARGS:
        text = "no arguments"
    elif spec.arity & spec.arity.FLAG:
        text = "on or off"
    else:
        shape = spec.arity.describe()
        text = f"{shape} argument{'' if shape == '1' else 's'}"
    return text + (", block" if spec.block else "")


def _rows(kind: Kind) -> list[Spec]:
    return sorted((s for s in DIRECTIVES.values() if s.kind is kind), key=lambda s: s.name)


def directives_markdown() -> str:
    lines = [
        "# Directive reference",
        "",
        "Generated from the directive table (`nginxlite/config/directives.py`) by",
        "`python -m nginxlite.config.docs`; do not edit by hand. Semantics follow nginx 1.22",
        "unless marked *nginxlite*. Contexts: main (top level), events, http, server,",
        "location, limit_except, if; upstream, stream and mail are blocks nginxlite refuses",
        "(their directives are listed so that elsewhere they are \"not allowed here\", as in",
        "nginx). A site file holding only `server {}` blocks is read as the inside of an",
        "`http {}` block. Besides nginx 1.22's own modules the table knows Debian 12's",
        "`libnginx-mod-*` modules and its `max_headers`.",
        "",
        "## Supported",
        "",
        "| directive | contexts | arguments | default | description |",
        "|---|---|---|---|---|",
    ]
    for spec in _rows(Kind.SUPPORTED):
        own = (" *nginxlite*" if spec.nginxlite_only else "") + (" *(planned: checked, not served yet)*"
                                                                  if spec.planned else "")
        default = f"`{spec.default}`" if spec.default else ""
        lines.append(f"| `{spec.name}`{own} | {contexts(spec)} | {syntax(spec)} | {default} | {spec.help} |")
    lines += ["", "## Accepted and ignored", "",
              "These tune nginx internals that nginxlite does not have. They are checked for",
              "context, arguments and values exactly as nginx checks them, then ignored with",
              '`[warn] "NAME" directive is ignored by nginxlite`.', "",
              "| directive | contexts | arguments |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {contexts(s)} | {syntax(s)} |" for s in _rows(Kind.IGNORED)]
    lines += ["", "## Refused", "",
              "nginxlite cannot honour these (proxying, TLS, rewriting, ...). After the context and",
              'argument checks they fail with `"NAME" directive is not supported by nginxlite`.', "",
              "| directive | contexts | arguments |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {contexts(s)} | {syntax(s)} |" for s in _rows(Kind.REFUSED)]
    return "\n".join(lines) + "\n"


def directive_listing() -> str:
    """The plain-text table printed by ``nginxlite --directives``."""
    out = []
    for kind in Kind:
        out.append(f"{kind.value} directives:")
        for spec in _rows(kind):
            out.append(f"  {spec.name:<32} {contexts(spec):<40} {spec.help if kind is Kind.SUPPORTED else ''}".rstrip())
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    DOC_FILE.write_text(directives_markdown(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC_FILE}\n")
