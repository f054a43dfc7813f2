"""The official minutes of a meeting: drafted when it ends, prepared by the FMU, approved by the committee at a
later meeting in session, signed by whoever presides over that meeting, then frozen.

Approval is an act of the approving meeting rather than an agenda item: items are about one proposal (their
decision, quorum and recusals are the proposal's), and minutes approval needs none of that. It is recorded as a
decision of the committee about the minutes (subject `minutes`, "<approving meeting>/MIN<n>"), listed in the decision
register with the others; the minutes' own link in the decision record fixes it. The approving meeting's own minutes
say which minutes it approved.
"""

from __future__ import annotations

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
)
from fundmgr.steering.operations.locks import lock
from fundmgr.steering.operations.presiding import meeting_signer_and_quorum
from fundmgr.steering.operations.records import lock_chain, record_minutes_link
from fundmgr.steering.operations.rights import text_problems
from fundmgr.steering.presiding import may_run_meeting
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
    problems = text_problems(summary, _("The summary"))
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
    signer, quorum = meeting_signer_and_quorum(at)
    before = require_transition(minutes, MinutesState.approved, MINUTES_TRANSITIONS)
    chair = chair_term(at.fund, at.held_on)
    # lazy: the minutes are frozen in each language, the signer's role with them
    role = (_l("Chair of the Steering Committee") if chair is not None and signer.id in chair.person_ids()
            else _l("Presiding over the meeting for the Steering Committee"))  # fmt: skip
    now = clock.now()
    approval = {"meeting": at.reference, "on": clock.today(at.fund), "signed_by": signer.name, "role": role}
    content, pdf = frozen_minutes(meeting, approval)
    stored = store_generated(pdf, minutes_filename(meeting), "application/pdf")
    minutes.state = MinutesState.approved
    minutes.approved_in_id, minutes.approved_at = at.id, now
    minutes.approved_by_id, minutes.signed_by_id = actor and actor.id, signer.id
    minutes.content = content
    for name, value in stored.columns().items():
        setattr(minutes, name, value)
    db.session.flush()
    record_minutes_link(minutes, actor=actor)
    record_minutes_decision(minutes, at, signer, quorum.as_record(), actor=actor)
    record_audit("minutes.approved", minutes, actor=actor, before={"state": before},
                 after={"state": minutes.state, "approved_in": at.reference, "signed_by": signer.name,
                        "sha256": stored.sha256, "quorum": quorum.as_record()},
                 fund_id=meeting.fund_id, summary=meeting.reference)  # fmt: skip


def record_minutes_decision(minutes: Minutes, at: Meeting, signer: User, quorum: dict[str, Any], *,
                            actor: User | None) -> Decision:  # fmt: skip
    """The committee's decision approving the minutes, taken by the meeting in session (part of approving them,
    the fund's chain held): numbered after the approvals that meeting made before."""
    number = db.session.scalar(
        sa.select(sa.func.count(Decision.id)).where(
            Decision.meeting_id == at.id, Decision.subject == DecisionSubject.minutes
        )
    )
    decision = Decision(
        fund_id=at.fund_id, reference=f"{at.reference}/MIN{(number or 0) + 1}", subject=DecisionSubject.minutes,
        minutes=minutes, outcome=DecisionOutcome.approve, decided_on=at.held_on, meeting=at, presided_by=signer,
        quorum_record=quorum, recorded_by_id=actor and actor.id,
    )  # fmt: skip
    db.session.add(decision)
    db.session.flush()
    summary = f"{decision.reference} {DecisionSubject.minutes.title}: {minutes.meeting.reference}"
    record_audit("decision.recorded", decision, actor=actor, after=snapshot(decision), fund_id=at.fund_id,
                 summary=summary)  # fmt: skip
    return decision
