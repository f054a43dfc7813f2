"""Who presides in the chair's place: the committee (its secretariat, the chair or the vice-chair) designates a
member for a meeting, who presides over the items the chair and the vice-chair may not preside over, or in their
absence (`steering.presiding`)."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.seats import term_of
from fundmgr.steering.models import Meeting, MeetingState
from fundmgr.steering.operations.locks import lock
from fundmgr.steering.presiding import may_run_meeting, presiding_over_meeting
from fundmgr.steering.voting import Quorum, meeting_quorum


def designate_presiding(meeting: Meeting, member: User | None, *, actor: User | None) -> None:
    """The FMU, the chair or the vice-chair designates the member who presides when neither chair may (None: no
    one designated); only before the meeting ends, and only a member holding or standing in for a seat that day."""
    if actor is not None and not may_run_meeting(actor, meeting):
        raise NotAllowed(_("Only the chair, the vice-chair or the Fund Management Unit may run the meeting."))
    meeting = lock(Meeting, meeting.id)
    if meeting.state not in (MeetingState.scheduled, MeetingState.in_progress):
        raise InvalidTransition(_("A member is designated to preside only before the meeting ends."))
    if member is not None and term_of(member, meeting.fund, meeting.held_on) is None:
        raise ValidationFailed([_("%(name)s holds no seat of the committee on the day of the meeting.",
                                  name=member.name)])  # fmt: skip
    before = meeting.designated_presiding
    if (before and before.id) == (member and member.id):
        return
    meeting.designated_presiding = member
    db.session.flush()
    record_audit("meeting.presiding_designated", meeting, actor=actor,
                 before={"designated_presiding": before.name if before else None},
                 after={"designated_presiding": member.name if member else None},
                 fund_id=meeting.fund_id, summary=meeting.reference)  # fmt: skip


def meeting_signer_and_quorum(meeting: Meeting) -> tuple[User, Quorum]:
    """Who presides over the meeting in session (and signs what it decides as a whole: minutes, matters of the fund)
    and its quorum of every voting seat; refused without either."""
    signer = presiding_over_meeting(meeting)
    if signer is None:
        raise InvalidTransition(_("Nobody present presides over the meeting: mark the chair or the member who "
                                  "presides in their place present."))  # fmt: skip
    quorum = meeting_quorum(meeting)
    if not quorum.met:
        raise InvalidTransition(_("There is no quorum: %(present)d of the %(required)d voting seats needed are "
                                  "represented.", present=quorum.present, required=quorum.required))  # fmt: skip
    return signer, quorum
