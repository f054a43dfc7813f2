"""Reading the values a lead agency types into a progress report, and checking that their parts add up.

Values are typed: a number or nothing. "N/A", "yes", "1e5", "NaN" are refused with a message that
names the indicator, so the roll-ups never meet text. A dimension's parts are all given or none;
for counts, the parts of every given dimension add up to the total (or make it, when it is blank).
Percentages are not sums of their parts (each part is a percentage of its own group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import gettext as _

from fundmgr.i18n import current_language, localize
from fundmgr.results.models import Measure

# What a typed number may hold: digits, separators and the spaces people group thousands with.
NUMBER_CHARACTERS = re.compile(r"^[0-9.,\s\u00a0\u202f']*[0-9][0-9.,\s\u00a0\u202f']*$")
SPACES = re.compile(r"[\s\u00a0\u202f']")
MAX_VALUE = Decimal(10) ** 14
MAX_DECIMALS = 4


class BadValue(ValueError):
    """A typed value that is not a usable number; the message says why."""


def parse_value(text: str | None, language: str | None = None) -> Decimal | None:
    """A typed value as a Decimal, None when blank; BadValue when it is not a plain non-negative number.

    Read the way the user's language writes numbers (1,200.5 in English, 1.200,5 in Spanish), strictly:
    an ambiguous "12.5" typed in Spanish is refused with the readings babel suggests, never guessed.
    """
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise BadValue(_("must not be negative"))
    if not NUMBER_CHARACTERS.match(text):
        raise BadValue(_("must be a number (for example 1250 or 12.5)"))
    try:
        value = parse_decimal(SPACES.sub("", text), locale=language or current_language(), strict=True)
    except NumberFormatError as exc:
        if exc.suggestions:
            raise BadValue(_("is ambiguous: did you mean %(readings)s?", readings=" / ".join(exc.suggestions))) from exc
        raise BadValue(_("must be a number (for example 1250 or 12.5)")) from exc
    if value >= MAX_VALUE:
        raise BadValue(_("is too large"))
    if -value.as_tuple().exponent > MAX_DECIMALS:
        raise BadValue(_("may have at most %(n)d decimals", n=MAX_DECIMALS))
    return value


def value_text(value: Decimal | None) -> str:
    """A value as plain data (exports, stored parts): no exponent, no trailing zeros, a dot."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_quantity(value: Decimal | str | None, language: str | None = None) -> str:
    """An indicator value for reading: grouped thousands, decimals only when there are some (1,250 / 12.5)."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(value), format="#,##0.####", locale=language or current_language())


def typed_text(value: Decimal | str | None, language: str | None = None) -> str:
    """A value as the user's language writes it, without grouping, so it reads back the same in a form."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(value), format="0.####", locale=language or current_language())


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
        actual = parse_value(entry.actual)
    except BadValue as exc:
        problems.append(_("%(indicator)s: the value %(reason)s.", indicator=name, reason=exc))
        actual = None
    breakdown: dict[str, dict[str, str]] = {}
    totals: list[tuple[str, Decimal]] = []
    for dimension in dimensions:
        parts, dimension_problems = read_parts(entry.parts.get(dimension["code"], {}), dimension, name)
        problems += dimension_problems
        if parts:
            breakdown[dimension["code"]] = {code: value_text(value) for code, value in parts.items()}
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
                    parts=value_text(total),
                    total=value_text(actual),
                )
            )
    return CheckedEntry(actual, breakdown, problems)


def read_parts(typed: dict[str, str], dimension: dict[str, Any], name: str) -> tuple[dict[str, Decimal], list[str]]:
    """The parts of one dimension: all categories given, or none (an incomplete split would mislead)."""
    problems = []
    parts: dict[str, Decimal] = {}
    for category in dimension["categories"]:
        try:
            value = parse_value(typed.get(category["code"]))
        except BadValue as exc:
            problems.append(
                _(
                    "%(indicator)s, %(group)s: the value %(reason)s.",
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
