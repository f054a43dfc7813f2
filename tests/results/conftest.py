"""The results tests run on RESULTS_DAY (their programmes' periods are placed around it): the clock is frozen on it.
Their fixtures are the plugins in tests/fixtures/."""

from __future__ import annotations

import pytest

from tests.support.results import RESULTS_DAY


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    frozen_clock(RESULTS_DAY)
