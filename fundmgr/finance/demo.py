"""Demo data for finance (see fundmgr/demo/seed.py for the order of the steps).

demo.yaml lists the donors' payments under their agreements (`commitment_reference`). Paid in
full they would leave some USD 33 million idle while the pipeline waits, which no real fund
does. So the payments of the first two years (which paid for the first programmes, approved
in 2020) count in full and later ones at LATER_SHARE; each agreement is recorded as a
commitment signed at its first payment, and its payments as deposits, except for the
agreements signed since OUTSTANDING_FROM: those are signed, not paid yet. The fund then holds
less than its pipeline needs, and never allocated money before it arrived.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Organization
from fundmgr.db import db, to_cents
from fundmgr.finance import operations as ops
from fundmgr.finance.models import (
    Allocation,
    Contribution,
    ContributionKind,
    EntryKind,
    ExpenditureKind,
    LedgerEntry,
)
from fundmgr.finance.queries import allocation_money, balances
from fundmgr.funds.models import Fund
from fundmgr.i18n import localize
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.scenario import demo_data

FULL_UNTIL = date(2020, 12, 31)
LATER_SHARE = Decimal("0.40")
OUTSTANDING_FROM = date(2026, 1, 1)
# Interest the Administrative Agent credits each year, as a share of the net deposits held:
# near zero in 2020-2021, higher when rates rose.
INTEREST_RATES = {
    2019: Decimal("0.002"),
    2020: Decimal("0.001"),
    2021: Decimal("0.0005"),
    2022: Decimal("0.002"),
    2023: Decimal("0.004"),
    2024: Decimal("0.004"),
    2025: Decimal("0.003"),
}
# Tranches of an allocation: the first at the start, the next ones a year apart; the last one
# follows the final report, so a programme still running has not received it.
TRANCHE_SHARES = (Decimal("0.40"), Decimal("0.35"), Decimal("0.25"))


def seed_contributions(fund: Fund) -> list[str]:
    """Donor commitments and deposits from demo.yaml, and yearly interest; existing entries are skipped."""
    entries = demo_data().get("donors_contributions") or []
    agreements: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        share = Decimal(1) if entry["date"] <= FULL_UNTIL else LATER_SHARE
        scaled = to_cents(Decimal(str(entry["amount"])) * share)
        agreements[entry["commitment_reference"]].append({**entry, "amount": scaled})
    added = 0
    for reference, payments in agreements.items():
        commitment = commitment_of(reference, payments)
        added += record_once(fund, commitment)
        if commitment["date"] < OUTSTANDING_FROM:
            for payment in payments:
                added += record_once(fund, contribution_data(fund, payment, ContributionKind.deposit))
    db.session.flush()
    interest = seed_interest(fund)
    result = balances(fund)
    return [
        f"Contributions: {added} entries added ({len(agreements)} agreements), {interest} interest entries added; "
        f"deposits USD {result.received:,.2f}, fees {result.fees:,.2f}, interest {result.interest:,.2f}, "
        f"available {result.available:,.2f}."
    ]


def contribution_data(fund: Fund, entry: dict[str, Any], kind: ContributionKind) -> ops.ContributionData:
    donor = db.session.scalar(sa.select(Organization).where(Organization.code == entry["donor"]))
    area = next((a for a in fund.thematic_areas if a.code == entry.get("earmark")), None)
    return ops.ContributionData(
        donor=donor,
        kind=kind,
        on_date=entry["date"],
        currency=entry["currency"],
        amount=Decimal(str(entry["amount"])),
        rate_to_usd=Decimal(str(entry["rate_to_usd"])),
        area=area,
        reference=entry["commitment_reference"],
    )


def commitment_of(reference: str, payments: list[dict[str, Any]]) -> dict[str, Any]:
    """The agreement behind payments: signed on the first payment's date for their sum, at its rate."""
    first = min(payments, key=lambda p: p["date"])
    total = sum((Decimal(str(p["amount"])) for p in payments), Decimal("0.00"))
    return {**first, "amount": total, "commitment_reference": reference, "kind": ContributionKind.commitment}


def record_once(fund: Fund, entry: dict[str, Any] | ops.ContributionData) -> int:
    """Record a contribution unless one of the same kind, agreement and date exists; 1 if added."""
    if isinstance(entry, dict):
        entry = contribution_data(fund, entry, entry["kind"])
    exists = db.session.scalar(
        sa.select(Contribution.id).where(
            Contribution.fund_id == fund.id,
            Contribution.kind == entry.kind,
            Contribution.reference == entry.reference,
            Contribution.on_date == entry.on_date,
        )
    )
    if exists:
        return 0
    ops.record_contribution(fund, entry, actor=None)
    return 1


