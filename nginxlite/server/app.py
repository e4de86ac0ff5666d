"""The running server: listeners, connections, logs, signals and reloads around one reactor.

Rules:
- Sockets are bound from the configuration's addresses.  A port with a
  wildcard address (``0.0.0.0``/``::``) is bound once on the wildcard and each
  connection is given the servers of the exact local address it arrived at
  (``getsockname``), as nginx does.  A port that cannot be bound is an
  ``[emerg] bind() ... failed`` line; the others keep serving.
- Accepting stops at ``worker_connections`` clients and on EMFILE/ENFILE, and
  resumes when a slot frees (or after a short pause), never spinning.
- Signals: SIGTERM/SIGINT stop now, SIGQUIT finishes in-flight requests then
  exits, SIGHUP reloads (a bad new config is logged and the old one keeps
  serving; listeners are opened and closed to match; open connections finish on
  the config they started with), SIGUSR1 reopens the logs.  SIGPIPE is ignored.
- A reload parses in a child (``config.isolated``) whose answer pipe is read
  through the reactor: serving goes on while the child loads, and a SIGHUP that
  arrives meanwhile loads once more after it (the file may have changed since).
  A child that has not answered in ``RELOAD_TIMEOUT`` is killed and the reload
  reported as failed.
- TLS handshakes in flight (a TLS connection accepted whose handshake has not
  finished, silent ones included) are at most half of ``worker_connections``
  (``handshake_limit``): a new one beyond that closes the oldest pending one (an
  ``[info]`` line; closed once the current batch of events is dispatched), so a
  flood of slow or silent handshakes cannot take the slots of clients that
  handshake promptly.  A handshake's deadline stays the default server's
  ``client_header_timeout``.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
import time

from nginxlite import __version__
from nginxlite.config.isolated import ChildLoad
from nginxlite.config.model import COMBINED, AccessLog, Config
from nginxlite.errors import ConfigError, traceback_text
from nginxlite.handlers import sessions
from nginxlite.handlers.exchange import ConnInfo
from nginxlite.http.response import HttpDate, Response
from nginxlite.server.connection import Connection
from nginxlite.server.logs import Logs, access_formatter, logged, write_by_name
from nginxlite.server.loop import EPOLLET, EPOLLIN, EPOLLOUT, EPOLLRDHUP, Reactor
from nginxlite.server.services import Services
from nginxlite.server.tls import TlsTransport, sni_selector
from nginxlite.server.transport import set_nodelay
from nginxlite.config.tls import context as tls_context
from nginxlite.config.tls import serves as tls_serves

BACKLOG = 511
ACCEPT_PAUSE = 0.1
RELOAD_TIMEOUT = 60.0  # seconds a reload child may take before it is killed
CLIENT_MASK = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET
_WILDCARDS = {"0.0.0.0", "::"}


def tls_contexts(config: Config) -> dict:
    """One ``SSLContext`` per TLS server of ``config`` (id(Server) -> context), built in the
    serving process from the model's paths, once per configuration."""
    contexts: dict = {}
    select = sni_selector(contexts)
    for address in config.addresses:
        if address.ssl:
            for server in address.servers:
                if id(server) not in contexts and tls_serves(server.tls):
                    contexts[id(server)] = tls_context(server.tls, select)
    return contexts


class Stats:
    """Counters for stub_status, with nginx's meanings; the gauges are counted when asked."""

    def __init__(self, connections: set) -> None:
        self.accepts = 0
        self.handled = 0
        self.requests = 0
        self.connections = connections

    @property
    def active(self) -> int:
        return len(self.connections)

    @property
    def writing(self) -> int:
        return sum(1 for c in self.connections if c.exchange is not None)

    @property
    def waiting(self) -> int:
        return sum(1 for c in self.connections if c.exchange is None and c.reader.idle)

    @property
    def reading(self) -> int:
        return self.active - self.writing - self.waiting


