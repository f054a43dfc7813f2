"""Fund indicators roll up the linked programme indicators by their rule, from accepted reports only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundmgr.accounts.models import Role
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.models import Measure
from tests.support.results import RESULTS_DAY, entries_for, indicator, submitted_report

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL

MATRIX = [
    {
        "statement": "Migrants are protected and included.",
        "indicators": [
            indicator("Migrants assisted", "persons", "0", "2000"),
            indicator("Countries in the data platform", "countries", "0", "10"),
            indicator("Share of households using digital remittances", "% of households", "20", "50"),
            indicator("Children in immigration detention", "children", "1200", "400"),
        ],
        "outputs": [],
    }
]
LINKS = {
    "Migrants assisted": "IN2.1",  # sum
    "Countries in the data platform": "IN1.2",  # max
    "Share of households using digital remittances": "IN4.2",  # average
    "Children in immigration detention": "IN2.3",  # latest
}


def values(assisted, countries, share, children) -> dict[str, str]:
    return {
        "Migrants assisted": assisted,
        "Countries in the data platform": countries,
        "Share of households using digital remittances": share,
        "Children in immigration detention": children,
    }


@pytest.fixture
def linked(make_programme, framework, make_user):
    """Make a programme with the test matrix, its indicators linked to the fund's."""
    fmu = make_user(Role.fmu)
    by_code = {i.code: i for i in framework.indicators}

    def _make(start: date):
        programme = make_programme(start=start, matrix=MATRIX)
        links = [ops.IndicatorLink(i, by_code[LINKS[i.name]], [], i.measure) for i in programme.indicators]
        ops.set_indicator_links(programme, links, actor=fmu)
        return programme

    return _make


@pytest.fixture
def portfolio(fund, linked, accepted_report, lead_of):
    """P1 reports 2024 and 2025 (accepted); P2 reports to March 2025 (accepted) and to March 2026 (only submitted);
    P3 has a draft. Only accepted figures may count."""
    # reports every 12 months from each start (the roll-up rules are under test, not the MPTF's calendar years)
    fund.reporting_calendar = {"basis": "programme_year", "period_months": 12, "due_days_after_period": 60}
    p1 = linked(date(2024, 1, 1))
    p2 = linked(date(2024, 4, 1))
    p3 = linked(date(2024, 1, 1))
    accepted_report(p1, 1, values("600", "4", "30", "1000"))
    accepted_report(p1, 2, values("1400", "6", "45", "800"))
    accepted_report(p2, 1, values("250", "9", "35", "700"))
    submitted_report(p2, 2, values("900", "12", "48", "500"), lead_of(p2))
    ops.save_report(p3.periods[0], entries_for(p3, values("5000", "15", "90", "0")), actor=lead_of(p3))
    return p1, p2, p3


def test_the_percentage_indicators_are_recognized(linked):
    programme = linked(date(2024, 1, 1))
    measures = [i.measure for i in programme.indicators]
    assert measures == [Measure.number, Measure.number, Measure.percentage, Measure.number]


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        (
            date(2025, 12, 31),
            {
                "IN2.1": ("1650", 2, "0.0275"),  # sum: P1's 1,400 (2025) + P2's 250 (March 2025)
                "IN1.2": ("9", 2, "0.6"),  # max: P2's 9 countries against the fund's target of 15
                "IN4.2": ("40", 2, "0.6667"),  # average of 45 and 35 %, from 20 towards 50 %
                "IN2.3": ("800", 2, "0.4444"),  # latest: P1's December 2025 figure, from 1,200 towards 300
            },
        ),
        (
            date(2024, 12, 31),
            {
                "IN2.1": ("600", 1, "0.01"),
                "IN1.2": ("4", 1, "0.2667"),
                "IN4.2": ("30", 1, "0.3333"),
                "IN2.3": ("1000", 1, "0.2222"),
            },
        ),
    ],
)
def test_fund_indicators_roll_up_accepted_values_by_their_rule(fund, portfolio, cutoff, expected):
    rollups = {r.indicator.code: r for r in q.fund_rollups(fund, cutoff).values()}
    got = {code: (rollups[code].actual, rollups[code].combined.count, rollups[code].progress) for code in expected}
    assert got == {code: (Decimal(a), n, Decimal(p)) for code, (a, n, p) in expected.items()}


def test_fund_indicators_without_linked_values_are_unknown_not_zero(fund, portfolio):
    rollup = next(r for r in q.fund_rollups(fund, RESULTS_DAY).values() if r.indicator.code == "IN2.2")
    assert (rollup.actual, rollup.progress, rollup.combined.count) == (None, None, 0)


def test_progress_per_outcome_and_thematic_area(fund, portfolio):
    """An outcome's progress is the mean of its indicators' progress bounded to 0..100 %, unknown ones left out."""
    areas = {a.area.code: a for a in q.area_rollups(fund, date(2025, 12, 31))}
    protection = areas["TA2"]
    assert protection.programme_count == 3
    [outcome] = protection.outcomes
    assert outcome.outcome.code == "OC2"
    assert outcome.progress == Decimal("0.2360")  # mean of 0.0275 (IN2.1) and 0.4444 (IN2.3)
    assert protection.progress == Decimal("0.2360")
    assert areas["TA1"].progress == Decimal("0.6")  # only IN1.2 has values
    assert areas["TA5"].progress is None


def test_programme_progress_uses_its_own_targets(portfolio):
    p1 = portfolio[0]
    readings = q.latest_accepted([i.id for i in p1.indicators], date(2025, 12, 31))
    items = q.programme_progress(p1, readings)
    shares = [items[i.id].progress for i in p1.indicators]
    assert shares == [Decimal("0.7"), Decimal("0.6"), Decimal("0.8333"), Decimal("0.5")]
    assert q.outcome_progress(items.values()) == Decimal("0.6583")


def test_values_above_target_show_their_real_share_but_fill_the_bar(linked, accepted_report):
    programme = linked(date(2024, 1, 1))
    accepted_report(programme, 1, values("2600", "10", "50", "400"))
    readings = q.latest_accepted([i.id for i in programme.indicators], RESULTS_DAY)
    assisted = q.programme_progress(programme, readings)[programme.indicators[0].id]
    assert (assisted.progress, assisted.bar) == (Decimal("1.3"), Decimal(1))
