"""nginx-tests ``http_host.t``, every case, with what nginx 1.22 answers (issue 11, HTTP item 8).

``HOST_HEADER``: ``GET / HTTP/1.0`` with ``Host: VALUE``; ``ABSOLUTE``: ``GET
http://VALUE/ HTTP/1.0`` with ``Host: localhost``.  The expected value is ``$host``
(a 200), or None for a 400.  http_host.t marks some cases "TODO" before nginx 1.29.3
or 1.29.4 (port checks, a dot after an IP literal, a missing bracket in the Host
header): nginx 1.22 accepts those, and so does nginxlite (``NEWER``).  Used by the
unit tests (tests/unit/http/test_host.py) and against a live nginx
(tests/integration/test_differential_http.py).
"""

from __future__ import annotations

IPV_FUTURE = "[v0123456789aBcDeF.!$&'()*+,;=-._~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789:]"

HOST_HEADER: list[tuple[str, str, str | None]] = [
    ("domain empty", "", None),
    ("domain single", "l", "l"),
    ("domain single upper", "L", "l"),
    ("domain stray colon", "abcd-ef.g02.xyz:", "abcd-ef.g02.xyz"),
    ("ipv4 stray colon", "123.40.56.78:", "123.40.56.78"),
    ("domain w/o port", "www.abcd-ef.g02.xyz", "www.abcd-ef.g02.xyz"),
    ("domain w/port", "abcd-ef.g02.xyz:8080", "abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/o port", "www.abcd-ef.g02.xyz.", "www.abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/port", "abcd-ef.g02.xyz.:88", "abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/port dot", "example.com.:1.2", "example.com."),  # NEWER: 400
    ("empty domain w/ ending dot", ".", None),
    ("mixed case domain w/port", "AbC-d93.0.34ZhGt-s.nk.Ru:88", "abc-d93.0.34zhgt-s.nk.ru"),
    ("ipv4 w/o port", "123.40.56.78", "123.40.56.78"),
    ("ipv4 w/port", "123.49.0.78:987", "123.49.0.78"),
    ("ipv4 w/port long", "123.49.0.78:98777", "123.49.0.78"),  # NEWER: 400
    ("ipv4 w/port double", "123.40.56.78:9000:80", "123.40.56.78"),  # NEWER: 400
    ("ipv6 literal w/o port", "[abcd::ef98:0:7654:321]", "[abcd::ef98:0:7654:321]"),
    ("ipv6 literal w/port", "[abcd::ef98:0:7654:321]:80", "[abcd::ef98:0:7654:321]"),
    ("ipv4-mapped ipv6 w/o port", "[::ffff:12.30.67.89]", "[::ffff:12.30.67.89]"),
    ("ipv4-mapped ipv6 w/port", "[::123.45.67.89]:4321", "[::123.45.67.89]"),
    ("domain w/ path separators", "example.com/\\:552", None),
    ("domain w/ double dot", "..examp-LE.com", None),
    ("ipv6 literal w/ path separators", "[abcd::e\\f98:0/:7654:321]", None),
    ("ipv6 literal w/ ending dot w/o port", "[abcd::ef98:0:7654:321].", "[abcd::ef98:0:7654:321]"),  # NEWER: 400
    ("ipv6 literal w/ ending dot w/port", "[abcd::ef98:0:7654:321].:98", "[abcd::ef98:0:7654:321]"),  # NEWER: 400
    ("ipv6 literal w/ double dot", "[abcd::ef98:0:7654:321]..:98", None),
    ("ipv6 literal w/ leading alnum", "extra[abcd::ef98:0:7654:321]:98", "extra[abcd"),  # NEWER: 400
    ("ipv6 literal missing bracket", "[abcd::ef98:0:7654:321", "[abcd::ef98:0:7654:321"),  # NEWER: 400
    ("IPvFuture all symbols", IPV_FUTURE, IPV_FUTURE.lower()),
    ("control", "localhost\x02", None),
    # issue 11's list
    ("path after the port", "localhost:8080/path", None),
    ("two hosts", "localhost:8080, other.example.com", None),
    ("two dots", "..", None),
    # more of nginx's rules
    ("DEL", "a\x7fb", None),
    ("backslash kept", "a\\b", "a\\b"),
    ("8-bit kept, not lower-cased", "\xc0B.x", "\xc0b.x"),
    ("port only", ":80", None),
    ("double dot in the port", "a:1..2", None),
    ("slash in the port", "a:80/", None),
    ("bracket not first", "a[b]:1", "a[b]"),
    ("dot, colon, dot", "a.:.", "a."),
]

ABSOLUTE: list[tuple[str, str, str | None]] = [
    ("domain empty", "", None),
    ("domain single", "l", "l"),
    ("domain single upper", "L", "l"),
    ("domain stray colon", "abcd-ef.g02.xyz:", "abcd-ef.g02.xyz"),
    ("ipv4 stray colon", "123.49.0.78:", "123.49.0.78"),
    ("domain w/o port", "abcd-ef.g02.xyz", "abcd-ef.g02.xyz"),
    ("domain w/port", "www.abcd-ef.g02.xyz:10", "www.abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/o port", "www.abcd-ef.g02.xyz.", "www.abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/port", "abcd-ef.g02.xyz.:2", "abcd-ef.g02.xyz"),
    ("domain w/ ending dot w/port dot", "example.com.:1.2", None),
    ("empty domain w/ ending dot", ".", None),
    ("mixed case domain w/o port", "AbC-d93.0.34ZhGt-s.nk.Ru", "abc-d93.0.34zhgt-s.nk.ru"),
    ("ipv4 w/o port", "123.49.0.78", "123.49.0.78"),
    ("ipv4 w/port", "123.40.56.78:123", "123.40.56.78"),
    ("ipv4 w/port long", "123.40.56.78:123456", "123.40.56.78"),  # NEWER: 400
    ("ipv4 w/port double", "123.40.56.78:9000:80", None),
    ("ipv6 literal w/o port", "[abcd::ef98:0:7654:321]", "[abcd::ef98:0:7654:321]"),
    ("ipv6 literal w/port", "[abcd::ef98:0:7654:321]:5", "[abcd::ef98:0:7654:321]"),
    ("ipv4-mapped ipv6 w/o port", "[::123.45.67.89]", "[::123.45.67.89]"),
    ("ipv4-mapped ipv6 w/port", "[::ffff:12.30.67.89]:4321", "[::ffff:12.30.67.89]"),
    ("domain w/ path separators", "\x1b/xample.com", None),
    ("domain w/ double dot", "com.exa-m.45..:", None),
    ("ipv6 literal w/ path separators", "[abcd\\::ef98:0:7654:321/]:12", None),
    ("ipv6 literal w/ ending dot w/o port", "[abcd::ef98:0:7654:321].", None),
    ("ipv6 literal w/ ending dot w/port", "[abcd::ef98:0:7654:321].:98", None),
    ("ipv6 literal w/ double dot", "[ab..cd::ef98:0:7654:321]", None),
    ("ipv6 literal w/ leading alnum", "extra[abcd::ef98:0:7654:321]", None),
    ("ipv6 literal missing bracket", "[abcd::ef98:0:7654:321", None),
    ("IPvFuture all symbols", IPV_FUTURE, IPV_FUTURE.lower()),
    # more of nginx's request-line rules
    ("underscore", "a_b", None),
    ("user info", "user@a.test", None),
    ("fragment after the host", "a.test#x", None),
    ("text after a literal", "[::1]x", None),
    ("empty port before the path", "a.test:", "a.test"),
    ("long port", "a.test:99999999999999999999", "a.test"),
]
