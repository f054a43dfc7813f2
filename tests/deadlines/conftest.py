"""The tests of this folder set their dates around TODAY: the clock is frozen on it, so the fund's day stays TODAY
at any hour. Their fixtures are the plugins in tests/fixtures/."""

from __future__ import annotations

import pytest

from tests.support import TODAY


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    frozen_clock(TODAY)


@pytest.fixture
def yearly_from_the_start(fund) -> None:
    """These tests place report deadlines by a calendar of their own: a report every 12 months from each programme's
    start, due 60 days after each period (the machinery of reminders is under test, not the MPTF calendar); used by
    the modules that place report deadlines."""
    fund.reporting_calendar = {"basis": "programme_year", "period_months": 12, "due_days_after_period": 60}
