"""Shared pieces of the property tests (tests/unit/test_fuzz_*.py).

- ``FUZZ``: the settings every property test uses (a bounded number of examples, no
  per-example deadline on this shared machine, no example database left in the tree).
- ``cut(data, points)``: ``data`` in pieces at the given cut points, to feed a sans-IO
  parser the way a network would.
- ``no_hang(seconds)``: a guard that turns an endless loop into a failing example
  (SIGALRM), so "no hang" is a property, not a stuck suite.
- ``mutated(strategy)``: values of ``strategy`` with a few bytes deleted, inserted,
  replaced or duplicated: garbage that stays close to valid input.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(Exception):
    pass


@contextmanager
def no_hang(seconds: float = 5.0):
    def _alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    """``data`` split at ``points`` (any integers: taken modulo its length, sorted)."""
    if not data:
        return [data]
    at = sorted({p % len(data) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in zip(at, at[1:])]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i:i + 1] for i in range(len(data))]


cut_points = st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=12)


@st.composite
def mutated(draw, strategy, max_edits: int = 4) -> bytes:
    data = bytearray(draw(strategy))
    for _ in range(draw(st.integers(0, max_edits))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "insert" or not data:
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
            continue
        at = min(at, len(data) - 1)
        if kind == "delete":
            del data[at:at + draw(st.integers(1, 4))]
        elif kind == "replace":
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 16))]
    return bytes(data)
