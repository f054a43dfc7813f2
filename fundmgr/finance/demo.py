"""Demo data for finance (see fundmgr/demo/seed.py for the order of the steps)."""

from __future__ import annotations

from fundmgr.funds.models import Fund


def seed_contributions(fund: Fund) -> list[str]:
    """Not written yet: returns no report lines."""
    return []


def seed_transfers(fund: Fund) -> list[str]:
    """Not written yet: returns no report lines."""
    return []
