"""Approvals racing for the last dollars on PostgreSQL: the fund row lock lets only what the balance covers through."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, ValidationFailed
from fundmgr.finance.models import Allocation, Transfer
from fundmgr.finance.operations import allocate_approved, record_transfer
from fundmgr.finance.queries import balances
from fundmgr.funds.models import Fund
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion

D = Decimal
RACERS = 10


@pytest.mark.postgres_only
def test_racing_approvals_never_spend_more_than_the_balance(committed, fund, make_proposal, make_deposit):
    """Ten approvals of USD 535,000 at once against USD 1,705,000: exactly three pass, seven are refused."""
    proposals = [
        make_proposal(ProposalState.in_review, direct={"IOM": "300000.00", "UNHCR": "200000.00"}) for _ in range(RACERS)
    ]
    make_deposit("1722222.22")  # less the 1% fee (17,222.22): 1,705,000.00 available
    ids = [(p.id, p.latest_version.id) for p in proposals]
    fund_id = fund.id
    db.session.remove()
    start = threading.Barrier(RACERS)
    outcomes: dict[int, str] = {}

    def approve(proposal_id: int, version_id: int) -> None:
        with committed.app_context():  # its own app context: its own session and connection
            proposal = db.session.get(Proposal, proposal_id)
            version = db.session.get(ProposalVersion, version_id)
            start.wait()
            try:
                allocate_approved(
                    proposal,
                    version,
                    approved_amount=version.total,
                    decided_on=date(2026, 3, 1),
                    reference=f"SC-RACE-{proposal_id}",
                    actor=None,
                )
                db.session.commit()
                outcomes[proposal_id] = "allocated"
            except InsufficientFunds:
                db.session.rollback()
                outcomes[proposal_id] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=pair) for pair in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["allocated"] * 3 + ["refused"] * (RACERS - 3)
    allocated = db.session.scalar(sa.select(sa.func.sum(Allocation.total)))
    assert allocated == D("1605000.00")
    funded = {pid for pid, outcome in outcomes.items() if outcome == "allocated"}
    assert set(db.session.scalars(sa.select(Allocation.proposal_id).distinct())) == funded
    assert balances(db.session.get(Fund, fund_id)).available == D("100000.00")


@pytest.mark.postgres_only
def test_racing_transfers_never_exceed_the_allocation(committed, fund, make_deposit, approve):
    """Six tranches of USD 200,000 at once on IOM's USD 749,000: three pass; the programme is activated once."""
    make_deposit("2000000.00")
    proposal, (iom, _unhcr) = approve()
    proposal_id, allocation_id = proposal.id, iom.id
    db.session.remove()
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def transfer(n: int) -> None:
        with committed.app_context():
            allocation = db.session.get(Allocation, allocation_id)
            allocation.proposal.state  # noqa: B018 - loaded before the race, as a page would have it
            start.wait()
            try:
                record_transfer(
                    allocation, amount=D("200000.00"), on_date=date(2026, 3, 1), reference=f"TR-{n}", actor=None
                )
                db.session.commit()
                outcomes.append("sent")
            except InsufficientFunds:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=transfer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused"] * 3 + ["sent"] * 3
    assert db.session.scalar(sa.select(sa.func.sum(Transfer.amount))) == D("600000.00")
    assert sorted(db.session.scalars(sa.select(Transfer.tranche))) == [1, 2, 3]
    activations = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "programme.activated", AuditEntry.object_id == str(proposal_id)
        )
    )
    assert activations == 1
    assert db.session.get(Proposal, proposal_id).state is ProposalState.active


@pytest.mark.postgres_only
def test_the_same_transfer_sent_six_times_at_once_is_made_once(committed, fund, make_deposit, approve):
    """A double-clicked (or retried) transfer form, six times at once: one tranche sent, five refused."""
    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    allocation_id = iom.id
    db.session.remove()
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def transfer() -> None:
        with committed.app_context():
            allocation = db.session.get(Allocation, allocation_id)
            start.wait()
            try:
                record_transfer(
                    allocation, amount=D("100000.00"), on_date=date(2026, 3, 1), reference="TR-2026-07", actor=None
                )
                db.session.commit()
                outcomes.append("sent")
            except ValidationFailed as exc:
                db.session.rollback()
                outcomes.append(exc.problems[0])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=transfer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["Transfer TR-2026-07 is already recorded for this allocation."] * 5 + ["sent"]
    assert db.session.scalar(sa.select(sa.func.sum(Transfer.amount))) == D("100000.00")


@pytest.mark.postgres_only
def test_racing_expenditure_reports_never_total_more_than_the_transfers(committed, fund, make_deposit, approve):
    """Six reports of USD 200,000 at once, each in its own category, on the USD 300,000 IOM received: one passes."""
    from fundmgr.finance.models import Expenditure, ExpenditureKind
    from fundmgr.finance.operations import record_expenditure
    from fundmgr.funds.models import BudgetCategory
    from tests.support.concurrency import run_at_once

    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    record_transfer(iom, amount=D("300000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=None)
    db.session.commit()
    allocation_id, categories = iom.id, [c.id for c in fund.budget_categories][:6]
    db.session.remove()

    def report(category_id: int):
        def job() -> None:
            record_expenditure(
                db.session.get(Allocation, allocation_id),
                year=2025,
                category=db.session.get(BudgetCategory, category_id),
                kind=ExpenditureKind.interim,
                amount=D("200000.00"),
                actor=None,
            )

        return job

    results = run_at_once(committed, [report(c) for c in categories])
    assert results.count("ok") == 1
    assert db.session.scalar(sa.select(sa.func.sum(Expenditure.amount))) == D("200000.00")


@pytest.mark.postgres_only
def test_one_new_agreement_sent_at_once_for_two_donors_keeps_one(committed, fund):
    """Two deposits under one new agreement reference, for two donors, sent at once: the agreement keeps one donor
    (the second is refused naming the first), and only the first's money is counted."""
    from fundmgr.finance.models import Contribution
    from fundmgr.finance.operations import record_contribution
    from tests.finance.helpers import contribution_data
    from tests.support.concurrency import run_at_once

    fund_id = fund.id
    db.session.remove()

    def deposit(donor: str):
        def record() -> None:
            fund = db.session.get(Fund, fund_id)
            data = contribution_data(fund, "5000.00", currency="USD", rate="1", donor=donor, reference="SAA-RACE")
            record_contribution(fund, data, actor=None)

        return record

    results = run_at_once(committed, [deposit("GOV-DEU"), deposit("GOV-NOR")])
    assert results.count("ok") == 1
    assert len([r for r in results if r.startswith("The agreement SAA-RACE is recorded for")]) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution)) == 1
    assert balances(db.session.get(Fund, fund_id)).received == D("5000.00")
