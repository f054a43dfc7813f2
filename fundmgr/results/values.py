"""Reading the values a lead agency types into a progress report, and checking that their parts add up.

Values are typed: a number or nothing, read by fundmgr.numbers ("N/A", "yes", "1e5", "NaN" are refused
with a message that names the indicator), so the roll-ups never meet text. A dimension's parts are all given or none;
for counts, the parts of every given dimension add up to the total (or make it, when it is blank).
Percentages are not sums of their parts (each part is a percentage of its own group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.i18n import localize
from fundmgr.numbers import INDICATOR_VALUE, NumberRefused, number_text, parse_number, plain_text
from fundmgr.results.models import Measure


@dataclass
class IndicatorEntry:
    """What was typed for one indicator: the total and the parts by dimension and category."""

    actual: str = ""
    parts: dict[str, dict[str, str]] = field(default_factory=dict)
    status: str = ""
    comment: str = ""


@dataclass
class CheckedEntry:
    """An entry read into numbers: the total (given or derived) and the parts as exact strings."""

    actual: Decimal | None
    breakdown: dict[str, dict[str, str]]
    problems: list[str]


def check_entry(
    entry: IndicatorEntry,
    *,
    name: str,
    measure: Measure,
    dimensions: list[dict[str, Any]],
) -> CheckedEntry:
    """Read one indicator's entry; every problem is named with the indicator (and the group) it concerns."""
    problems: list[str] = []
    try:
        actual = parse_number(entry.actual, INDICATOR_VALUE)
    except NumberRefused as exc:
        problems.append(_("%(indicator)s: %(reason)s", indicator=name, reason=exc))
        actual = None
    breakdown: dict[str, dict[str, str]] = {}
    totals: list[tuple[str, Decimal]] = []
    for dimension in dimensions:
        parts, dimension_problems = read_parts(entry.parts.get(dimension["code"], {}), dimension, name)
        problems += dimension_problems
        if parts:
            breakdown[dimension["code"]] = {code: plain_text(value) for code, value in parts.items()}
            totals.append((dimension_name(dimension), sum(parts.values(), Decimal(0))))
    if problems:
        return CheckedEntry(actual, breakdown, problems)
    if measure is Measure.percentage:
        if breakdown and actual is None:
            problems.append(_("%(indicator)s: give the overall percentage as well as its parts.", indicator=name))
        return CheckedEntry(actual, breakdown, problems)
    if actual is None and totals:
        actual = totals[0][1]  # derived from the parts
    for label, total in totals:
        if total != actual:
            problems.append(
                _(
                    "%(indicator)s: the parts by %(dimension)s add up to %(parts)s, not to the total %(total)s.",
                    indicator=name,
                    dimension=label,
                    parts=number_text(total, INDICATOR_VALUE),
                    total=number_text(actual, INDICATOR_VALUE),
                )
            )
    return CheckedEntry(actual, breakdown, problems)


def read_parts(typed: dict[str, str], dimension: dict[str, Any], name: str) -> tuple[dict[str, Decimal], list[str]]:
    """The parts of one dimension: all categories given, or none (an incomplete split would mislead)."""
    problems = []
    parts: dict[str, Decimal] = {}
    for category in dimension["categories"]:
        try:
            value = parse_number(typed.get(category["code"]), INDICATOR_VALUE)
        except NumberRefused as exc:
            problems.append(
                _(
                    "%(indicator)s, %(group)s: %(reason)s",
                    indicator=name,
                    group=category_name(category),
                    reason=exc,
                )
            )
            continue
        if value is not None:
            parts[category["code"]] = value
    if not problems and parts and len(parts) < len(dimension["categories"]):
        problems.append(
            _(
                "%(indicator)s: give every group of %(dimension)s (0 where there is none), or leave them all empty.",
                indicator=name,
                dimension=dimension_name(dimension),
            )
        )
    return ({} if problems else parts), problems


def dimension_name(dimension: dict[str, Any]) -> str:
    return localize(dimension["name"]).lower()


def category_name(category: dict[str, Any]) -> str:
    return localize(category["name"])
