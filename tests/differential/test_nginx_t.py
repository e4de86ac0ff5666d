"""Differential test: ``nginxlite -t`` must print what ``nginx -t`` (1.22.1) prints.

Every case of ``corpus/`` is copied to a temporary folder and tested by both
programs with absolute paths; the exit codes and the stderr lines (without the
leading ``nginx: `` / ``nginxlite: ``) must be equal.  See README.md.

Case kinds (the test id says which one ran):

* ``corpus/NAME.conf``            a whole nginx.conf; run as is (id ``NAME``) and
                                  a second time as ``include case_body.conf;``
                                  from a one-line main file (``NAME+include``);
* ``corpus/http_body/NAME.conf``  the content of an ``http { }`` block; run inline
                                  inside ``events {} http { ... }``
                                  (``http_body/NAME``) and through
                                  ``http { include case_body.conf; }``
                                  (``http_body/NAME+include``);
* ``corpus/NAME/nginx.conf``      a folder (with included files); run once.

A few cases also run with ``-q`` (``+quiet``).  ``corpus/extended/`` has the same
layout and more cases of the same kinds (ids ``extended/...``); it runs by default
and ``NGINXLITE_DIFF_EXTENDED=0`` leaves it out (about half the run time).

Run ``python tests/differential/test_nginx_t.py --table`` to print the nginx
result of every case (no nginxlite needed).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from nginxlite.config.lint import is_lint

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
BODY_DIR = CORPUS / "http_body"
EXTENDED_DIR = CORPUS / "extended"       # NGINXLITE_DIFF_EXTENDED=0 leaves it out
REPO = HERE.parent.parent

NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
NGINX_VERSION = "nginx/1.22.1"
IN_CI = bool(os.environ.get("CI"))
EXTENDED = os.environ.get("NGINXLITE_DIFF_EXTENDED", "1") not in ("", "0")
JOBS = int(os.environ.get("NGINXLITE_DIFF_JOBS", "0")) or (os.cpu_count() or 2) + 1
NGINX_TIMEOUT = 20
LITE_TIMEOUT = 30

# Cases that also run with -q (quiet: no success lines; warnings/errors stay).
QUIET_CASES = (
    "ok_everything",
    "http_body/sn_conflict_warn",
    "http_body/val_autoindex_maybe",
)

BODY_NAME = "case_body.conf"
MAIN_INCLUDE_WRAPPER = b"include " + BODY_NAME.encode() + b";\n"
HTTP_INLINE_HEAD = b"events {}\nhttp {\n"
HTTP_INLINE_TAIL = b"\n}\n"
HTTP_INCLUDE_WRAPPER = b"events {}\nhttp {\n    include " + BODY_NAME.encode() + b";\n}\n"

if not os.path.exists(NGINX) and not IN_CI and __name__ != "__main__":
    pytest.skip(f"{NGINX} is not installed (with CI set this is a failure)",
                allow_module_level=True)


# --------------------------------------------------------------------------- cases

@dataclass(frozen=True)
class Variant:
    id: str
    kind: str          # file | file+include | body | body+include | dir | missing
    source: Path
    quiet: bool = False


def discover_set(base: Path, prefix: str) -> list[Variant]:
    variants: list[Variant] = []
    if not base.is_dir():
        return variants
    body_dir = base / "http_body"
    for path in sorted(base.iterdir()):
        if path.is_file() and path.suffix == ".conf":
            variants.append(Variant(prefix + path.stem, "file", path))
            variants.append(Variant(prefix + path.stem + "+include", "file+include", path))
        elif path.is_dir() and (path / "nginx.conf").is_file():
            variants.append(Variant(prefix + path.name, "dir", path))
    for path in sorted(body_dir.glob("*.conf")):
        variants.append(Variant(prefix + "http_body/" + path.stem, "body", path))
        variants.append(Variant(prefix + "http_body/" + path.stem + "+include", "body+include", path))
    return variants


def discover() -> list[Variant]:
    variants = discover_set(CORPUS, "")
    if EXTENDED:
        variants += discover_set(EXTENDED_DIR, "extended/")
    by_id = {v.id: v for v in variants}
    for case_id in QUIET_CASES:
        if case_id in by_id:
            v = by_id[case_id]
            variants.append(Variant(case_id + "+quiet", v.kind, v.source, quiet=True))
    variants.append(Variant("missing_config_file", "missing", CORPUS))
    return variants


VARIANTS = discover()


def materialize(variant: Variant, case_dir: Path) -> Path:
    """Write the files of one variant into case_dir; return the main config path."""
    if case_dir.exists():
        shutil.rmtree(case_dir)
    conf = case_dir / "nginx.conf"
    if variant.kind == "dir":
        shutil.copytree(variant.source, case_dir)
        return conf
    case_dir.mkdir(parents=True)
    if variant.kind == "missing":
        return case_dir / "no-such-nginx.conf"
    data = variant.source.read_bytes()
    if variant.kind == "file":
        conf.write_bytes(data)
    elif variant.kind == "file+include":
        conf.write_bytes(MAIN_INCLUDE_WRAPPER)
        (case_dir / BODY_NAME).write_bytes(data)
    elif variant.kind == "body":
        conf.write_bytes(HTTP_INLINE_HEAD + data + HTTP_INLINE_TAIL)
    elif variant.kind == "body+include":
        conf.write_bytes(HTTP_INCLUDE_WRAPPER)
        (case_dir / BODY_NAME).write_bytes(data)
    else:  # pragma: no cover
        raise ValueError(variant.kind)
    return conf


# --------------------------------------------------------------------------- running

@dataclass
class Outcome:
    rc: int | None
    lines: list[str]
    raw: str

    def key(self):
        return self.rc, self.lines


DATE_LINE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[")
PID_OR_LOG_ALERT = re.compile(r"^nginx: \[alert\] .*(pid|log)", re.IGNORECASE)
LINT_PREFIX = "nginxlite: [warn] "
PID_DIRECTIVE = re.compile(rb'(?:^|[\s;{}])["\']?pid["\']?[\s;]')
# nginxlite's own warning for a directive it ignores (docs/differences.md): not compared.
LITE_IGNORED = re.compile(r'^\[warn\] "[^"]+" directive is ignored by nginxlite in ')


def normalize(stderr: bytes, prog: str) -> list[str]:
    text = stderr.decode("latin-1")          # bytes in, bytes out: never "fix" encodings
    pieces = text.split("\n")                # NOT splitlines(): \f \v \x1c.. are data here
    if pieces and pieces[-1] == "":
        pieces.pop()
    prefix = prog + ": "
    lines = []
    for line in pieces:
        if prog == "nginx" and (DATE_LINE.match(line) or PID_OR_LOG_ALERT.match(line)):
            continue
        if prog == "nginxlite" and line.startswith(LINT_PREFIX) and is_lint(line[len(LINT_PREFIX):]):
            continue  # nginxlite's lint, beyond nginx (docs/differences.md)
        line = line[len(prefix):] if line.startswith(prefix) else line
        if prog == "nginxlite" and LITE_IGNORED.match(line):
            continue
        lines.append(line)
    return lines


def mentions_pid(case_dir: Path) -> bool:
    for path in case_dir.rglob("*"):
        if path.is_file() and PID_DIRECTIVE.search(path.read_bytes()):
            return True
    return False


def run_nginx(conf: Path, case_dir: Path, junk: Path, quiet: bool) -> Outcome:
    junk.mkdir(parents=True, exist_ok=True)
    cmd = [NGINX, "-t"] + (["-q"] if quiet else []) + [
        "-p", f"{case_dir}/", "-c", str(conf), "-e", str(junk / "error.log")]
    if not mentions_pid(case_dir):
        # keep nginx away from /run/nginx.pid; a case that sets pid itself keeps its own
        cmd += ["-g", f'pid "{junk}/nginx.pid";']
    try:
        proc = subprocess.run(cmd, cwd=case_dir, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=NGINX_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Outcome(None, ["<nginx timed out>"], "")
    return Outcome(proc.returncode, normalize(proc.stderr, "nginx"),
                   proc.stderr.decode("latin-1"))


def lite_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(REPO / "src"), str(REPO)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("PYTHONSTARTUP", None)
    return env


def run_nginxlite(conf: Path, case_dir: Path, quiet: bool) -> Outcome:
    cmd = [sys.executable, "-m", "nginxlite", "-t"] + (["-q"] if quiet else []) + ["-c", str(conf)]
    try:
        proc = subprocess.run(cmd, cwd=case_dir, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=LITE_TIMEOUT, env=lite_env())
    except subprocess.TimeoutExpired:
        return Outcome(None, [f"<nginxlite timed out after {LITE_TIMEOUT}s>"], "")
    raw = proc.stderr.decode("latin-1")
    if proc.stdout:
        raw += "\n--- stdout ---\n" + proc.stdout.decode("latin-1")
    return Outcome(proc.returncode, normalize(proc.stderr, "nginxlite"), raw)


def run_variant(variant: Variant, root: Path, with_lite: bool = True):
    """Run nginx, then (on a fresh copy at the same path) nginxlite."""
    case_dir = root / "case"
    conf = materialize(variant, case_dir)
    ngx = run_nginx(conf, case_dir, root / "nginx-junk", variant.quiet)
    lite = None
    if with_lite:
        conf = materialize(variant, case_dir)     # undo anything nginx created (logs, pid)
        lite = run_nginxlite(conf, case_dir, variant.quiet)
    return ngx, lite, case_dir


def safe_name(variant_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", variant_id)[:60]


# --------------------------------------------------------------------------- environment

def environment_problem() -> str | None:
    """None if nginx can run -t here, else why not."""
    if not os.path.exists(NGINX):
        return f"{NGINX} is not installed"
    try:
        version = subprocess.run([NGINX, "-v"], capture_output=True, timeout=NGINX_TIMEOUT)
    except OSError as exc:
        return f"cannot run {NGINX}: {exc}"
    if NGINX_VERSION not in version.stderr.decode("latin-1") and not os.environ.get("NGINX_ANY_VERSION"):
        return (f"{NGINX} is not {NGINX_VERSION} ({version.stderr.decode('latin-1').strip()}); "
                "set NGINX_ANY_VERSION=1 to compare anyway")
    with tempfile.TemporaryDirectory(prefix="nginx-envcheck-") as tmp:
        case_dir = Path(tmp) / "case"
        case_dir.mkdir()
        conf = case_dir / "nginx.conf"
        conf.write_bytes(b"events {}\nhttp {\n    server {\n        listen 127.0.0.1:8080;\n    }\n}\n")
        out = run_nginx(conf, case_dir, Path(tmp) / "junk", False)
    if out.rc != 0:
        return ("nginx -t fails on a minimal valid config in this environment (nginx -t "
                "needs to open its compiled-in paths, e.g. /var/log/nginx/access.log and "
                "/var/lib/nginx/*; run as root or fix permissions):\n" + out.raw)
    return None


# --------------------------------------------------------------------------- pytest

@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    problem = environment_problem()
    if problem:
        if IN_CI:
            pytest.fail("CI is set but nginx is unusable: " + problem, pytrace=False)
        pytest.skip(problem)
    this_module = sys.modules[__name__]
    wanted = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "module", None) is this_module and callspec and "variant" in callspec.params:
            wanted.append(callspec.params["variant"])
    cache: dict[str, tuple] = {}

    def new_root(variant: Variant) -> Path:       # main thread only: mktemp is not thread-safe
        return tmp_path_factory.mktemp(safe_name(variant.id), numbered=True)

    roots = [new_root(variant) for variant in wanted]
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        for variant, result in zip(wanted, pool.map(run_variant, wanted, roots)):
            cache[variant.id] = result

    def get(variant: Variant):
        if variant.id not in cache:
            cache[variant.id] = run_variant(variant, new_root(variant))
        return cache[variant.id]

    return get


def show(lines: list[str]) -> list[str]:
    """Printable ASCII as is, every other byte as \\xNN (lines are latin-1 decoded)."""
    return ["".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" for c in line)
            for line in lines]


def explain(variant: Variant, ngx: Outcome, lite: Outcome, case_dir: Path) -> str:
    diff = "\n".join(difflib.unified_diff(
        [f"exit {ngx.rc}"] + show(ngx.lines), [f"exit {lite.rc}"] + show(lite.lines),
        "nginx -t", "nginxlite -t", lineterm=""))
    source = variant.source.relative_to(HERE) if variant.kind != "missing" else "(none)"
    return (f"case {variant.id} ({variant.kind}, source {source}, ran in {case_dir})\n"
            f"{diff}\n--- raw nginxlite stderr ---\n{lite.raw}")


# Cases where nginxlite differs from nginx on purpose (docs/differences.md):
# id -> (nginxlite's exit code, the start of its first stderr line).
_UNIX = (1, '[emerg] unix domain sockets in "listen" are not supported by nginxlite')
INTENDED = {
    "http_body/listen_unix_ok": _UNIX,
    "http_body/listen_unix_ok+include": _UNIX,
    "extended/http_body/listen_unix_empty": _UNIX,
    "extended/http_body/listen_unix_empty+include": _UNIX,
}


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_nginx_t(variant: Variant, outcomes):
    ngx, lite, case_dir = outcomes(variant)
    assert ngx.rc in (0, 1), f"nginx itself misbehaved on {variant.id}:\n{ngx.raw}"
    if variant.id in INTENDED:
        rc, first = INTENDED[variant.id]
        assert lite.rc == rc and lite.lines and lite.lines[0].startswith(first), explain(variant, ngx, lite, case_dir)
        return
    assert lite.key() == ngx.key(), explain(variant, ngx, lite, case_dir)


def test_corpus_is_well_formed():
    """Every case has a comment on its first line saying what it exercises."""
    assert len(VARIANTS) > 300, "corpus went missing?"
    bad = []
    files = []
    for base in (CORPUS, EXTENDED_DIR):
        files += list(base.glob("*.conf")) + list((base / "http_body").glob("*.conf"))
        files += [p / "nginx.conf" for p in base.iterdir() if (p / "nginx.conf").is_file()]
    for path in files:
        if b"#" not in path.read_bytes().split(b"\n", 1)[0]:
            bad.append(str(path.relative_to(HERE)))
    assert not bad, f"cases without a leading comment: {bad}"


# --------------------------------------------------------------------------- table

def print_table(include_variants: bool = False) -> int:
    problem = environment_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    chosen = [v for v in VARIANTS if include_variants or v.kind in ("file", "body", "dir")]
    with tempfile.TemporaryDirectory(prefix="nginx-table-") as tmp:
        def job(variant):
            root = Path(tmp) / safe_name(variant.id)
            ngx, _, case_dir = run_variant(variant, root, with_lite=False)
            return variant, ngx, case_dir
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            rows = list(pool.map(job, chosen))
    for variant, ngx, case_dir in rows:
        msgs = [line.replace(f"{case_dir}/", "") for line in ngx.lines
                if not line.startswith(("configuration file ", "the configuration file "))]
        text = " | ".join(show(msgs)) if msgs else "ok"
        print(f"{variant.id}\t{ngx.rc}\t{text}")
    return 0


if __name__ == "__main__":
    if "--table" in sys.argv:
        sys.exit(print_table("--all" in sys.argv))
    print("usage: python test_nginx_t.py --table [--all]   (or run it with pytest)")
