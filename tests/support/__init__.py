"""Plain helpers the tests import (no fixtures: those are the plugins in tests/fixtures/)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from fundmgr import clock

REPO = Path(__file__).resolve().parent.parent.parent  # the checkout: the package, tests, catalogs
# The day the session started (UTC). Tests that set dates around today freeze the clock on it (the same day for
# every fund, whatever the hour), so that the fund's day never moves under them.
TODAY = clock.today()
# A second fund written only as data (the documented example): its own vocabulary, markers, voting rule.
SECOND_FUND_FILE = REPO / "docs" / "examples" / "food-systems-fund.yaml"


def sampled_pairs(rows: Sequence[Any], columns: Sequence[Any], row_id: Callable[[Any], str] = str) -> list[Any]:
    """Every (row, column) pair of a table as test parameters; off the last database only a third of them run
    (the others carry the `sampled` mark), turning with the row, so that there every row meets a third of the
    columns and every column a third of the rows."""
    return [
        pytest.param(row, column, id=f"{row_id(row)}-{column}", marks=() if (i + j) % 3 == 0 else pytest.mark.sampled)
        for i, row in enumerate(rows)
        for j, column in enumerate(columns)
    ]


def sampled_rows(rows: Sequence[Any], row_id: Callable[[Any], str] = str) -> list[Any]:
    """Every row of a list as test parameters; off the last database only every third runs (`sampled_pairs` for
    a table of one column)."""
    return [pytest.param(row, id=row_id(row), marks=() if i % 3 == 0 else pytest.mark.sampled)
            for i, row in enumerate(rows)]  # fmt: skip
