"""Access and error logs in nginx's formats, buffered, never through ``logging`` on the hot path.

Rules:
- Access lines are formatted from the ``log_format`` template (``combined`` by
  default) and appended to a per-file buffer; buffers are written when they pass
  ``FLUSH_SIZE``, by a one-second timer, and at exit (nginx's ``buffer=``/``flush=``).
- Error lines follow nginx: ``YYYY/MM/DD HH:MM:SS [level] PID#0: message``; only
  levels at or above the file's level are written.  ``stderr`` is a valid target.
  A request's lines go to its server's or location's ``error_log`` when it has
  one, else to the main-level logs, as nginx.
- An access_log path with variables names a file per request: opened, written
  and closed at each line, and only when the request's root folder exists (as
  nginx, without ``open_log_file_cache``).
- ``reopen`` (SIGUSR1) closes and reopens every file; a log that cannot be
  opened or written is reported once on stderr and never stops the server.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import time
from collections.abc import Mapping

from nginxlite.config.model import AccessLog, ErrorLog
from nginxlite.handlers.variables import SAFE_IN_LOGS, expand
from nginxlite.handlers.variables import value as variable_value
from nginxlite.handlers.variables import compile as compile_template
from nginxlite.handlers.variables import getter as variable_getter
from nginxlite.handlers import variables as variables_module

FLUSH_SIZE = 64 << 10
LEVELS = {"debug": 7, "info": 6, "notice": 5, "warn": 4, "error": 3, "crit": 2, "alert": 1, "emerg": 0}
_ERROR = LEVELS["error"]
# nginx's default escaping: '"', '\\' and bytes outside printable ASCII become \xXX.
_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\]')
_JSON_UNSAFE = re.compile(r'[\x00-\x1f"\\]')


def _hex_escape(m: re.Match) -> str:
    return f"\\x{ord(m.group()):02X}"


def _json_escape(m: re.Match) -> str:
    c = m.group()
    return "\\" + c if c in '"\\' else f"\\u{ord(c):04x}"


class LogFile:
    __slots__ = ("path", "fd", "buffer", "size", "failed")

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1
        self.buffer: list[bytes] = []
        self.size = 0
        self.failed = False
        self.open()

    def open(self) -> None:
        if self.path == "stderr":
            self.fd = 2
            return
        try:
            path = self.path.encode("latin-1")
            os.makedirs(os.path.dirname(path) or b".", exist_ok=True)
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self.failed = False
        except OSError as err:
            self.fd = -1
            self._report(f'open() "{self.path}" failed ({err.errno}: {err.strerror})')

    def _report(self, message: str) -> None:
        if not self.failed:
            self.failed = True
            sys.stderr.write(f"nginxlite: [alert] {message}\n")

    def write(self, data: bytes) -> None:
        self.buffer.append(data)
        self.size += len(data)
        if self.size > FLUSH_SIZE:
            self.flush()

    def write_now(self, data: bytes) -> None:
        """Write ``data`` after anything buffered, at once (error lines, as nginx)."""
        if self.buffer:
            self.write(data)
            self.flush()
        else:
            self._write_all(data)

    def flush(self) -> None:
        if not self.buffer:
            return
        data = b"".join(self.buffer)
        self.buffer.clear()
        self.size = 0
        self._write_all(data)

    def _write_all(self, data: bytes) -> None:
        if self.fd < 0:
            return
        try:
            n = os.write(self.fd, data)
            while n < len(data):  # a short write to a file: only when the disk is nearly full
                data = data[n:]
                n = os.write(self.fd, data)
        except OSError as err:  # a full disk must not stop the server
            self._report(f'write() to "{self.path}" failed ({err.errno}: {err.strerror})')

    def reopen(self) -> None:
        self.flush()
        if self.fd > 2:
            os.close(self.fd)
        self.open()

    def close(self) -> None:
        self.flush()
        if self.fd > 2:
            os.close(self.fd)
        self.fd = -1


class Logs:
    """Every log file of one configuration, opened once and shared by path."""

    def __init__(self) -> None:
        self.files: dict[str, LogFile] = {}
        self.error_targets: list[tuple[LogFile, int]] = []
        self.pid = os.getpid()
        self._second = -1
        self._stamp = ""

    def file(self, path: str) -> LogFile:
        log = self.files.get(path)
        if log is None:
            log = self.files[path] = LogFile(path)
        return log

    def set_error_logs(self, logs: tuple[ErrorLog, ...]) -> None:
        self.error_targets = [(self.file(e.path), LEVELS[e.level]) for e in logs]

    def error(self, level: str, message: str, logs: tuple[ErrorLog, ...] = ()) -> None:
        """Write an error line to the main-level error logs, or to ``logs`` (the
        ``error_log`` of the request's server or location) when there are any."""
        rank = LEVELS[level]
        line = None
        targets = [(self.file(e.path), LEVELS[e.level]) for e in logs] if logs else self.error_targets
        for target, threshold in targets:
            if rank <= threshold:
                if line is None:
                    line = f"{self.stamp()} [{level}] {self.pid}#0: {message}\n".encode("latin-1", "replace")
                if target.fd == 2 or rank <= _ERROR:
                    target.write_now(line)
                else:
                    target.write(line)

    def stamp(self) -> str:
        """The local time as nginx writes it in error lines, formatted once per second."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(second))
        return self._stamp

    def retain(self, paths: set[str]) -> None:
        """Close (after a flush) every file whose path is not in ``paths``."""
        for path in [p for p in self.files if p not in paths]:
            self.files.pop(path).close()

    def flush(self) -> None:
        for log in self.files.values():
            log.flush()

    def reopen(self) -> None:
        for log in self.files.values():
            log.reopen()

    def close(self) -> None:
        for log in self.files.values():
            log.close()
        self.files.clear()


def access_formatter(log: AccessLog, maps: Mapping[str, object] | None = None):
    """Compile a log_format template once into ``fn(exchange) -> str`` (the line, with its
    newline).  Variables come from ``handlers.variables``; a value nginx does not find
    is written ``-``, others escaped as the format says (except ``SAFE_IN_LOGS``).
    ``maps``: the ``map`` variables of the log's configuration (see ``variables.getter``)."""
    template = log.format.template
    escape = log.format.escape
    plain = None  # the test that a value needs no escaping, as code of a value ``V``
    if escape == "none":
        def esc(value: str) -> str:
            return value
    elif escape == "json":
        def esc(value: str) -> str:
            return _JSON_UNSAFE.sub(_json_escape, value) if _JSON_UNSAFE.search(value) else value
    else:
        plain = "V.isascii() and V.isprintable() and '\"' not in V and '\\\\' not in V"  # the usual value

        def esc(value: str) -> str:
            return _UNSAFE.sub(_hex_escape, value)

    # Compiled into one function, ``LINE % ("-" if (v0 := EXPR) is None else v0, ...)``:
    # the template is read once here, and a log line costs one formatting operation.
    # A variable that is one expression (``variables._expr``) is that expression in the
    # code; any other is one call to its getter.  Escaping is a call only for a value
    # that needs it.
    holes: list[str] = []
    namespace: dict = {**vars(variables_module), "esc": esc}  # (the names the expressions use)
    text = []
    for i, (part, name) in enumerate(zip(*_parts(template))):
        if isinstance(part, str):
            text.append(part.replace("%", "%%"))
            continue
        get = part if maps is None else variable_getter(name, maps)
        inline = getattr(get, "inline", None)
        if inline is None:
            namespace[f"get{i}"] = get
            inline = f"get{i}(ex)"
        v = f"v{i}"
        if name in SAFE_IN_LOGS or escape == "none":
            value = v
        elif plain is None:
            value = f"esc({v})"
        else:
            value = f"{v} if {plain.replace('V', v)} else esc({v})"
        holes.append(f'"-" if ({v} := ({inline})) is None else {value}')
        text.append("%s")
    text.append("\n")
    namespace["LINE"] = "".join(text)
    exec(f"def fmt(ex):\n    return LINE % ({''.join(h + ', ' for h in holes)})\n", namespace)  # noqa: S102
    return namespace["fmt"]


def _parts(template: str):
    compiled = compile_template(template, captures=False)
    return compiled.parts, compiled.names


def logged(log: AccessLog, ex) -> bool:
    """``access_log ... if=CONDITION``: not logged when the condition is empty or "0"."""
    if log.condition is None:
        return True
    value = expand(log.condition, ex)
    return value != "" and value != "0"


def write_by_name(ex, template: str, line: bytes) -> tuple[str, str] | None:
    """Append ``line`` to the file ``template`` names for this request (nginx's
    ``ngx_http_log_script_write``); a failure as (level, message) for the error log."""
    root = variable_value(ex, "document_root")
    if root:
        try:
            st = os.stat(root.encode("latin-1"))
        except OSError as err:
            return "error", f'testing "{root}" existence failed ({err.errno}: {err.strerror})'
        if not stat.S_ISDIR(st.st_mode):
            return "error", f'testing "{root}" existence failed (20: Not a directory)'
    path = expand(template, ex)
    try:
        fd = os.open(path.encode("latin-1"), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        return "crit", f'open() "{path}" failed ({err.errno}: {err.strerror})'
    try:
        os.write(fd, line)
    except OSError as err:
        return "crit", f'write() to "{path}" failed ({err.errno}: {err.strerror})'
    finally:
        os.close(fd)
    return None
