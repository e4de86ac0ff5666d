"""The ``nginxlite`` command: nginx's flags, nginx's messages, nginx's exit codes.

Rules:
- This is the only module that writes to the terminal for errors and the only
  one that picks exit codes; library code raises.
- Messages are nginx's with ``nginxlite:`` as the prefix, on stderr
  (``nginxlite: [emerg] unknown directive "foo" in sites/a.conf:12``).
- Never a traceback: a bad flag or a missing file is one line and exit 1.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass

from nginxlite import NAME, __version__
from nginxlite.errors import ConfigError

DEFAULT_CONF = os.path.join("sites", "default.conf")
PORT_ENV = "NGINXLITE_PORT"

USAGE = f"""\
Usage: {NAME} [-?hvVtTq] [-s signal] [-p prefix] [-c filename] [-g directives] [--port N]
       {NAME} --explain '[METHOD] URL' [-c filename]
       {NAME} --directives

Options:
  -?,-h         : this help
  -v,--version  : show version and exit
  -V            : show version and build information and exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to the running server: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: the current directory)
  -c filename   : set configuration file (default: {DEFAULT_CONF} under the prefix)
  -g directives : set global directives out of configuration file
  --port N      : serve the first "listen" port read on port N instead, and move every
                  other listen port by as much (the default site's 8080, 8081 -> N, N+1);
                  the environment variable {PORT_ENV}=N does the same
  --explain URL : run a request for URL (or "METHOD URL"; a /path alone asks the first
                  server's address) through the server without a socket: print each
                  decision (server, location, return, try_files, index, error_page, ...)
                  and the answer
  --directives  : list every configuration directive nginxlite knows
"""

SIGNALS = {"stop": signal.SIGTERM, "quit": signal.SIGQUIT, "reopen": signal.SIGUSR1,
           "reload": signal.SIGHUP}


class UsageError(Exception):
    pass


@dataclass
class Options:
    help: bool = False
    version: bool = False
    build: bool = False
    test: bool = False
    dump: bool = False
    quiet: bool = False
    signal: str | None = None
    prefix: str | None = None
    conf: str | None = None
    directives: str | None = None
    explain: str | None = None
    list_directives: bool = False
    port: int | None = None


_VALUED = {"s": "signal", "p": "prefix", "c": "conf", "g": "directives"}
_VALUE_NAMES = {"s": "parameter", "p": "directory name", "c": "file name", "g": "parameter"}


def _port(text: str, where: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f'invalid port "{text}" in {where}')
    return int(text)


def parse_args(argv: list[str], environ=os.environ) -> Options:
    """nginx's option parser: bundled flags (``-tq``), values glued or separate."""
    opts = Options()
    if environ.get(PORT_ENV):
        opts.port = _port(environ[PORT_ENV], PORT_ENV)
    args = iter(argv)
    for arg in args:
        if arg == "--port" or arg.startswith("--port="):
            value = arg[7:] if arg.startswith("--port=") else next(args, None)
            if value is None:
                raise UsageError('option "--port" requires a port number')
            opts.port = _port(value, '"--port"')
            continue
        if arg == "--explain":
            opts.explain = next(args, None)
            if opts.explain is None:
                raise UsageError('option "--explain" requires a URL')
            continue
        if arg.startswith("--explain="):
            opts.explain = arg.split("=", 1)[1]
            continue
        if arg in ("--directives", "--help-directives"):
            opts.list_directives = True
            continue
        if arg in ("--help",):
            opts.help = True
            continue
        if arg == "--version":
            opts.version = True
            continue
        if not arg.startswith("-") or arg == "-":
            raise UsageError(f'invalid option: "{arg}"')
        i = 1
        while i < len(arg):
            ch = arg[i]
            i += 1
            if ch in "?h":
                opts.help = True
            elif ch == "v":
                opts.version = True
            elif ch == "V":
                opts.version = opts.build = True
            elif ch == "t":
                opts.test = True
            elif ch == "T":
                opts.test = opts.dump = True
            elif ch == "q":
                opts.quiet = True
            elif ch in _VALUED:
                value = arg[i:] or next(args, None)
                if not value:
                    raise UsageError(f'option "-{ch}" requires {_VALUE_NAMES[ch]}')
                setattr(opts, _VALUED[ch], value)
                break
            else:
                raise UsageError(f'invalid option: "{arg[i - 1:]}"')
    if opts.signal is not None and opts.signal not in SIGNALS:
        raise UsageError(f'invalid option: "-s {opts.signal}"')
    return opts


def _err(line: str) -> None:
    """One stderr line; text is latin-1 (config bytes), written back as the same bytes."""
    sys.stderr.flush()
    sys.stderr.buffer.write(f"{NAME}: {line}\n".encode("latin-1", "replace"))
    sys.stderr.buffer.flush()


def _print_warnings(warnings) -> None:
    for warning in warnings:
        _err(f"[warn] {warning}")


def main(argv: list[str] | None = None) -> int:
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        _err(str(err))
        return 1
    if opts.help:
        sys.stderr.write(f"{NAME} version: {NAME}/{__version__}\n{USAGE}")
        return 0
    if opts.version:
        sys.stderr.write(f"{NAME} version: {NAME}/{__version__}\n")
        if opts.build:
            import lark
            sys.stderr.write(f"built with Python {sys.version.split()[0]}, lark {lark.__version__}\n")
        return 0
    if opts.list_directives:
        from nginxlite.config.docs import directive_listing
        sys.stdout.write(directive_listing())
        return 0

    prefix = os.path.abspath(opts.prefix) if opts.prefix else os.getcwd()
    if opts.conf:
        conf = opts.conf
    else:
        conf = os.path.join(opts.prefix, DEFAULT_CONF) if opts.prefix else DEFAULT_CONF
    serving = not (opts.test or opts.signal or opts.explain)
    try:
        if serving:  # the server process never imports the parser (config.isolated)
            from nginxlite.config.isolated import load as load_config
        else:
            from nginxlite.config import load_config
        config = load_config(conf, prefix, opts.directives, opts.port)
    except ConfigError as err:
        conf = os.fsencode(conf).decode("latin-1")
        _print_warnings(err.warnings)
        if opts.test and err.after_syntax_ok and not opts.quiet:
            _err(f"the configuration file {conf} syntax is ok")
        _err(f"[emerg] {err}")
        if opts.test or opts.signal:
            _err(f"configuration file {conf} test failed")
        return 1
    except (OSError, RecursionError, MemoryError) as err:  # a hostile config must not crash us
        _err(f"[emerg] {conf}: {err}")
        return 1
    except KeyboardInterrupt:  # Ctrl-C while loading (an include that blocks): quietly, as a signal
        return 128 + signal.SIGINT
    _print_warnings(config.warnings)
    conf_path, conf = conf, config.file  # the OS path for reloads; latin-1 text for messages

    if opts.test:
        if not opts.quiet:
            _err(f"the configuration file {conf} syntax is ok")
            _err(f"configuration file {conf} test is successful")
        if opts.dump:  # the prefix in use, then every file, as comments nginx's -T shape allows
            out = sys.stdout.buffer
            out.write(b"# prefix: " + prefix.encode("latin-1", "replace") + b"\n")
            for name, data in config.files:
                out.write(b"# configuration file " + name.encode("latin-1") + b":\n" + data + b"\n")
            out.flush()
        return 0
    if opts.signal:
        return send_signal(config.pid, opts.signal)
    if opts.explain:
        from nginxlite.explain import explain
        code, report = explain(config, opts.explain)
        sys.stdout.write(report)
        return code
    from nginxlite.server.app import App
    app = App(config, conf_path, prefix, opts.directives, out=sys.stdout, port=opts.port)
    code = app.start()
    if code:
        return code
    return app.run()


def send_signal(pid_file: str, name: str) -> int:
    """``-s``: read the pid file and signal that process, as nginx does."""
    try:
        with open(pid_file.encode("latin-1"), "rb") as f:
            text = f.read().strip()
    except OSError as err:
        _err(f'[error] open() "{pid_file}" failed ({err.errno}: {os.strerror(err.errno)})')
        return 1
    try:
        pid = int(text)
        if pid <= 0:
            raise ValueError
    except ValueError:
        _err(f'[error] invalid PID number "{text.decode("latin-1")}" in "{pid_file}"')
        return 1
    try:
        os.kill(pid, SIGNALS[name])
    except OSError as err:
        _err(f"[alert] kill({pid}, {int(SIGNALS[name])}) failed ({err.errno}: {os.strerror(err.errno)})")
        return 1
    return 0
