"""Written procedures: decisions taken between meetings by circulating a proposal."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_fund_manager
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations import lock_proposal
from fundmgr.signals import procedure_circulated
from fundmgr.steering.models import (
    PROCEDURE_TRANSITIONS,
    Decision,
    ProcedureResponse,
    WrittenProcedure,
    WrittenProcedureState,
    standings,
)
from fundmgr.steering.operations.decisions import DecisionData, decision_problems, take_decision
from fundmgr.steering.operations.locks import add_once, lock
from fundmgr.steering.operations.records import lock_chain, record_decision_link
from fundmgr.steering.operations.rights import require_may_decide, require_sc_member, text_problems
from fundmgr.steering.operations.routes import open_route_problems
from fundmgr.steering.queries import sc_members
from fundmgr.workflow import require_transition


def next_procedure_reference(fund: Fund, year: int) -> str:
    """ "MIG-WP-2026-01": the fund's code, the year and the procedure's number in that year."""
    prefix = f"{fund.code}-WP-{year}-"
    count = db.session.scalar(
        sa.select(sa.func.count(WrittenProcedure.id)).where(WrittenProcedure.reference.like(f"{prefix}%"))
    )
    return f"{prefix}{(count or 0) + 1:02d}"


def circulate_written_procedure(
    proposal: Proposal, data: DecisionData, *, rationale: str, deadline: date | None, actor: User | None
) -> WrittenProcedure:
    """The FMU circulates a proposed decision; unless a member objects by the deadline, it is adopted."""
    require_fund_manager(actor, proposal.fund)
    lock_proposal(proposal)
    version = proposal.latest_version
    problems = decision_problems(proposal, version, data) if version else [_("The proposal has no version.")]
    problems += text_problems(rationale, _("The rationale"), required=True)
    if deadline is None:
        problems.append(_("The deadline is required."))
    elif clock.is_past(deadline, clock.today(proposal.fund)):
        problems.append(_("The deadline cannot be in the past."))
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
    db.session.add(procedure)
    db.session.flush()
    record_audit("written_procedure.circulated", procedure, actor=actor, after=snapshot(procedure),
                 summary=f"{procedure.reference} {proposal.reference}: {data.outcome.title}")  # fmt: skip
    procedure_circulated.send(procedure, actor=actor)
    return procedure


def respond_to_procedure(
    procedure: WrittenProcedure, member: User, *, objects: bool, reason: str, actor: User | None
) -> ProcedureResponse:
    """A member states an objection (with its reason) or no objection, once, before the deadline."""
    require_sc_member(actor, member, procedure.fund)
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
    """The members who may object: the Steering Committee less those who may not take part in the decision."""
    members = sc_members(procedure.fund)
    said = standings(procedure.proposal, members)
    return [m for m in members if said[m.id].decides]


def conclude_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> Decision | None:
    """Conclude a written procedure: objected to if anyone objected; adopted (and carried out) when the
    deadline has passed without objection, or earlier when every eligible member said they do not object."""
    require_fund_manager(actor, procedure.fund)
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
    if target is WrittenProcedureState.adopted:
        data = DecisionData(procedure.outcome, procedure.conditions, procedure.approved_amount,
                            development_deadline=procedure.development_deadline,
                            indicative_amount=procedure.indicative_amount)  # fmt: skip
        decision = take_decision(procedure.proposal, procedure.version, data, reference=procedure.reference,
                                 decided_on=clock.today(procedure.fund), actor=actor, procedure=procedure)  # fmt: skip
    procedure.state = target
    procedure.concluded_at = clock.now()
    db.session.flush()
    if decision is not None:
        record_decision_link(decision, actor=actor)
    record_audit("written_procedure.concluded", procedure, actor=actor, before={"state": before},
                 after={"state": target, "objections": len(objections)}, summary=procedure.reference)  # fmt: skip
    return decision


def withdraw_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> None:
    """The FMU withdraws an open written procedure (e.g. to take the proposal to a meeting instead)."""
    require_fund_manager(actor, procedure.fund)
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
