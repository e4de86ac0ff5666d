"""Every exception nginxlite raises on purpose.

Rules:
- Library code raises; only ``nginxlite.cli`` turns an exception into an exit code.
- A configuration error's ``str()`` is exactly nginx's wording followed by
  `` in FILE:LINE`` when nginx reports a position, so users can paste it into a
  search engine.
- ``traceback_text`` is how an unexpected exception is written to the error
  log (``traceback`` is imported only when one happens).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a configuration token was read: file name (as shown to users) and line."""

    file: str
    line: int

    def __str__(self) -> str:
        if self.line == 0:  # directives given with -g
            return self.file
        return f"{self.file}:{self.line}"


class NginxliteError(Exception):
    """Base class of nginxlite's own errors."""


class ConfigError(NginxliteError):
    """A configuration file is invalid (nginx ``[emerg]``).

    Args:
        message: nginx's message, without the position.
        pos: where nginx would report it, or None for checks made after parsing.
    """

    level = "emerg"

    def __init__(self, message: str, pos: Pos | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.warnings: tuple[ConfigWarning, ...] = ()  # warnings printed before this error
        self.files: tuple[tuple[str, bytes], ...] = ()  # files read before this error
        self.after_syntax_ok = False  # found after parsing: "-t" says "syntax is ok" first

    def __str__(self) -> str:
        if self.pos is None:
            return self.message
        return f"{self.message} in {self.pos}"


@dataclass(frozen=True, slots=True)
class ConfigWarning:
    """A configuration problem that does not fail ``-t`` (nginx ``[warn]``)."""

    message: str
    pos: Pos | None = None

    def __str__(self) -> str:
        if self.pos is None:
            return self.message
        return f"{self.message} in {self.pos}"


class HttpError(NginxliteError):
    """A request ends with this status; ``nginxlite.handlers.errors`` builds the response.

    Args:
        status: the HTTP status.
        headers: extra headers for the response (``Allow`` for 405, ``Location``).
    """

    def __init__(self, status: int, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers


def traceback_text(exc: BaseException) -> str:
    """An unexpected exception with its traceback, for the error log."""
    import traceback
    return "".join(traceback.format_exception(exc)).rstrip()
