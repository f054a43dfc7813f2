"""Written procedures: decisions taken between meetings by circulating a proposed decision, on a proposal, on a
matter of the fund (the targets, a call, the direct costs) or approving a meeting's draft minutes, in either of the
fund's decision modes: the members answer no objection or object (with a reason) by the deadline; one objection and
it is not adopted. Its conclusion records the decision as a meeting would (`take_decision`, `record_matter_decision`,
`approve_minutes_by_procedure`), under the procedure's reference, signed by whoever presides for the committee that
day (`steering.presiding.presiding_over_procedure`).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.calls.models import Call
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_fund_manager
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations import lock_proposal
from fundmgr.signals import procedure_circulated
from fundmgr.steering.documents import minutes_wording
from fundmgr.steering.models import (
    PROCEDURE_TRANSITIONS,
    Decision,
    DecisionOutcome,
    DecisionSubject,
    Minutes,
    ProcedureResponse,
    WrittenProcedure,
    WrittenProcedureState,
    standings,
)
from fundmgr.steering.operations.decisions import DecisionData, decision_problems, take_decision
from fundmgr.steering.operations.locks import add_once, lock
from fundmgr.steering.operations.matters import MatterData, matter_problems, record_matter_decision
from fundmgr.steering.operations.minutes import approve_minutes_by_procedure
from fundmgr.steering.operations.records import lock_chain, record_decision_link
from fundmgr.steering.operations.rights import require_may_decide, require_sc_member, text_problems
from fundmgr.steering.operations.routes import minutes_route_problems, open_route_problems
from fundmgr.steering.presiding import presiding_over_procedure
from fundmgr.steering.queries import sc_members
from fundmgr.workflow import require_transition


def next_procedure_reference(fund: Fund, year: int) -> str:
    """ "MIG-WP-2026-01": the fund's code, the year and the procedure's number in that year (after the highest
    number given, not the count: a procedure removed by a downgrade leaves its number unused)."""
    prefix = f"{fund.code}-WP-{year}-"
    query = sa.select(WrittenProcedure.reference).where(WrittenProcedure.reference.like(f"{prefix}%"))
    taken = db.session.scalars(query)
    numbers = [int(tail) for reference in taken if (tail := reference.removeprefix(prefix)).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def circulation_problems(fund: Fund, rationale: str, deadline: date | None) -> list[str]:
    """What every circulated procedure needs: its rationale and a deadline not yet past."""
    problems = text_problems(rationale, _("The rationale"), required=True)
    if deadline is None:
        problems.append(_("The deadline is required."))
    elif clock.is_past(deadline, clock.today(fund)):
        problems.append(_("The deadline cannot be in the past."))
    return problems


def circulated(procedure: WrittenProcedure, summary: str, *, actor: User | None) -> WrittenProcedure:
    """Store the procedure, audit it and tell the members."""
    db.session.add(procedure)
    db.session.flush()
    record_audit("written_procedure.circulated", procedure, actor=actor, after=snapshot(procedure),
                 summary=f"{procedure.reference} {summary}")  # fmt: skip
    procedure_circulated.send(procedure, actor=actor)
    return procedure


def circulate_written_procedure(
    proposal: Proposal, data: DecisionData, *, rationale: str, deadline: date | None, actor: User | None
) -> WrittenProcedure:
    """The FMU circulates a proposed decision; unless a member objects by the deadline, it is adopted."""
    require_fund_manager(actor, proposal.fund)
    lock_proposal(proposal)
    version = proposal.latest_version
    problems = decision_problems(proposal, version, data) if version else [_("The proposal has no version.")]
    problems += circulation_problems(proposal.fund, rationale, deadline)
    problems += open_route_problems(proposal)
    if problems:
        raise ValidationFailed(problems)
    assert version is not None  # refused above when missing
    assert data.outcome is not None
    procedure = WrittenProcedure(
        fund_id=proposal.fund_id,
        reference=next_procedure_reference(proposal.fund, clock.today(proposal.fund).year),
        proposal_id=proposal.id,
        version_id=version.id,
        outcome=data.outcome,
        conditions=data.conditions.strip(),
        approved_amount=data.approved_amount if data.outcome.funds else None,
        development_deadline=data.development_deadline,
        indicative_amount=data.indicative_amount,
        rationale=rationale.strip(),
        deadline=deadline,
        circulated_by_id=actor and actor.id,
    )
    return circulated(procedure, f"{proposal.reference}: {data.outcome.title}", actor=actor)


def circulate_matter_procedure(
    fund: Fund, data: MatterData, *, rationale: str, deadline: date | None, actor: User | None
) -> WrittenProcedure:
    """The FMU circulates a proposed decision on a matter of the fund (as a meeting would decide it as a whole);
    unless a member objects by the deadline, it is adopted and carried out (direct costs charged to the fund)."""
    require_fund_manager(actor, fund)
    lock_chain(fund)  # one reference per procedure number, and what a concluding procedure reads, stays put
    problems = matter_problems(fund, data) + circulation_problems(fund, rationale, deadline)
    if data.call is not None and not problems and open_call_procedure(data.call) is not None:
        problems.append(_("A written procedure on this call is already open."))
    if problems:
        raise ValidationFailed(problems)
    assert data.subject is not None  # refused above when missing
    assert data.outcome is not None
    procedure = WrittenProcedure(
        fund_id=fund.id,
        reference=next_procedure_reference(fund, clock.today(fund).year),
        subject=data.subject,
        matter=data.matter.strip(),
        call_id=data.call.id if data.call is not None else None,
        outcome=data.outcome,
        approved_amount=data.amount,
        rationale=rationale.strip(),
        deadline=deadline,
        circulated_by_id=actor and actor.id,
    )
    return circulated(procedure, f"{data.subject.title}: {data.outcome.title}", actor=actor)


def circulate_minutes_procedure(
    minutes: Minutes, *, rationale: str, deadline: date | None, actor: User | None
) -> WrittenProcedure:
    """The FMU circulates a proposal to approve a meeting's draft minutes; unless a member objects by the deadline,
    they are approved, signed by whoever presides for the committee then, and frozen. Meanwhile they neither change
    nor are approved at a meeting."""
    fund = minutes.meeting.fund
    require_fund_manager(actor, fund)
    lock_chain(fund)  # as a meeting's approval takes it: then the minutes, whose route is checked under their lock
    minutes = lock(Minutes, minutes.id)
    if minutes.is_frozen:
        raise InvalidTransition(_("These minutes are approved: they can no longer change."))
    problems = minutes_route_problems(minutes) + circulation_problems(fund, rationale, deadline)
    if problems:
        raise ValidationFailed(problems)
    meeting = minutes.meeting
    procedure = WrittenProcedure(
        fund_id=fund.id,
        reference=next_procedure_reference(fund, clock.today(fund).year),
        subject=DecisionSubject.minutes,
        minutes_id=minutes.id,
        matter=minutes_wording(minutes),
        outcome=DecisionOutcome.approve,
        rationale=rationale.strip(),
        deadline=deadline,
        circulated_by_id=actor and actor.id,
    )
    return circulated(procedure, f"{DecisionSubject.minutes.title}: {meeting.reference}", actor=actor)


def open_call_procedure(call: Call) -> WrittenProcedure | None:
    """The open written procedure that would open this call, if any: one route to a call's opening at a time."""
    return db.session.scalar(
        sa.select(WrittenProcedure).where(
            WrittenProcedure.call_id == call.id, WrittenProcedure.state == WrittenProcedureState.open
        )
    )


