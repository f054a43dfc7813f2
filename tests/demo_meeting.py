"""A Steering Committee meeting in session on the demo data, for the pages only a live meeting shows."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import Meeting, MeetingMode

ECUADOR = "Supporting Ecuador's national plan to implement the Global Compact for Migration"


def meeting_in_session(title: str, proposal_title: str = ECUADOR) -> Meeting:
    """Everyone present, the demo proposal (in review) on the agenda and open for votes; flushed, not committed."""
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.title == proposal_title))
    assert proposal.state is ProposalState.in_review
    people = demo_people()
    meeting = ops.schedule_meeting(
        current_fund(), ops.MeetingData(title, clock.today(), MeetingMode.virtual), actor=people.fmu
    )
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=people.fmu)
    ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
    ops.start_meeting(meeting, actor=people.fmu)
    ops.open_item(item, actor=people.fmu)
    return meeting


def end_meeting(meeting_id: int) -> None:
    """Close the open item and end the meeting: the proposal stays in review, as the demo had it."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting.open_item is not None:
        ops.close_item(meeting.open_item, actor=None)
    ops.end_meeting(meeting, actor=None)