def seed_interest(fund: Fund) -> int:
    """Interest at the end of each past year on the net deposits held then; 1 entry per year."""
    added = 0
    for year, rate in sorted(INTEREST_RATES.items()):
        reference = f"AA-INTEREST-{year}"
        if year >= clock.today(fund).year or db.session.scalar(
            sa.select(LedgerEntry.id).where(LedgerEntry.fund_id == fund.id, LedgerEntry.reference == reference)
        ):
            continue
        held = db.session.scalar(
            sa.select(sa.func.sum(LedgerEntry.amount)).where(
                LedgerEntry.fund_id == fund.id,
                LedgerEntry.kind.in_([EntryKind.deposit, EntryKind.aa_fee]),
                LedgerEntry.on_date <= date(year, 12, 31),
            )
        )
        if held:
            amount = to_cents(held * rate)
            ops.record_interest(fund, amount=amount, on_date=date(year, 12, 31), reference=reference, actor=None)
            added += 1
    db.session.flush()
    return added


def seed_transfers(fund: Fund) -> list[str]:
    """Transfer the approved demo programmes' allocations in tranches (the results demo closes the completed ones)."""
    statuses = {localize(p["title"], "en"): p for p in demo_data().get("proposals") or []}
    proposals = db.session.scalars(
        sa.select(Proposal).where(
            Proposal.fund_id == fund.id,
            Proposal.state.in_([ProposalState.approved, ProposalState.active]),
        )
    )
    transfers = reports = 0
    for proposal in proposals:
        spec = statuses.get(proposal.title)
        if spec is None or spec["status"] not in ("active", "closed"):
            continue
        transfers += transfer_tranches(proposal, spec, full=spec["status"] == "closed")
        reports += seed_expenditure(proposal, closing=spec["status"] == "closed")
    db.session.flush()
    return [
        f"Transfers: {transfers} tranches recorded.",
        f"Expenditure: {reports} figures reported by participating organizations.",
    ]


# How the demo's organizations spend, by the number of the UNSDG budget category (staff, supplies,
# contractual services, travel, transfers to counterparts, general operating costs).
SPENDING = {1: Decimal("0.35"), 2: Decimal("0.10"), 4: Decimal("0.25"), 5: Decimal("0.08"), 6: Decimal("0.12"),
            7: Decimal("0.10")}  # fmt: skip


def seed_expenditure(proposal: Proposal, *, closing: bool) -> int:
    """Each organization reports what it spent of its transfers, through the real operation.

    Past years are certified annual figures; the current year an interim one. A programme about to
    close has spent 97% of what it received, an active one 65% (delivery lags the transfers).
    """
    fund = proposal.fund
    today = clock.today(fund)
    categories = {c.number: c for c in fund.budget_categories if not c.retired}
    allocations = db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == proposal.id).order_by(Allocation.id)
    ).all()
    reported = 0
    for money in allocation_money(allocations):
        allocation = money.allocation
        if money.net_transferred <= 0 or not allocation.transfers:
            continue
        first = min(t.on_date for t in allocation.transfers).year
        years = list(range(first, today.year + 1))
        spent = money.net_transferred * (Decimal("0.97") if closing else Decimal("0.65"))
        for year in years:
            kind = ExpenditureKind.annual if year < today.year or closing else ExpenditureKind.interim
            for number, share in SPENDING.items():
                if number not in categories:
                    continue
                amount = to_cents(spent * share / len(years) - Decimal("0.005"))  # rounded down: never above
                ops.record_expenditure(
                    allocation, year=year, category=categories[number], kind=kind, amount=amount, actor=None
                )
                reported += 1
    return reported


def transfer_tranches(proposal: Proposal, spec: dict[str, Any], *, full: bool) -> int:
    """The tranches due by today, a year apart from the start; the last one only for a closed programme."""
    allocations = db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == proposal.id).order_by(Allocation.id)
    ).all()
    start = max([spec["start"], *(a.decided_on for a in allocations)])
    today = clock.today(proposal.fund)
    tranches = len(TRANCHE_SHARES) if full else len(TRANCHE_SHARES) - 1
    added = 0
    for money in allocation_money(allocations):
        allocation = money.allocation
        for number in range(len(allocation.transfers) + 1, tranches + 1):
            on_date = start + timedelta(days=365 * (number - 1) + 14)
            if on_date > today and not full:
                break
            last = number == len(TRANCHE_SHARES)
            amount = money.to_transfer if last else to_cents(allocation.total * TRANCHE_SHARES[number - 1])
            ops.record_transfer(
                allocation,
                amount=amount,
                on_date=min(on_date, today),
                reference=f"{allocation.reference}-T{number}-{allocation.organization.code}"[:60],
                actor=None,
            )
            money.transferred += amount
            added += 1
    return added
