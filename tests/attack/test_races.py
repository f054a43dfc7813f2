"""Races over real HTTP against the production server: two decisions on one proposal, and the same form sent ten
times at once for every kind of act that moves money, state or votes. Each is judged by what was written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.db import db
from fundmgr.finance.models import Allocation, Transfer
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion, Screening
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import (
    AgendaItem,
    Decision,
    DecisionOutcome,
    Position,
    ProcedureResponse,
    WrittenProcedure,
)
from tests.attack.conftest import (
    ATTACK_MARKS,
    FMU,
    FMU_2,
    Target,
    at_once,
    no_server_error,
    same_form_at_once,
    statuses,
)
from tests.support.served import free_proposal, meeting_under_way, open_on_agenda

pytestmark = ATTACK_MARKS
MEMBER = "jonas.becker@fundmgr.example"  # a donor on the Steering Committee, recused from no demo proposal


def open_items(target: Target, proposal_id: int) -> int:
    with target.app.app_context():
        try:
            return len(ops.open_items_of(db.session.get(Proposal, proposal_id)))
        finally:
            db.session.remove()


def decision_url(item: AgendaItem) -> str:
    return f"/steering/meetings/{item.meeting_id}/items/{item.id}/decision"


def assert_one_decision(target: Target, proposal_id: int) -> None:
    """One decision taken by the attack (the demo had endorsed the proposal); the proposal's state and its money
    are that decision's."""
    with target.app.app_context():
        decisions = db.session.scalars(
            sa.select(Decision).where(Decision.proposal_id == proposal_id, Decision.outcome != DecisionOutcome.endorse)
        ).all()
        assert len(decisions) == 1
        state = db.session.get(Proposal, proposal_id).state
        allocated = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Allocation.total), 0)).where(Allocation.proposal_id == proposal_id)
        )
        db.session.remove()
    if decisions[0].outcome is DecisionOutcome.approve:
        assert (state, allocated) == (ProposalState.approved, decisions[0].approved_amount)
    else:
        assert (state, allocated) == (ProposalState.rejected, 0)  # no money committed to a rejected programme


def test_two_tabs_putting_one_proposal_on_two_agendas_at_once_put_it_on_one(target):
    """The FMU adds the same proposal to two meetings under way at the same moment; then tries a written
    procedure on it: one route to a decision, whatever the timing."""

    def build() -> tuple[int, int, int]:
        proposal = free_proposal()
        return proposal.id, meeting_under_way("Attack: morning").id, meeting_under_way("Attack: afternoon").id

    proposal_id, first, second = target.setup(build)
    fmu = target.browser(FMU)
    token = fmu.form_token(f"/steering/meetings/{first}")
    tabs = [fmu.tab(), fmu.tab()]
    answers = at_once([
        lambda: tabs[0].post(f"/steering/meetings/{first}/agenda", {"csrf_token": token, "proposals": proposal_id}),
        lambda: tabs[1].post(f"/steering/meetings/{second}/agenda", {"csrf_token": token, "proposals": proposal_id}),
    ])  # fmt: skip
    assert no_server_error(answers), statuses(answers)
    assert open_items(target, proposal_id) == 1

    deadline = (clock.today() + timedelta(days=14)).isoformat()
    answer = fmu.submit("/steering/written-procedures/new", "/steering/written-procedures/new",
                        {"proposal": proposal_id, "outcome": "reject", "rationale": "Second route.",
                         "deadline": deadline})  # fmt: skip
    assert answer.status < 500
    assert target.count(sa.select(sa.func.count()).where(WrittenProcedure.proposal_id == proposal_id)) == 0


@pytest.mark.parametrize("round_", range(2))
def test_two_meetings_approving_and_rejecting_one_proposal_at_once_record_one_decision(target, round_):
    """The proposal is open in two meetings (data from before the rule); the FMU approves it in one as a
    colleague rejects it in the other, at the same instant."""

    def build() -> tuple[int, AgendaItem, AgendaItem, str]:
        proposal = free_proposal()
        approve = open_on_agenda(meeting_under_way("Attack: approving"), proposal)
        reject = open_on_agenda(meeting_under_way("Attack: rejecting"), proposal, behind_the_rule=True)
        return proposal.id, decision_url(approve), decision_url(reject), str(proposal.latest_version.total)

    proposal_id, approve_url, reject_url, total = target.setup(build)
    fmu, colleague = target.browser(FMU), target.browser(FMU_2)
    approve_token, reject_token = fmu.form_token(approve_url), colleague.form_token(reject_url)
    answers = at_once([
        lambda: fmu.post(approve_url, {"csrf_token": approve_token, "outcome": "approve", "approved_amount": total}),
        lambda: colleague.post(reject_url, {"csrf_token": reject_token, "outcome": "reject"}),
    ])  # fmt: skip
    assert no_server_error(answers), statuses(answers)
    assert_one_decision(target, proposal_id)


