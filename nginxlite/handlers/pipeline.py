"""One request, from its head to a response: nginx's phases in miniature.

Rules:
- ``respond(exchange)`` runs, in nginx's order: Host validation and server
  selection, method checks, URI normalisation, server-level ``return``,
  location selection, then ``run_in``: ``limit_except``,
  ``client_max_body_size``, ``allow_methods``, location ``return``, access
  rules, and the first entry of ``content.CONTENT_HANDLERS`` that applies
  (``stub_status``, ``cgi_pass``, DAV, ``try_files``, static files).
- A remembered ``Route`` (a plain GET or HEAD of a (Host, target) that reached
  the static handler before) skips only server and location selection: every
  ``run_in`` step still runs, and the static handler uses the route's path.
- Internal redirects are values (``redirects``): a handler raises one and
  ``follow`` takes it, restarting at location selection (a URI) or in a named
  location, at most ``MAX_REDIRECTS`` times.  No handler calls this module.
- A handler that needs the request body (DAV PUT) returns a sink
  (``http.body.Sink``) instead of a Response; the connection feeds it
  (``feed_body``, ``end_body``).
- Handlers raise ``HttpError``; ``errors.finish`` is the only place that turns
  an error status into a response (error_page, built-in pages): an error page
  it asks for (``errors.ErrorPage``) is followed here (``answer_error``) and
  its answer made there.  Any other exception becomes a 500 too, with its
  traceback in the error log.
- ``finalize`` is the one step every response passes through: the header and
  body filters (``filters``), once each.
- No sockets here: the connection passes a ``ConnInfo`` and sends what it gets.
- ``Exchange.trace`` (a ``Trace``, None unless ``--explain`` asks) records each
  decision as it is taken, for ``nginxlite.explain`` to print: the account and the
  answer come from the same code.  Off, it costs one ``is None`` test per step.
- ``ConnInfo``, ``Exchange``, ``Trace`` (from ``exchange``), ``respond``,
  ``feed_body``, ``end_body``, ``finalize`` and ``finish_error`` are the names
  the server uses; they stay importable from here.
"""

from __future__ import annotations

from nginxlite.config.locations import describe, find
from nginxlite.config.model import REDIRECT_CODES, Location, Return, Server, Settings
from nginxlite.config.vhosts import validate_host
from nginxlite.errors import HttpError
from nginxlite.handlers import content, errors, filters, sessions
from nginxlite.handlers.exchange import (  # noqa: F401 - the names the server imports from here
    ROUTED_METHODS, ConnInfo, Exchange, Route, Trace, content_type, redirect_location,
)
from nginxlite.handlers.redirects import MAX_REDIRECTS, NamedRedirect, Redirect
from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response
from nginxlite.http.uri import BadUri, normalize_path, split_target

# Methods nginxlite implements; any other is 501 (SPEC §5).  TRACE and CONNECT: 405.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "MKCOL", "COPY", "MOVE"})


def respond(ex: Exchange):
    """Answer one request (see the module rules): a Response, a Deferred, or a body
    sink when the handler needs the request body first.

    A plain GET or HEAD whose (Host, target) resolved to a static file before takes
    the remembered Route: its server, location and URI without selecting them again,
    then every step after location selection (``run_in``), the static handler using
    the route's path and type.  Anything unusual (a directory now, a large file) is
    the static handler's full path.
    """
    req = ex.request
    if (req.host is not None and req.method in ROUTED_METHODS and not req.conditional and not req.chunked
            and not req.content_length and ex.trace is None):  # (not req.has_body, without its call)
        route = ex.conn.vhosts.routes.get((req.host, req.target))
        if route is not None:
            ex.route = route
            ex.method = req.method
            ex.server = route.server
            ex.host = route.host
            ex.uri = route.uri
            ex.args = route.args
            return _guarded(ex, run_in, ex, route.location)
    return _guarded(ex, _respond, ex)


