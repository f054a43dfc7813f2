"""What the results pages read as of today is kept by the operations: each programme indicator's standing, each fund
indicator's totals and each period's handed-in flag equal a recomputation from the reports themselves, through every
operation that changes them (issue 18)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.operations import activate_programme
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results import reports
from fundmgr.results.models import (
    HANDED_IN_STATES,
    IndicatorValue,
    Programme,
    ProgrammeIndicator,
    ProgrammeYearFigure,
    Quantity,
    ReportingPeriod,
    ReportState,
    ResultsYearTotal,
)
from fundmgr.results.rollup import Point, combine, progress, reaches_target
from fundmgr.results.standings import rebuild_year_figures
from tests.results import test_aggregation as aggregation
from tests.support.results import RESULTS_DAY, entries_for, submitted_report

D = Decimal
LINKS, values = aggregation.LINKS, aggregation.values
linked, portfolio = aggregation.linked, aggregation.portfolio  # their fixtures: three programmes, four rules


def recomputed_standings() -> dict[int, tuple[Decimal, date]]:
    """Each programme indicator's latest accepted value (not empty) and its period's end, from every report."""
    rows = db.session.execute(
        sa.select(IndicatorValue, ReportingPeriod)
        .join(IndicatorValue.report)
        .join(ReportingPeriod)
        .where(IndicatorValue.actual.is_not(None))
    ).all()
    best: dict[int, tuple[tuple[date, int], Decimal]] = {}
    for value, period in rows:
        if period.report.state is not ReportState.accepted:
            continue
        key = (period.end_date, period.number)
        if value.indicator_id not in best or key > best[value.indicator_id][0]:
            best[value.indicator_id] = (key, value.actual)
    return {indicator_id: (actual, key[0]) for indicator_id, (key, actual) in best.items()}


def assert_kept_as_recomputed(fund, framework) -> None:
    """The standings and the fund's roll-ups as of today equal a recomputation from the reports, to the last digit."""
    db.session.expire_all()
    standings = recomputed_standings()
    indicators = db.session.scalars(sa.select(ProgrammeIndicator).order_by(ProgrammeIndicator.id)).all()
    assert {i.id: (i.latest_actual, i.latest_as_of) for i in indicators if i.latest_actual is not None} == standings
    points = defaultdict(list)
    for indicator in sorted(indicators, key=lambda i: (i.programme_id, i.id)):
        if indicator.id in standings and indicator.fund_indicator_id:
            actual, as_of = standings[indicator.id]
            points[indicator.fund_indicator_id].append(Point(actual, as_of, indicator.baseline, indicator.target))
    for fund_indicator_id in points:  # `combine` takes the last of equal dates: programme and indicator order
        points[fund_indicator_id].sort(key=lambda p: p.as_of)
    rollups = q.fund_rollups(fund, RESULTS_DAY, framework)
    assert any(r.combined.count for r in rollups.values())
    for fund_indicator_id, rollup in rollups.items():
        expected = combine(rollup.indicator.rule, points[fund_indicator_id])
        assert rollup.combined == expected, rollup.indicator.code
    # the kept totals are what the history gives as of today, and as of any later day
    assert q.kept_totals(framework) == q.rollup_totals(q.latest_linked_values(framework, RESULTS_DAY))
    assert q.fund_rollups(fund, date(2030, 12, 31), framework) == rollups


def test_accepting_reports_keeps_the_standings_and_roll_ups(fund, framework, portfolio, make_user):
    """Three programmes, four rules, accepted, submitted and draft reports: what is kept is what the reports give;
    accepting the submitted report moves them."""
    assert_kept_as_recomputed(fund, framework)
    _p1, p2, _p3 = portfolio
    before = q.fund_rollups(fund, RESULTS_DAY, framework)
    ops.accept_report(p2.periods[1].report, actor=make_user(Role.fmu))
    db.session.commit()
    assert_kept_as_recomputed(fund, framework)
    after = q.fund_rollups(fund, RESULTS_DAY, framework)
    assisted = next(i for i in framework.indicators if i.code == "IN2.1")
    assert (before[assisted.id].actual, after[assisted.id].actual) == (D("1650"), D("2300"))  # 1,400 + 250, + 900


