"""The finance demo: donors' money from demo.yaml, and transfers for the demo's running and closed programmes."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db, to_cents
from fundmgr.finance.demo import FULL_UNTIL, LATER_SHARE, OUTSTANDING_FROM, seed_contributions, seed_transfers
from fundmgr.finance.models import Contribution, ContributionKind, EntryKind, Expenditure, LedgerEntry, Transfer
from fundmgr.finance.queries import (
    allocation_money,
    balances,
    capitalization_by_year,
    contributions_by_donor,
    delivery_by_organization,
)
from fundmgr.i18n import localize
from fundmgr.proposals.models import ProposalState
from fundmgr.scenario import demo_data

D = Decimal


def scaled_usd(payment: dict) -> Decimal:
    """A demo payment in USD: in full until FULL_UNTIL, at LATER_SHARE after."""
    share = D(1) if payment["date"] <= FULL_UNTIL else LATER_SHARE
    return to_cents(to_cents(D(payment["amount"]) * share) * D(payment["rate_to_usd"]))


def test_contributions_follow_the_demo_file_and_a_second_run_adds_nothing(fund):
    payments = demo_data()["donors_contributions"]
    signed = {}
    for payment in sorted(payments, key=lambda p: p["date"]):
        signed.setdefault(payment["commitment_reference"], payment["date"])
    paid = [p for p in payments if signed[p["commitment_reference"]] < OUTSTANDING_FROM]
    seed_contributions(fund)
    first = balances(fund)
    counts = Counter(db.session.scalars(sa.select(Contribution.kind)))
    assert counts[ContributionKind.deposit] == len(paid)
    assert counts[ContributionKind.commitment] == len(signed)
    assert first.received == sum(scaled_usd(p) for p in paid)
    assert first.received == D("31018680.00")
    # the agreements signed in 2026 are not paid yet
    outstanding = sum((d.outstanding for d in contributions_by_donor(fund)), D("0"))
    assert outstanding == sum(scaled_usd(p) for p in payments if p not in paid)
    assert outstanding == D("1259600.00")
    # a little interest for each past year, far below the deposits
    interest = db.session.scalars(sa.select(LedgerEntry.amount).where(LedgerEntry.kind == EntryKind.interest)).all()
    assert len(interest) == 7
    assert D("100000") < sum(interest) < D("1000000")
    seed_contributions(fund)
    assert balances(fund) == first


def test_deposits_always_cover_the_demo_allocations_of_their_time(fund):
    """By the end of each year the money received covers the programmes started by then (none funded on credit)."""
    seed_contributions(fund)
    years = {y.year: y.cumulative_deposited for y in capitalization_by_year(fund)}
    funded = [p for p in demo_data()["proposals"] if p["status"] in ("approved", "active", "closed")]
    for year, deposited in years.items():
        started = sum(D(p["budget_total"]) for p in funded if p["start"].year <= year)
        assert started <= deposited * D("0.99"), year


def test_the_demo_fund_holds_less_than_its_pipeline_needs(fund):
    """After the funded portfolio (USD 23.9 million) what is left cannot pay the 8 endorsed proposals (18.5 million)."""
    seed_contributions(fund)
    proposals = demo_data()["proposals"]
    funded = sum(D(p["budget_total"]) for p in proposals if p["status"] in ("approved", "active", "closed"))
    pipeline = sum(D(p["budget_total"]) for p in proposals if p["status"] == "endorsed")
    left = balances(fund).available - funded
    assert D("0") < left < pipeline


def demo_proposal(status: str) -> dict:
    return next(p for p in demo_data()["proposals"] if p["status"] == status)


def test_tranches_activate_the_demo_programmes_and_pay_the_completed_ones_in_full(fund, make_deposit, approve):
    make_deposit("5000000.00")
    closed_spec, active_spec = demo_proposal("closed"), demo_proposal("active")
    closed, _ = approve(title=localize(closed_spec["title"], "en"))
    active, _ = approve(title=localize(active_spec["title"], "en"))
    seed_transfers(fund)
    db.session.expire_all()
    assert closed.state is ProposalState.active  # the results demo closes it, once its final report is accepted
    assert active.state is ProposalState.active
    transfers = db.session.scalars(sa.select(Transfer).order_by(Transfer.id)).all()
    by_programme = Counter(t.allocation.proposal_id for t in transfers)
    assert by_programme == {closed.id: 6, active.id: 4}  # 3 tranches x 2 organizations; the last one not yet
    assert all(t.on_date > max(closed_spec["start"], t.allocation.decided_on) for t in transfers)
    for money in allocation_money([t.allocation for t in transfers if t.tranche == 1]):
        expected_left = 0 if money.allocation.proposal_id == closed.id else to_cents(money.allocation.total * D("0.25"))
        assert money.to_transfer == expected_left
    seed_transfers(fund)
    assert db.session.scalar(sa.select(sa.func.count(Transfer.id))) == 10


def test_the_demo_programmes_report_expenditure_within_their_transfers(fund, make_deposit, approve):
    """Through the real operation: every funded organization reports, closed ones near all they received."""
    make_deposit("5000000.00")
    _closed, closed_allocations = approve(title=localize(demo_proposal("closed")["title"], "en"))
    _active, active_allocations = approve(title=localize(demo_proposal("active")["title"], "en"))
    seed_transfers(fund)
    db.session.expire_all()
    for allocations, delivery in ((closed_allocations, D("0.97")), (active_allocations, D("0.65"))):
        for row in delivery_by_organization(fund, allocations):
            assert row.expenditure <= row.net_transferred
            assert row.rate is not None
            assert delivery - D("0.001") <= row.rate <= delivery
    audited = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "expenditure.recorded"))
    assert audited == db.session.scalar(sa.select(sa.func.count(Expenditure.id))) > 0


def test_the_demo_has_a_budget_revision_and_a_top_up_through_the_operations(demo_app, fund):
    """One programme's lead agency asked for both: the FMU approved the revision (the budget's next version, its total
    unchanged), the Steering Committee the top-up (a new allocation to the same programme); both audited."""
    from fundmgr.finance.models import Allocation, BudgetRevision, TopUp, TopUpState

    (revision,) = db.session.scalars(sa.select(BudgetRevision)).all()
    assert revision.state is TopUpState.approved
    assert revision.version is not None
    assert revision.version.total == revision.base_version.total
    (top_up,) = db.session.scalars(sa.select(TopUp)).all()
    assert (top_up.state, top_up.amount) == (TopUpState.approved, Decimal("50000.00"))
    allocation = db.session.scalar(sa.select(Allocation).where(Allocation.top_up_id == top_up.id))
    assert allocation.total == Decimal("50000.00")
    assert allocation.proposal_id == revision.proposal_id == top_up.proposal_id
    audited = sa.or_(
        sa.and_(AuditEntry.object_type == "budget_revision", AuditEntry.object_id == str(revision.id)),
        sa.and_(AuditEntry.object_type == "top_up", AuditEntry.object_id == str(top_up.id)),
    )
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(audited)))
    assert {"budget_revision.approved", "top_up.forwarded", "top_up.approved"} <= actions
    # the revision moves one amount from a budget line to two others: three lines adding up to zero
    assert len(revision.lines) == 3
    assert sum(line.amount for line in revision.lines) == 0


def test_the_demos_closed_programme_has_every_final_statement_uploaded_agreeing_with_the_ledger(demo_app, fund):
    """Each organization paid on the programme closed financially uploaded its certified final statements (a PDF),
    their total equal to the cent to its certified expenditure and to its transfers less refunds in the ledger."""
    from fundmgr.finance.models import Allocation, FinalStatement
    from fundmgr.finance.operations import certified_expenditure, owing_organizations
    from fundmgr.proposals.models import Proposal
    from fundmgr.storage import read_stored

    (closed,) = db.session.scalars(sa.select(Proposal).where(Proposal.financially_closed_on.is_not(None))).all()
    statements = db.session.scalars(sa.select(FinalStatement).where(FinalStatement.proposal_id == closed.id)).all()
    assert {s.organization_id for s in statements} == {o.id for o in owing_organizations(closed)}
    for statement in statements:
        assert read_stored(statement.storage_key).startswith(b"%PDF")
        assert statement.received_on == closed.financially_closed_on
        in_ledger = db.session.scalar(
            sa.select(sa.func.sum(LedgerEntry.amount))
            .join(Allocation, Allocation.id == LedgerEntry.allocation_id)
            .where(Allocation.proposal_id == closed.id, Allocation.organization_id == statement.organization_id,
                   LedgerEntry.kind.in_([EntryKind.transfer, EntryKind.refund]))
        )  # fmt: skip
        assert statement.certified_total == certified_expenditure(closed, statement.organization_id) == -in_ledger
        received = sa.select(AuditEntry).where(AuditEntry.action == "final_statement.received")
        entry = db.session.scalars(received.where(AuditEntry.object_id == str(statement.id))).one()
        assert entry.actor_id == statement.received_by_id