def _guarded(ex: Exchange, fn, *args):
    """Run a step of the request and the redirects it leads to; errors become
    responses here (``answer_error``), and every response is finalized."""
    try:
        try:
            response = fn(*args)
            first = None
        except Redirect as raised:
            first = raised
        if first is not None:  # (taken outside the except clause: nothing chains to it)
            response = follow(ex, first)
    except HttpError as err:
        response = answer_error(ex, err)
    except Exception as exc:  # noqa: BLE001 - one request's bug must not take the server down
        response = answer_error(ex, HttpError(500), exc)
    if type(response) is Response:
        return finalize(ex, response)
    return response


def answer_error(ex: Exchange, err: HttpError, exc: BaseException | None = None) -> Response:
    """``errors.finish``'s answer; when it is an error page to run (``errors.ErrorPage``),
    the pipeline follows its redirect and ``errors`` makes the page's answer of the result."""
    outcome = errors.finish(ex, err, exc)
    while type(outcome) is errors.ErrorPage:
        try:
            response = follow(ex, outcome.redirect)
        except HttpError as inner:
            outcome = errors.page_failed(ex, outcome, inner)
        except Exception as inner_exc:  # noqa: BLE001
            return errors.page_crashed(ex, outcome, inner_exc)
        else:
            return errors.page_answer(ex, outcome, response)
    return outcome


def follow(ex: Exchange, redirect: Redirect):
    """Take an internal redirect, and each one that leads to (the loop; see ``redirects``)."""
    ex.route = None  # a remembered route is the first URI's, never the redirect's
    while True:
        try:
            if type(redirect) is NamedRedirect:
                return _to_named(ex, redirect.target)
            return _to_uri(ex, redirect.target)
        except Redirect as again:
            redirect = again


def finalize(ex: Exchange, response: Response) -> Response:
    """The step every response passes through before its head is written (a deferred one
    when it arrives): the header filters, then the body filters (``filters``)."""
    if not response.headers_added:  # (filters.run_header_filters, a call saved on the hot path)
        response.headers_added = True
        ex.response = response  # $sent_http_* and $status see it, as nginx's header filters do
        for header_filter in filters.header_filters(ex.settings):
            header_filter(ex, response)
    for body_filter in filters.BODY_FILTERS:
        body_filter(ex, response)
    if ex.close:
        response.close = True
    return response


def resume(ex: Exchange, answer):
    """A deferred answer arriving (``Deferred.resolve``): a Response is finalized, an
    ``HttpError`` answered as any error (error_page applies), a redirect (a CGI's local
    ``Location``) followed as any; what that leads to may be deferred again."""
    if isinstance(answer, Redirect):
        return _guarded(ex, follow, ex, answer)
    if isinstance(answer, HttpError):
        return _guarded(ex, _raise, answer)
    return finalize(ex, answer)


def _raise(err: HttpError):
    raise err


def finish_error(ex: Exchange, status: int) -> Response:
    """The answer to a request that could not be read (400, 408...), as ``errors.finish`` makes it."""
    return answer_error(ex, HttpError(status))


def feed_body(ex: Exchange, consumer, data: bytes) -> Response | None:
    """Give request-body bytes to the handler that asked for them; a Response if it failed."""
    return _guarded(ex, _body_step, consumer, consumer.feed, data)


def end_body(ex: Exchange, consumer) -> Response:
    """The body is complete: the handler's answer."""
    return _guarded(ex, _body_step, consumer, consumer.finish)


def _body_step(consumer, step, *args):
    """A consumer's step; whatever it raises, nothing half-written stays (``abort``)."""
    try:
        return step(*args)
    except BaseException:
        consumer.abort()
        raise


