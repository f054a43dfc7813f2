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

- A fund's figures per year (ResultsYearTotal): how many funded programmes run in the year per state and per country,
  their indicators (with a standing, at target), the programmes started in the year per thematic area and the
  reports accepted on periods ending in it: what the annual report's page shows, without reading the year's
  programmes. Each programme's part is kept beside them (ProgrammeYearFigure); `refresh_year_figures` counts a
  programme afresh and adds the difference. Every change they depend on passes through one of two places: a
  funded proposal's change of state (`establish_on_approval`, which also establishes the programme) and
  `refresh_programme_results` (reports accepted, periods and dates changed, links). A proposal's country and areas
  change in draft only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.finance.models import add_to
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.proposals.queries import area_shares_of
from fundmgr.results import queries as q
from fundmgr.results.models import (
    ACCEPTED,
    ACHIEVED,
    COUNTRY,
    HANDED_IN_STATES,
    INDICATORS,
    REPORTED,
    STARTED_IN_AREA,
    STATE,
    TOTAL_COLUMNS,
    FundIndicator,
    FundIndicatorTotals,
    IndicatorValue,
    Programme,
    ProgrammeIndicator,
    ProgrammeYearFigure,
    ProgressReport,
    ReportingPeriod,
    ReportState,
    ResultsYearTotal,
)
from fundmgr.results.rollup import reaches_target


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
    refresh_year_figures([programme_id])


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


# --- The fund's figures per year ------------------------------------------------------------------------------

Figures = Counter[tuple[int, str, str]]  # (year, figure, key): count


def year_figures_of(programme_ids: list[int] | None, connection: sa.Connection) -> dict[int, tuple[int, Figures]]:
    """Each programme's fund and the figures it counts in (none unless it is funded; see the models' STATE...), read
    on the connection; programme_ids None: every programme."""
    g, pi, period = Programme, ProgrammeIndicator, ReportingPeriod
    programmes = sa.select(g.id, g.proposal_id, Proposal.fund_id, Proposal.state, Proposal.country_id, g.start_date,
                           g.end_date).join(Proposal, Proposal.id == g.proposal_id)  # fmt: skip
    achieved = sa.case((reaches_target(pi.latest_actual, pi.baseline, pi.target), 1))
    indicators = sa.select(pi.programme_id, sa.func.count(pi.id), sa.func.count(pi.latest_actual),
                           sa.func.count(achieved)).group_by(pi.programme_id)  # fmt: skip
    accepted = (
        sa.select(period.programme_id, period.end_date, sa.func.count())
        .join(ProgressReport, ProgressReport.period_id == period.id)
        .where(ProgressReport.state == ReportState.accepted)
        .group_by(period.programme_id, period.end_date)
    )
    if programme_ids is not None:
        programmes = programmes.where(g.id.in_(programme_ids))
        indicators = indicators.where(pi.programme_id.in_(programme_ids))
        accepted = accepted.where(period.programme_id.in_(programme_ids))
    facts = [row for row in connection.execute(programmes) if row.state in FUNDED_STATES or programme_ids is not None]
    counts = {row[0]: row[1:] for row in connection.execute(indicators)}
    reports: dict[int, Counter[int]] = {}
    for programme_id, end_date, n in connection.execute(accepted):
        reports.setdefault(programme_id, Counter())[end_date.year] += n
    shares = area_shares_of([row.proposal_id for row in facts if row.state in FUNDED_STATES], connection)
    result: dict[int, tuple[int, Figures]] = {}
    for row in facts:
        figures: Figures = Counter()
        result[row.id] = (row.fund_id, figures)
        if row.state not in FUNDED_STATES:
            continue
        count, reported, at_target = counts.get(row.id, (0, 0, 0))
        for year in range(row.start_date.year, row.end_date.year + 1):
            figures[(year, STATE, row.state.value)] = 1
            if row.country_id is not None:
                figures[(year, COUNTRY, str(row.country_id))] = 1
            figures.update({(year, INDICATORS, ""): count, (year, REPORTED, ""): reported,
                            (year, ACHIEVED, ""): at_target})  # fmt: skip
        for area_id, _share in shares[row.proposal_id]:
            if area_id is not None:
                figures[(row.start_date.year, STARTED_IN_AREA, str(area_id))] += 1
        for year, n in reports.get(row.id, Counter()).items():
            figures[(year, ACCEPTED, "")] += n
        for key in [key for key, n in figures.items() if not n]:
            del figures[key]
    return result


def refresh_year_figures(programme_ids: Iterable[int]) -> None:
    """Count these programmes' figures afresh and add what changed to their funds' totals per year.

    The programmes' rows are locked first, in order, so a second refresh of the same programme waits and then takes
    back what the first one counted; the totals' rows are changed in order, so refreshes of other programmes never
    wait on each other in a circle.
    """
    ids = sorted(set(programme_ids))
    if not ids:
        return
    db.session.flush()
    connection = db.session.connection()
    connection.execute(sa.select(Programme.id).where(Programme.id.in_(ids)).order_by(Programme.id).with_for_update())
    kept = ProgrammeYearFigure.__table__
    before: dict[int, Figures] = {}
    for programme_id, year, figure, key, n in connection.execute(
        sa.select(kept.c.programme_id, kept.c.year, kept.c.figure, kept.c.key, kept.c.count).where(
            kept.c.programme_id.in_(ids)
        )
    ):
        before.setdefault(programme_id, Counter())[(year, figure, key)] = n
    changes: Counter[tuple[int, int, str, str]] = Counter()
    changed = []
    for programme_id, (fund_id, figures) in year_figures_of(ids, connection).items():
        old = before.get(programme_id, Counter())
        if figures == old:
            continue
        changed.append(programme_id)
        for key in figures.keys() | old.keys():
            changes[(fund_id, *key)] += figures[key] - old[key]
        connection.execute(kept.delete().where(kept.c.programme_id == programme_id))
        if figures:
            connection.execute(kept.insert(), figure_rows(programme_id, figures))
    for (fund_id, year, figure, key), n in sorted(changes.items()):
        if n:
            add_to(connection, ResultsYearTotal.__table__, n, column="count", fund_id=fund_id, year=year,
                   figure=figure, key=key)  # fmt: skip


def figure_rows(programme_id: int, figures: Figures) -> list[dict[str, object]]:
    return [
        {"programme_id": programme_id, "year": year, "figure": figure, "key": key, "count": n}
        for (year, figure, key), n in figures.items()
    ]


def rebuild_year_figures(connection: sa.Connection) -> None:
    """Count every programme's figures and every fund's totals per year afresh (for data written in bulk, as the
    benchmark's)."""
    kept, totals = ProgrammeYearFigure.__table__, ResultsYearTotal.__table__
    connection.execute(kept.delete())
    connection.execute(totals.delete())
    rows = [row for pid, (_fund, figures) in year_figures_of(None, connection).items()
            for row in figure_rows(pid, figures)]  # fmt: skip
    if not rows:
        return
    connection.execute(kept.insert(), rows)
    of_fund = (
        sa.select(Proposal.fund_id, kept.c.year, kept.c.figure, kept.c.key, sa.func.sum(kept.c.count))
        .join(Programme, Programme.id == kept.c.programme_id)
        .join(Proposal, Proposal.id == Programme.proposal_id)
        .group_by(Proposal.fund_id, kept.c.year, kept.c.figure, kept.c.key)
    )
    connection.execute(totals.insert().from_select(["fund_id", "year", "figure", "key", "count"], of_fund))