def test_a_meeting_and_a_written_procedure_deciding_one_proposal_at_once_record_one_decision(target):
    """A written procedure approving the proposal is concluded as a meeting rejects it, at the same instant."""

    def build() -> tuple[int, int, str]:
        people = demo_people(current_fund())
        proposal = free_proposal()
        data = ops.DecisionData(DecisionOutcome.approve, approved_amount=proposal.latest_version.total)
        deadline = clock.today() + timedelta(days=10)
        procedure = ops.circulate_written_procedure(proposal, data, rationale="Funds arrived.", deadline=deadline,
                                                    actor=people.fmu)  # fmt: skip
        for member in ops.eligible_for_procedure(procedure):
            ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
        item = open_on_agenda(meeting_under_way("Attack: against the procedure"), proposal, behind_the_rule=True)
        return proposal.id, procedure.id, decision_url(item)

    proposal_id, procedure_id, reject_url = target.setup(build)
    fmu, colleague = target.browser(FMU), target.browser(FMU_2)
    procedure_page = f"/steering/written-procedures/{procedure_id}"
    conclude_token, reject_token = fmu.form_token(procedure_page), colleague.form_token(reject_url)
    answers = at_once([
        lambda: fmu.post(f"{procedure_page}/conclude", {"csrf_token": conclude_token}),
        lambda: colleague.post(reject_url, {"csrf_token": reject_token, "outcome": "reject"}),
    ])  # fmt: skip
    assert no_server_error(answers), statuses(answers)
    assert_one_decision(target, proposal_id)


def test_ten_identical_positions_then_ten_identical_approvals_count_once(target):
    """A member's position sent ten times at once is one position (the demo fund decides by consensus); the
    chair's approval sent ten times at once is one decision, whose money is allocated once."""

    def build() -> tuple[int, int, int, str]:
        proposal = free_proposal()
        item = open_on_agenda(meeting_under_way("Attack: double clicks"), proposal)
        return proposal.id, item.meeting_id, item.id, str(proposal.latest_version.total)

    proposal_id, meeting_id, item_id, total = target.setup(build)
    member = target.browser(MEMBER)
    board = f"/steering/meetings/{meeting_id}/board"
    answers = same_form_at_once(member, board, f"/steering/meetings/{meeting_id}/items/{item_id}/position",
                                {"stance": "support"})  # fmt: skip
    assert no_server_error(answers), statuses(answers)
    assert target.count(sa.select(sa.func.count()).where(Position.item_id == item_id)) == 1

    url = f"/steering/meetings/{meeting_id}/items/{item_id}/decision"
    answers = same_form_at_once(target.browser(FMU), url, url, {"outcome": "approve", "approved_amount": total})
    assert no_server_error(answers), statuses(answers)
    assert_one_decision(target, proposal_id)
    participants = target.count(
        sa.select(sa.func.count()).select_from(Allocation).where(Allocation.proposal_id == proposal_id)
    )
    with target.app.app_context():
        expected = len(db.session.get(Proposal, proposal_id).participants)
        db.session.remove()
    assert participants == expected  # one allocation per organization, not ten


def test_ten_identical_transfers_send_the_money_once(target):
    """The FMU's transfer form (same allocation, amount and reference) sent ten times at once: one tranche."""

    def build() -> int:
        allocation = db.session.scalar(
            sa.select(Allocation).join(Proposal).where(Proposal.state == ProposalState.approved).order_by(Allocation.id)
        )
        return allocation.id

    allocation_id = target.setup(build)
    page = f"/finance/allocations/{allocation_id}/transfer"
    fields = {"amount": "1000.00", "on_date": clock.today().isoformat(), "reference": "TR-ATTACK-DOUBLE"}
    answers = same_form_at_once(target.browser(FMU), page, page, fields)
    assert no_server_error(answers), statuses(answers)
    sent = target.count(
        sa.select(sa.func.count())
        .where(Transfer.allocation_id == allocation_id)
        .where(Transfer.reference == fields["reference"])
    )
    assert sent == 1


def test_ten_identical_screening_starts_start_one_screening(target):
    """The FMU's "start screening" sent ten times at once: one checklist, the proposal in screening."""
    proposal_id = target.setup(lambda: free_proposal(ProposalState.submitted).id)
    page = f"/proposals/{proposal_id}"
    answers = same_form_at_once(target.browser(FMU), page, f"{page}/screening/start", {})
    assert no_server_error(answers), statuses(answers)
    screenings = target.count(
        sa.select(sa.func.count()).select_from(Screening).join(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id)
    )  # fmt: skip
    assert screenings == 1


def test_ten_identical_resubmissions_freeze_one_version(target):
    """The lead agency resubmits a deferred proposal ten times at once: one new version."""

    def build() -> tuple[int, int, str]:
        proposal = free_proposal(ProposalState.deferred)
        return proposal.id, proposal.version_count, proposal.created_by.email

    proposal_id, versions_before, lead = target.setup(build)
    page = f"/proposals/{proposal_id}"
    answers = same_form_at_once(target.browser(lead), page, f"{page}/submit", {})
    assert no_server_error(answers), statuses(answers)
    versions = target.count(sa.select(sa.func.count()).where(ProposalVersion.proposal_id == proposal_id))
    assert versions == versions_before + 1
    assert target.count(sa.select(Proposal.state).where(Proposal.id == proposal_id)) is ProposalState.submitted


def test_ten_identical_answers_to_a_written_procedure_count_once(target):
    """A member's "no objection" sent ten times at once is one answer."""

    def build() -> int:
        proposal = free_proposal()
        return ops.circulate_written_procedure(
            proposal, ops.DecisionData(DecisionOutcome.reject), rationale="Out of scope.",
            deadline=clock.today() + timedelta(days=10), actor=demo_people(current_fund()).fmu,
        ).id  # fmt: skip

    procedure_id = target.setup(build)
    page = f"/steering/written-procedures/{procedure_id}"
    answers = same_form_at_once(target.browser(MEMBER), page, f"{page}/answer", {"objects": "no"})
    assert no_server_error(answers), statuses(answers)
    assert target.count(sa.select(sa.func.count()).where(ProcedureResponse.procedure_id == procedure_id)) == 1
