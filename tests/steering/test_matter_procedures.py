"""Matters of the fund decided by written procedure between meetings: the FMU circulates the targets, a call or the
direct costs as a meeting would decide them; the members answer; without objection the conclusion records the
committee's decision (the procedure's reference, in the register and the record) and carries it out (direct costs
charged to the fund); with one it is not adopted and nothing is charged."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.calls import operations as call_ops
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import EntryKind, LedgerEntry
from fundmgr.finance.queries import balances
from fundmgr.funds.models import Fund
from fundmgr.steering import operations as ops
from fundmgr.steering.models import (
    Decision,
    DecisionOutcome,
    DecisionSubject,
    WrittenProcedure,
    WrittenProcedureState,
)
from fundmgr.steering.verification import fund_findings
from tests.calls.test_calls import details
from tests.factories import sign_in
from tests.support import TODAY
from tests.support.concurrency import run_at_once

COSTS = "The Steering Committee approves the direct costs of the Fund Management Unit for 2027."


def costs(amount: str = "400000.00") -> ops.MatterData:
    return ops.MatterData(DecisionSubject.direct_costs, DecisionOutcome.approve, COSTS, Decimal(amount))


def circulate(fund, fmu, data: ops.MatterData | None = None, days: int = 7) -> WrittenProcedure:
    procedure = ops.circulate_matter_procedure(fund, data or costs(), rationale="The budget for 2027 is attached.",
                                               deadline=TODAY + timedelta(days=days), actor=fmu)  # fmt: skip
    db.session.commit()
    return procedure


def everyone_agrees(procedure: WrittenProcedure, members: list[User]) -> None:
    for member in members:
        ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    db.session.commit()


def test_direct_costs_adopted_by_written_procedure_are_charged_to_the_fund(fund, committee, make_deposit):
    """Every member (the chair too: a matter has no recusal) says they do not object; the FMU concludes early: the
    decision carries the procedure's reference, the direct costs leave what the fund can allocate by a ledger entry
    naming the decision, and the fund's record verifies."""
    make_deposit("1000000.00")
    before = balances(fund).available
    procedure = circulate(fund, committee.fmu)
    assert (procedure.proposal, procedure.subject, procedure.is_matter) == (None, DecisionSubject.direct_costs, True)
    assert {m.id for m in ops.eligible_for_procedure(procedure)} == {m.id for m in committee.members}
    everyone_agrees(procedure, committee.members)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert procedure.state is WrittenProcedureState.adopted
    assert (decision.reference, decision.procedure_id, decision.meeting_id) == (procedure.reference, procedure.id,
                                                                                 None)  # fmt: skip
    assert (decision.subject, decision.matter, decision.approved_amount) == (DecisionSubject.direct_costs, COSTS,
                                                                             Decimal("400000.00"))  # fmt: skip
    (entry,) = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.decision_id == decision.id))
    assert (entry.kind, entry.amount, entry.reference) == (EntryKind.direct_costs, Decimal("-400000.00"),
                                                           procedure.reference)  # fmt: skip
    assert balances(fund).available == before - Decimal("400000.00")
    assert fund_findings(fund) == (1, [])
    with pytest.raises(InvalidTransition):  # concluded once
        ops.conclude_written_procedure(procedure, actor=committee.fmu)


def test_an_objection_leaves_the_matter_undecided_and_nothing_charged(fund, committee, make_deposit):
    make_deposit("1000000.00")
    procedure = circulate(fund, committee.fmu)
    ops.respond_to_procedure(procedure, committee.germany, objects=True, reason="Discuss the costs at a meeting.",
                             actor=committee.germany)  # fmt: skip
    assert ops.conclude_written_procedure(procedure, actor=committee.fmu) is None
    db.session.commit()
    assert procedure.state is WrittenProcedureState.objected
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0
    assert balances(fund).direct_costs == 0