class Listener:
    def __init__(self, app: App, host: str, port: int, family: int) -> None:
        self.app = app
        self.key = (host, port)
        self.family = family
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((host, port))
            sock.listen(BACKLOG)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.fd = sock.fileno()
        self.paused = False

    @property
    def text(self) -> str:
        host, port = self.key
        return f"[{host}]:{port}" if self.family == socket.AF_INET6 else f"{host}:{port}"

    def on_events(self, mask: int) -> None:
        """One connection per readiness, as nginx without ``multi_accept``: the listener is
        level-triggered, so the next one is reported by the next poll, and no accept() is
        spent on learning that the queue is empty."""
        app = self.app
        if app.at_capacity():
            self.pause(None)
            return
        try:
            # socket.accept() without its Python: the new socket's family and type as plain
            # numbers, not converted to enums twice per connection.
            fd, addr = self.sock._accept()
            sock = socket.socket(self.family, socket.SOCK_STREAM, 0, fileno=fd)
        except (BlockingIOError, ConnectionAbortedError, InterruptedError):
            return
        except OSError as err:
            if err.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                app.log_error("crit", f"accept() failed ({err.errno}: {err.strerror})")
                self.pause(ACCEPT_PAUSE)
                return
            raise
        app.new_connection(self, sock, addr)

    def pause(self, seconds: float | None) -> None:
        if not self.paused:
            self.paused = True
            self.app.reactor.modify(self.fd, 0)
            if seconds is not None:
                self.app.reactor.call_later(seconds, self.resume)

    def resume(self) -> None:
        if self.paused and self.fd >= 0:
            self.paused = False
            self.app.reactor.modify(self.fd, EPOLLIN)
            self.on_events(EPOLLIN)

    def close(self) -> None:
        self.app.reactor.unregister(self.fd)
        self.sock.close()
        self.fd = -1


