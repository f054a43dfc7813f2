"""Closing a programme: operationally (final report accepted, activities ended), then financially (final certified
expenditure, the unspent balance refunded to the fund through the ledger); a closed programme is read-only."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import Allocation, EntryKind, ExpenditureKind, LedgerEntry, Transfer
from fundmgr.finance.queries import balances
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results import operations as ops
from fundmgr.results.models import Programme
from tests.factories import sign_in
from tests.support.results import RESULTS_DAY

D = Decimal
ANNUAL = ExpenditureKind.annual


def certify(allocation: Allocation, amount: str, year: int) -> None:
    category = next(c for c in allocation.proposal.fund.budget_categories if c.number == 1)
    finance_ops.record_expenditure(allocation, year=year, category=category, kind=ANNUAL, amount=D(amount), actor=None)


def allocations_of(programme: Programme) -> list[Allocation]:
    query = sa.select(Allocation).where(Allocation.proposal_id == programme.proposal_id).order_by(Allocation.id)
    return list(db.session.scalars(query))


def test_operational_closure_lists_everything_missing_and_changes_nothing(running, fmu):
    with pytest.raises(ValidationFailed) as refused:
        ops.close_operationally(running, closed_on=date(2027, 1, 1), activities_ended=False, actor=fmu)
    text = " ".join(refused.value.problems)
    assert "Confirm that the programme's activities have ended." in text
    assert "The final narrative report (the report on the last period) must be accepted first." in text
    assert "The closure date cannot be in the future." in text
    db.session.rollback()
    assert running.proposal.state is ProposalState.active
    assert running.proposal.operationally_closed_on is None


def test_only_the_fmu_closes_a_programme(finished, make_user):
    for role in (Role.agency, Role.sc_member, Role.viewer):
        with pytest.raises(NotAllowed):
            ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=make_user(role))
    assert finished.proposal.state is ProposalState.active


def test_an_operationally_closed_programme_is_read_only_but_for_its_final_expenditure(finished, fmu, lead_of):
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    proposal = finished.proposal
    assert proposal.state is ProposalState.closed
    assert proposal.operationally_closed_on == RESULTS_DAY
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "programme.closed")).one()
    assert entry.after["operationally_closed_on"] == RESULTS_DAY.isoformat()
    iom, _unhcr = allocations_of(finished)
    read_only = f"Programme {proposal.reference} is closed: it is read-only."
    refusals = [
        lambda: finance_ops.record_transfer(iom, amount=D("1.00"), on_date=RESULTS_DAY, reference="TR-9", actor=fmu),
        lambda: ops.add_period(
            finished, start=date(2026, 1, 1), end=date(2026, 3, 31), due=date(2026, 4, 30), actor=fmu
        ),
        lambda: ops.update_period(
            finished.periods[0], start=date(2024, 1, 1), end=date(2024, 12, 31), due=date(2025, 3, 1), actor=fmu
        ),
        lambda: ops.remove_period(finished.periods[-1], actor=fmu),
        lambda: ops.set_indicator_links(finished, [], actor=fmu),
    ]
    for refused_act in refusals:
        with pytest.raises(ValidationFailed, match=re.escape(read_only)):
            refused_act()
    certify(iom, "1000.00", 2025)  # the final certified expenditure is still recorded
    with pytest.raises(ValidationFailed, match=r"Only an active programme can be closed\."):
        ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)


def test_financial_closure_refunds_the_unspent_balance_to_the_cent(finished, fmu, fund):
    iom, unhcr = allocations_of(finished)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    certify(iom, "180000.33", 2024)
    certify(iom, "99999.66", 2025)
    certify(iom, "0.00", 2026)
    certify(unhcr, "100000.00", 2025)
    certify(unhcr, "0.00", 2026)
    db.session.commit()
    before = balances(fund)
    refunds = finance_ops.close_financially(finished.proposal, closed_on=RESULTS_DAY, reference="FC-1", actor=fmu)
    db.session.commit()
    assert refunds == {iom.id: D("20000.01"), unhcr.id: D("0.00")}
    proposal = finished.proposal
    assert proposal.financially_closed_on == RESULTS_DAY
    transferred = db.session.scalar(
        sa.select(sa.func.sum(Transfer.amount)).join(Allocation).where(Allocation.proposal_id == proposal.id)
    )
    refunded = db.session.scalar(
        sa.select(sa.func.sum(LedgerEntry.amount)).where(
            LedgerEntry.proposal_id == proposal.id, LedgerEntry.kind == EntryKind.refund
        )
    )
    certified = D("180000.33") + D("99999.66") + D("100000.00")
    assert transferred - refunded == certified  # to the cent
    after = balances(fund)
    assert after.refunded - before.refunded == D("20000.01")
    # the refund and everything never transferred are available to the fund again
    never_transferred = sum((a.total for a in (iom, unhcr)), D(0)) - D("400000.00")
    assert after.available - before.available == D("20000.01") + never_transferred
    assert after.expenditure - before.expenditure == 0
    assert db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "programme.financially_closed")
    ).all() == ["programme.financially_closed"]


def test_financial_closure_waits_for_the_operational_closure_and_the_certified_figures(finished, fmu):
    iom, unhcr = allocations_of(finished)
    with pytest.raises(ValidationFailed, match="must be closed operationally"):
        finance_ops.close_financially(finished.proposal, closed_on=RESULTS_DAY, reference="FC-1", actor=fmu)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    finance_ops.record_expenditure(
        iom,
        year=2025,
        category=next(c for c in iom.proposal.fund.budget_categories if c.number == 1),
        kind=ExpenditureKind.interim,
        amount=D("10.00"),
        actor=fmu,
    )
    with pytest.raises(ValidationFailed) as refused:
        finance_ops.close_financially(finished.proposal, closed_on=date(2020, 1, 1), reference=" ", actor=fmu)
    text = " ".join(refused.value.problems)
    assert f"{iom.organization.label} has not certified its expenditure for 2025, 2026." in text
    assert f"{unhcr.organization.label} has not certified its expenditure for 2026." in text
    assert f"The closure date cannot be before {RESULTS_DAY.isoformat()}." in text
    assert "The reference of the refunds is required." in text
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).where(LedgerEntry.kind == EntryKind.refund)) == 0


def test_a_financially_closed_programmes_money_is_read_only(finished, fmu, make_user):
    iom, unhcr = allocations_of(finished)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    for allocation in (iom, unhcr):
        certify(allocation, "50000.00", 2026)
    finance_ops.close_financially(finished.proposal, closed_on=RESULTS_DAY, reference="FC-1", actor=fmu)
    with pytest.raises(NotAllowed):
        finance_ops.close_financially(
            finished.proposal, closed_on=RESULTS_DAY, reference="FC-2", actor=make_user(Role.agency, org="IOM")
        )
    frozen = "is financially closed"
    with pytest.raises(ValidationFailed, match=frozen):
        certify(iom, "1.00", 2026)
    with pytest.raises(ValidationFailed, match=frozen):
        finance_ops.record_refund(iom, amount=D("1.00"), on_date=RESULTS_DAY, reference="RF-9", actor=fmu)
    with pytest.raises(ValidationFailed, match=frozen):
        finance_ops.close_financially(finished.proposal, closed_on=RESULTS_DAY, reference="FC-2", actor=fmu)


def test_the_fmu_closes_a_programme_through_its_pages(finished, fmu, client):
    proposal = finished.proposal
    iom, unhcr = allocations_of(finished)
    sign_in(client, fmu)
    page = client.get(f"/finance/programmes/{proposal.id}").get_data(as_text=True)
    assert f"/results/closure/{proposal.id}" in page
    refused = client.post(f"/results/closure/{proposal.id}", data={"closed_on": RESULTS_DAY.isoformat()})
    assert refused.status_code == 200
    assert "Confirm that the programme&#39;s activities have ended." in refused.get_data(as_text=True)
    done = client.post(
        f"/results/closure/{proposal.id}", data={"closed_on": RESULTS_DAY.isoformat(), "activities_ended": "y"}
    )
    assert done.status_code == 302
    for allocation in (iom, unhcr):
        certify(allocation, "1000.00", 2026)
    db.session.commit()
    form = client.get(f"/finance/programmes/{proposal.id}/close").get_data(as_text=True)
    assert "299,000.00" in form  # IOM's balance to refund
    closed = client.post(
        f"/finance/programmes/{proposal.id}/close", data={"closed_on": RESULTS_DAY.isoformat(), "reference": "FC-7"}
    )
    assert closed.status_code == 302
    db.session.expire_all()
    assert proposal.financially_closed_on == RESULTS_DAY


def test_agencies_neither_see_nor_use_the_closure_forms(finished, make_user, client):
    proposal = finished.proposal
    sign_in(client, make_user(Role.agency, org="IOM"))
    assert f"/results/closure/{proposal.id}" not in client.get(f"/finance/programmes/{proposal.id}").get_data(
        as_text=True
    )
    for url in (f"/results/closure/{proposal.id}", f"/finance/programmes/{proposal.id}/close"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"closed_on": RESULTS_DAY.isoformat(), "reference": "X"}).status_code == 403
    db.session.expire_all()
    assert proposal.state is ProposalState.active


@pytest.mark.postgres_only
def test_racing_closures_close_once_and_refund_once(committed, finished, fmu):
    """Three operational closures at once, then three financial closures at once: one of each passes."""
    from tests.support.concurrency import run_at_once

    programme_id, proposal_id, fmu_id = finished.id, finished.proposal_id, fmu.id
    iom, unhcr = allocations_of(finished)
    for allocation in (iom, unhcr):
        certify(allocation, "50000.00", 2026)
    db.session.commit()
    db.session.remove()

    def close_operationally() -> None:
        ops.close_operationally(
            db.session.get(Programme, programme_id),
            closed_on=RESULTS_DAY,
            activities_ended=True,
            actor=db.session.get(User, fmu_id),
        )

    def close_financially() -> None:
        finance_ops.close_financially(
            db.session.get(Proposal, proposal_id),
            closed_on=RESULTS_DAY,
            reference="FC-1",
            actor=db.session.get(User, fmu_id),
        )

    first = run_at_once(committed, [close_operationally] * 3)
    assert sorted(first) == ["Only an active programme can be closed."] * 2 + ["ok"]
    second = run_at_once(committed, [close_financially] * 3)
    assert second.count("ok") == 1
    refunded = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount)).where(LedgerEntry.kind == EntryKind.refund))
    assert refunded == D("300000.00")  # 250,000 and 50,000 unspent, refunded once
