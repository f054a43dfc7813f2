"""Read side of results: who sees which programmes, latest accepted values, roll-ups, reports due and overdue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr import clock
from fundmgr.db import db
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.funds.rights import is_agency_staff
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalArea
from fundmgr.proposals.visibility import visible_to
from fundmgr.results.models import (
    HANDED_IN_STATES,
    STARTED_IN_AREA,
    STATE,
    TOTAL_COLUMNS,
    Extension,
    FundIndicator,
    FundIndicatorTotals,
    FundOutcome,
    IndicatorValue,
    Programme,
    ProgrammeIndicator,
    ProgrammeOutcome,
    ProgrammeOutput,
    ProgressReport,
    ReportingPeriod,
    ReportState,
    ResultsFramework,
    ResultsYearTotal,
)
from fundmgr.results.rollup import Combined, clamped, combine, combine_totals, mean, progress


def programmes_query(fund: Fund, user: Any) -> sa.Select:
    """The fund's programmes the user may know about: those of the funded proposals the user may see."""
    return (
        sa.select(Programme).join(Programme.proposal).where(visible_to(user, fund), Proposal.state.in_(FUNDED_STATES))
    )


def with_reporting(query: sa.Select) -> sa.Select:
    """Load what programme lists show (proposal, lead, periods and their reports' states, indicators and outcomes)
    without a query per row."""
    return query.options(
        so.contains_eager(Programme.proposal).joinedload(Proposal.lead_organization),
        # a list shows each report's state: not its narratives, the largest columns of the table
        so.selectinload(Programme.periods)
        .selectinload(ReportingPeriod.report)
        .load_only(ProgressReport.period_id, ProgressReport.state),
        so.selectinload(Programme.indicators),
        so.selectinload(Programme.outcomes),  # their indicators are the programme's: `by_outcome` groups them
    )


def by_outcome(programme: Programme) -> dict[int, list[ProgrammeIndicator]]:
    """The programme's indicators grouped by outcome (what `ProgrammeOutcome.indicators` holds), from the
    programme's own list: no query per outcome, nor another load of the same indicators."""
    grouped: dict[int, list[ProgrammeIndicator]] = {o.id: [] for o in programme.outcomes}
    for indicator in programme.indicators:
        grouped.setdefault(indicator.outcome_id, []).append(indicator)
    return grouped


def load_programme(programme_id: int) -> Programme | None:
    """One programme with its matrix, periods and links loaded."""
    return db.session.scalar(
        sa.select(Programme)
        .where(Programme.id == programme_id)
        .options(
            so.joinedload(Programme.proposal),
            so.selectinload(Programme.outcomes)
            .selectinload(ProgrammeOutcome.outputs)
            .selectinload(ProgrammeOutput.indicators),
            so.selectinload(Programme.outcomes).selectinload(ProgrammeOutcome.indicators),
            so.selectinload(Programme.indicators).selectinload(ProgrammeIndicator.objectives),
            so.selectinload(Programme.indicators).joinedload(ProgrammeIndicator.fund_indicator),
            so.selectinload(Programme.periods).selectinload(ReportingPeriod.report),
        )
    )


# --- Latest accepted values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """An indicator's value as reported in one report, with the end of the period it covers."""

    value: IndicatorValue
    as_of: date
    period_number: int


def latest_accepted(indicator_ids: Iterable[int] | None, cutoff: date, fund: Fund | None = None) -> dict[int, Reading]:
    """Each indicator's value from its most recent accepted report on a period ending by the cutoff.

    Values are cumulative, so the most recent one is the indicator's standing; reports not yet
    accepted never count.
    """
    conditions: list[sa.ColumnElement[bool]] = []
    if indicator_ids is not None:
        conditions.append(IndicatorValue.indicator_id.in_(list(indicator_ids)))
    if fund is not None:
        conditions.append(Proposal.fund_id == fund.id)
    newest = latest_values(cutoff, *conditions)  # only the latest value of each indicator is loaded
    rows = db.session.execute(
        sa.select(IndicatorValue, newest.c.as_of, newest.c.number).join(newest, newest.c.value_id == IndicatorValue.id)
    )
    return {value.indicator_id: Reading(value, as_of, number) for value, as_of, number in rows}


# --- Progress of a programme ---------------------------------------------------------------------------


