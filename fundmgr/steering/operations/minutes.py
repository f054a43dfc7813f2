"""The official minutes of a meeting: drafted when it ends, prepared by the FMU, approved by the committee at a
later meeting in session (signed by whoever presides over that meeting) or by written procedure (signed by whoever
presides for the committee when it concludes: steering.operations.procedures), then frozen.

Approval is an act of the approving meeting rather than an agenda item: items are about one proposal (their
decision, quorum and recusals are the proposal's), and minutes approval needs none of that. It is recorded as a
decision of the committee about the minutes (subject `minutes`, "<approving meeting>/MIN<n>"), listed in the decision
register with the others; the minutes' own link in the decision record fixes it. The approving meeting's own minutes
say which minutes it approved. A written procedure's approval is its decision "<procedure>/MIN1", and while one is
open on the minutes they neither change nor are approved at a meeting (one route at a time: operations.routes).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.rights import require_fund_manager
from fundmgr.funds.seats import chair_term
from fundmgr.steering.documents import frozen_minutes, minutes_filename
from fundmgr.steering.models import (
    MINUTES_TRANSITIONS,
    Decision,
    DecisionOutcome,
    DecisionSubject,
    Meeting,
    MeetingState,
    Minutes,
    MinutesState,
    WrittenProcedure,
)
from fundmgr.steering.operations.locks import lock
from fundmgr.steering.operations.presiding import meeting_signer_and_quorum
from fundmgr.steering.operations.records import lock_chain, record_minutes_link
from fundmgr.steering.operations.rights import text_problems
from fundmgr.steering.operations.routes import minutes_route_problems
from fundmgr.steering.presiding import may_run_meeting, presiding_over_procedure
from fundmgr.storage import store_generated
from fundmgr.workflow import require_transition


def draft_minutes(meeting: Meeting, *, actor: User | None) -> Minutes:
    """The meeting has ended: its one official set of minutes starts as a draft (part of ending the meeting)."""
    if meeting.minutes is not None:
        return meeting.minutes
    minutes = Minutes(meeting=meeting, drafted_at=clock.now(), updated_at=clock.now())
    db.session.add(minutes)
    db.session.flush()
    record_audit("minutes.drafted", minutes, actor=actor, after={"state": minutes.state},
                 fund_id=meeting.fund_id, summary=meeting.reference)  # fmt: skip
    return minutes


def require_draft(minutes: Minutes) -> None:
    if minutes.is_frozen:
        raise InvalidTransition(_("These minutes are approved: they can no longer change."))


def edit_minutes(minutes: Minutes, summary: str, *, actor: User | None) -> None:
    """The FMU writes the draft's summary of the discussion (the rest is the meeting's record)."""
    require_fund_manager(actor, minutes.meeting.fund)
    minutes = lock(Minutes, minutes.id)
    require_draft(minutes)
    problems = minutes_route_problems(minutes)  # what the members are asked to approve stays put meanwhile
    problems += text_problems(summary, _("The summary"))
    if problems:
        raise ValidationFailed(problems)
    before = minutes.summary
    minutes.summary = summary.strip()
    minutes.updated_at = clock.now()
    db.session.flush()
    record_audit("minutes.edited", minutes, actor=actor, before={"summary": before},
                 after={"summary": minutes.summary}, fund_id=minutes.meeting.fund_id,
                 summary=minutes.meeting.reference)  # fmt: skip


def approve_minutes(minutes: Minutes, at: Meeting, *, actor: User | None) -> None:
    """The committee approves the minutes of an ended meeting at a later meeting in session; whoever presides over
    it signs them; the minutes are frozen (their content and PDF stored, with its sha256)."""
    meeting = minutes.meeting
    if at.fund_id != meeting.fund_id:
        raise NotAllowed(_("Minutes are approved by a meeting of the same fund."))
    if actor is not None and not may_run_meeting(actor, at):
        raise NotAllowed(_("Only the chair, the vice-chair or the Fund Management Unit may run the meeting."))
    lock_chain(meeting.fund)
    minutes = lock(Minutes, minutes.id)
    require_draft(minutes)
    if at.id == meeting.id or at.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Minutes are approved at a later meeting, while it is in session."))
    problems = minutes_route_problems(minutes)
    if problems:
        raise InvalidTransition(problems[0])
    signer, quorum = meeting_signer_and_quorum(at)
    approval = {"meeting": at.reference, "on": clock.today(at.fund)}
    sha256 = freeze_approved(minutes, signer, approval, on=at.held_on, actor=actor, approved_in=at)
    record_minutes_decision(minutes, signer, quorum.as_record(), decided_on=at.held_on, actor=actor, at=at)
    record_audit("minutes.approved", minutes, actor=actor, before={"state": MinutesState.draft},
                 after={"state": minutes.state, "approved_in": at.reference, "signed_by": signer.name,
                        "sha256": sha256, "quorum": quorum.as_record()},
                 fund_id=meeting.fund_id, summary=meeting.reference)  # fmt: skip


def approve_minutes_by_procedure(procedure: WrittenProcedure, *, actor: User | None) -> Decision:
    """A written procedure proposing to approve the minutes is adopted (part of concluding it, the fund's chain
    held): whoever presides for the committee that day signs them (`presiding_over_procedure`), and they are frozen
    as a meeting's approval freezes them; the decision is the procedure's ("<procedure>/MIN1")."""
    assert procedure.minutes_id is not None  # a `minutes` procedure names them (check constraint)
    minutes = lock(Minutes, procedure.minutes_id)
    require_draft(minutes)
    signer = presiding_over_procedure(procedure)
    if signer is None:
        raise InvalidTransition(_("Nobody holds the seat of the chair or of whoever presides in the chair's place: "
                                  "nobody can sign the minutes."))  # fmt: skip
    today = clock.today(procedure.fund)
    approval = {"procedure": procedure.reference, "on": today}
    sha256 = freeze_approved(minutes, signer, approval, on=today, actor=actor, procedure=procedure)
    decision = record_minutes_decision(minutes, signer, None, decided_on=today, actor=actor, procedure=procedure)
    record_audit("minutes.approved", minutes, actor=actor, before={"state": MinutesState.draft},
                 after={"state": minutes.state, "approved_by_procedure": procedure.reference,
                        "signed_by": signer.name, "sha256": sha256},
                 fund_id=procedure.fund_id, summary=minutes.meeting.reference)  # fmt: skip
    return decision


def freeze_approved(minutes: Minutes, signer: User, approval: dict[str, Any], *, on: date, actor: User | None,
                    approved_in: Meeting | None = None, procedure: WrittenProcedure | None = None) -> str:  # fmt: skip
    """Approve the locked draft (at a meeting, or by a written procedure), signed by `signer`: freeze its content in
    every language and store the signed PDF, then fix it in the fund's decision record. Returns the PDF's sha256."""
    meeting = minutes.meeting
    require_transition(minutes, MinutesState.approved, MINUTES_TRANSITIONS)
    chair = chair_term(meeting.fund, on)
    if chair is not None and signer.id in chair.person_ids():
        role = _l("Chair of the Steering Committee")  # lazy: the minutes are frozen in each language, the role too
    elif approved_in is not None:
        role = _l("Presiding over the meeting for the Steering Committee")
    else:
        role = _l("Presiding over the written procedure for the Steering Committee")
    content, pdf = frozen_minutes(meeting, approval | {"signed_by": signer.name, "role": role})
    stored = store_generated(pdf, minutes_filename(meeting), "application/pdf")
    minutes.state = MinutesState.approved
    minutes.approved_in_id = approved_in.id if approved_in is not None else None
    minutes.approved_by_procedure_id = procedure.id if procedure is not None else None
    minutes.approved_at = clock.now()
    minutes.approved_by_id, minutes.signed_by_id = actor and actor.id, signer.id
    minutes.content = content
    for name, value in stored.columns().items():
        setattr(minutes, name, value)
    db.session.flush()
    record_minutes_link(minutes, actor=actor)
    return stored.sha256


def record_minutes_decision(minutes: Minutes, signer: User, quorum: dict[str, Any] | None, *, decided_on: date,
                            actor: User | None, at: Meeting | None = None, procedure: WrittenProcedure | None = None,
                            ) -> Decision:  # fmt: skip
    """The committee's decision approving the minutes (part of approving them, the fund's chain held), taken by the
    meeting in session (numbered after the approvals that meeting made before: "<meeting>/MIN<n>") or by the
    written procedure ("<procedure>/MIN1")."""
    origin = at if at is not None else procedure
    assert origin is not None
    same_origin = Decision.meeting_id == at.id if at is not None else Decision.procedure_id == origin.id
    number = db.session.scalar(
        sa.select(sa.func.count(Decision.id)).where(same_origin, Decision.subject == DecisionSubject.minutes)
    )
    decision = Decision(
        fund_id=origin.fund_id, reference=f"{origin.reference}/MIN{(number or 0) + 1}",
        subject=DecisionSubject.minutes, minutes=minutes, outcome=DecisionOutcome.approve, decided_on=decided_on,
        meeting=at, procedure=procedure, presided_by=signer, quorum_record=quorum, recorded_by_id=actor and actor.id,
    )  # fmt: skip
    db.session.add(decision)
    db.session.flush()
    summary = f"{decision.reference} {DecisionSubject.minutes.title}: {minutes.meeting.reference}"
    record_audit("decision.recorded", decision, actor=actor, after=snapshot(decision), fund_id=origin.fund_id,
                 summary=summary)  # fmt: skip
    return decision
