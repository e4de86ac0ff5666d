"""The one place where an error status becomes a response.

Rules (nginx's ``ngx_http_special_response_handler``, nginx-semantics.md S12):
- ``error_page`` of the level that produced the error is looked up once per
  request (no recursion): a URI is an internal redirect (method becomes GET),
  ``@name`` runs that named location, an ``http://``/``https://`` target is a
  302 (or the ``=code`` given).  ``=code`` forces the status, ``=`` alone takes
  the target's.  If the error page itself fails (say it is missing: 404), that
  failure's built-in page is sent (observed on nginx 1.22), unless
  ``recursive_error_pages on`` (in the location that failed first): then the
  error_page of the location the failure happened in applies again, until
  the redirect limit (``redirects.MAX_REDIRECTS``) makes it a built-in 500.
- The error page runs as a value: ``finish`` returns an ``ErrorPage`` (its
  redirect and what the answer needs), ``pipeline.answer_error`` follows the
  redirect as any other, and ``page_answer`` makes the error's answer of the
  result (status overwritten, ``Last-Modified``/``Accept-Ranges`` pruned, the
  error's own ``Location``/``Allow``/``Content-Range`` kept).  This module
  imports no other handler but ``variables`` and ``redirects``.
- Built-in pages: ``text/html`` with nginx's layout; statuses in
  ``CLOSE_CODES`` (and any request whose body was not read) close the connection.
- An unexpected exception is logged with its traceback and answered 500.
"""

from __future__ import annotations

from dataclasses import dataclass

from nginxlite import __version__
from nginxlite.config.model import REDIRECT_CODES
from nginxlite.errors import HttpError, traceback_text
from nginxlite.handlers.redirects import MAX_REDIRECTS, Redirect, redirect
from nginxlite.handlers.variables import expand
from nginxlite.http.response import Response
from nginxlite.http.status import CLOSE_CODES, error_page


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """An ``error_page`` to run for ``err``: the pipeline follows ``redirect``, then
    hands the result to ``page_answer`` (or its failure to ``page_failed``/``page_crashed``)."""

    err: HttpError
    overwrite: int | None  # the page's =code: None without one, 0 for a bare "="
    redirect: Redirect


def finish(ex, err: HttpError, exc: BaseException | None = None) -> Response | ErrorPage:
    """The answer to ``err``: a built-in page, a redirect to an absolute URL, or the
    error page to run (see the module rules)."""
    if exc is not None:
        ex.notes.append(traceback_text(exc))
    status = err.status
    settings = ex.settings
    if settings is not None and not ex.error_pages_done and ex.redirects <= MAX_REDIRECTS:
        for page in settings.error_page:
            if status not in page.codes:
                continue
            ex.error_page_used = True
            ex.error_pages_done = not settings.recursive_error_pages
            ex.status = status if page.overwrite is None else page.overwrite  # nginx's r->err_status
            target = expand(page.target, ex)
            if ex.trace is not None:
                codes = " ".join(map(str, page.codes))
                overwrite = "" if page.overwrite is None else f"={page.overwrite or ''} "
                ex.trace.step("error", f"{status}: error_page {codes} {overwrite}{page.target}")
            if target.startswith(("http://", "https://")):
                code = page.overwrite if page.overwrite in REDIRECT_CODES else 302
                return builtin(ex, code, (("Location", target),))
            if ex.request.method != "HEAD":
                ex.method = "GET"
            ex.error_status = page.overwrite if page.overwrite else (status if page.overwrite is None else 0)
            if not target.startswith(("@", "/")):
                code = page.overwrite if page.overwrite in REDIRECT_CODES else 302
                return builtin(ex, code, (("Location", target),))
            return ErrorPage(err, page.overwrite, redirect(target))
    return builtin(ex, status, err.headers)


def page_failed(ex, page: ErrorPage, inner: HttpError) -> Response | ErrorPage:
    """The error page itself failed: its own status, built in, unless error pages are
    recursive (then the failing location's error_page applies)."""
    if ex.error_pages_done:
        if ex.trace is not None:
            ex.trace.step("error", f"the error page failed ({inner.status}): its built-in page")
        return builtin(ex, inner.status, inner.headers)
    return finish(ex, inner)


def page_crashed(ex, page: ErrorPage, exc: BaseException) -> Response:
    """A bug while the error page ran: logged, and the error's built-in page."""
    ex.notes.append(traceback_text(exc))
    return builtin(ex, page.err.status, page.err.headers)


def page_answer(ex, page: ErrorPage, response: Response) -> Response:
    """The error page's response, as the error's answer: its status, the headers kept."""
    overwrite = page.overwrite
    if overwrite == 200 and response.status in _FILTERED:
        pass  # =200 comes before nginx's not-modified and range filters: theirs stands
    elif overwrite:
        response.status = overwrite
    elif overwrite is None:
        response.status = page.err.status
    if response.status not in (200, 206, 304):  # nginx's header filter keeps them on these only
        response.unprepare()
        response.headers = [h for h in response.headers if h[0] not in ("Last-Modified", "Accept-Ranges")]
    # The error's own headers survive the error page: Location of a redirect,
    # Allow of a 405 (RFC 9110 §15.5.6: every 405 carries it), Content-Range of
    # a 416 (RFC 9110 §15.5.17; nginx keeps it too).
    for name, value in page.err.headers:
        if name in ("Location", "Allow", "Content-Range"):
            response.headers.append((name, value))
    return response


# What nginx's not-modified and range filters make of a 200 (304, 412, 206, 416).
_FILTERED = frozenset((206, 304, 412, 416))

_SIGNATURE = f"nginxlite/{__version__}"


def signature(settings) -> str:
    """``nginxlite/VERSION``, or ``nginxlite`` with ``server_tokens off``."""
    if settings is not None and settings.server_tokens == "off":
        return "nginxlite"
    return _SIGNATURE


_PREPARED: dict[bytes, bytes] = {}  # page -> its Content-Type and Content-Length lines


def builtin(ex, status: int, headers=()) -> Response:
    body = error_page(status, signature(ex.settings))
    if body and not headers:  # the usual 404 or 403: header lines prepared once per page
        prepared = _PREPARED.get(body)
        if prepared is None:
            prepared = _PREPARED[body] = b"Content-Type: text/html\r\nContent-Length: %d\r\n" % len(body)
        return Response(status, [], body, close=status in CLOSE_CODES, prepared=prepared)
    hdrs = list(headers)
    if body:
        hdrs.insert(0, ("Content-Type", "text/html"))
    return Response(status, hdrs, body, close=status in CLOSE_CODES)