def _respond(ex: Exchange) -> Response:
    req = ex.request
    vhosts = ex.conn.vhosts
    ex.method = req.method
    try:
        path, args, target_host = split_target(req.target)
    except (BadUri, ValueError):
        ex.server = vhosts.address.default
        ex.settings = ex.server.settings
        if ex.trace is not None:
            ex.trace.step("target", f"{req.target}: invalid, the default server's 400")
        raise HttpError(400) from None
    # nginx: the request line's host is checked (and selects the server) first, then the
    # Host header is checked even so (400 from the server selected by then); the request
    # line's host wins.
    host = ""
    ex.server = vhosts.address.default
    ex.settings = ex.server.settings
    if target_host is not None:
        host = validate_host(target_host)
        if host is None:
            if ex.trace is not None:
                ex.trace.step("Host", f"{target_host}: invalid, the default server's 400")
            raise HttpError(400)
        ex.server = vhosts.select(host)
        ex.settings = ex.server.settings
    if req.host is not None:
        header_host = validate_host(req.host)
        if header_host is None:
            if ex.trace is not None:
                ex.trace.step("Host", f"{req.host}: invalid, the selected server's 400")
            raise HttpError(400)
        if target_host is None:
            host = header_host
    ex.host = host
    trace = ex.trace
    if trace is None:
        if target_host is None:  # (the request line's host selected the server above)
            ex.server = vhosts.select(host)
        server = ex.server
    else:
        reasons: list[str] = []
        ex.server = server = vhosts.select(host, reasons)
        trace.step("server", describe_server(server))
        trace.detail(f"because {reasons[-1]}")
    if vhosts.regexes and server.names and host:
        ex.captures = vhosts.captures(server, host)  # $1.. of a regex server_name
    ex.settings = server.settings
    if req.minor == 1 and req.host is None:
        raise HttpError(400)  # RFC 9112 §3.2, with the selected server's error pages
    if req.method in ("TRACE", "CONNECT"):
        ex.close = True  # nginx answers these and closes
        if trace is not None:
            trace.step("method", f"{req.method}: 405 and the connection closed, as nginx")
        raise HttpError(405)
    if req.method not in KNOWN_METHODS:
        if trace is not None:
            trace.step("method", f"{req.method}: not implemented")
        raise HttpError(501)
    try:
        # nginx parses the request line before it knows the Host: the address's
        # default server decides merge_slashes.
        ex.uri = normalize_path(path, vhosts.address.default.merge_slashes)
    except BadUri as err:
        if trace is not None:
            trace.step("URI", f"{path}: {err}")
        raise HttpError(400) from None
    ex.args = args
    if trace is not None:
        trace.step("URI", ex.uri + (f" (from {path})" if ex.uri != path else "") + (f", args {args}" if args else ""))
    if server.return_ is not None:
        if trace is not None:
            trace.step("return", f"server-level {describe_return(server.return_)} (runs before location selection)")
        return do_return(ex, server.return_)
    return run_location(ex)


def describe_server(server: Server) -> str:
    names = " ".join(n.text or '""' for n in server.names)
    return f"server_name {names}" + (f" ({server.pos})" if server.pos else "")


def describe_return(ret: Return) -> str:
    return f"return {ret.code} {ret.text or ''}".rstrip()


def trace_location(ex: Exchange, loc: Location | None, steps: list[str] | None = None, why: str = "") -> None:
    """Record the location a request runs in (``ex.trace`` is set), with how it was found."""
    text = (describe(loc) + (f" ({loc.pos})" if loc.pos else "")) if loc is not None \
        else "none (the server's own settings apply)"
    ex.trace.step("location", text + (f" ({why})" if why else ""))
    if steps is not None:
        for step in steps or ["no location at this level matches"]:
            ex.trace.detail(step)


def run_location(ex: Exchange) -> Response:
    """Location selection and everything after it (also the target of internal redirects)."""
    server = ex.server
    if ex.trace is None:
        match = find(server.tree, ex.uri)
    else:
        steps: list[str] = []
        match = find(server.tree, ex.uri, steps)
        trace_location(ex, match.location, steps)
    if match.captures is not None:
        ex.captures = match.captures
    return run_in(ex, match.location)


