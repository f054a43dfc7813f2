"""The proposal factory builds consistent proposals; budget totals reconcile to the cent."""

from __future__ import annotations

from decimal import Decimal

from fundmgr.proposals.budget import budget_totals, programme_years
from fundmgr.proposals.models import ProposalState


def test_budget_totals_reconcile(make_proposal):
    """Do per-organization, per-year and overall totals agree, with 7% indirect costs rounded to the cent?"""
    proposal = make_proposal(direct={"IOM": "700000.01", "UNHCR": "500000.00"}, duration_months=30)
    totals = budget_totals(proposal)
    assert totals.years == 3
    assert totals.direct == Decimal("1200000.01")
    iom = next(p for p in totals.participants.values() if p.direct == Decimal("700000.01"))
    assert iom.indirect == Decimal("49000.00")  # 49000.0007 rounds half up to the cent
    assert totals.indirect == Decimal("49000.00") + Decimal("35000.00")
    assert sum(totals.by_year.values()) == totals.direct
    assert sum(totals.by_category.values()) == totals.direct
    assert totals.total == Decimal("1284000.01")


def test_version_snapshot_carries_the_budget(make_proposal):
    """Does a submitted proposal's frozen version hold its budget and totals as exact strings?"""
    proposal = make_proposal(ProposalState.in_review)
    version = proposal.latest_version
    assert version.number == 1
    assert version.total == Decimal("1284000.00")
    snap = version.snapshot.stored()
    assert snap["totals"] == {"direct": "1200000.00", "indirect": "84000.00", "total": "1284000.00"}
    assert {p["code"]: p["total"] for p in snap["participants"]} == {"IOM": "749000.00", "UNHCR": "535000.00"}
    assert snap["matrix"][0]["outputs"][0]["indicators"][0]["target"] == "200"


def test_programme_years():
    assert [programme_years(m) for m in (1, 12, 13, 24, 36, 48)] == [1, 1, 2, 2, 3, 4]
