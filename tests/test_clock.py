"""The one clock: timestamps in UTC, today's date in the fund's time zone, replays and frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from fundmgr import clock
from fundmgr.i18n import format_day, format_moment

pytestmark = pytest.mark.both_engines  # dates and times as each engine stores them

GENEVA = SimpleNamespace(time_zone="Europe/Zurich")
AUCKLAND = SimpleNamespace(time_zone="Pacific/Auckland")
HONOLULU = SimpleNamespace(time_zone="Pacific/Honolulu")


def test_today_is_the_date_in_the_funds_time_zone(frozen_clock):
    """At 23:30 UTC on 31 March it is already 1 April in Geneva and Auckland, still 31 March in Honolulu."""
    frozen_clock(datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    assert clock.now() == datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 3, 31)
    assert clock.today(GENEVA) == date(2026, 4, 1)
    assert clock.today(AUCKLAND) == date(2026, 4, 1)
    assert clock.today(HONOLULU) == date(2026, 3, 31)


def test_an_instant_given_in_any_zone_is_the_same_instant(frozen_clock):
    frozen_clock(datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/Zurich")))
    assert clock.now() == datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.today(GENEVA) == date(2026, 7, 1)


def test_a_replayed_day_is_that_day_for_every_fund():
    """The demo replays days: whatever a fund's zone, `today` is the day replayed; timestamps fall at noon UTC."""
    with clock.as_of(date(2021, 5, 4)):
        assert {clock.today(f) for f in (None, GENEVA, AUCKLAND, HONOLULU)} == {date(2021, 5, 4)}
        assert clock.now() == datetime(2021, 5, 4, 12, tzinfo=UTC)
        with clock.as_of(date(2021, 5, 9)):
            assert clock.today(GENEVA) == date(2021, 5, 9)
        assert clock.today(GENEVA) == date(2021, 5, 4)
    assert clock.today() != date(2021, 5, 4)


def test_a_moment_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="aware"), clock.as_of(datetime(2026, 1, 1, 12)):  # noqa: DTZ001
        pass


def test_a_deadline_is_past_from_midnight_after_its_day():
    due = date(2026, 3, 31)
    assert [clock.days_left(due, day) for day in (date(2026, 3, 28), due, date(2026, 4, 1))] == [3, 0, -1]
    assert [clock.is_past(due, day) for day in (due, date(2026, 4, 1))] == [False, True]


def test_an_unknown_time_zone_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        clock.time_zone("Mars/Olympus")


@pytest.mark.once
@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("fr", "Europe/Zurich", "4 déc. 2026, 20:55 UTC+1"),
        ("en", "UTC", "Dec 4, 2026, 7:55\u202fPM UTC"),
        ("es", "Asia/Kathmandu", "5 dic 2026, 1:40 UTC+5:45"),
    ],
)
def test_a_moment_is_shown_in_the_readers_language_and_names_its_time_zone(app, language, zone, expected):
    """A notification's time reads in the reader's language and says which time zone it is in."""
    stored = datetime(2026, 12, 4, 19, 55)  # noqa: DTZ001 - naive as the database returns it: UTC
    with app.test_request_context(headers={"Accept-Language": language}):
        assert format_moment(stored, ZoneInfo(zone)) == expected
        assert format_day(stored, ZoneInfo(zone)).startswith(expected.split(",")[0])
