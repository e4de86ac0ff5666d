"""Internal redirects as values: a handler raises one, the pipeline takes it.

Rules:
- A handler that restarts the request elsewhere (static's ``index``,
  ``try_files``' last argument, an ``error_page``) raises ``InternalRedirect(uri)``
  (location selection again, with the new URI and its query string) or
  ``NamedRedirect("@name")`` (that named location, no selection).  It never
  calls back into the pipeline: only ``pipeline.follow`` takes a redirect.
- ``redirect(target)`` makes the right one of the two from a configured target.
- Taking one counts it in ``Exchange.redirects``; more than ``MAX_REDIRECTS``
  is a 500 with nginx's error-log line (``pipeline.follow``).
- Nothing here is imported from another handler module (a leaf).
"""

from __future__ import annotations

MAX_REDIRECTS = 10


class Redirect(Exception):
    """Restart the request at ``target`` (a URI, or ``@name``)."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class InternalRedirect(Redirect):
    """Location selection again, for ``target`` (a URI, maybe with ``?args``)."""


class NamedRedirect(Redirect):
    """Run the named location ``target`` (``@name``)."""


def redirect(target: str) -> Redirect:
    """The redirect a configured target means: ``@name`` is named, anything else a URI."""
    return NamedRedirect(target) if target.startswith("@") else InternalRedirect(target)
