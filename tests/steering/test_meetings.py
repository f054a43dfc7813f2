"""Meetings: agenda, attendance, quorum, votes and decisions that move proposals and allocate money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation
from fundmgr.finance.queries import balances
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.models import (
    AgendaItem,
    Decision,
    DecisionOutcome,
    ItemState,
    MeetingMode,
    MeetingState,
    Stance,
    Vote,
    VoteChoice,
)
from fundmgr.steering.voting import Quorum, quorum_for, tally


def decide(item, outcome, actor, amount=None, conditions=""):
    decision = ops.record_decision(item, ops.DecisionData(outcome, conditions, amount), actor=actor)
    db.session.commit()
    return decision


@pytest.mark.parametrize(
    ("eligible", "represented", "required", "met"),
    [(5, 4, 4, True), (5, 3, 4, False), (4, 4, 4, True), (0, 0, 1, False), (3, 1, 1, True)],
)  # fmt: skip
def test_quorum_is_a_number_of_voting_seats_represented(eligible, represented, required, met):
    """The quorum counts represented seats against the fund's number; no seat eligible, no quorum."""
    quorum = Quorum(required, frozenset(range(eligible)), frozenset(range(represented)), frozenset(), frozenset())
    assert quorum.met is met


def test_recused_members_do_not_count_for_the_quorum(meeting, committee, in_review):
    """Of 7 seats, 2 conflicted (IOM, UNHCR): 5 vote, 3 must be represented (the fund's definition); the
    conflicted chair's presence does not count."""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    ops.record_attendance(meeting, {committee.chair.id, committee.unhcr.id, committee.germany.id,
                                    committee.spain.id}, actor=committee.fmu)  # fmt: skip
    quorum = quorum_for(item)
    assert (quorum.eligible, quorum.present, quorum.required, quorum.met) == (5, 2, 3, False)
    assert quorum.recused_ids == {committee.chair.id, committee.unhcr.id}


def test_declared_conflicts_recuse_from_the_quorum_in_two_queries(meeting, committee, in_review):
    """A member's declared conflict recuses them from the item unless the FMU waived it; all members are
    checked in a fixed number of queries (their role on the fund, the rules, the seats, the conflicts), so a
    committee of any size costs the live board the same."""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    ops.declare_conflict(proposal, committee.germany, "My ministry co-funds it.", actor=committee.germany)
    waived = ops.declare_conflict(proposal, committee.spain, "A former colleague leads it.", actor=committee.spain)
    ops.waive_conflict(waived, "No role in this programme.", actor=committee.fmu)
    db.session.expire_all()
    item = db.session.get(AgendaItem, item.id)
    assert len([a.member for a in item.meeting.attendance]) == 7  # loaded before counting, as the board has them
    assert item.proposal.participants
    assert item.meeting.fund
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    connection = db.session.connection()
    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        quorum = quorum_for(item)
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)
    assert quorum.recused_ids == {committee.chair.id, committee.unhcr.id, committee.germany.id}
    assert len(statements) == 4


def test_scheduling_lists_every_problem_and_invites_the_committee(fund, committee):
    """A bad meeting form gets every problem at once; a good one invites every SC member."""
    with pytest.raises(ValidationFailed) as refused:
        ops.schedule_meeting(fund, ops.MeetingData("", None, None, language="de"), actor=committee.fmu)
    assert len(refused.value.problems) == 4
    meeting = ops.schedule_meeting(
        fund, ops.MeetingData("SC 13", held_on=date(2027, 3, 4),
                              mode=MeetingMode.virtual, language="fr"),
        actor=committee.fmu,
    )  # fmt: skip
    assert meeting.reference == "MIG-SC-2027-01"
    assert {a.member_id for a in meeting.attendance} == {m.id for m in committee.members}
    with pytest.raises(NotAllowed):
        ops.schedule_meeting(fund, ops.MeetingData("SC", None, None), actor=committee.chair)


