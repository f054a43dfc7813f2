"""One open route to a decision per proposal (one meeting's agenda, or one written procedure, at a time), and per
set of draft minutes (a meeting's approval, or one written procedure)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.db import db
from fundmgr.proposals.models import Proposal
from fundmgr.steering.models import (
    AgendaItem,
    ItemState,
    Meeting,
    MeetingState,
    Minutes,
    WrittenProcedure,
    WrittenProcedureState,
)

OPEN_MEETINGS = (MeetingState.scheduled, MeetingState.in_progress)


def open_items_of(proposal: Proposal) -> list[AgendaItem]:
    """The proposal's items not yet decided on the agenda of meetings not yet closed (nor cancelled)."""
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(
                AgendaItem.proposal_id == proposal.id,
                AgendaItem.state != ItemState.decided,
                Meeting.state.in_(OPEN_MEETINGS),
            )
            .order_by(AgendaItem.id)
        )
    )


def open_procedure_on(proposal: Proposal) -> WrittenProcedure | None:
    """The proposal's written procedure still open for objections, if any."""
    return db.session.scalar(
        sa.select(WrittenProcedure).where(
            WrittenProcedure.proposal_id == proposal.id, WrittenProcedure.state == WrittenProcedureState.open
        )
    )


def open_route_problems(proposal: Proposal, *, meeting: Meeting | None = None) -> list[str]:
    """Why the proposal cannot take another route to a decision: it is on an open meeting's agenda (other than
    `meeting`) or in an open written procedure. Call it under the proposal's lock (`lock_proposal`), so that
    two routes opened at the same moment cannot both pass."""
    problems = [
        _("%(p)s is already on the agenda of meeting %(m)s, which is not over; take it off that agenda first.",
          p=proposal.reference, m=item.meeting.reference)
        for item in open_items_of(proposal)
        if meeting is None or item.meeting_id != meeting.id
    ]  # fmt: skip
    procedure = open_procedure_on(proposal)
    if procedure is not None:
        problems.append(
            _("%(p)s is in written procedure %(wp)s, still open; withdraw the procedure first.",
              p=proposal.reference, wp=procedure.reference)
        )  # fmt: skip
    return problems


def open_minutes_procedure(minutes: Minutes) -> WrittenProcedure | None:
    """The written procedure still open that proposes to approve the minutes, if any."""
    return db.session.scalar(
        sa.select(WrittenProcedure).where(
            WrittenProcedure.minutes_id == minutes.id, WrittenProcedure.state == WrittenProcedureState.open
        )
    )


def minutes_route_problems(minutes: Minutes) -> list[str]:
    """Why the minutes cannot take another route to their approval: a written procedure on them is open. Call it
    under the minutes' lock, so that a meeting's approval and a circulation at the same moment cannot both pass."""
    procedure = open_minutes_procedure(minutes)
    if procedure is None:
        return []
    return [_("The minutes of %(m)s are in written procedure %(wp)s, still open; withdraw the procedure first.",
              m=minutes.meeting.reference, wp=procedure.reference)]  # fmt: skip