@dataclass
class IndicatorProgress:
    """Where one programme indicator stands: actual against baseline and target."""

    indicator: ProgrammeIndicator
    actual: Decimal | None
    as_of: date | None
    value: IndicatorValue | None = None

    @property
    def progress(self) -> Decimal | None:
        return progress(self.actual, self.indicator.baseline, self.indicator.target)

    @property
    def bar(self) -> Decimal | None:
        return clamped(self.progress)


def programme_progress(programme: Programme, readings: dict[int, Reading]) -> dict[int, IndicatorProgress]:
    """Each indicator of the programme with its latest reading (from the given readings)."""
    result = {}
    for indicator in programme.indicators:
        reading = readings.get(indicator.id)
        result[indicator.id] = IndicatorProgress(
            indicator,
            reading.value.actual if reading else None,
            reading.as_of if reading else None,
            reading.value if reading else None,
        )
    return result


def standing_progress(programme: Programme) -> dict[int, IndicatorProgress]:
    """Each indicator of the programme with its standing: `programme_progress` as of today, read from the indicators
    themselves (no query; the report's value itself is not loaded)."""
    return {i.id: IndicatorProgress(i, i.latest_actual, i.latest_as_of) for i in programme.indicators}


def report_progress(report: ProgressReport) -> dict[int, IndicatorProgress]:
    """Each indicator's standing as one report (of any state) gives it."""
    result = {}
    for indicator in report.programme.indicators:
        value = report.value_for(indicator.id)
        actual = value.actual if value else None
        result[indicator.id] = IndicatorProgress(indicator, actual, report.period.end_date, value)
    return result


def outcome_progress(outcome_indicators: Iterable[IndicatorProgress]) -> Decimal | None:
    """An outcome's progress: the mean of its indicators' progress, each bounded to 0..100 %."""
    return mean(item.bar for item in outcome_indicators)


# --- Fund roll-ups ---------------------------------------------------------------------------------------


@dataclass
class FundIndicatorRollup:
    """A fund indicator with its linked programme indicators' values combined by its rule."""

    indicator: FundIndicator
    combined: Combined

    @property
    def actual(self) -> Decimal | None:
        return self.combined.actual

    @property
    def progress(self) -> Decimal | None:
        return progress(self.combined.actual, self.indicator.baseline, self.indicator.target)

    @property
    def bar(self) -> Decimal | None:
        return clamped(self.progress)


@dataclass
class OutcomeRollup:
    """A fund outcome and its indicators' roll-ups."""

    outcome: FundOutcome
    indicators: list[FundIndicatorRollup]

    @property
    def progress(self) -> Decimal | None:
        return mean(item.bar for item in self.indicators)


@dataclass
class AreaRollup:
    """A thematic area: its outcomes' roll-ups and its programmes."""

    area: ThematicArea
    outcomes: list[OutcomeRollup]
    programme_count: int = 0

    @property
    def progress(self) -> Decimal | None:
        return mean(outcome.progress for outcome in self.outcomes)


def framework_for(fund: Fund) -> ResultsFramework | None:
    """The fund's framework with its outcomes, outputs and indicators loaded."""
    return db.session.scalar(
        sa.select(ResultsFramework)
        .where(ResultsFramework.fund_id == fund.id)
        .options(
            so.selectinload(ResultsFramework.outcomes).selectinload(FundOutcome.outputs),
            so.selectinload(ResultsFramework.outcomes).selectinload(FundOutcome.indicators),
            so.selectinload(ResultsFramework.outcomes).joinedload(FundOutcome.area),
            so.selectinload(ResultsFramework.indicators).joinedload(FundIndicator.output),
        )
    )


def fund_rollups(fund: Fund, cutoff: date, framework: ResultsFramework | None = None) -> dict[int, FundIndicatorRollup]:
    """Every current fund indicator rolled up from the accepted values of the programme indicators linked to it.

    As of today or later, the totals the operations keep per fund indicator are read (`kept_totals`): the cost
    does not grow with the fund's programmes or history. For an earlier cutoff the database computes them from the
    history: it keeps each linked indicator's latest accepted value and sums, counts and maximises them per fund
    indicator.
    """
    framework = framework or framework_for(fund)
    if framework is None:
        return {}
    if reads_standings(cutoff, clock.today(fund)):
        found = kept_totals(framework)
    else:
        found = rollup_totals(latest_linked_values(framework, cutoff))
    rollups = {}
    for fund_indicator in framework.indicators:
        if fund_indicator.retired:
            continue
        totals, newest = found.get(fund_indicator.id, (None, None))
        combined = combine_totals(fund_indicator.rule, totals, newest) if totals else None
        rollups[fund_indicator.id] = FundIndicatorRollup(fund_indicator, combined or combine(fund_indicator.rule, []))
    return rollups


