"""The fund's reporting calendar (from its definition file), as MPTF-administered funds work.

An annual narrative progress report per calendar year (due `annual_narrative_due` of the next year), an annual
financial report by each participating organization (due `annual_financial_due` of the next year), a final
narrative report after operational closure (due `final_narrative_months` after it) and certified final financial
statements after financial closure (due `final_financial_due` of the next year). A fund whose definition says
`basis: programme_year` reports instead every `period_months` from each programme's start.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

CALENDAR_YEAR = "calendar_year"
PROGRAMME_YEAR = "programme_year"


def add_months(day: date, months: int) -> date:
    """The same day of the month, months later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_day(text: str, year: int) -> date:
    """A "MM-DD" day in the given year (29 February is the 28th in a year without it)."""
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReportingCalendar:
    """When a fund's programmes report; stored on the fund as JSON (`Fund.reporting_calendar`)."""

    basis: str = CALENDAR_YEAR
    annual_narrative_due: str = "03-31"
    annual_financial_due: str = "04-30"
    final_narrative_months: int = 4
    final_financial_due: str = "06-30"
    period_months: int = 12
    due_days_after_period: int = 60

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> ReportingCalendar:
        """The calendar from its stored JSON; keys it does not name take their defaults."""
        known = {k: v for k, v in (stored or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def narrative_due_on(self, year: int) -> date:
        """The annual narrative progress report on a calendar year is due this day of the next year."""
        return month_day(self.annual_narrative_due, year + 1)

    def financial_due_on(self, year: int) -> date:
        """Each participating organization's annual financial report on a year is due this day of the next year."""
        return month_day(self.annual_financial_due, year + 1)

    def final_narrative_due_on(self, end: date) -> date:
        """The final narrative report is due this many months after operational closure (the programme's end)."""
        return add_months(end, self.final_narrative_months)

    def final_financial_due_on(self, closed_on: date) -> date:
        """Certified final financial statements are due this day of the year after financial closure."""
        return month_day(self.final_financial_due, closed_on.year + 1)