def test_adopted_at_the_deadline_without_every_answer_and_not_before(fund, committee, make_deposit):
    make_deposit("1000000.00")
    targets = "The committee adopts the targets for 2027."
    procedure = circulate(fund, committee.fmu, ops.MatterData(DecisionSubject.allocation_targets,
                                                              DecisionOutcome.approve, targets))  # fmt: skip
    ops.respond_to_procedure(procedure, committee.spain, objects=False, reason="", actor=committee.spain)
    with pytest.raises(InvalidTransition, match="cannot be concluded yet"):
        ops.conclude_written_procedure(procedure, actor=committee.fmu)
    procedure.deadline = TODAY - timedelta(days=1)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert (decision.subject, decision.approved_amount) == (DecisionSubject.allocation_targets, None)


def test_a_call_opened_by_written_procedure_names_the_call_once(fund, committee):
    """The decision names the draft call; a second procedure on the same call is refused while the first is open;
    a call published another way meanwhile cannot be opened by the procedure's conclusion."""
    call = call_ops.open_call(fund, details(fund), actor=committee.fmu)
    opening = ops.MatterData(DecisionSubject.call, DecisionOutcome.approve, "The committee opens the first call.",
                             call=call)  # fmt: skip
    procedure = circulate(fund, committee.fmu, opening)
    with pytest.raises(ValidationFailed, match="already open"):
        circulate(fund, committee.fmu, opening)
    everyone_agrees(procedure, committee.members)
    call_ops.publish_call(call, actor=committee.fmu)
    with pytest.raises(ValidationFailed, match="already published"):
        ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.rollback()
    other = call_ops.open_call(fund, details(fund), actor=committee.fmu)
    second = "The committee opens the second call."
    procedure = circulate(fund, committee.fmu, ops.MatterData(DecisionSubject.call, DecisionOutcome.approve, second,
                                                              call=other))  # fmt: skip
    everyone_agrees(procedure, committee.members)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    assert decision.call == other


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (ops.MatterData(DecisionSubject.direct_costs, DecisionOutcome.approve, COSTS), "amount is required"),
        (ops.MatterData(DecisionSubject.proposal, DecisionOutcome.approve, "x"), "Choose what the committee decides"),
        (ops.MatterData(DecisionSubject.minutes, DecisionOutcome.approve, "x"), "Choose what the committee decides"),
        (ops.MatterData(DecisionSubject.allocation_targets, DecisionOutcome.approve, " "), "words it"),
        (ops.MatterData(DecisionSubject.call, DecisionOutcome.approve, "Opens."), "Choose the call"),
        (ops.MatterData(DecisionSubject.allocation_targets, DecisionOutcome.select, "x"), "Choose the decision"),
    ],
)
def test_a_matter_circulated_wrongly_is_refused_with_its_reason(fund, committee, data, problem):
    with pytest.raises(ValidationFailed, match=problem):
        circulate(fund, committee.fmu, data)


def test_only_the_fmu_circulates_and_concludes_and_members_answer(fund, committee):
    with pytest.raises(NotAllowed):
        circulate(fund, committee.chair)
    with pytest.raises(ValidationFailed, match="deadline cannot be in the past"):
        circulate(fund, committee.fmu, days=-1)
    procedure = circulate(fund, committee.fmu)
    with pytest.raises(NotAllowed):
        ops.conclude_written_procedure(procedure, actor=committee.chair)
    with pytest.raises(NotAllowed):
        ops.respond_to_procedure(procedure, committee.fmu, objects=False, reason="", actor=committee.fmu)