def matter_of(procedure: WrittenProcedure) -> MatterData:
    """The matter a procedure proposes, as a meeting would decide it."""
    return MatterData(procedure.subject, procedure.outcome, procedure.matter, procedure.approved_amount,
                      procedure.call)  # fmt: skip


def respond_to_procedure(
    procedure: WrittenProcedure, member: User, *, objects: bool, reason: str, actor: User | None
) -> ProcedureResponse:
    """A member states an objection (with its reason) or no objection, once, before the deadline."""
    require_sc_member(actor, member, procedure.fund)
    if procedure.proposal is not None:  # a matter of the fund is every member's
        require_may_decide(procedure.proposal, member)
    if procedure.state is not WrittenProcedureState.open or procedure.deadline_passed():
        raise InvalidTransition(_("This written procedure is no longer open."))
    problems = text_problems(reason, _("The reason for the objection"), required=objects)
    if procedure.response_of(member) is not None:
        problems.append(_("You have already answered this written procedure."))
    if problems:
        raise ValidationFailed(problems)
    response = ProcedureResponse(member_id=member.id, objects=objects, reason=reason.strip())
    add_once(procedure.responses, response, _("You have already answered this written procedure."))
    record_audit("written_procedure.answered", response, actor=actor, after={"objects": objects, "reason": reason},
                 fund_id=procedure.fund_id, summary=procedure.reference)  # fmt: skip
    return response


