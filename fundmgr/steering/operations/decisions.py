"""The committee's decisions on proposals, taken in a meeting or by written procedure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.finance.operations import allocate_approved
from fundmgr.i18n import format_money
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.signals import decision_taken
from fundmgr.steering.models import (
    CONSENSUS_TITLES,
    ITEM_TRANSITIONS,
    NEEDS_CONSENSUS,
    AgendaItem,
    Decision,
    DecisionOutcome,
    ItemState,
    MeetingState,
    WrittenProcedure,
)
from fundmgr.steering.operations.locks import lock
from fundmgr.steering.operations.meetings import close_item, require_chair
from fundmgr.steering.operations.records import lock_chain, record_decision_link
from fundmgr.steering.operations.rights import text_problems
from fundmgr.steering.presiding import presiding_member
from fundmgr.steering.queries import PIPELINE_STATES
from fundmgr.steering.voting import consensus, counted_votes, quorum_for
from fundmgr.workflow import require_transition


@dataclass
class DecisionData:
    """What the Steering Committee decides: the outcome, conditions and, for an approval, the amount."""

    outcome: DecisionOutcome | None
    conditions: str = ""
    approved_amount: Decimal | None = None
    # Each organization's amount (by organization id) when the committee sets them; None: pro rata of the budgets.
    amounts: dict[int, Decimal] | None = None
    # a concept note's selection for development: the deadline for its programme document and the indicative amount
    development_deadline: date | None = None
    indicative_amount: Decimal | None = None


# What the committee decides on a concept note (it is not funded: its programme document will be).
CONCEPT_NOTE_OUTCOMES = frozenset(
    {DecisionOutcome.select, DecisionOutcome.endorse, DecisionOutcome.defer, DecisionOutcome.reject}
)


def stage_problems(proposal: Proposal, data: DecisionData) -> list[str]:
    """A concept note is selected, pipelined, deferred or declined; only a concept note is selected."""
    if proposal.is_concept_note and data.outcome not in CONCEPT_NOTE_OUTCOMES:
        return [_("A concept note is not approved: select it for development, endorse it into the pipeline or "
                  "decline it; its programme document is approved later.")]  # fmt: skip
    if data.outcome is DecisionOutcome.select:
        return proposal_ops.selection_problems(proposal, data.development_deadline, data.indicative_amount)
    if data.development_deadline is not None or data.indicative_amount is not None:
        return [_("Only a selection for development carries a deadline and an indicative amount.")]
    return []


def decision_problems(proposal: Proposal, version: ProposalVersion, data: DecisionData) -> list[str]:
    """Every reason the decision cannot be taken on this proposal version, at once."""
    problems = []
    if data.outcome is None:
        return [_("Choose the decision.")]
    if proposal.state not in PIPELINE_STATES:
        problems.append(_("%(p)s is not awaiting a decision (it is %(state)s).", p=proposal.reference,
                          state=proposal.state.title))  # fmt: skip
    elif proposal.latest_version is None or proposal.latest_version.id != version.id:
        problems.append(_("The proposal has a newer version than the one on the agenda."))
    if data.outcome is DecisionOutcome.endorse and proposal.state is ProposalState.endorsed:
        problems.append(_("The proposal is already endorsed."))
    if data.outcome is DecisionOutcome.approve_with_conditions and not data.conditions.strip():
        problems.append(_("State the conditions of the approval."))
    problems += text_problems(data.conditions, _("The conditions"))
    problems += stage_problems(proposal, data)
    if data.outcome.funds:
        if data.approved_amount is None or data.approved_amount <= 0:
            problems.append(_("The approved amount is required and must be more than zero."))
        elif data.approved_amount > version.total:
            problems.append(
                _("The approved amount cannot exceed the version's budget (%(total)s).",
                  total=format_money(version.total))
            )  # fmt: skip
    elif data.approved_amount is not None or data.amounts is not None:
        problems.append(_("Only an approval carries an amount."))
    return problems


# (a selection moves the concept note with its terms: take_decision calls select_concept_note)
LIFECYCLE_MOVES = {
    DecisionOutcome.approve: proposal_ops.approve_proposal,
    DecisionOutcome.approve_with_conditions: proposal_ops.approve_proposal,
    DecisionOutcome.endorse: proposal_ops.endorse_proposal,
    DecisionOutcome.defer: proposal_ops.defer_proposal,
    DecisionOutcome.reject: proposal_ops.reject_proposal,
}


def take_decision(
    proposal: Proposal, version: ProposalVersion, data: DecisionData, *, reference: str, decided_on: date,
    actor: User | None, item: AgendaItem | None = None, procedure: WrittenProcedure | None = None,
) -> Decision:  # fmt: skip
    """Record a decision and carry it out: allocate an approval's money, then move the proposal. The caller, once
    it has written what the decision's origin keeps (the item's quorum), fixes it in the record
    (`record_decision_link`).

    The proposal is locked first and its state checked after the lock: of two decisions on it at the same
    moment (two meetings, or a meeting and a written procedure), the second finds it decided and is refused,
    before any money moves."""
    proposal_ops.lock_proposal(proposal)
    problems = decision_problems(proposal, version, data)
    if problems:
        raise ValidationFailed(problems)
    assert data.outcome is not None  # refused above when missing
    decision = Decision(
        fund_id=proposal.fund_id,
        reference=reference,
        proposal_id=proposal.id,
        version_id=version.id,
        outcome=data.outcome,
        conditions=data.conditions.strip(),
        approved_amount=data.approved_amount if data.outcome.funds else None,
        development_deadline=data.development_deadline,
        indicative_amount=data.indicative_amount,
        decided_on=decided_on,
        item=item,
        procedure=procedure,
        recorded_by_id=actor and actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    if data.outcome.funds:
        assert data.approved_amount is not None  # an approval's amount is required (decision_problems)
        # raises InsufficientFunds when the money is not there: nothing of the decision stays
        allocate_approved(
            proposal, version, approved_amount=data.approved_amount, decided_on=decided_on, reference=reference,
            actor=actor, amounts=data.amounts,
        )  # fmt: skip
    summary = f"{reference}: {data.outcome.title}"
    if data.outcome is DecisionOutcome.select:
        assert data.development_deadline is not None
        assert data.indicative_amount is not None
        proposal_ops.select_concept_note(proposal, deadline=data.development_deadline, amount=data.indicative_amount,
                                         actor=actor, summary=summary)  # fmt: skip
    else:
        LIFECYCLE_MOVES[data.outcome](proposal, actor=actor, summary=summary)
    record_audit(
        "decision.recorded",
        decision,
        actor=actor,
        after=snapshot(decision),
        summary=f"{reference} {proposal.reference}: {data.outcome.title}",
    )
    decision_taken.send(decision, actor=actor)
    return decision


def record_decision(item: AgendaItem, data: DecisionData, *, actor: User | None) -> Decision:
    """The member presiding over the item (or the secretariat for them) records the meeting's decision on it
    (closing it), if quorate: under consensus, no approval while an objection stands; under a vote, not before a
    vote is cast. Who presided is kept on the item: they sign the letter."""
    # The proposal first, before anything is written: a decision racing this one (another meeting, a written
    # procedure) waits here holding nothing the fund's lock would wait for.
    proposal_ops.lock_proposal(item.proposal)
    lock_chain(item.proposal.fund)
    item = lock(AgendaItem, item.id)
    meeting = item.meeting
    require_chair(meeting, actor, item)
    if meeting.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Decisions are recorded while the meeting is in progress."))
    if item.state is ItemState.pending:
        raise InvalidTransition(_("Open the item before recording its decision."))
    if item.state is ItemState.open:
        close_item(item, actor=actor)
    quorum = quorum_for(item)
    if not quorum.met:
        raise InvalidTransition(
            _("There is no quorum for this item: %(present)d of %(eligible)d voting seats are represented, "
              "%(required)d are needed.", present=quorum.present, eligible=quorum.eligible, required=quorum.required)
        )  # fmt: skip
    if meeting.by_consensus:
        objections = consensus(item, quorum).objections
        if data.outcome in NEEDS_CONSENSUS and objections:
            raise InvalidTransition(
                _("“%(outcome)s” cannot be recorded while an objection stands (%(num)d); record “%(none)s” or "
                  "“%(defer)s”, or ask the members to reconsider.", outcome=CONSENSUS_TITLES[data.outcome],
                  num=len(objections), none=CONSENSUS_TITLES[DecisionOutcome.reject],
                  defer=CONSENSUS_TITLES[DecisionOutcome.defer])
            )  # fmt: skip
    elif not counted_votes(item, quorum):
        raise InvalidTransition(_("No vote has been cast on this item: take the votes before recording the decision."))
    presiding = presiding_member(item)
    if presiding is None:
        raise InvalidTransition(_("Nobody present may preside over this item: mark the chair or the member who "
                                  "presides in their place present."))  # fmt: skip
    before = require_transition(item, ItemState.decided, ITEM_TRANSITIONS)
    decision = take_decision(
        item.proposal, item.version, data, reference=f"{meeting.reference}/{item.position}",
        decided_on=meeting.held_on, actor=actor, item=item,
    )  # fmt: skip
    item.presided_by = presiding
    item.state = ItemState.decided
    item.quorum_record = quorum.as_record()
    db.session.flush()
    record_decision_link(decision, actor=actor)
    record_audit("item.decided", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=meeting.fund_id, summary=item.display_name)  # fmt: skip
    return decision
