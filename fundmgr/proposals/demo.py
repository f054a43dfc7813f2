"""Demo data for proposals (see fundmgr/demo/seed.py for the order of the steps)."""

from __future__ import annotations

from fundmgr.funds.models import Fund


def seed_proposals(fund: Fund) -> list[str]:
    """Not written yet: returns no report lines."""
    return []