class App:
    def __init__(self, config: Config, conf_path: str, prefix: str, extra: str | None = None,
                 out=sys.stderr, clock=time.monotonic, port: int | None = None) -> None:
        self.config = config
        self.conf_path = conf_path
        self.prefix = prefix
        self.extra = extra
        self.port = port  # --port: a reload moves the listen ports as the start did
        self.out = out
        self.clock = clock  # injectable: the connection tests run on a fake clock
        self.reactor = Reactor(self.clock, self.on_loop_error)
        self.date = HttpDate()
        self.logs = Logs()
        self.listeners: dict[tuple[str, int], Listener] = {}
        self.connections: set[Connection] = set()
        self.handshaking: dict[Connection, None] = {}  # TLS handshakes in flight, the oldest first
        self.stats = Stats(self.connections)
        self.services = Services(self.reactor, self.log_error, self.stats)  # what handlers may use
        self.stopping = False
        self.formatters: dict[int, object] = {}
        self.pid_written = False
        self.loading: ChildLoad | None = None  # a reload in progress
        self.loading_timer = None
        self.reload_again = False
        self.tls = tls_contexts(config)
        self.open_logs(config)

    # -- start-up ---------------------------------------------------------------

    def open_logs(self, config: Config) -> None:
        """Open every log file now, the servers' and locations' too (error and access
        logs, as nginx), so one that cannot be opened is reported at start (or reload),
        not at its first request, and the open descriptors after a first request are
        the idle ones.  Access logs whose path has variables are opened as written.
        Files no log of ``config`` names are flushed and closed (a request of the old
        configuration still being answered opens its file again when it logs)."""
        self.logs.set_error_logs(config.error_log)
        used = {log.path for log in config.error_log}
        pending = [(s.settings, s.locations) for s in config.servers]
        while pending:
            settings, locations = pending.pop()
            for log in settings.error_log:
                self.logs.file(log.path)
                used.add(log.path)
            for log in (self.default_access_log(config),) if settings.access_log is None else settings.access_log:
                if "$" not in log.path:
                    self.logs.file(log.path)
                    used.add(log.path)
            for loc in locations:
                pending.append((loc.settings, loc.locations))
                if loc.limit_except is not None:
                    pending.append((loc.limit_except.settings, ()))
        self.logs.retain(used)  # a reload's: the files the old configuration alone wrote are closed

    def wanted_listeners(self, config: Config) -> dict[tuple[str, int], int]:
        wanted: dict[tuple[str, int], int] = {}
        wildcard_ports = {(a.family, a.port) for a in config.addresses if a.host in _WILDCARDS}
        for a in config.addresses:
            if a.host not in _WILDCARDS and (a.family, a.port) in wildcard_ports:
                continue  # served by the wildcard socket, selected by local address
            wanted[(a.host, a.port)] = a.family
        return wanted

    def bind(self, config: Config) -> int:
        """Open the listeners ``config`` needs; returns how many are open."""
        for key, family in self.wanted_listeners(config).items():
            if key in self.listeners:
                continue
            host, port = key
            shown = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
            try:
                listener = Listener(self, host, port, family)
            except OSError as err:
                message = f"bind() to {shown} failed ({err.errno}: {err.strerror})"
                self.out.write(f"nginxlite: [emerg] {message}\n")
                self.out.flush()
                self.log_error("emerg", message)
                continue
            self.listeners[key] = listener
            self.reactor.register(listener.fd, EPOLLIN, listener)
            scheme = "https" if any(a.ssl for a in config.addresses if (a.host, a.port) == key) else "http"
            self.out.write(f"listening on {scheme}://{shown}\n")
            self.out.flush()
        return len(self.listeners)

    def start(self) -> int:
        """Bind, write the pid file and install signal handling.  Returns the exit code on failure."""
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        # Signals are handled before the first "listening" line: whoever reads it may signal us.
        self.reactor.watch_signals([signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                                    signal.SIGUSR1, signal.SIGCHLD], self.on_signal)
        self.write_pid()  # before the first "listening" line, for the same reason
        if not self.bind(self.config):
            self.out.write("nginxlite: [emerg] no address could be bound\n")
            self.remove_pid()
            self.logs.close()
            self.reactor.close()
            return 1
        self.reactor.call_later(1.0, self.tick)
        self.reactor.call_later(sessions.SWEEP_EVERY, self.sweep_sessions)
        self.log_error("notice", f"nginxlite/{__version__} started")
        return 0

    def write_pid(self) -> None:
        path = self.config.pid
        try:
            os.makedirs(os.path.dirname(path.encode("latin-1")) or b".", exist_ok=True)
            with open(path.encode("latin-1"), "w") as f:
                f.write(f"{os.getpid()}\n")
            self.pid_written = True
        except OSError as err:
            self.log_error("alert", f'open() "{path}" failed ({err.errno}: {err.strerror})')

    def remove_pid(self) -> None:
        if self.pid_written:
            self.pid_written = False
            try:
                os.unlink(self.config.pid.encode("latin-1"))
            except OSError:
                pass

    def run(self) -> int:
        try:
            self.reactor.run()
        finally:
            self.shutdown()
        return 0

    def tick(self) -> None:
        self.logs.flush()
        self.reactor.call_later(1.0, self.tick)

    def sweep_sessions(self) -> None:
        """Remove expired sessions from every store the configuration uses (a loop timer:
        never per request)."""
        for store, (idle, absolute) in sessions.stores(self.config).items():
            try:
                sessions.sweep(store, idle, absolute)
            except OSError as err:
                self.log_error("error", f'session_store "{store}" could not be swept ({err.errno}: {err.strerror})')
        self.reactor.call_later(sessions.SWEEP_EVERY, self.sweep_sessions)

    def shutdown(self) -> None:
        self.abandon_loading()
        for listener in list(self.listeners.values()):
            listener.close()
        self.listeners.clear()
        for conn in list(self.connections):
            conn.close()
        self.services.children.close_all()
        self.remove_pid()
        self.log_error("notice", "exiting")
        self.logs.close()
        self.reactor.close()

    # -- connections --------------------------------------------------------------

    def at_capacity(self) -> bool:
        return len(self.connections) >= self.config.worker_connections

    def handshake_limit(self) -> int:
        return max(1, self.config.worker_connections // 2)

    def new_connection(self, listener: Listener, sock: socket.socket, addr) -> None:
        self.stats.accepts += 1
        sock.setblocking(False)
        host, port = listener.key
        try:
            # Only a wildcard socket needs to ask which of its addresses was reached.
            local = sock.getsockname() if host in _WILDCARDS else listener.key
        except OSError:
            sock.close()
            return
        vhosts = self.config.vhosts.get((local[0], port)) or self.config.vhosts.get(listener.key)
        if vhosts is None:  # a wildcard socket kept across a reload for an address now gone
            sock.close()
            return
        transport = None
        if vhosts.address.ssl:
            ctx = self.tls.get(id(vhosts.address.default))
            if ctx is None:  # (the loader checked that the default server has a certificate or rejects)
                sock.close()
                return
            transport = TlsTransport(sock, ctx, vhosts)
            set_nodelay(sock)  # the handshake's small records go out at once
        info = ConnInfo(local[0], local[1], addr[0], addr[1], vhosts, self.services, self.stats.accepts,
                        sock.fileno(), self.clock(), transport is not None, transport)
        conn = Connection(self, sock, info, transport)
        self.connections.add(conn)
        self.stats.handled += 1
        self.reactor.register(conn.fd, CLIENT_MASK, conn)
        if transport is not None:
            self.handshake_started(conn, transport)

    def handshake_started(self, conn: Connection, transport: TlsTransport) -> None:
        """Count ``conn`` among the handshakes in flight (until its transport is settled:
        handshaken, or plain HTTP); beyond the limit the oldest pending one is closed."""
        handshaking = self.handshaking
        handshaking[conn] = None
        transport.settled = lambda: handshaking.pop(conn, None)
        limit = self.handshake_limit()
        while len(handshaking) > limit:
            oldest = next(iter(handshaking))
            handshaking.pop(oldest)
            self.log_error("info", f"*{oldest.info.number} more than {limit} TLS handshakes in flight: "
                                   f"the oldest, from client {oldest.info.remote_host}, is closed")
            # After this batch of events: its descriptor number is not reused by an accept
            # later in the batch while an event of the old socket is still to be dispatched.
            self.reactor.call_soon(oldest.close)

    def connection_closed(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self.handshaking.pop(conn, None)
        for listener in self.listeners.values():
            if listener.paused and not self.at_capacity():
                listener.resume()
        if self.stopping and not self.connections:
            self.reactor.stop()

    # -- logging ------------------------------------------------------------------

    def log_error(self, level: str, message: str, logs: tuple = ()) -> None:
        self.logs.error(level, message, logs)

    def on_loop_error(self, exc: BaseException, where: object) -> None:
        self.log_error("alert", traceback_text(exc))
        if isinstance(where, Connection):
            where.close()

    def access_log(self, conn: Connection, response: Response | None) -> None:
        ex = conn.exchange
        if ex is None or response is None:
            return
        settings = ex.settings or conn.settings
        logs = settings.access_log
        if logs is None:
            logs = (self.default_access_log(),)
        if not logs:
            return
        for log in logs:
            found = self.formatters.get(id(log))
            if found is None:
                scripted = "$" in log.path  # a file per request: opened when written
                server = ex.server or conn.info.vhosts.address.default  # (its configuration's maps)
                found = self.formatters[id(log)] = (access_formatter(log, server.maps),
                                                    None if scripted else self.logs.file(log.path))
            if log.condition is not None and not logged(log, ex):
                continue
            fmt, file = found
            if file is None:
                failure = write_by_name(ex, log.path, fmt(ex).encode("latin-1", "replace"))
                if failure is not None:
                    level, message = failure
                    ex.log_error(f"{message} while logging request")
                    for note in ex.notes:
                        self.log_error(level, note, settings.error_log)
                    ex.notes.clear()
                continue
            file.write(fmt(ex).encode("latin-1", "replace"))

    def default_access_log(self, config: Config | None = None) -> AccessLog:
        log = getattr(self, "_default_log", None)
        if log is None:
            prefix = (config or self.config).prefix
            log = self._default_log = AccessLog(os.path.join(prefix, "logs", "access.log"), COMBINED)
        return log

    # -- signals -------------------------------------------------------------------

    def on_signal(self, signum: int) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT):
            self.reactor.stop()
        elif signum == signal.SIGQUIT:
            self.graceful_stop()
        elif signum == signal.SIGHUP:
            self.reload()
        elif signum == signal.SIGUSR1:
            self.logs.reopen()
        elif signum == signal.SIGCHLD:
            self.services.children.reap()  # exits routed by pid (the reload child's too, silently)

    def graceful_stop(self) -> None:
        self.stopping = True
        for listener in list(self.listeners.values()):
            listener.close()
        self.listeners.clear()
        for conn in list(self.connections):
            if not conn.responding and conn.reader.idle:
                conn.close()
        if not self.connections:
            self.reactor.stop()

    def reload(self) -> None:
        """SIGHUP: load the configuration again in a child; ``on_events`` takes its answer."""
        if self.loading is not None:
            self.reload_again = True
            return
        try:
            self.loading = ChildLoad(self.conf_path, self.prefix, self.extra, port=self.port)
        except OSError as err:
            self.reload_failed(f"fork() failed ({err.errno}: {os.strerror(err.errno)})")
            return
        self.reactor.register(self.loading.fd, EPOLLIN, self)
        self.loading_timer = self.reactor.call_later(RELOAD_TIMEOUT, self.reload_timed_out)

    def on_events(self, mask: int) -> None:
        """The reload child's answer pipe is readable (the App is that pipe's handler)."""
        if self.loading is None or not self.loading.read():
            return
        loading = self.end_loading()
        try:
            config = loading.result()
        except ConfigError as err:
            self.reload_failed(str(err))
        except (OSError, RecursionError, MemoryError) as err:  # as the CLI reports them at start
            self.reload_failed(f"{self.config.file}: {err}")
        else:
            if not self.stopping and self.reactor.running:  # a stop in the same batch wins
                self.apply(config)
        self.reload_if_asked_meanwhile()

    def reload_timed_out(self) -> None:
        """A child that has not answered in RELOAD_TIMEOUT (an include that blocks, a hung
        file system) is killed: the running configuration stays, and reloads work again."""
        pid = self.abandon_loading()
        if pid:
            self.reload_failed(f"the configuration loader (pid {pid}) did not answer in {RELOAD_TIMEOUT:g} s")
            self.reload_if_asked_meanwhile()

    def abandon_loading(self) -> int:
        """Kill the reload child, if one runs (reaped by ``reap``); its pid, else 0."""
        loading = self.end_loading()
        if loading is None:
            return 0
        try:
            os.kill(loading.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        loading.close()
        return loading.pid

    def end_loading(self) -> ChildLoad | None:
        loading, self.loading = self.loading, None
        if loading is not None:
            self.reactor.unregister(loading.fd)
            self.reactor.cancel(self.loading_timer)
            self.loading_timer = None
        return loading

    def reload_if_asked_meanwhile(self) -> None:
        if self.reload_again and not self.stopping:
            self.reload_again = False
            self.reload()

    def reload_failed(self, message: str) -> None:
        self.log_error("emerg", message)
        self.out.write(f"nginxlite: [emerg] {message}\nnginxlite: reload failed, the old configuration keeps serving\n")
        self.out.flush()

    def apply(self, config: Config) -> None:
        """Serve ``config`` from now on: listeners, logs and pid file follow it."""
        try:
            contexts = tls_contexts(config)
        except ConfigError as err:  # a certificate changed since the loader read it
            self.reload_failed(str(err))
            return
        self.tls = contexts  # (open connections keep the contexts they started with)
        wanted = self.wanted_listeners(config)
        for key in [k for k in self.listeners if k not in wanted]:
            self.listeners.pop(key).close()
        old = self.config
        self.config = config
        self.bind(config)
        self.open_logs(config)
        self.formatters.clear()
        if old.pid != config.pid and self.pid_written:
            try:
                os.unlink(old.pid.encode("latin-1"))
            except OSError:
                pass
            self.write_pid()
        self.log_error("notice", "configuration reloaded")
        self.out.write("nginxlite: configuration reloaded\n")
        self.out.flush()
