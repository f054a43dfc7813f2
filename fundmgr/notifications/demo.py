"""Demo notifications: the bell of each demo account shows a few unread ones, drawn from the demo's latest events.

The demo is seeded with notifications paused (hundreds of e-mails, decision letters included, would slow
it and fill instance/outbox/); afterwards the latest events are told again, in the app only.
"""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import holding
from fundmgr.funds.seats import chair_term
from fundmgr.notifications import events
from fundmgr.notifications.models import Channel, Notification
from fundmgr.notifications.operations import in_app_only, set_preferences
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results.models import ProgressReport, ReportState
from fundmgr.steering.models import Assignment, Decision, Meeting, MeetingState, Review

RECENT = 3  # events of each kind told again


def seed_notifications(fund: Fund) -> list[str]:
    """Tell the demo accounts of the latest submissions, returns, assignments, meetings, decisions and reports."""
    if db.session.scalar(sa.select(Notification.id).limit(1)) is not None:
        return []  # seeded already
    with in_app_only():
        replay(fund)
    seed_preferences(fund)
    db.session.flush()
    count = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    return [f"{count} notifications for the demo accounts (in the app; no e-mail)."]


def latest(query: sa.Select, *order: sa.ColumnElement) -> list:
    return list(db.session.scalars(query.order_by(*order).limit(RECENT)))


def replay(fund: Fund) -> None:
    s = ProposalState
    for proposal in latest(
        sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.state.in_([s.submitted, s.screening])),
        Proposal.submitted_at.desc(),
    ):
        events.on_proposal_moved(proposal, before=s.draft, after=s.submitted, actor=None)
    for proposal in latest(
        sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.state == s.returned), Proposal.id.desc()
    ):
        events.on_proposal_moved(proposal, before=s.screening, after=s.returned, actor=None)
    reviewed = sa.select(Review.id).where(Review.version_id == Assignment.version_id,
                                          Review.member_id == Assignment.member_id)  # fmt: skip
    for assignment in latest(
        sa.select(Assignment).join(Proposal).where(Proposal.fund_id == fund.id, ~reviewed.exists()),
        Assignment.due_on,
    ):
        events.on_reviewers_assigned(assignment.proposal, members=[assignment.member], due_on=assignment.due_on,
                                     before={"members": []}, actor=None)  # fmt: skip
    for meeting in latest(
        sa.select(Meeting).where(Meeting.fund_id == fund.id, Meeting.state == MeetingState.scheduled), Meeting.held_on
    ):
        events.on_meeting_scheduled(meeting, actor=None)
        if meeting.items:
            events.on_agenda_added(meeting, proposals=[item.proposal for item in meeting.items], actor=None)
    on_proposals = sa.select(Decision).where(Decision.fund_id == fund.id, Decision.proposal_id.is_not(None))
    for decision in latest(on_proposals, Decision.recorded_at.desc()):
        events.on_decision_taken(decision, actor=None)
    for report in latest(
        sa.select(ProgressReport).where(ProgressReport.state == ReportState.submitted),
        ProgressReport.submitted_at.desc(),
    ):
        events.on_report_submitted(report, actor=None)


def seed_preferences(fund: Fund) -> None:
    """Some demo people chose otherwise than the defaults: the last FMU officer reads submissions and reports in
    the daily digest; the chair follows meetings in the app only."""
    officers = list(db.session.scalars(sa.select(User).where(holding(fund, Role.fmu)).order_by(User.id)))
    if len(officers) > 1:
        officer = officers[-1]
        set_preferences(officer, {"proposal_submitted": Channel.digest, "report_submitted": Channel.digest},
                        actor=officer)  # fmt: skip
    term = chair_term(fund)
    chair = term.holder if term is not None else None
    if chair is not None:
        set_preferences(chair, {"meeting_scheduled": Channel.in_app}, actor=chair)
