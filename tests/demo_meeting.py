"""A Steering Committee meeting in session on the demo data, for the pages only a live meeting shows."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import UPCOMING_TITLE, demo_people
from fundmgr.steering.models import Meeting, MeetingMode, MeetingState

ECUADOR = "Supporting Ecuador's national plan to implement the Global Compact for Migration"


def meeting_in_session(title: str, proposal_title: str = ECUADOR) -> Meeting:
    """Everyone present, the demo proposal (in review) on the agenda and open for votes; flushed, not committed."""
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.title == proposal_title))
    assert proposal.state is ProposalState.in_review
    people = demo_people(proposal.fund)
    for item in ops.open_items_of(proposal):  # one route to a decision at a time: the demo's next meeting lends it
        ops.remove_agenda_item(item, actor=people.fmu)
    meeting = ops.schedule_meeting(
        current_fund(), ops.MeetingData(title, clock.today(), MeetingMode.virtual), actor=people.fmu
    )
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=people.fmu)
    ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
    ops.start_meeting(meeting, actor=people.fmu)
    ops.open_item(item, actor=people.fmu)
    return meeting


def end_meeting(meeting_id: int) -> None:
    """Close the open item and end the meeting: the proposal stays in review, back on the demo's next meeting's
    agenda, as the demo had it."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting.open_item is not None:
        ops.close_item(meeting.open_item, actor=None)
    ops.end_meeting(meeting, actor=None)
    upcoming = db.session.scalar(
        sa.select(Meeting).where(Meeting.title == UPCOMING_TITLE, Meeting.state == MeetingState.scheduled)
    )
    back = [item.proposal for item in meeting.items if item.proposal.state is ProposalState.in_review]
    if upcoming is not None and back:
        ops.add_agenda_items(upcoming, back, actor=None)
