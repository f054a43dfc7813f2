"""The tests of this folder set their dates around TODAY: the clock is frozen on it, so the fund's day stays TODAY
at any hour. Their fixtures are the plugins in tests/fixtures/."""

from __future__ import annotations

import pytest

from tests.support import TODAY


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    frozen_clock(TODAY)
