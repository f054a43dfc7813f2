"""The Steering Committee's clock: deadlines and timestamps read it, so a past can be replayed.

Normally it is the real time in UTC. The demo replays the fund's history (2020-2026) through
the same operations as the pages, setting the clock to each step's date with `as_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time

from fundmgr.db import utcnow

_frozen: ContextVar[date | None] = ContextVar("steering_clock", default=None)


def today() -> date:
    """The current date in UTC (deadlines end with their day, everywhere)."""
    return _frozen.get() or utcnow().date()


def now() -> datetime:
    """The current time in UTC; at noon of the replayed day inside `as_of`."""
    frozen = _frozen.get()
    return datetime.combine(frozen, time(12), tzinfo=UTC) if frozen else utcnow()


@contextmanager
def as_of(day: date) -> Iterator[None]:
    """Run the enclosed operations as if it were this day."""
    token = _frozen.set(day)
    try:
        yield
    finally:
        _frozen.reset(token)