def test_changing_links_and_periods_keeps_the_roll_ups(fund, framework, portfolio, make_user):
    p1, p2, _p3 = portfolio
    fmu = make_user(Role.fmu)
    by_code = {i.code: i for i in framework.indicators}
    # P1's assisted migrants are no longer counted in IN2.1 but in IN2.2; its children indicator is unlinked
    links = [
        ops.IndicatorLink(i, {"Migrants assisted": by_code["IN2.2"], "Children in immigration detention": None}.get(
            i.name, by_code[LINKS[i.name]]), [], i.measure)
        for i in p1.indicators
    ]  # fmt: skip
    ops.set_indicator_links(p1, links, actor=fmu)
    db.session.commit()
    assert_kept_as_recomputed(fund, framework)
    rollups = q.fund_rollups(fund, RESULTS_DAY, framework)
    assert (rollups[by_code["IN2.1"].id].actual, rollups[by_code["IN2.2"].id].actual) == (D("250"), D("1400"))
    # P2's first period ends a month earlier: its value keeps counting, as of the new end
    first = p2.periods[0]
    ops.update_period(first, start=first.start_date, end=date(2025, 2, 28), due=first.due_date, actor=fmu)
    db.session.commit()
    assert_kept_as_recomputed(fund, framework)
    assert {i.latest_as_of for i in p2.indicators} == {date(2025, 2, 28)}


def test_a_handed_in_period_cannot_be_moved_to_end_after_today(portfolio, make_user):
    """Its report covers a period that has ended: the figures as of today count it."""
    _p1, p2, _p3 = portfolio
    period = p2.periods[1]  # submitted
    with pytest.raises(ValidationFailed, match="cannot end after today"):
        ops.update_period(
            period, start=period.start_date, end=date(2026, 6, 30), due=date(2026, 8, 31), actor=make_user(Role.fmu)
        )


def test_handed_in_follows_the_report_and_the_overdue_list_reads_it(fund, linked, lead_of, make_user):
    programme = linked(date(2024, 1, 1))
    lead, fmu = lead_of(programme), make_user(Role.fmu)
    first, second = programme.periods[0], programme.periods[1]
    report = submitted_report(programme, 1, values("100", "1", "25", "1100"), lead)
    assert (first.handed_in, second.handed_in) == (True, False)
    ops.return_report(report, "Please explain the gap.", actor=fmu)
    assert first.handed_in is False
    ops.submit_report(report, actor=lead)
    assert first.handed_in is True
    ops.accept_report(report, actor=fmu)
    ops.save_report(second, entries_for(programme, values("200", "2", "30", "1000")), actor=lead)  # a draft
    db.session.commit()
    assert (first.handed_in, second.handed_in) == (True, False)
    periods = db.session.scalars(sa.select(ReportingPeriod)).all()
    assert all(p.handed_in == (p.report is not None and p.report.state in HANDED_IN_STATES) for p in periods)
    overdue = db.session.scalars(q.overdue_periods(fund, RESULTS_DAY)).all()
    assert [p.id for p in overdue] == [second.id]
    assert second.is_overdue(RESULTS_DAY)
    assert not first.is_overdue(RESULTS_DAY)


@pytest.mark.parametrize(
    ("actual", "baseline", "target"),
    [
        ("1999.9", "0", "2000"),  # 0.99995: rounds to 100 %
        ("1999.8999", "0", "2000"),  # 0.99994995: does not
        ("2600", "0", "2000"),
        ("400", "1200", "400"),  # an indicator that should go down, reached
        ("400.04", "1200", "400"),  # 0.99995 of the way down
        ("400.05", "1200", "400"),
        ("1300", "1200", "400"),  # worse than the baseline
        ("49.9985", "20", "50"),
        ("49.998", "20", "50"),
        ("10", None, "10"),  # no baseline: from zero
        ("10", "10", "10"),  # target at the baseline: no progress can be told
        ("10", "0", None),
        ("0", "0", "0.0001"),
    ],
)
def test_indicators_at_target_are_counted_in_sql_as_in_python(actual, baseline, target):
    """`reaches_target` is `progress(...) >= 1` without a division, on both databases, at the rounding's edge."""
    numbers = [D(v) if v is not None else None for v in (actual, baseline, target)]
    row = sa.select(
        *(sa.cast(sa.literal(v, Quantity()), Quantity()).label(n) for v, n in zip(numbers, "abt", strict=True))
    ).subquery()
    in_sql = db.session.scalar(sa.select(sa.case((reaches_target(row.c.a, row.c.b, row.c.t), True), else_=False)))
    share = progress(*numbers)
    assert in_sql == (share is not None and share >= 1)


def test_the_annual_page_of_this_year_counts_what_the_report_shows(app, fund, portfolio, linked):
    """This year's page reads the standings; the report reads every programme's history: the same figures."""
    running = linked(date(2025, 7, 1))  # runs to mid-2027; its first period (to June 2026) not reported yet
    assert running.start_date.year == 2025
    with app.test_request_context():
        data = reports.annual_report_data(fund, RESULTS_DAY.year, "en", with_charts=False)
        assert reports.headline_figures(fund, RESULTS_DAY.year) == {"summary": data["summary"], "areas": data["areas"]}
    assert data["summary"]["programmes"] == 2
    assert data["summary"]["indicators_reported"] == 4  # P2's accepted first report; its second is only submitted


