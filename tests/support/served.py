"""What the tests serving the demo from production servers (bench.server.Server; the database: the fixture
`served_demo_database`) set up on it: a meeting under way with a proposal open on its agenda."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import AgendaItem, Meeting, MeetingMode

TAKEN: set[int] = set()  # proposals an attack has used


def free_proposal(state: ProposalState = ProposalState.endorsed) -> Proposal:
    """A demo proposal in this state on no open route to a decision, not used by another attack."""
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.state == state).order_by(Proposal.id)):
        if proposal.id not in TAKEN and not ops.open_route_problems(proposal):
            TAKEN.add(proposal.id)
            return proposal
    raise AssertionError(f"the demo has no free proposal {state.value} left")


def meeting_under_way(title: str) -> Meeting:
    """A meeting in progress, every member present (the FMU set it up earlier)."""
    people = demo_people(current_fund())
    meeting = ops.schedule_meeting(current_fund(), ops.MeetingData(title, clock.today(), MeetingMode.virtual),
                                   actor=people.fmu)  # fmt: skip
    ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
    ops.start_meeting(meeting, actor=people.fmu)
    return meeting


def open_on_agenda(meeting: Meeting, proposal: Proposal, *, behind_the_rule: bool = False) -> AgendaItem:
    """Put the proposal on the agenda and open its item for votes. `behind_the_rule`: as a second route to a
    decision, which only data written before the one-route rule may hold; deciding must hold on its own."""
    people = demo_people(current_fund())
    if behind_the_rule:
        item = AgendaItem(position=len(meeting.items) + 1, proposal_id=proposal.id,
                          version_id=proposal.latest_version.id)  # fmt: skip
        meeting.items.append(item)
        db.session.flush()
    else:
        (item,) = ops.add_agenda_items(meeting, [proposal], actor=people.fmu)
    ops.open_item(item, actor=people.fmu)
    return item
