"""Status codes: RFC 9110 reason phrases and the built-in error pages.

Rules:
- Reason phrases are RFC 9110's (``413 Content Too Large``), not nginx's older
  ones; codes without one get ``Unknown`` (the phrase is informative only).
- Built-in pages have nginx's exact shape with nginxlite's signature line, and
  exist for 3xx/4xx/5xx codes nginx has a page for; other codes have no body.
"""

from __future__ import annotations

from http import HTTPStatus

REASONS: dict[int, str] = {s.value: s.phrase for s in HTTPStatus}
REASONS.update({
    413: "Content Too Large",
    422: "Unprocessable Content",
    418: "I'm a teapot",
    444: "No Response",
})


def reason(code: int) -> str:
    return REASONS.get(code, "Unknown")


# Codes nginx has a built-in page for (ngx_http_error_pages): 301-308, 400-417, 421,
# 429, 494-497, 500-508 with gaps.  nginxlite pages every code it can produce.
PAGE_CODES = frozenset({301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410,
                        411, 412, 413, 414, 415, 416, 421, 429, 431, 497, 500, 501, 502, 503, 504, 505, 507})

# nginx keeps the connection open after these only if the request was read whole;
# these close it (ngx_http_special_response_handler: 400, 413, 414, 500, 501 and friends).
CLOSE_CODES = frozenset({400, 408, 413, 414, 431, 500, 501, 505})


_PAGES: dict[tuple[int, str], bytes] = {}


def error_page(code: int, signature: str) -> bytes:
    """The built-in page for ``code`` ("" when nginx sends none); built once per code."""
    page = _PAGES.get((code, signature))
    if page is None:
        page = b""
        if code == 497:  # plain HTTP on a TLS port: nginx's own 400 page
            page = ("<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
                    "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
                    "<center>The plain HTTP request was sent to HTTPS port</center>\r\n"
                    f"<hr><center>{signature}</center>\r\n</body>\r\n</html>\r\n").encode("latin-1")
        elif code in PAGE_CODES:
            title = f"{code} {reason(code)}"
            page = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                    f"<center><h1>{title}</h1></center>\r\n<hr><center>{signature}</center>\r\n"
                    f"</body>\r\n</html>\r\n").encode("latin-1")
        _PAGES[(code, signature)] = page
    return page