def eligible_for_procedure(procedure: WrittenProcedure) -> list[User]:
    """The members who may object: the Steering Committee less those who may not take part in the decision (on a
    proposal; a matter of the fund is every member's)."""
    members = sc_members(procedure.fund)
    if procedure.proposal is None:
        return members
    said = standings(procedure.proposal, members)
    return [m for m in members if said[m.id].decides]


def conclude_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> Decision | None:
    """Conclude a written procedure: objected to if anyone objected; adopted (and carried out) when the
    deadline has passed without objection, or earlier when every eligible member said they do not object."""
    require_fund_manager(actor, procedure.fund)
    if procedure.proposal is not None:
        lock_proposal(procedure.proposal)  # first, as a meeting's decision does: deciding waits here, holding nothing
    lock_chain(procedure.fund)
    procedure = lock(WrittenProcedure, procedure.id)
    objections = procedure.objections
    answered = {r.member_id for r in procedure.responses}
    everyone_agreed = {m.id for m in eligible_for_procedure(procedure)} <= answered
    if not objections and not everyone_agreed and not procedure.deadline_passed():
        raise InvalidTransition(
            _("Members may object until %(date)s; the procedure cannot be concluded yet.",
              date=procedure.deadline.isoformat())
        )  # fmt: skip
    target = WrittenProcedureState.objected if objections else WrittenProcedureState.adopted
    before = require_transition(procedure, target, PROCEDURE_TRANSITIONS)
    decision = None
    if target is WrittenProcedureState.adopted and procedure.subject is DecisionSubject.minutes:
        decision = approve_minutes_by_procedure(procedure, actor=actor)  # signed by whoever presides, frozen
    elif target is WrittenProcedureState.adopted and procedure.is_matter:
        matter = matter_of(procedure)
        problems = matter_problems(procedure.fund, matter)  # the call may have been opened another way since
        if problems:
            raise ValidationFailed(problems)
        decision = record_matter_decision(procedure.fund, matter, reference=procedure.reference, actor=actor,
                                          decided_on=clock.today(procedure.fund), procedure=procedure,
                                          presided_by=presiding_over_procedure(procedure))  # fmt: skip
    elif target is WrittenProcedureState.adopted:
        assert procedure.proposal is not None
        assert procedure.version is not None
        data = DecisionData(procedure.outcome, procedure.conditions, procedure.approved_amount,
                            development_deadline=procedure.development_deadline,
                            indicative_amount=procedure.indicative_amount)  # fmt: skip
        decision = take_decision(procedure.proposal, procedure.version, data, reference=procedure.reference,
                                 decided_on=clock.today(procedure.fund), actor=actor, procedure=procedure)  # fmt: skip
        decision.presided_by = presiding_over_procedure(procedure)  # signs the letter
    procedure.state = target
    procedure.concluded_at = clock.now()
    db.session.flush()
    if decision is not None and not procedure.is_matter:
        record_decision_link(decision, actor=actor)  # a matter's is part of recording it
    record_audit("written_procedure.concluded", procedure, actor=actor, before={"state": before},
                 after={"state": target, "objections": len(objections)}, summary=procedure.reference)  # fmt: skip
    return decision


def withdraw_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> None:
    """The FMU withdraws an open written procedure (e.g. to take the proposal to a meeting instead); a conclusion
    under way is waited for (the fund's chain, then the procedure's row, as concluding takes them)."""
    require_fund_manager(actor, procedure.fund)
    lock_chain(procedure.fund)
    procedure = lock(WrittenProcedure, procedure.id)
    before = require_transition(procedure, WrittenProcedureState.withdrawn, PROCEDURE_TRANSITIONS)
    procedure.state = WrittenProcedureState.withdrawn
    procedure.concluded_at = clock.now()
    db.session.flush()
    record_audit("written_procedure.withdrawn", procedure, actor=actor, before={"state": before},
                 after={"state": procedure.state}, summary=procedure.reference)  # fmt: skip


def due_procedures() -> list[WrittenProcedure]:
    """Open written procedures whose deadline has passed (each in its fund's time zone)."""
    procedures = db.session.scalars(
        sa.select(WrittenProcedure)
        .where(WrittenProcedure.state == WrittenProcedureState.open)
        .order_by(WrittenProcedure.deadline, WrittenProcedure.id)
    )
    return [procedure for procedure in procedures if procedure.deadline_passed()]
