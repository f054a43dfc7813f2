"""Decisions by written procedure: circulated, objected to or not, adopted at the deadline (also by the CLI)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.cli import close_written_procedures
from fundmgr.steering.models import DecisionOutcome, WrittenProcedureState, standing
from tests.support import TODAY


@pytest.fixture
def circulate(committee, in_review):
    def _circulate(outcome=DecisionOutcome.endorse, amount=None, proposal=None, days=7):
        proposal = proposal or in_review()
        procedure = ops.circulate_written_procedure(
            proposal, ops.DecisionData(outcome, "", amount), rationale="Scored 4.2; money expected in March.",
            deadline=TODAY + timedelta(days=days), actor=committee.fmu,
        )  # fmt: skip
        db.session.commit()
        return procedure

    return _circulate


def pass_deadline(procedure):
    procedure.deadline = TODAY - timedelta(days=1)
    db.session.commit()


def test_circulation_checks_the_proposed_decision(committee, in_review):
    """Missing rationale, deadline in the past, approval without amount: all said at once."""
    with pytest.raises(ValidationFailed) as refused:
        ops.circulate_written_procedure(in_review(), ops.DecisionData(DecisionOutcome.approve), rationale="",
                                        deadline=TODAY - timedelta(days=1), actor=committee.fmu)  # fmt: skip
    assert len(refused.value.problems) == 3
    with pytest.raises(NotAllowed):
        ops.circulate_written_procedure(in_review(), ops.DecisionData(DecisionOutcome.endorse), rationale="x",
                                        deadline=TODAY, actor=committee.chair)  # fmt: skip


def test_one_open_procedure_per_proposal(circulate):
    procedure = circulate()
    with pytest.raises(ValidationFailed, match="still open"):
        circulate(proposal=procedure.proposal)


def test_without_objection_the_decision_is_adopted_after_the_deadline(committee, circulate):
    """Nobody objects; before the deadline it cannot conclude, after it the proposal is endorsed."""
    procedure = circulate()
    ops.respond_to_procedure(procedure, committee.germany, objects=False, reason="", actor=committee.germany)
    with pytest.raises(InvalidTransition, match="cannot be concluded yet"):
        ops.conclude_written_procedure(procedure, actor=committee.fmu)
    pass_deadline(procedure)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert procedure.state is WrittenProcedureState.adopted
    assert procedure.proposal.state is ProposalState.endorsed
    assert decision.reference == procedure.reference
    assert decision.procedure_id == procedure.id


def test_an_objection_stops_the_procedure(committee, circulate):
    procedure = circulate()
    with pytest.raises(ValidationFailed, match="reason"):
        ops.respond_to_procedure(procedure, committee.spain, objects=True, reason=" ", actor=committee.spain)
    ops.respond_to_procedure(procedure, committee.spain, objects=True, reason="Discuss the budget in a meeting.",
                             actor=committee.spain)  # fmt: skip
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert decision is None
    assert procedure.state is WrittenProcedureState.objected
    assert procedure.proposal.state is ProposalState.in_review


def test_recused_members_do_not_answer_and_one_answer_each(committee, circulate):
    procedure = circulate()
    with pytest.raises(NotAllowed, match="do not take part in the decision"):
        ops.respond_to_procedure(procedure, committee.chair, objects=False, reason="", actor=committee.chair)
    ops.respond_to_procedure(procedure, committee.ilo, objects=False, reason="", actor=committee.ilo)
    with pytest.raises(ValidationFailed, match="already answered"):
        ops.respond_to_procedure(procedure, committee.ilo, objects=True, reason="Changed my mind", actor=committee.ilo)
    pass_deadline(procedure)
    with pytest.raises(InvalidTransition, match="no longer open"):
        ops.respond_to_procedure(procedure, committee.morocco, objects=True, reason="Late", actor=committee.morocco)


def test_members_may_answer_until_midnight_in_geneva_then_the_procedure_concludes(
    fund, committee, circulate, frozen_clock, server_in_honolulu
):
    """The deadline is a day in the fund's time zone, not UTC's nor the server's (Honolulu: still that day)."""
    procedure = circulate(days=1)
    geneva = ZoneInfo(fund.time_zone)
    last_minute = datetime.combine(procedure.deadline, time(23, 59), tzinfo=geneva)
    frozen_clock(last_minute)
    ops.respond_to_procedure(procedure, committee.ilo, objects=False, reason="", actor=committee.ilo)
    assert close_written_procedures() == []
    frozen_clock(last_minute + timedelta(minutes=2))  # 22:01 or 23:01 UTC, the deadline day in UTC and Honolulu
    with pytest.raises(InvalidTransition, match="no longer open"):
        ops.respond_to_procedure(procedure, committee.spain, objects=False, reason="", actor=committee.spain)
    assert close_written_procedures() == [f"{procedure.reference}: adopted"]


def test_it_concludes_early_when_every_eligible_member_agrees(committee, circulate):
    """The five non-recused members all say they do not object: adopted before the deadline."""
    procedure = circulate()
    for member in committee.members:
        if standing(procedure.proposal, member).decides:
            ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    ops.conclude_written_procedure(procedure, actor=committee.fmu)
    assert procedure.state is WrittenProcedureState.adopted


def test_the_cli_adopts_due_procedures_and_allocates_an_approval(app, committee, circulate, make_deposit):
    """`flask steering close-written-procedures` adopts an approval: allocations made, proposal approved."""
    make_deposit("2000000.00")
    approval = circulate(DecisionOutcome.approve, amount=Decimal("1200000.00"))
    pending = circulate(days=3)
    pass_deadline(approval)
    result = app.test_cli_runner().invoke(args=["steering", "close-written-procedures"])
    assert result.exit_code == 0, result.output
    assert f"{approval.reference}: adopted" in result.output
    assert pending.reference not in result.output
    db.session.expire_all()
    assert approval.proposal.state is ProposalState.approved
    total = db.session.scalar(
        sa.select(sa.func.sum(Allocation.total)).where(Allocation.reference == approval.reference)
    )
    assert total == Decimal("1200000.00")


def test_the_cli_leaves_open_a_procedure_the_money_cannot_carry(app, committee, circulate):
    """No money in the fund: the approval is not carried out and the procedure stays open, said in the output."""
    approval = circulate(DecisionOutcome.approve, amount=Decimal("1200000.00"))
    pass_deadline(approval)
    lines = close_written_procedures()
    db.session.commit()
    assert lines[0].startswith(f"{approval.reference}: not concluded:")
    assert approval.state is WrittenProcedureState.open
    assert approval.proposal.state is ProposalState.in_review


def test_withdrawal(committee, circulate):
    procedure = circulate()
    ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    assert procedure.state is WrittenProcedureState.withdrawn
    with pytest.raises(InvalidTransition):
        ops.conclude_written_procedure(procedure, actor=committee.fmu)
