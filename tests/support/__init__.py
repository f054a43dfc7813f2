"""Plain helpers the tests import (no fixtures: those are the plugins in tests/fixtures/)."""

from __future__ import annotations

from pathlib import Path

from fundmgr import clock

REPO = Path(__file__).resolve().parent.parent.parent  # the checkout: the package, tests, catalogs
# The day the session started (UTC). Tests that set dates around today freeze the clock on it (the same day for
# every fund, whatever the hour), so that the fund's day never moves under them.
TODAY = clock.today()