def test_a_member_changes_their_vote_while_the_item_is_open_and_not_after(by_majority, live_item, committee):
    """Voting again replaces the vote (the last one counts, each change audited); a vote after closing is refused."""
    item = live_item()
    ops.cast_vote(item, committee.germany, VoteChoice.approve, actor=committee.germany)
    db.session.commit()
    ops.cast_vote(item, committee.germany, VoteChoice.reject, actor=committee.germany)
    ops.cast_vote(item, committee.germany, VoteChoice.reject, actor=committee.germany)  # the same again: no change
    db.session.commit()
    ops.close_item(item, actor=committee.fmu)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="closed"):
        ops.cast_vote(item, committee.spain, VoteChoice.approve, actor=committee.spain)
    with pytest.raises(InvalidTransition, match="closed"):
        ops.cast_vote(item, committee.germany, VoteChoice.approve, actor=committee.germany)
    db.session.rollback()
    votes = db.session.scalars(sa.select(Vote)).all()
    assert [(v.member_id, v.choice) for v in votes] == [(committee.germany.id, VoteChoice.reject)]
    trail = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action.like("vote.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert [(a, (b or {}).get("choice"), c["choice"]) for a, b, c in trail] == [
        ("vote.cast", None, "approve"),
        ("vote.changed", "approve", "reject"),
    ]


def test_votes_are_taken_only_while_a_quorum_is_present(by_majority, live_item, committee):
    """Two of five voting members present (three needed): their votes are refused, saying why."""
    item = live_item(present=[committee.germany, committee.spain])
    with pytest.raises(InvalidTransition, match=r"only while a quorum is present: 2 of 5 .* 3 are needed"):
        ops.cast_vote(item, committee.germany, VoteChoice.approve, actor=committee.germany)


def test_no_decision_is_recorded_before_a_vote_is_cast(by_majority, live_item, committee):
    item = live_item()
    with pytest.raises(InvalidTransition, match="No vote has been cast"):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.reject), actor=committee.fmu)
    db.session.rollback()
    ops.cast_vote(item, committee.germany, VoteChoice.reject, actor=committee.germany)
    assert decide(item, DecisionOutcome.reject, committee.fmu).outcome is DecisionOutcome.reject


def test_a_committee_deciding_by_consensus_takes_no_votes(live_item, committee):
    item = live_item()
    with pytest.raises(InvalidTransition, match="decides by consensus"):
        ops.cast_vote(item, committee.germany, VoteChoice.approve, actor=committee.germany)


def test_recused_absent_and_other_members_cannot_vote(by_majority, live_item, committee):
    item = live_item(present=[committee.chair, committee.germany, committee.spain, committee.morocco])
    with pytest.raises(NotAllowed, match="do not take part in the decision"):
        ops.cast_vote(item, committee.chair, VoteChoice.approve, actor=committee.chair)
    with pytest.raises(NotAllowed, match="present"):
        ops.cast_vote(item, committee.ilo, VoteChoice.approve, actor=committee.ilo)
    with pytest.raises(NotAllowed):
        ops.cast_vote(item, committee.germany, VoteChoice.approve, actor=committee.spain)
    with pytest.raises(NotAllowed):
        ops.cast_vote(item, committee.fmu, VoteChoice.approve, actor=committee.fmu)


def test_a_member_who_does_not_preside_cannot_run_the_item(live_item, committee):
    """The chair presides (tests/steering/test_presiding.py); another member may not close the item."""
    item = live_item()
    with pytest.raises(NotAllowed, match="Helena Chair presides"):
        ops.close_item(item, actor=committee.germany)


def test_only_one_item_is_open_at_a_time(meeting, committee, in_review):
    first, second = in_review(), in_review()
    items = ops.add_agenda_items(meeting, [first, second], actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="Start the meeting"):
        ops.open_item(items[0], actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    ops.open_item(items[0], actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="Close the open item"):
        ops.open_item(items[1], actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="Close the open item"):
        ops.end_meeting(meeting, actor=committee.fmu)


def test_agenda_takes_proposals_in_review_or_endorsed_only(meeting, committee, make_proposal, in_review):
    draft = make_proposal(ProposalState.submitted)
    proposal = in_review()
    with pytest.raises(ValidationFailed) as refused:
        ops.add_agenda_items(meeting, [draft], actor=committee.fmu)
    assert "neither in review nor endorsed" in refused.value.problems[0]
    ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    with pytest.raises(ValidationFailed, match="already on the agenda"):
        ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)


