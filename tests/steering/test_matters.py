"""Decisions of the committee on matters of the fund, not one proposal: adopting the allocation targets, opening a
call, approving the direct costs. A meeting in session decides them as a whole; they are in the decision register,
the record, the minutes and a letter, and approved direct costs are charged to the fund naming the decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.calls import operations as call_ops
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import EntryKind, LedgerEntry
from fundmgr.finance.queries import balances
from fundmgr.steering import operations as ops
from fundmgr.steering.models import DecisionOutcome, DecisionSubject
from fundmgr.steering.verification import fund_findings
from tests.calls.test_calls import details
from tests.factories import sign_in
from tests.funds.test_second_fund import document_text

COSTS = "The Steering Committee approves the direct costs of the Fund Management Unit for 2027."


@pytest.fixture
def in_session(meeting, committee):
    """The meeting under way with every member present (a quorum of the voting seats), the chair presiding."""
    ops.record_attendance(meeting, {m.id for m in committee.members}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    db.session.commit()
    return meeting


def costs(amount: str = "400000.00") -> ops.MatterData:
    return ops.MatterData(DecisionSubject.direct_costs, DecisionOutcome.approve, COSTS, Decimal(amount))


def test_the_meeting_approves_direct_costs_charged_to_the_fund_naming_the_decision(in_session, committee, fund,
                                                                                   make_deposit):  # fmt: skip
    """Does the approval take the money from what the fund can allocate, by a ledger entry carrying the decision,
    signed by the chair who presides, and fixed in the fund's decision record?"""
    make_deposit("1000000.00")
    before = balances(fund).available
    decision = ops.decide_matter(in_session, costs(), actor=committee.fmu)
    db.session.commit()
    assert decision.reference == f"{in_session.reference}/M1"
    assert (decision.proposal, decision.presided_by) == (None, committee.chair)
    (entry,) = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.decision_id == decision.id))
    assert (entry.kind, entry.amount, entry.reference) == (EntryKind.direct_costs, Decimal("-400000.00"),
                                                           decision.reference)  # fmt: skip
    assert balances(fund).available == before - Decimal("400000.00")
    assert balances(fund).direct_costs == Decimal("400000.00")
    count, findings = fund_findings(fund)
    assert (count, findings) == (1, [])
    # the charge changed behind the application's back shows in the record
    db.session.execute(sa.update(LedgerEntry).where(LedgerEntry.id == entry.id).values(amount=Decimal("-4.00")))
    _count, findings = fund_findings(fund)
    assert [f.fields for f in findings] == [["ledger"]]


def test_direct_costs_the_fund_cannot_cover_leave_nothing_behind(in_session, committee, fund, make_deposit):
    make_deposit("100000.00")
    with pytest.raises(InsufficientFunds):
        ops.decide_matter(in_session, costs("5000000.00"), actor=committee.fmu)
    db.session.rollback()
    assert not in_session.matters
    assert balances(fund).direct_costs == 0


def test_targets_and_a_call_are_decided_and_shown_in_the_register_minutes_and_letter(in_session, committee, fund,
                                                                                     client):  # fmt: skip
    """Do the adoption of the targets and the opening of a draft call appear with the proposal decisions in the
    register, in the meeting's minutes and in a letter signed by whoever presided?"""
    call = call_ops.open_call(fund, details(fund), actor=committee.fmu)
    targets = ops.decide_matter(in_session, ops.MatterData(
        DecisionSubject.allocation_targets, DecisionOutcome.approve, "The committee adopts the targets for 2027."),
        actor=committee.chair)  # fmt: skip
    opened = ops.decide_matter(in_session, ops.MatterData(
        DecisionSubject.call, DecisionOutcome.approve, "The committee opens the first call.", call=call),
        actor=committee.chair)  # fmt: skip
    db.session.commit()
    assert [d.reference for d in in_session.matters] == [targets.reference, opened.reference]
    sign_in(client, committee.germany)
    register = client.get("/steering/decisions").get_data(as_text=True)
    assert "Adoption of the allocation targets" in register
    assert "Opening of a call for proposals" in register
    page = client.get(f"/steering/decisions/{opened.id}").get_data(as_text=True)
    assert "The committee opens the first call." in page
    assert call.reference in page
    letter = " ".join(document_text(client.get(f"/steering/decisions/{targets.id}/letter.pdf")).split())
    assert "The committee adopts the targets for 2027." in letter
    assert "Helena Chair" in letter
    minutes = " ".join(document_text(client.get(f"/steering/meetings/{in_session.id}/minutes.pdf")).split())
    assert "Matters of the fund decided by the committee" in minutes
    assert targets.reference in minutes
    assert opened.reference in minutes


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (ops.MatterData(None, DecisionOutcome.approve, "x"), "Choose what the committee decides."),
        (ops.MatterData(DecisionSubject.allocation_targets, DecisionOutcome.approve, " "),
         "State the decision as the committee words it."),
        (ops.MatterData(DecisionSubject.allocation_targets, DecisionOutcome.approve, "x", Decimal("5")),
         "Only an approval of direct costs carries an amount."),
        (ops.MatterData(DecisionSubject.direct_costs, DecisionOutcome.approve, "x"),
         "The approved amount is required and must be more than zero."),
        (ops.MatterData(DecisionSubject.call, DecisionOutcome.approve, "x"), "Choose the call the committee opens."),
        (ops.MatterData(DecisionSubject.direct_costs, DecisionOutcome.endorse, "x"), "Choose the decision."),
    ],
)  # fmt: skip
def test_a_matter_decided_wrongly_is_refused_with_its_reason(in_session, committee, data, problem):
    with pytest.raises(ValidationFailed) as refused:
        ops.decide_matter(in_session, data, actor=committee.fmu)
    assert problem in refused.value.problems


def test_a_matter_needs_the_meeting_in_session_with_a_quorum_and_someone_who_runs_it(meeting, committee):
    targets = ops.MatterData(DecisionSubject.allocation_targets, DecisionOutcome.approve, "Adopted.")
    with pytest.raises(InvalidTransition):  # not started
        ops.decide_matter(meeting, targets, actor=committee.fmu)
    ops.record_attendance(meeting, {committee.chair.id, committee.germany.id}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="quorum"):
        ops.decide_matter(meeting, targets, actor=committee.fmu)
    with pytest.raises(NotAllowed):  # a member who neither chairs nor is the FMU does not run the meeting
        ops.decide_matter(meeting, targets, actor=committee.germany)


def test_the_matter_form_records_the_decision_and_rerenders_with_errors(client, in_session, committee, fund):
    sign_in(client, committee.chair)
    url = f"/steering/meetings/{in_session.id}/matters/new"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"subject": "direct_costs", "outcome": "approve", "matter": COSTS, "call": "0"})
    assert bad.status_code in (200, 422)
    assert "The approved amount is required" in bad.get_data(as_text=True)
    assert not in_session.matters
    good = client.post(url, data={"subject": "allocation_targets", "outcome": "approve", "matter": "Adopted.",
                                  "call": "0"})  # fmt: skip
    assert good.status_code == 302
    db.session.expire_all()
    assert [d.subject for d in in_session.matters] == [DecisionSubject.allocation_targets]
    sign_in(client, committee.germany)
    assert client.get(url).status_code == 403