def test_the_kept_totals_count_each_linked_indicator_once(framework, portfolio):
    """P1's two accepted reports and P2's one give eight standings; P3's draft none."""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 3
    totals = q.kept_totals(framework)
    assert sum(found[0][0] for found in totals.values()) == len(recomputed_standings()) == 8


def test_the_programmes_list_reads_each_programmes_progress_from_its_standings(portfolio):
    """The list shows each programme's progress as of today without reading its reports: the same figures."""
    for programme in portfolio:
        readings = q.latest_accepted([i.id for i in programme.indicators], RESULTS_DAY)
        from_reports = q.programme_progress(programme, readings)
        kept = q.standing_progress(programme)
        assert {i: (p.actual, p.as_of, p.progress) for i, p in kept.items()} == {
            i: (p.actual, p.as_of, p.progress) for i, p in from_reports.items()
        }


def kept_year_figures() -> tuple[list[Any], list[Any]]:
    t, k = ResultsYearTotal, ProgrammeYearFigure
    totals = sa.select(t.fund_id, t.year, t.figure, t.key, t.count).where(t.count != 0)
    parts = sa.select(k.programme_id, k.year, k.figure, k.key, k.count)
    return sorted(db.session.execute(totals).tuples()), sorted(db.session.execute(parts).tuples())


def assert_year_figures_as_counted_afresh() -> None:
    """The fund's figures per year, and each programme's part of them, are those counted afresh from the programmes,
    their indicators and their reports."""
    db.session.flush()
    kept = kept_year_figures()
    savepoint = db.session.begin_nested()
    rebuild_year_figures(db.session.connection())
    assert kept_year_figures() == kept
    savepoint.rollback()


def assert_programmes_by_area_as_counted(fund) -> None:
    """The programmes per thematic area the framework's page shows (started by the cutoff: the kept figures up to its
    year less the programmes starting later that year) are those counted from every programme, at any day of a
    year."""
    db.session.flush()
    for cutoff in (date(2024, 12, 31), date(2025, 6, 30), date(2025, 7, 1), date(2025, 12, 31), RESULTS_DAY):
        every = q.started_by_area(fund, None, cutoff)
        counted = db.session.execute(sa.select(every.c.area_id, sa.func.count()).group_by(every.c.area_id)).all()
        assert q.programmes_by_area(fund, cutoff) == {int(key): n for key, n in counted}, cutoff


@pytest.mark.both_engines
def test_the_figures_per_year_follow_every_operation_that_changes_them(app, fund, finished, make_programme, fmu):
    """A programme approved, paid (it starts on its first transfer, then on the day the FMU set), reported on to its
    end and closed; another established as approved, activated, its first period moved: after each operation the
    fund's figures per year are those counted afresh, and the annual page of each year shows what the report counts
    from every programme."""
    assert_year_figures_as_counted_afresh()
    assert_programmes_by_area_as_counted(fund)
    other = make_programme(start=date(2025, 7, 1), state=ProposalState.approved)
    assert_year_figures_as_counted_afresh()
    assert_programmes_by_area_as_counted(fund)
    activate_programme(other.proposal, actor=fmu)
    assert_year_figures_as_counted_afresh()
    assert_programmes_by_area_as_counted(fund)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    assert_year_figures_as_counted_afresh()
    assert_programmes_by_area_as_counted(fund)
    first = other.periods[0]
    ops.update_period(first, start=first.start_date, end=date(2025, 11, 30), due=first.due_date, actor=fmu)
    assert_year_figures_as_counted_afresh()
    assert_programmes_by_area_as_counted(fund)
    db.session.commit()
    with app.test_request_context():
        for year in (2024, 2025, RESULTS_DAY.year):
            data = reports.annual_report_data(fund, year, "en", with_charts=False)
            assert reports.headline_figures(fund, year) == {"summary": data["summary"], "areas": data["areas"]}, year
    summary = data["summary"]
    assert (summary["programmes"], summary["active"], summary["closed"]) == (1, 1, 0)  # the closed one ended in 2025
    with app.test_request_context():
        last_year = reports.headline_figures(fund, 2025)["summary"]
    assert (last_year["programmes"], last_year["active"], last_year["closed"]) == (2, 1, 1)
    assert last_year["reports_accepted"] > 0
