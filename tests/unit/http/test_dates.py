"""HTTP dates parsed as nginx's ngx_parse_http_time (nginxlite.http.response.parse_http_date)."""

from __future__ import annotations

import calendar
import random
import time

import pytest

from nginxlite.http.response import http_date, parse_http_date

T = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example)


@pytest.mark.parametrize("text, expected", [
    ("Sun, 06 Nov 1994 08:49:37 GMT", T),
    ("Sunday, 06-Nov-94 08:49:37 GMT", T),
    ("Sun Nov  6 08:49:37 1994", T),
    ("Sun Nov 6 08:49:37 1994", T),
    ("Sun, 06 Nov 1994 08:49:37", T),  # nothing after the time is read
    ("Sun, 06 Nov 1994 08:49:37 +0200", T),
    ("Fri, 06 Nov 1994 08:49:37 GMT", T),  # the weekday is not checked
    ("Sun,06 Nov 1994 08:49:37 GMT", T),
    ("Sun,   06 Nov 1994 08:49:37 GMT", T),
    ("Sun, 06 Juq 1994 08:49:37 GMT", calendar.timegm((1994, 7, 6, 8, 49, 37))),  # "Ju" + not "n": July
    ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
    ("Sat, 01 Jan 2000 00:00:00 GMT", 946684800),
    ("Tue, 29 Feb 2000 23:59:59 GMT", 951868799),
    ("Thursday, 01-Jan-70 00:00:00 GMT", 0),
    ("Monday, 01-Jan-69 00:00:00 GMT", calendar.timegm((2069, 1, 1, 0, 0, 0))),  # two-digit years before 70 are 20xx
    ("Mon, 00 Jan 2024 00:00:00 GMT", 1703980800),  # day 0 counts back, as nginx's arithmetic
    ("Wed, 01 Mar 0000 00:00:00 GMT", -62162035200),
    ("Sat, 01 Jan 0000 00:00:00 GMT", -62167208832),  # nginx's unsigned year wraps before March of year 0
])
def test_accepted(text, expected):
    assert parse_http_date(text) == expected


@pytest.mark.parametrize("text", [
    "", "yesterday", "Sun", "Sun, 06 Nov 1994 08:49:3", "Sun, 6 Nov 1994 08:49:37 GMT",
    "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 06 Xov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
    "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
    "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 31 Apr 1994 08:49:37 GMT", "Tue, 29 Feb 1900 00:00:00 GMT",
    "Sun, 06-Nov-1994 08:49:37 GMT", "Sunday, 06 Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 94",
    "Sun Nov 6 08:49:37", "Sun Nov x6 08:49:37 1994", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08.49.37 GMT",
    "Sun, ٠٦ Nov 1994 08:49:37 GMT",
])
def test_refused(text):
    assert parse_http_date(text) is None


def test_every_format_round_trips_over_random_times():
    rng = random.Random(7)
    for _ in range(20_000):
        t = rng.randrange(0, 2 ** 34)
        g = time.gmtime(t)
        assert parse_http_date(http_date(t)) == t
        assert parse_http_date(time.strftime("%a %b %e %H:%M:%S %Y", g)) == t
        if 1970 <= g.tm_year < 2070:
            assert parse_http_date(time.strftime("%A, %d-%b-%y %H:%M:%S GMT", g)) == t
