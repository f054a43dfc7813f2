"""What the results pages read instead of the fund's whole reporting history, kept up to date by the operations.

- A programme indicator's standing (`latest_actual`, `latest_as_of`): the value of its most recent accepted report
  that gives one (by the end of the report's period, then the period's number), as `queries.latest_values` finds it
  in the history.
- A fund indicator's totals (FundIndicatorTotals): what its roll-up sums over the standings of the programme
  indicators linked to it (`queries.rollup_totals`).
- A period's `handed_in`: whether its report is in one of HANDED_IN_STATES. Every change of a report's state
  sets it. The overdue reports are then read from the periods still waiting, through a partial index.

Accepting a report and changing a programme's periods refresh the programme's standings and the totals of the fund
indicators it is linked to (`refresh_programme_results`); changing the links refreshes the totals of the fund
indicators linked before and after. Reports are handed in only once their period has ended, and a period whose
report is handed in cannot be moved to end in the future, so a standing is also the latest accepted value on a
period ending by today (or any later day): figures as of today or later read these (`queries.reads_standings`);
earlier cutoffs read the history.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.results import queries as q
from fundmgr.results.models import (
    HANDED_IN_STATES,
    TOTAL_COLUMNS,
    FundIndicator,
    FundIndicatorTotals,
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


def refresh_programme_results(programme_id: int, *, linked_before: Iterable[int | None] = ()) -> None:
    """Recompute one programme's standings, then the totals of the fund indicators it is linked to (and of those
    given, linked before a change of links)."""
    refresh_standings(ProgrammeIndicator.programme_id == programme_id)
    linked = db.session.scalars(
        sa.select(ProgrammeIndicator.fund_indicator_id).where(ProgrammeIndicator.programme_id == programme_id)
    )
    refresh_totals([*linked, *linked_before])


def refresh_totals(fund_indicator_ids: Iterable[int | None]) -> None:
    """Recompute the totals of these fund indicators from the standings of the programme indicators linked to them.

    Their rows are locked first, in order: a second refresh of the same indicators waits for the first to commit,
    then reads what it committed, so two reports accepted at once both count.
    """
    ids = sorted({i for i in fund_indicator_ids if i is not None})
    if not ids:
        return
    db.session.flush()
    db.session.execute(
        sa.select(FundIndicator.id).where(FundIndicator.id.in_(ids)).order_by(FundIndicator.id).with_for_update()
    )
    found = q.rollup_totals(
        q.standing_values(ProgrammeIndicator.fund_indicator_id.in_(ids), Proposal.state.in_(FUNDED_STATES))
    )
    db.session.execute(
        sa.delete(FundIndicatorTotals)
        .where(FundIndicatorTotals.fund_indicator_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    rows = [
        {
            "fund_indicator_id": fund_indicator_id,
            "count": totals[0],
            "as_of": totals[1],
            **dict(zip(TOTAL_COLUMNS, totals[2:], strict=True)),
            "newest_actual": newest[0],
            "newest_baseline": newest[1],
            "newest_target": newest[2],
        }
        for fund_indicator_id, (totals, newest) in found.items()
    ]
    if rows:
        db.session.execute(sa.insert(FundIndicatorTotals), rows)


def refresh_all_totals() -> None:
    """Recompute every fund indicator's totals (for data written in bulk, as the benchmark's)."""
    refresh_totals(db.session.scalars(sa.select(FundIndicator.id)))


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