def run_in(ex: Exchange, loc: Location | None) -> Response:
    """Every step after location selection, in the location found (or a named one, or a
    remembered Route's): the checks, then the first content handler that applies."""
    ex.location = loc
    settings = loc.settings if loc is not None else ex.server.settings
    ex.settings = settings
    req = ex.request
    trace = ex.trace
    limited = loc is not None and loc.limit_except is not None and ex.method not in loc.limit_except.methods
    if limited:
        settings = ex.settings = loc.limit_except.settings
        if trace is not None:
            trace.step("limit", f"{ex.method} is limited by limit_except: its block applies (no return, try_files)")
    limit = settings.client_max_body_size
    # An error page's request has its body discarded already (nginx: r->discard_body).
    if limit and req.content_length is not None and req.content_length > limit and not ex.error_page_used:
        ex.log_error(f"client intended to send too large body: {req.content_length} bytes")
        raise HttpError(413)
    allowed = settings.allow_methods
    if allowed is not None and ex.method not in allowed:
        if trace is not None:
            trace.step("method", f"{ex.method} is not in allow_methods {' '.join(sorted(allowed))}")
        raise HttpError(405, (("Allow", ", ".join(sorted(allowed))),))
    if settings.session and ex.session is None:
        if trace is None:  # (--explain writes no session file)
            sessions.begin(ex)
        else:
            trace.step("session", f"{settings.session_name} from {settings.session_store}")
    if loc is not None and loc.return_ is not None and not limited:
        if trace is not None:
            trace.step("return", describe_return(loc.return_))
        return do_return(ex, loc.return_)
    if settings.access:
        check_access(ex, settings)
    ex.limited = limited
    for name, applies, handler, note, _ in content.handlers_here(ex):
        if applies is None or applies(ex):
            ex.handler = name
            if trace is not None and note is not None:
                trace.step("handler", note.format(ex=ex))
            return handler(ex)
    raise HttpError(404)  # (unreachable: the last entry, static, always applies)


def check_access(ex: Exchange, settings: Settings) -> None:
    if not settings.access:
        return
    import ipaddress
    try:
        addr = ipaddress.ip_address(ex.conn.remote_host)
    except ValueError:
        addr = None
    for rule in settings.access:
        if rule.network is None or (addr is not None and addr.version == rule.network.version
                                    and addr in rule.network):
            if ex.trace is not None:
                ex.trace.step("access", f"{'allow' if rule.allow else 'deny'} {rule.network or 'all'} "
                                        f"is the first rule matching {ex.conn.remote_host}")
            if rule.allow:
                return
            ex.log_error("access forbidden by rule")
            raise HttpError(403)


def _to_uri(ex: Exchange, uri: str) -> Response:
    """Restart location selection with a new URI (index files, error pages)."""
    ex.redirects += 1
    if ex.trace is not None:
        ex.trace.step("redirect", f"internal redirect to {uri}")
    if ex.redirects > MAX_REDIRECTS:
        ex.log_error(f'rewrite or internal redirection cycle while internally redirecting to "{uri}"')
        raise HttpError(500)
    path, _, args = uri.partition("?")
    try:
        ex.uri = normalize_path(path, ex.conn.vhosts.address.default.merge_slashes)
    except BadUri:
        raise HttpError(400) from None
    if args:
        ex.args = args
    return run_location(ex)


def _to_named(ex: Exchange, name: str) -> Response:
    """Run the named location ``@name`` (try_files, error pages): one of the redirects too."""
    ex.redirects += 1
    if ex.redirects > MAX_REDIRECTS:
        ex.log_error(f'rewrite or internal redirection cycle while redirect to named location "{name}"')
        raise HttpError(500)
    named = ex.server.tree.named.get(name)
    if named is None:
        raise HttpError(404)
    if ex.trace is not None:
        trace_location(ex, named, why="named")
    return run_in(ex, named)


def do_return(ex: Exchange, ret: Return) -> Response:
    code = ret.code
    settings = ex.settings
    if not ex.status:  # $status in the text: an error page's status, else this one (as nginx)
        ex.status = code
    if code == 444:
        return Response(444, close=True, head_only=True)
    if code in REDIRECT_CODES:
        location = redirect_location(ex, expand(ret.text or "", ex), settings)
        raise HttpError(code, (("Location", location),))
    if ret.text is not None:
        body = expand(ret.text, ex).encode("latin-1")
        return Response(code, [("Content-Type", content_type(settings, ex.uri))], body)
    if code >= 300:
        raise HttpError(code)  # error_page applies; a code without a built-in page has no body
    if code == 204:
        return Response(204)
    return Response(code, [("Content-Type", content_type(settings, ex.uri))])