Totals = dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]]  # by fund indicator: (totals, newest) as combine_totals


def rollup_totals(latest: sa.Subquery) -> Totals:
    """Per fund indicator, what `combine_totals` reads, summed by the database over the given programme indicators'
    latest values (a subquery with `latest_values`' columns)."""
    each = latest.c.fund_indicator_id  # every window is one fund indicator's values
    newest_first = (latest.c.as_of.desc(), latest.c.programme_id.desc(), latest.c.indicator_id.desc())
    columns: list[sa.ColumnElement[Any]] = [
        sa.func.count().over(partition_by=each),
        sa.func.max(latest.c.as_of).over(partition_by=each),
    ]
    columns += [agg(latest.c[name]).over(partition_by=each) for name in ("actual", "baseline", "target")
                for agg in (sa.func.sum, sa.func.count, sa.func.max)]  # fmt: skip
    columns += [latest.c.actual, latest.c.baseline, latest.c.target]
    ranked = sa.select(
        latest.c.fund_indicator_id,
        *(column.label(f"c{n}") for n, column in enumerate(columns)),
        sa.func.row_number().over(order_by=newest_first, partition_by=each).label("rank"),
    ).subquery()
    rows = db.session.execute(sa.select(ranked).where(ranked.c.rank == 1))
    return {row[0]: (tuple(row[1:12]), tuple(row[12:15])) for row in rows}


def kept_totals(framework: ResultsFramework) -> Totals:
    """`rollup_totals` of the framework's indicators as of today, as the operations keep them (FundIndicatorTotals)."""
    t = FundIndicatorTotals
    rows = db.session.execute(
        sa.select(
            t.fund_indicator_id,
            t.count,
            t.as_of,
            *(t.__table__.c[name] for name in TOTAL_COLUMNS),
            t.newest_actual,
            t.newest_baseline,
            t.newest_target,
        )
        .join(FundIndicator, FundIndicator.id == t.fund_indicator_id)
        .where(FundIndicator.framework_id == framework.id)
    )
    return {row[0]: (tuple(row[1:12]), tuple(row[12:15])) for row in rows}


def reads_standings(cutoff: date, today: date) -> bool:
    """Whether figures as of the cutoff are those the operations keep (`standings`): a cutoff of today or later."""
    return cutoff >= today


def latest_linked_values(framework: ResultsFramework, cutoff: date) -> sa.Subquery:
    """The programme indicators linked to the framework, of funded programmes, with their latest accepted value."""
    linked = sa.select(FundIndicator.id).where(FundIndicator.framework_id == framework.id)
    return latest_values(cutoff, ProgrammeIndicator.fund_indicator_id.in_(linked), Proposal.state.in_(FUNDED_STATES))


def standing_values(*conditions: sa.ColumnElement[bool]) -> sa.Subquery:
    """Programme indicators (those meeting the conditions) with their standing: `latest_values`' columns as of today
    or later, one row per indicator that has one, read from the indicators themselves."""
    return (
        sa.select(
            ProgrammeIndicator.fund_indicator_id,
            ProgrammeIndicator.programme_id,
            ProgrammeIndicator.id.label("indicator_id"),
            ProgrammeIndicator.baseline,
            ProgrammeIndicator.target,
            ProgrammeIndicator.latest_actual.label("actual"),
            ProgrammeIndicator.latest_as_of.label("as_of"),
        )
        .join(Programme, Programme.id == ProgrammeIndicator.programme_id)
        .join(Proposal, Proposal.id == Programme.proposal_id)
        .where(ProgrammeIndicator.latest_actual.is_not(None), *conditions)
        .subquery()
    )