def test_a_proposal_takes_one_route_to_a_decision_at_a_time(fund, meeting, committee, in_review):
    """On an open meeting's agenda, a proposal can go neither on a second agenda nor into a written procedure,
    nor the other way round; once its item is taken off (or its procedure withdrawn) it is free again."""
    proposal = in_review()
    other = ops.schedule_meeting(fund, ops.MeetingData("SC 13", meeting.held_on, MeetingMode.virtual),
                                 actor=committee.fmu)  # fmt: skip
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    with pytest.raises(ValidationFailed) as refused:
        ops.add_agenda_items(other, [proposal], actor=committee.fmu)
    assert refused.value.problems == [
        f"{proposal.reference} is already on the agenda of meeting {meeting.reference}, which is not over; "
        "take it off that agenda first."
    ]
    approval = ops.DecisionData(DecisionOutcome.endorse)
    with pytest.raises(ValidationFailed, match="already on the agenda of meeting"):
        ops.circulate_written_procedure(proposal, approval, rationale="Urgent.", deadline=meeting.held_on,
                                        actor=committee.fmu)  # fmt: skip

    ops.remove_agenda_item(item, actor=committee.fmu)
    procedure = ops.circulate_written_procedure(proposal, approval, rationale="Urgent.", deadline=meeting.held_on,
                                                actor=committee.fmu)  # fmt: skip
    with pytest.raises(ValidationFailed, match=f"is in written procedure {procedure.reference}, still open"):
        ops.add_agenda_items(other, [proposal], actor=committee.fmu)
    ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    ops.add_agenda_items(other, [proposal], actor=committee.fmu)


def test_a_meeting_that_ended_without_deciding_frees_the_proposal_for_the_next(fund, live_item, committee):
    """An item left undecided when its meeting ends goes, with its proposal, to a later meeting."""
    item = live_item()
    ops.close_item(item, actor=committee.fmu)
    ops.end_meeting(item.meeting, actor=committee.fmu)
    later = ops.schedule_meeting(fund, ops.MeetingData("SC 14", item.meeting.held_on, MeetingMode.virtual),
                                 actor=committee.fmu)  # fmt: skip
    (again,) = ops.add_agenda_items(later, [item.proposal], actor=committee.fmu)
    assert again.proposal_id == item.proposal_id


def test_tally_counts_non_recused_votes_under_the_funds_rule(by_majority, live_item, committee):
    """Majority: the position of more than half of the votes expressed (abstentions aside)."""
    item = live_item()
    for member, choice in ((committee.germany, VoteChoice.approve), (committee.spain, VoteChoice.approve),
                           (committee.morocco, VoteChoice.abstain)):  # fmt: skip
        ops.cast_vote(item, member, choice, actor=member)
    db.session.commit()
    result = tally(item, quorum_for(item))
    assert result.cast == 3
    assert result.counts[VoteChoice.approve] == 2
    assert result.rule == "majority"
    assert result.outcome is VoteChoice.approve
    ops.cast_vote(item, committee.ilo, VoteChoice.defer, actor=committee.ilo)
    ops.cast_vote(item, committee.stakeholder, VoteChoice.defer, actor=committee.stakeholder)
    db.session.commit()
    assert tally(item, quorum_for(item)).outcome is None  # 2 of 4 expressed: not more than half


def test_approval_allocates_and_approves_in_one_step(fund, live_item, committee, make_deposit):
    """Approving 1,000,000 of a 1,284,000 budget: allocations summing to the cent, proposal approved, traced."""
    make_deposit("3000000.00")
    available = balances(fund).available
    item = live_item()
    ops.state_position(item, committee.germany, ops.PositionData(Stance.support), actor=committee.germany)
    decision = decide(item, DecisionOutcome.approve, committee.fmu, amount=Decimal("1000000.00"))
    db.session.expire_all()
    assert item.proposal.state is ProposalState.approved
    assert item.state is ItemState.decided
    assert item.quorum_record["met"]
    assert item.quorum_record["required"] == 3
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.reference == decision.reference)).all()
    assert sum(a.total for a in allocations) == Decimal("1000000.00")
    assert {a.organization.code for a in allocations} == {"IOM", "UNHCR"}
    assert decision.reference == f"{item.meeting.reference}/1"
    assert decision.decided_on == item.meeting.held_on
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"decision.recorded", "proposal.approved", "allocation.created", "item.decided"} <= actions
    assert balances(fund).available == available - Decimal("1000000.00")


