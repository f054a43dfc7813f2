"""Roll-up arithmetic with known numbers: progress against target, and the four aggregation rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundmgr.results.models import AggregationRule
from fundmgr.results.rollup import Point, clamped, combine, mean, progress

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL


@pytest.mark.parametrize(
    ("actual", "baseline", "target", "expected"),
    [
        ("150", "0", "200", "0.75"),  # three quarters of the way
        ("40", "20", "60", "0.5"),  # from a baseline that is not zero
        ("260", "0", "200", "1.3"),  # past the target: the real figure is kept
        ("10", "20", "60", "-0.25"),  # worse than the baseline
        ("900", "1200", "300", "0.3333"),  # an indicator that must go down (children in detention)
        ("300", "1200", "300", "1"),
    ],
)
def test_progress_from_baseline_to_target(actual, baseline, target, expected):
    assert progress(Decimal(actual), Decimal(baseline), Decimal(target)) == Decimal(expected)


def test_progress_cannot_be_told_without_actual_target_or_distance():
    assert progress(None, Decimal(0), Decimal(10)) is None
    assert progress(Decimal(5), Decimal(0), None) is None
    assert progress(Decimal(5), Decimal(10), Decimal(10)) is None  # baseline equals target
    assert progress(Decimal(5), None, Decimal(10)) == Decimal("0.5")  # no baseline: counted from zero


def test_clamped_bounds_bars_to_zero_and_one():
    assert clamped(Decimal("1.3")) == 1
    assert clamped(Decimal("-0.25")) == 0
    assert clamped(Decimal("0.42")) == Decimal("0.42")
    assert clamped(None) is None


def test_mean_ignores_unknown_values():
    assert mean([Decimal("0.5"), None, Decimal("1")]) == Decimal("0.75")
    assert mean([Decimal(1), Decimal(1), Decimal(0)]) == Decimal("0.6667")
    assert mean([None]) is None


POINTS = [
    Point(Decimal("120"), date(2024, 12, 31), baseline=Decimal("0"), target=Decimal("500")),
    Point(Decimal("300"), date(2025, 12, 31), baseline=Decimal("10"), target=Decimal("400")),
    Point(Decimal("45.5"), date(2025, 6, 30), baseline=Decimal("0"), target=Decimal("100")),
]


@pytest.mark.parametrize(
    ("rule", "actual", "baseline", "target"),
    [
        (AggregationRule.sum, "465.5", "10", "1000"),
        (AggregationRule.average, "155.1667", "3.3333", "333.3333"),
        (AggregationRule.max, "300", "10", "500"),
        # latest: the value reported for the most recent period end, with that programme's baseline and target
        (AggregationRule.latest, "300", "10", "400"),
    ],
)
def test_combine_by_rule(rule, actual, baseline, target):
    combined = combine(rule, POINTS)
    assert (combined.actual, combined.baseline, combined.target) == (
        Decimal(actual),
        Decimal(baseline),
        Decimal(target),
    )
    assert combined.count == 3
    assert combined.as_of == date(2025, 12, 31)


def test_latest_between_equal_dates_takes_the_last_point_given():
    day = date(2025, 12, 31)
    assert combine(AggregationRule.latest, [Point(Decimal(1), day), Point(Decimal(2), day)]).actual == Decimal(2)


def test_combine_nothing_is_unknown_not_zero():
    combined = combine(AggregationRule.sum, [])
    assert combined.actual is None
    assert combined.count == 0