def latest_values(cutoff: date, *conditions: sa.ColumnElement[bool]) -> sa.Subquery:
    """Programme indicators (those meeting the conditions) with their most recent accepted value on a period
    ending by the cutoff: one row per indicator that has one, as `latest_accepted` reads them, in SQL."""
    newest_first = sa.func.row_number().over(
        partition_by=IndicatorValue.indicator_id,
        order_by=(ReportingPeriod.end_date.desc(), ReportingPeriod.number.desc()),
    )
    values = (
        sa.select(
            ProgrammeIndicator.fund_indicator_id,
            ProgrammeIndicator.programme_id,
            ProgrammeIndicator.id.label("indicator_id"),
            ProgrammeIndicator.baseline,
            ProgrammeIndicator.target,
            IndicatorValue.actual,
            IndicatorValue.id.label("value_id"),
            ReportingPeriod.end_date.label("as_of"),
            ReportingPeriod.number,
            newest_first.label("newest"),
        )
        .select_from(IndicatorValue)
        .join(ProgressReport, ProgressReport.id == IndicatorValue.report_id)
        .join(ReportingPeriod, ReportingPeriod.id == ProgressReport.period_id)
        .join(ProgrammeIndicator, ProgrammeIndicator.id == IndicatorValue.indicator_id)
        .join(Programme, Programme.id == ProgrammeIndicator.programme_id)
        .join(Proposal, Proposal.id == Programme.proposal_id)
        .where(
            ProgressReport.state == ReportState.accepted,
            ReportingPeriod.end_date <= cutoff,
            IndicatorValue.actual.is_not(None),
            *conditions,
        )
        .subquery()
    )
    return sa.select(values).where(values.c.newest == 1).subquery()


def area_rollups(fund: Fund, cutoff: date, framework: ResultsFramework | None = None) -> list[AreaRollup]:
    """Results by thematic area: each area's outcomes, their indicators' roll-ups and its programme count (the
    programmes with a share in the area)."""
    framework = framework or framework_for(fund)
    rollups = fund_rollups(fund, cutoff, framework)
    counts = programmes_by_area(fund, cutoff)
    areas = []
    for area in fund.thematic_areas:
        if area.retired:
            continue
        outcomes = [
            OutcomeRollup(outcome, [rollups[i.id] for i in outcome.indicators if i.id in rollups])
            for outcome in (framework.outcomes if framework else [])
            if outcome.area_id == area.id and not outcome.retired
        ]
        areas.append(AreaRollup(area, outcomes, counts.get(area.id, 0)))
    return areas


def year_totals(fund: Fund, year: int) -> Counter[tuple[str, str]]:
    """The fund's figures for the year as the operations keep them (ResultsYearTotal), by figure and key; those of
    the programmes started in each thematic area summed over the years up to this one (started by its end)."""
    t = ResultsYearTotal
    rows = db.session.execute(
        sa.select(t.figure, t.key, sa.func.sum(t.count))
        .where(t.fund_id == fund.id, sa.or_(t.year == year, sa.and_(t.figure == STARTED_IN_AREA, t.year <= year)))
        .group_by(t.figure, t.key)
    )
    return Counter({(figure, key): n for figure, key, n in rows if n})


def programmes_by_area(fund: Fund, cutoff: date) -> dict[int, int]:
    """How many of the fund's funded programmes started by the cutoff have a share in each thematic area: a
    programme counts in every area it has a share in (`area_shares_of`), wholly in its primary area when it has no
    shares. The totals kept per year up to the cutoff's (`year_totals`), less the programmes of that year starting
    after the cutoff (a few, counted): one statement, however long the fund's history."""
    t = ResultsYearTotal
    kept = sa.select(t.key.label("area_id"), t.count.label("count")).where(
        t.fund_id == fund.id, t.figure == STARTED_IN_AREA, t.year <= cutoff.year
    )
    year_end = date(cutoff.year, 12, 31)
    if cutoff == year_end:
        each = kept.subquery()
    else:
        later = started_by_area(fund, cutoff + timedelta(days=1), year_end, count=-1)
        each = sa.union_all(kept, sa.select(later.c.area_id, later.c.count)).subquery()
    rows = db.session.execute(sa.select(each.c.area_id, sa.func.sum(each.c.count)).group_by(each.c.area_id))
    return {int(area_id): int(n) for area_id, n in rows if n}


def started_by_area(fund: Fund, since: date | None, until: date, count: int = 1) -> sa.Subquery:
    """One row (area_id as text, the kept figures' key; `count`) per thematic area of each funded programme started
    from `since` (None: the first) to `until`, counted from the programmes themselves."""
    started = (
        sa.select(Proposal.id, Proposal.primary_area_id)
        .join(Programme.proposal)
        .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES), Programme.start_date <= until)
    )
    if since is not None:
        started = started.where(Programme.start_date >= since)
    of = started.subquery()
    one = sa.literal(count).label("count")
    with_shares = sa.select(sa.cast(ProposalArea.area_id, sa.String).label("area_id"), one).join(
        of, of.c.id == ProposalArea.proposal_id
    )
    has_shares = sa.select(ProposalArea.proposal_id).where(ProposalArea.proposal_id == of.c.id).exists()
    wholly_primary = sa.select(sa.cast(of.c.primary_area_id, sa.String).label("area_id"), one).where(
        ~has_shares, of.c.primary_area_id.is_not(None)
    )
    return sa.union_all(with_shares, wholly_primary).subquery()


