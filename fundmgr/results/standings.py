"""What the results pages read instead of the fund's whole reporting history, kept up to date by the operations.

- A programme indicator's standing (`latest_actual`, `latest_as_of`): the value of its most recent accepted report
  that gives one (by the end of the report's period, then the period's number), as `queries.latest_values` finds it
  in the history. Accepting a report and changing a period's dates refresh the programme's standings.
- A period's `handed_in`: whether its report is in one of HANDED_IN_STATES. Every change of a report's state
  sets it. The overdue reports are then read from the periods still waiting, through a partial index.

Reports are handed in only once their period has ended, and a period whose report is handed in cannot be moved to
end in the future, so a standing is also the latest accepted value on a period ending by today (or any later day):
the pages whose cutoff is today or later read the standings; earlier cutoffs read the history.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.results.models import (
    HANDED_IN_STATES,
    IndicatorValue,
    ProgrammeIndicator,
    ProgressReport,
    ReportingPeriod,
    ReportState,
)


def newest_accepted(column: sa.ColumnElement) -> sa.ScalarSelect:
    """The column of the programme indicator's most recent accepted value (not empty), per programme indicator row."""
    return (
        sa.select(column)
        .select_from(IndicatorValue)
        .join(ProgressReport, ProgressReport.id == IndicatorValue.report_id)
        .join(ReportingPeriod, ReportingPeriod.id == ProgressReport.period_id)
        .where(
            IndicatorValue.indicator_id == ProgrammeIndicator.id,
            ProgressReport.state == ReportState.accepted,
            IndicatorValue.actual.is_not(None),
        )
        .order_by(ReportingPeriod.end_date.desc(), ReportingPeriod.number.desc())
        .limit(1)
        .correlate(ProgrammeIndicator)
        .scalar_subquery()
    )


def refresh_standings(*conditions: sa.ColumnElement[bool], in_session: bool = True) -> None:
    """Recompute the standings of the programme indicators meeting the conditions (all of them with none) from their
    accepted reports; in_session=False leaves the indicators the session holds as they were (data written in bulk)."""
    db.session.flush()
    db.session.execute(
        sa.update(ProgrammeIndicator)
        .where(*conditions)
        .values(
            latest_actual=newest_accepted(IndicatorValue.actual),
            latest_as_of=newest_accepted(ReportingPeriod.end_date),
        )
        .execution_options(synchronize_session="fetch" if in_session else False)
    )


def refresh_programme_standings(programme_id: int) -> None:
    """Recompute one programme's standings (after a report of it is accepted, or its periods' dates change)."""
    refresh_standings(ProgrammeIndicator.programme_id == programme_id)


def note_report_state(report: ProgressReport) -> None:
    """Keep the report's period's `handed_in` in step with the report's state (after every change of state)."""
    report.period.handed_in = report.state in HANDED_IN_STATES


def refresh_handed_in() -> None:
    """Set every period's `handed_in` from its report (for data written in bulk, as the benchmark's)."""
    handed_in = (
        sa.select(ProgressReport.id)
        .where(ProgressReport.period_id == ReportingPeriod.id, ProgressReport.state.in_(HANDED_IN_STATES))
        .exists()
    )
    db.session.execute(
        sa.update(ReportingPeriod).values(handed_in=handed_in).execution_options(synchronize_session=False)
    )


def reads_standings(cutoff: date, today: date) -> bool:
    """Whether figures as of the cutoff are the standings (a cutoff of today or later)."""
    return cutoff >= today
