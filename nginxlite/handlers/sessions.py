"""Server-side sessions: ``session``, ``session_name``, ``session_timeout``, ``session_max_age``, ``session_store``.

Rules (OWASP's session management cheat sheet):
- With ``session on``, every request of the location has a session (``begin``,
  run by the pipeline before the content handler): the one its cookie names
  when the server issued it and it has not expired, else a new one.  Strict: an
  id the store does not hold (forged, malformed, expired, swept) is never
  adopted.  An id is 128 random bits (``secrets``), URL-safe.
- The store is a folder; a session is two files named by the SHA-256 of its id
  (the id itself is never on disk nor in a log line): ``HASH.meta`` (the server's:
  its creation time; its mtime is the last request's) and ``HASH.json`` (the
  session's data, ``{}`` at first: CGI scripts get it as ``SESSION_FILE`` and
  rewrite it, atomically, as they like; the server never parses it).  Both are
  mode 0600 and written atomically (a temporary file, then ``rename``).
- Expiry: idle for ``session_timeout`` (the meta file's mtime, touched at most
  once a second per session) or older than ``session_max_age``.  ``sweep``
  removes expired sessions from a timer of the loop, never per request.  A meta
  file that cannot be read is a new session and an error-log line, never a 500.
- No lock: concurrent requests of one session run side by side; the last
  writer of the data file wins.
- The header filter (``session_filter``, after ``add_header`` as nginx's userid
  filter) sets the cookie of a new session: ``NAME=ID; Path=/; HttpOnly;
  SameSite=Lax`` and ``Cache-Control: no-cache="Set-Cookie"``.  A response
  (a CGI script's) that sets the session cookie itself ends the session (a
  logout: the store entry is destroyed and its cookie passes untouched); one with
  ``X-Session-Regenerate: 1`` (stripped) moves the data to a new id, as after a
  login.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import time

from nginxlite.handlers.exchange import Exchange
from nginxlite.http import cookies
from nginxlite.http.response import Response

SWEEP_EVERY = 60.0  # seconds between two sweeps of the stores
TOUCH_EVERY = 1.0  # a session's mtime is refreshed at most this often
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_ID_LENGTH = 22  # secrets.token_urlsafe(16)


class Session:
    __slots__ = ("id", "store", "key", "new", "ended")

    def __init__(self, sid: str, store: str, new: bool) -> None:
        self.id = sid
        self.store = store
        self.key = hashlib.sha256(sid.encode()).hexdigest()
        self.new = new
        self.ended = False

    @property
    def meta(self) -> str:
        return os.path.join(self.store, self.key + ".meta")

    @property
    def data(self) -> str:
        return os.path.join(self.store, self.key + ".json")


def begin(ex: Exchange) -> None:
    """Find or start the request's session (``ex.session``); a store that cannot be used
    leaves the request without one (logged), never fails it."""
    settings = ex.settings
    store = settings.session_store
    now = time.time()
    lines = [v for k, v in ex.request.headers if k == "cookie"]
    sid = cookies.first(lines, settings.session_name) if lines else None
    if sid is not None and len(sid) == _ID_LENGTH and _ID_CHARS.issuperset(sid):
        session = Session(sid, store, False)
        if _alive(ex, session, now):
            ex.session = session
            return
    try:
        ex.session = create(store, now)
    except OSError as err:
        ex.log_error(f'session_store "{store}" failed ({err.errno}: {err.strerror}): no session')


def _alive(ex: Exchange, session: Session, now: float) -> bool:
    settings = ex.settings
    try:
        st = os.stat(session.meta)
        with open(session.meta, encoding="ascii") as f:
            created = float(f.read().strip())
    except FileNotFoundError:
        return False  # not an id this server issued, or swept: never adopted
    except (OSError, ValueError, UnicodeDecodeError) as err:
        ex.log_error(f'session file "{session.meta}" is unreadable ({err}): a new session')
        destroy(session)
        return False
    if now - st.st_mtime > settings.session_timeout or now - created > settings.session_max_age:
        destroy(session)
        return False
    if now - st.st_mtime >= TOUCH_EVERY:
        try:
            os.utime(session.meta, (now, now))
        except OSError:
            pass
    return True


def create(store: str, now: float) -> Session:
    os.makedirs(store, mode=0o700, exist_ok=True)
    session = Session(secrets.token_urlsafe(16), store, True)
    _write(session.data, b"{}\n")
    _write(session.meta, f"{now:.3f}\n".encode())
    return session


def _write(path: str, content: bytes) -> None:
    """``content`` as the whole of ``path``, atomically, mode 0600."""
    temp = f"{path}.{os.urandom(4).hex()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)
    os.rename(temp, path)


def destroy(session: Session) -> None:
    for path in (session.meta, session.data):
        try:
            os.unlink(path)
        except OSError:
            pass
    session.ended = True


def regenerate(session: Session) -> Session:
    """The same data under a new id (after a login); the old id is gone."""
    fresh = Session(secrets.token_urlsafe(16), session.store, True)
    os.rename(session.data, fresh.data)
    os.rename(session.meta, fresh.meta)
    session.ended = True
    return fresh


# -- the header filter --------------------------------------------------------------------

def session_filter(ex: Exchange, response: Response) -> list[tuple[str, str]]:
    session = ex.session
    if session is None:
        return []
    name = ex.settings.session_name
    headers = response.headers
    regenerate_asked = False
    own_cookie = False
    kept = []
    for key, value in headers:
        lower = key.lower()
        if lower == "x-session-regenerate":
            regenerate_asked = value.strip() == "1"
            continue
        if lower == "set-cookie" and value.partition("=")[0].strip() == name:
            own_cookie = True
        kept.append((key, value))
    if len(kept) != len(headers):
        response.headers = headers = kept
    if own_cookie:  # the script set (or expired) the session cookie: the session ends here
        destroy(session)
        return []
    if regenerate_asked and not session.ended:
        try:
            ex.session = session = regenerate(session)
        except OSError as err:
            ex.log_error(f'session_store "{session.store}" failed ({err.errno}: {err.strerror})')
            return []
    if not session.new:
        return []
    secure = "; Secure" if ex.conn.tls else ""  # a cookie made over TLS never travels in clear
    added = [("Set-Cookie", f"{name}={session.id}; Path=/; HttpOnly{secure}; SameSite=Lax"),
             ("Cache-Control", 'no-cache="Set-Cookie"')]
    headers += added
    return added


# -- the sweep ------------------------------------------------------------------------------

def stores(config) -> dict[str, tuple[float, float]]:
    """Every session store of ``config`` with its (idle, absolute) lifetimes (the
    shortest given for it)."""
    found: dict[str, tuple[float, float]] = {}
    pending = [(s.settings, s.locations) for s in config.servers]
    while pending:
        settings, locations = pending.pop()
        if settings.session:
            idle, absolute = found.get(settings.session_store, (float("inf"), float("inf")))
            found[settings.session_store] = (min(idle, settings.session_timeout),
                                             min(absolute, settings.session_max_age))
        for loc in locations:
            pending.append((loc.settings, loc.locations))
    return found


def sweep(store: str, idle: float, absolute: float, now: float | None = None) -> int:
    """Remove the expired sessions of ``store`` (and data files whose meta file is gone
    for longer than ``idle``); how many files went."""
    now = time.time() if now is None else now
    removed = 0
    try:
        names = os.listdir(store)
    except OSError as err:
        if err.errno != errno.ENOENT:
            raise
        return 0
    present = set(names)
    for name in names:
        path = os.path.join(store, name)
        try:
            if name.endswith(".meta"):
                st = os.stat(path)
                with open(path, encoding="ascii") as f:
                    text = f.read().strip()
                created = float(text) if text else 0.0
                if now - st.st_mtime <= idle and now - created <= absolute:
                    continue
                os.unlink(path)
                removed += 1
                data = name[:-5] + ".json"
                if data in present:
                    os.unlink(os.path.join(store, data))
                    removed += 1
            elif name.endswith(".json") and name[:-5] + ".meta" not in present:
                if now - os.stat(path).st_mtime > idle:
                    os.unlink(path)
                    removed += 1
            elif name.endswith(".tmp") and now - os.stat(path).st_mtime > idle:
                os.unlink(path)  # a write that never finished
                removed += 1
        except FileNotFoundError:
            continue
        except (OSError, ValueError, UnicodeDecodeError):
            try:
                os.unlink(path)  # unreadable: nothing can use it
                removed += 1
            except OSError:
                pass
    return removed