# --- Reports due, to review, overdue ---------------------------------------------------------------------


def outstanding_periods(fund: Fund, today: date) -> sa.Select:
    """Periods of funded programmes that have ended and whose report is not handed in (none, draft or returned)."""
    return (
        sa.select(ReportingPeriod)
        .join(ReportingPeriod.programme)
        .join(Programme.proposal)
        .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
        .where(clock.is_past(ReportingPeriod.end_date, today), ~ReportingPeriod.handed_in)
        .order_by(ReportingPeriod.due_date, Proposal.reference)
        .options(
            so.contains_eager(ReportingPeriod.programme)
            .contains_eager(Programme.proposal)
            .joinedload(Proposal.lead_organization),
            so.selectinload(ReportingPeriod.report),
        )
    )


def overdue_periods(fund: Fund, today: date) -> sa.Select:
    """Outstanding periods whose report is past its due date (what the FMU chases)."""
    return outstanding_periods(fund, today).where(clock.is_past(ReportingPeriod.due_date, today))


def count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


def due_for_lead(fund: Fund, user: Any, today: date) -> list[ReportingPeriod]:
    """Reports the user's organization, as lead agency, owes: ended periods not yet handed in."""
    if not is_agency_staff(user, fund):
        return []
    query = outstanding_periods(fund, today).where(Proposal.lead_organization_id == user.organization_id)
    return list(db.session.scalars(query))


def reports_to_review(fund: Fund) -> sa.Select:
    """Submitted reports waiting for the FMU, the oldest first."""
    return (
        sa.select(ProgressReport)
        .join(ProgressReport.period)
        .join(ReportingPeriod.programme)
        .join(Programme.proposal)
        .where(Proposal.fund_id == fund.id, ProgressReport.state == ReportState.submitted)
        .order_by(ProgressReport.submitted_at)
        .options(
            so.contains_eager(ProgressReport.period)
            .contains_eager(ReportingPeriod.programme)
            .contains_eager(Programme.proposal)
            .joinedload(Proposal.lead_organization)
        )
    )


def reports_waiting(fund: Fund) -> int:
    """How many submitted reports wait for the FMU (`reports_to_review`, counted): from the reports waiting, each one's
    fund looked up through its period, instead of a join that reads every reporting period of every fund."""
    fund_of = (
        sa.select(Proposal.fund_id)
        .join(Programme, Programme.proposal_id == Proposal.id)
        .join(ReportingPeriod, ReportingPeriod.programme_id == Programme.id)
        .where(ReportingPeriod.id == ProgressReport.period_id)
        .scalar_subquery()
    )
    waiting = sa.select(sa.func.count(ProgressReport.id)).where(
        ProgressReport.state == ReportState.submitted, fund_of == fund.id
    )
    return db.session.scalar(waiting) or 0


def period_of(programme: Programme, number: int) -> ReportingPeriod | None:
    return next((p for p in programme.periods if p.number == number), None)


def first_programme_year(fund: Fund) -> int | None:
    """The year the fund's first funded programme started, from the totals kept per year (`year_totals`)."""
    t = ResultsYearTotal
    return db.session.scalar(sa.select(sa.func.min(t.year)).where(t.fund_id == fund.id, t.figure == STATE, t.count > 0))


def next_report_due(proposal: Proposal) -> ReportingPeriod | None:
    """The programme's first period whose progress report is not handed in yet: what is due next (None when none)."""
    return db.session.scalar(
        sa.select(ReportingPeriod)
        .join(Programme)
        .outerjoin(ProgressReport, ProgressReport.period_id == ReportingPeriod.id)
        .where(Programme.proposal_id == proposal.id)
        .where(sa.or_(ProgressReport.id.is_(None), ProgressReport.state.not_in(HANDED_IN_STATES)))
        .order_by(ReportingPeriod.number)
        .limit(1)
        # its report and programme (what the proposal's page asks of it) from the rows joined already
        .options(so.contains_eager(ReportingPeriod.report), so.contains_eager(ReportingPeriod.programme))
    )


def extensions_of(programme: Programme) -> list[Extension]:
    """The programme's requests for a no-cost extension, latest first."""
    query = sa.select(Extension).where(Extension.programme_id == programme.id).order_by(Extension.id.desc())
    return list(db.session.scalars(query))
