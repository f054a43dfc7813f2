"""A programme's implementation dates and the reporting periods that follow from them and the fund's calendar.

`programme_end_date` is the one place the end is computed: from the start and the duration (extensions add to it).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.funds.calendar import PROGRAMME_YEAR, ReportingCalendar, add_months

if TYPE_CHECKING:
    from fundmgr.results.models import Programme

# Where a programme's start date comes from.
PLANNED = "planned"  # the approved version's planned start, until money moves
FIRST_TRANSFER = "first_transfer"  # the date of the first transfer to one of its organizations
SET_BY_FMU = "set"  # a date the FMU set, with a reason (it then no longer follows the transfers)


def end_date_for(start: date, months: int) -> date:
    """The last day of `months` months from `start`."""
    return add_months(start, months) - timedelta(days=1)


def programme_end_date(programme: Programme) -> date:
    """The programme's end: its start plus its duration, or the end of the latest approved no-cost extension."""
    from fundmgr.results.models import Extension, ExtensionState  # the models import this module

    planned = end_date_for(programme.start_date, programme.duration_months)
    if programme.id is None:
        return planned
    extended = db.session.scalar(
        sa.select(sa.func.max(Extension.new_end_date)).where(
            Extension.programme_id == programme.id, Extension.state == ExtensionState.approved
        )
    )
    return max(planned, extended) if extended else planned


def default_periods(start: date, end: date, months: int, due_days: int) -> list[tuple[date, date, date]]:
    """(start, end, due) of each period: every `months` from the start; the last one ends with the programme."""
    periods: list[tuple[date, date, date]] = []
    number = 0
    while True:
        period_start = add_months(start, number * months)
        if period_start > end:
            return periods
        period_end = min(add_months(start, (number + 1) * months) - timedelta(days=1), end)
        periods.append((period_start, period_end, period_end + timedelta(days=due_days)))
        number += 1


def calendar_periods(start: date, end: date, calendar: ReportingCalendar) -> list[tuple[date, date, date]]:
    """(start, end, due) of each reporting period between the programme's dates, by the fund's calendar.

    Calendar years: one period per year the programme runs in, due on the annual narrative due date of the next
    year; the last one, ending with the programme, is the final narrative report, due `final_narrative_months`
    after the end (operational closure).
    """
    if calendar.basis == PROGRAMME_YEAR:
        return default_periods(start, end, calendar.period_months, calendar.due_days_after_period)
    periods = []
    for year in range(start.year, end.year + 1):
        period_start, period_end = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        due = calendar.final_narrative_due_on(end) if period_end == end else calendar.narrative_due_on(year)
        periods.append((period_start, period_end, due))
    return periods
