"""Roll-up arithmetic, in Decimal: progress against target, and fund indicators combining programme values.

Progress is (actual - baseline) / (target - baseline), so it also reads right for indicators that
should go down (a target below the baseline). The real figure is kept (130 % when a target is
exceeded, negative when things got worse); `clamped` bounds it to 0..1 for bars and for the
averages per outcome and thematic area, so one indicator far past its target cannot hide another
that is behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from fundmgr.results.models import AggregationRule

QUANTUM = Decimal("0.0001")  # the precision indicator values are stored with
ZERO, ONE = Decimal(0), Decimal(1)


@dataclass(frozen=True)
class Point:
    """One programme indicator's latest accepted value, as of the end of the period it was reported for."""

    value: Decimal
    as_of: date
    baseline: Decimal | None = None
    target: Decimal | None = None


@dataclass(frozen=True)
class Combined:
    """A fund indicator's roll-up: the combined actual, and the linked programmes' own baselines and targets."""

    actual: Decimal | None
    baseline: Decimal | None
    target: Decimal | None
    count: int
    as_of: date | None


def progress(actual: Decimal | None, baseline: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Share of the way from baseline to target (1 = target reached); None when it cannot be told."""
    if actual is None or target is None:
        return None
    start = baseline or ZERO
    if target == start:
        return None
    return ((actual - start) / (target - start)).quantize(QUANTUM, rounding=ROUND_HALF_UP)


def reaches_target(actual: sa.ColumnElement, baseline: sa.ColumnElement, target: sa.ColumnElement) -> sa.ColumnElement:
    """`progress(actual, baseline, target) >= 1` in SQL, exactly: the share rounds up to 1 from 0.99995 = 19999/20000,
    compared without a division (both sides multiplied by 20000 times the distance from baseline to target)."""
    start = sa.func.coalesce(baseline, sa.literal_column("0"))
    done, whole = sa.literal_column("20000") * (actual - start), sa.literal_column("19999") * (target - start)
    return sa.and_(
        actual.is_not(None),
        target.is_not(None),
        sa.or_(sa.and_(target > start, done >= whole), sa.and_(target < start, done <= whole)),
    )


def clamped(share: Decimal | None) -> Decimal | None:
    """A progress share bounded to 0..1, for display and for averaging."""
    if share is None:
        return None
    return min(max(share, ZERO), ONE)


def mean(values: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the values that are known; None when none is."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    return (sum(known, ZERO) / len(known)).quantize(QUANTUM, rounding=ROUND_HALF_UP)


def apply_rule(rule: AggregationRule, values: Sequence[Decimal | None]) -> Decimal | None:
    """Combine values by sum, average or max (unknown values are left out)."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if rule is AggregationRule.sum:
        return sum(known, ZERO)
    if rule is AggregationRule.max:
        return max(known)
    return mean(known)


def combine(rule: AggregationRule, points: Sequence[Point]) -> Combined:
    """Roll the linked programme indicators' values up by the fund indicator's rule.

    `latest` takes the value (and that programme's baseline and target) reported for the most recent
    period end; between equal dates the last point given wins, so callers pass them in a stable order.
    """
    if not points:
        return Combined(None, None, None, 0, None)
    as_of = max(p.as_of for p in points)
    if rule is AggregationRule.latest:
        newest = [p for p in points if p.as_of == as_of][-1]
        return Combined(newest.value, newest.baseline, newest.target, len(points), as_of)
    return Combined(
        actual=apply_rule(rule, [p.value for p in points]),
        baseline=apply_rule(rule, [p.baseline for p in points]),
        target=apply_rule(rule, [p.target for p in points]),
        count=len(points),
        as_of=as_of,
    )


def combine_totals(rule: AggregationRule, totals: Sequence, newest: Sequence | None) -> Combined:
    """`combine` from what the database summed instead of from the points themselves.

    totals: count, latest as-of date, then (sum, count of known, max) of the values, of the baselines
    and of the targets; newest: (value, baseline, target) of the point `combine` would call the newest.
    """
    count, as_of = totals[0], totals[1]
    if rule is AggregationRule.latest:
        value, baseline, target = newest
        return Combined(value, baseline, target, count, as_of)

    def by_rule(total: Decimal | None, known: int, highest: Decimal | None) -> Decimal | None:
        if not known:
            return None
        if rule is AggregationRule.sum:
            return total
        if rule is AggregationRule.max:
            return highest
        return (total / known).quantize(QUANTUM, rounding=ROUND_HALF_UP)

    return Combined(by_rule(*totals[2:5]), by_rule(*totals[5:8]), by_rule(*totals[8:11]), count, as_of)
