"""Plain helpers the tests import (no fixtures: those are the plugins in tests/fixtures/)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from fundmgr import clock

REPO = Path(__file__).resolve().parent.parent.parent  # the checkout: the package, tests, catalogs
# The day the session started (UTC). Tests that set dates around today freeze the clock on it (the same day for
# every fund, whatever the hour), so that the fund's day never moves under them.
TODAY = clock.today()
# A second fund written only as data (the documented example): its own vocabulary, markers, voting rule.
SECOND_FUND_FILE = REPO / "docs" / "examples" / "food-systems-fund.yaml"
T = TypeVar("T")


def split_marks(index: int) -> tuple[pytest.MarkDecorator, ...]:
    """Where the index-th case of a multiplying table runs: every third on the first database (SQLite), the others
    on the last (PostgreSQL), so that each case runs once and every route and role still meets both engines."""
    return (pytest.mark.once,) if index % 3 == 0 else (pytest.mark.sampled,)


def sampled_pairs(rows: Sequence[Any], columns: Sequence[Any], row_id: Callable[[Any], str] = str) -> list[Any]:
    """Every (row, column) pair of a table as test parameters, each run once across the databases (`split_marks`),
    turning with the row: every row meets a third of the columns on SQLite and the rest on PostgreSQL."""
    return [
        pytest.param(row, column, id=f"{row_id(row)}-{column}", marks=split_marks(i + j))
        for i, row in enumerate(rows)
        for j, column in enumerate(columns)
    ]


def sampled_rows(rows: Sequence[Any], row_id: Callable[[Any], str] = str) -> list[Any]:
    """Every row of a list as test parameters, each run once across the databases (`split_marks`)."""
    return [pytest.param(row, id=row_id(row), marks=split_marks(i)) for i, row in enumerate(rows)]


def rotating(values: Sequence[T], index: int, k: int) -> list[T]:
    """k of the values for the index-th row of a table, turning with the index (the index-th run of k consecutive
    values, wrapping around): any ceil(len(values) / k) consecutive rows try every value, and every value meets about
    k / len(values) of the rows. For hostile values that one rule refuses everywhere (one parser, one check before
    any view): every value class still meets many routes, without the product of all values by all routes."""
    if k >= len(values):
        return list(values)
    start = index * k % len(values)
    return [values[(start + i) % len(values)] for i in range(k)]
