"""The application's one clock, and the one rule for calendar deadlines.

Everything that needs the time asks here: `now()` for timestamps (aware, UTC), `today(fund)` for the
fund's calendar date. A scoring deadline, a written procedure's deadline or a report's due date is a
calendar date in the fund's time zone: its last day ends at midnight there, so it is overdue from 00:00 of
the next day in that zone, whatever the server's own time zone. `days_left` and `is_past` are the only
places that compare a deadline with today.

`as_of` replays another moment: the demo runs the fund's history (2020-2026) through the same operations
as the pages with the clock set to each step's date, and tests freeze time through it (`frozen_clock`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from datetime import time as clock_time
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"

_frozen: ContextVar[date | datetime | None] = ContextVar("fundmgr_clock", default=None)


class HasTimeZone(Protocol):
    time_zone: str


def now() -> datetime:
    """The current instant, aware, in UTC; inside `as_of` the replayed one (noon UTC of a replayed day)."""
    frozen = _frozen.get()
    if frozen is None:
        return datetime.fromtimestamp(time.time(), UTC)
    if isinstance(frozen, datetime):
        return frozen
    return datetime.combine(frozen, clock_time(12), tzinfo=UTC)


def today(fund: HasTimeZone | None = None) -> date:
    """Today's date in the fund's time zone (UTC without a fund); inside `as_of(day)` that day, for every fund."""
    frozen = _frozen.get()
    if frozen is not None and not isinstance(frozen, datetime):
        return frozen
    return now().astimezone(zone_of(fund)).date()


def zone_of(fund: HasTimeZone | None) -> ZoneInfo:
    """The fund's time zone (UTC without a fund, or for a fund that names none)."""
    return time_zone(getattr(fund, "time_zone", None) or DEFAULT_ZONE)


@cache
def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone of this name; ValueError for a name the time zone database does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Zurich)") from exc


@contextmanager
def as_of(when: date | datetime) -> Iterator[None]:
    """Run the enclosed code as if it were this moment: an aware datetime, or a day (the same day for every fund)."""
    if isinstance(when, datetime) and when.tzinfo is None:
        raise ValueError("as_of needs an aware datetime (with its time zone) or a date")
    token = _frozen.set(when.astimezone(UTC) if isinstance(when, datetime) else when)
    try:
        yield
    finally:
        _frozen.reset(token)


def days_left(due_on: date, today: date) -> int:
    """Whole days before a calendar deadline: 0 on its last day, -1 the day after, when it is overdue."""
    return (due_on - today).days


def is_past(due_on: Any, today: date) -> Any:
    """Whether a calendar deadline's last day is over (it is overdue, or closed). `due_on` may be a date, or a
    date column, which makes it a SQL condition. `today` is `today(fund)`."""
    return due_on < today