def test_the_fmu_circulates_from_the_page_members_answer_and_the_decision_is_in_the_register(
    client, fund, committee, make_deposit
):
    """The whole round in the browser's requests: the form, a refused form shown again, the members' answers, the
    conclusion confirmed, the decision in the register and its page, the procedure in the list."""
    make_deposit("1000000.00")
    sign_in(client, committee.fmu)
    url = "/steering/written-procedures/new-matter"
    assert client.get(url).status_code == 200
    form = {"subject": "direct_costs", "outcome": "approve", "matter": COSTS, "call": "0",
            "rationale": "Budget attached.", "deadline": (TODAY + timedelta(days=5)).isoformat()}  # fmt: skip
    refused = client.post(url, data=form | {"amount": ""})
    assert refused.status_code in (200, 422)
    assert "The approved amount is required" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WrittenProcedure.id))) == 0
    response = client.post(url, data=form | {"amount": "250000"})
    assert response.status_code == 302
    procedure = db.session.scalars(sa.select(WrittenProcedure)).one()
    page = client.get(f"/steering/written-procedures/{procedure.id}").get_data(as_text=True)
    assert COSTS in page
    listing = client.get("/steering/written-procedures").get_data(as_text=True)
    assert procedure.reference in listing
    assert "Approval of the direct costs" in listing
    for member in committee.members:
        sign_in(client, member)
        answered = client.post(f"/steering/written-procedures/{procedure.id}/answer", data={"objects": "no"})
        assert answered.status_code == 302
    sign_in(client, committee.fmu)
    concluded = client.post(f"/steering/written-procedures/{procedure.id}/conclude", data={"confirmed": "yes"})
    assert concluded.status_code == 302
    db.session.expire_all()
    decision = procedure.decision
    assert decision is not None
    assert decision.approved_amount == Decimal("250000.00")
    assert balances(fund).direct_costs == Decimal("250000.00")
    register = client.get("/steering/decisions").get_data(as_text=True)
    assert decision.reference in register
    detail = client.get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    assert COSTS in detail
    assert "Written procedure" in detail
    letter = client.get(f"/steering/decisions/{decision.id}/letter.pdf")
    assert letter.status_code == 200
    sign_in(client, committee.germany)
    assert client.get(url).status_code == 403


def test_a_voting_committee_decides_a_matter_by_written_procedure_too(fund, make_user, make_deposit):
    """A fund deciding by majority: the procedure is the same (no objection by the deadline), the decision's outcome
    is not worded as a consensus."""
    fund.decision_rule = "majority"
    fmu = make_user(Role.fmu)
    members = [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(2)]
    make_deposit("1000000.00")
    procedure = circulate(fund, fmu)
    everyone_agrees(procedure, members)
    procedure.deadline = TODAY - timedelta(days=1)
    decision = ops.conclude_written_procedure(procedure, actor=fmu)
    db.session.commit()
    assert str(decision.outcome_title) == "Approved"
    assert balances(fund).direct_costs == Decimal("400000.00")


@pytest.mark.postgres_only
@pytest.mark.parametrize("round_", range(3))
def test_two_conclusions_at_once_record_one_decision_and_charge_once(committed, fund, make_user, make_deposit,
                                                                     round_):  # fmt: skip
    """Two FMU officers conclude the same procedure at the same moment: one decision, one ledger entry."""
    fmu = make_user(Role.fmu)
    members = [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(2)]
    make_deposit("1000000.00")
    procedure = circulate(fund, fmu)
    everyone_agrees(procedure, members)
    procedure_id, fmu_id, fund_id = procedure.id, fmu.id, fund.id
    db.session.remove()

    def conclude():
        ops.conclude_written_procedure(db.session.get(WrittenProcedure, procedure_id),
                                       actor=db.session.get(User, fmu_id))  # fmt: skip

    results = run_at_once(committed, [conclude, conclude])
    assert Counter(r == "ok" for r in results) == {True: 1, False: 1}, results
    decisions = db.session.scalars(sa.select(Decision).where(Decision.procedure_id == procedure_id)).all()
    assert len(decisions) == 1
    entries = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.decision_id == decisions[0].id)).all()
    assert len(entries) == 1
    assert fund_findings(db.session.get(Fund, fund_id))[1] == []