def test_the_committee_sets_each_organizations_amount_in_its_decision(fund, live_item, committee, make_deposit):
    """Approving 1,000,000 of 1,284,000 with UNHCR's whole 535,000: IOM gets the 465,000 left, not a pro rata cut."""
    make_deposit("3000000.00")
    item = live_item()
    ops.state_position(item, committee.germany, ops.PositionData(Stance.support), actor=committee.germany)
    ids = {p.organization.code: p.organization_id for p in item.proposal.participants}
    amounts = {ids["IOM"]: Decimal("465000.00"), ids["UNHCR"]: Decimal("535000.00")}
    decision = ops.record_decision(
        item, ops.DecisionData(DecisionOutcome.approve, "", Decimal("1000000.00"), amounts), actor=committee.fmu
    )
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.reference == decision.reference)).all()
    assert {a.organization.code: a.total for a in allocations} == {
        "IOM": Decimal("465000.00"),
        "UNHCR": Decimal("535000.00"),
    }


def test_approval_is_refused_when_the_money_is_short_and_nothing_is_written(live_item, committee, make_deposit):
    """With 100,000 available, approving 1,284,000 is refused: no decision, no allocation, still in review."""
    make_deposit("101010.11")
    item = live_item()
    with pytest.raises(InsufficientFunds):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.approve, "", Decimal("1284000.00")),
                            actor=committee.fmu)  # fmt: skip
    db.session.rollback()
    db.session.expire_all()
    assert item.proposal.state is ProposalState.in_review
    assert item.state is ItemState.open
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 0


@pytest.mark.parametrize(
    ("outcome", "state"),
    [(DecisionOutcome.endorse, ProposalState.endorsed), (DecisionOutcome.defer, ProposalState.deferred),
     (DecisionOutcome.reject, ProposalState.rejected)],
)  # fmt: skip
def test_decisions_move_the_proposal(live_item, committee, outcome, state):
    item = live_item()
    decide(item, outcome, committee.fmu)
    db.session.expire_all()
    assert item.proposal.state is state
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 0


def test_an_endorsed_proposal_is_approved_at_a_later_meeting(fund, live_item, committee, make_deposit):
    """Endorsed into the pipeline first, then approved when the money has arrived."""
    item = live_item()
    decide(item, DecisionOutcome.endorse, committee.fmu)
    proposal = item.proposal
    ops.end_meeting(item.meeting, actor=committee.fmu)
    later = ops.schedule_meeting(fund, ops.MeetingData("SC 14", item.meeting.held_on, MeetingMode.virtual),
                                 actor=committee.fmu)  # fmt: skip
    (again,) = ops.add_agenda_items(later, [proposal], actor=committee.fmu)
    ops.record_attendance(later, {m.id for m in committee.members}, actor=committee.fmu)
    ops.start_meeting(later, actor=committee.fmu)
    ops.open_item(again, actor=committee.fmu)
    make_deposit("2000000.00")
    decide(again, DecisionOutcome.approve_with_conditions, committee.fmu, amount=proposal.latest_version.total,
           conditions="Add a disaggregated baseline before the first transfer.")  # fmt: skip
    assert proposal.state is ProposalState.approved
    assert again.decision.conditions.startswith("Add a disaggregated baseline")


def test_decision_rules_list_every_problem(live_item, committee):
    """Conditions missing, amount above the budget: both said; nothing is decided."""
    item = live_item()
    with pytest.raises(ValidationFailed) as refused:
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.approve_with_conditions, "", Decimal("9999999.00")),
                            actor=committee.fmu)  # fmt: skip
    assert len(refused.value.problems) == 2
    with pytest.raises(ValidationFailed, match="Only an approval"):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.reject, "", Decimal("1.00")), actor=committee.fmu)


def test_no_decision_without_quorum(live_item, committee):
    """Two of five voting members present (three needed): the decision is refused."""
    item = live_item(present=[committee.germany, committee.spain])
    with pytest.raises(InvalidTransition, match="no quorum"):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.reject), actor=committee.fmu)


def test_the_chair_records_decisions_on_items_they_are_not_recused_from(live_item, committee, in_review):
    item = live_item(in_review(lead="UNDP", partners=("UNFPA",)))
    decision = decide(item, DecisionOutcome.defer, committee.chair)
    assert decision.recorded_by_id == committee.chair.id
    with pytest.raises(NotAllowed):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.reject), actor=committee.germany)


def test_meeting_lifecycle(meeting, committee):
    ops.start_meeting(meeting, actor=committee.chair)
    with pytest.raises(InvalidTransition):
        ops.cancel_meeting(meeting, actor=committee.fmu)
    ops.end_meeting(meeting, actor=committee.chair)
    assert meeting.state is MeetingState.closed
    with pytest.raises(InvalidTransition):
        ops.record_attendance(meeting, set(), actor=committee.fmu)
