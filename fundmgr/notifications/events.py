"""What happened -> who is told: the receivers of the domain signals (fundmgr.signals).

Each receiver runs inside the operation's transaction and calls `notify`; a rolled-back operation
leaves no notification and sends no e-mail. Who receives what:

- proposal_submitted: a proposal is submitted or resubmitted -> the FMU; the lead organization's agency
  staff (the submitter too, as a receipt).
- proposal_returned: the FMU returns it at screening, with the reasons -> the lead organization's agency staff.
- proposal_forwarded: the FMU forwards it to Steering Committee review -> the lead organization's agency
  staff; the FMU.
- scoring_assigned: SC members are assigned to score it -> the members newly assigned (all of them when
  the deadline changes); never a recused member.
- procedure_circulated: the FMU circulates a written procedure -> the SC members not recused; the FMU.
- meeting_scheduled: the FMU schedules a meeting -> the invited SC members; the FMU.
- meeting_pack_ready: proposals are put on a scheduled meeting's agenda (its pack then lists them) -> the
  invited SC members; the FMU; one unread notification per meeting, refreshed as the agenda grows.
- item_opened: an agenda item opens (or reopens) in a meeting under way -> the members recorded as present
  (in the app by default; e-mail if they choose it); one unread notification per meeting, refreshed as
  items open.
- decision_taken: a decision is recorded in a meeting, or a written procedure is adopted -> agency staff
  of every participating organization; the FMU; the decision letter (PDF, in each one's language) attached.
- allocation_approved: an approval allocates money -> each organization's agency staff (their own
  allocation); the FMU (all of them, once).
- transfer_made: the FMU records a transfer -> the receiving organization's agency staff; the FMU.
- report_submitted: the lead agency submits a progress report -> the FMU.
- report_returned, report_accepted: the FMU returns (with what to change) or accepts a progress report ->
  agency staff of the programme's organizations.

The actor is never told of their own action (the submission receipt aside). Everyone is filtered by
what they may see (Proposal.can_view / can_see_content, Meeting.can_view, ProgressReport.can_view).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from fundmgr import signals
from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.emails import LazyAttachment
from fundmgr.finance.models import Allocation, Transfer
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import holding
from fundmgr.notifications.operations import language_of, notify
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results.models import ProgressReport, ReviewDecision
from fundmgr.steering.documents import decision_letter_data, decision_letter_filename, render_decision_letter
from fundmgr.steering.models import AgendaItem, Decision, Meeting, MeetingState, WrittenProcedure
from fundmgr.steering.queries import sc_members

# --- Audiences -----------------------------------------------------------------------------------------


def fmu_staff(fund: Fund) -> list[User]:
    """The active officers of the fund's Fund Management Unit."""
    return list(
        db.session.scalars(
            sa.select(User).where(holding(fund, Role.fmu), User.is_active_account.is_(True)).order_by(User.id)
        )
    )


def agency_staff(fund: Fund, organization_ids: Iterable[int | None]) -> list[User]:
    """Active agency staff of these organizations, working on the fund."""
    ids = {i for i in organization_ids if i is not None}
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(holding(fund, Role.agency), User.organization_id.in_(ids), User.is_active_account.is_(True))
            .order_by(User.id)
        )
    )


def invited_members(meeting: Meeting) -> list[User]:
    return [attendance.member for attendance in meeting.attendance]


def proposal_link(proposal: Proposal) -> tuple[str, dict[str, Any]]:
    return "proposals.detail", {"proposal_id": proposal.id}


# --- Proposals -------------------------------------------------------------------------------------------


def on_proposal_moved(proposal: Proposal, *, before: ProposalState, after: ProposalState, actor: User | None,
                      **_data: Any) -> None:  # fmt: skip
    """Submitted, returned at screening, forwarded to the Steering Committee."""
    lead = agency_staff(proposal.fund, [proposal.lead_organization_id])
    context = {"proposal": proposal, "version": proposal.latest_version}
    if after is ProposalState.submitted:
        notify("proposal_submitted", [*lead, *fmu_staff(proposal.fund)], link=proposal_link(proposal), context=context,
               actor=actor, visible_to=proposal.can_view, include_actor=True)  # fmt: skip
    elif after is ProposalState.returned:
        screening = proposal.latest_screening
        reasons = screening.reasons if screening is not None else ""
        notify("proposal_returned", lead, link=proposal_link(proposal), context=context | {"reasons": reasons},
               actor=actor, visible_to=proposal.can_view)  # fmt: skip
    elif after is ProposalState.in_review and before is ProposalState.screening:
        notify("proposal_forwarded", [*lead, *fmu_staff(proposal.fund)], link=proposal_link(proposal), context=context,
               actor=actor, visible_to=proposal.can_view)  # fmt: skip


# --- The Steering Committee ------------------------------------------------------------------------------


def on_reviewers_assigned(proposal: Proposal, *, members: list[User], due_on: Any, before: dict[str, Any],
                          actor: User | None, **_data: Any) -> None:  # fmt: skip
    """New assignees are asked to score; when the deadline moves, every assignee hears of it."""
    already = set(before.get("members") or [])
    moved = bool(already) and before.get("due_on") != due_on
    told = members if moved else [m for m in members if m.id not in already]
    notify("scoring_assigned", told, link=("steering.review", {"proposal_id": proposal.id}),
           context={"proposal": proposal, "version": proposal.latest_version, "due_on": due_on, "moved": moved},
           actor=actor, visible_to=proposal.can_see_content)  # fmt: skip


def on_procedure_circulated(procedure: WrittenProcedure, *, actor: User | None, **_data: Any) -> None:
    """Members may object until the deadline (on a proposal, those who may see its content are told)."""
    notify("procedure_circulated", [*sc_members(procedure.fund), *fmu_staff(procedure.fund)],
           link=("steering.procedure", {"procedure_id": procedure.id}),
           context={"procedure": procedure, "proposal": procedure.proposal}, actor=actor,
           visible_to=procedure.may_see)  # fmt: skip


def on_meeting_scheduled(meeting: Meeting, *, actor: User | None, **_data: Any) -> None:
    notify("meeting_scheduled", [*invited_members(meeting), *fmu_staff(meeting.fund)],
           link=("steering.meeting", {"meeting_id": meeting.id}), context={"meeting": meeting}, actor=actor,
           visible_to=meeting.can_view)  # fmt: skip


def on_agenda_added(meeting: Meeting, *, proposals: list[Proposal], actor: User | None, **_data: Any) -> None:
    """The meeting pack now lists the agenda's proposals; one unread notification per meeting is refreshed."""
    if meeting.state is not MeetingState.scheduled:
        return  # items added during the meeting are announced there, not by e-mail
    notify("meeting_pack_ready", [*invited_members(meeting), *fmu_staff(meeting.fund)],
           link=("steering.meeting", {"meeting_id": meeting.id}),
           context={"meeting": meeting, "item_count": len(meeting.items)}, actor=actor,
           visible_to=meeting.can_view, key=f"meeting-pack:{meeting.id}")  # fmt: skip


def on_item_opened(item: AgendaItem, *, actor: User | None, **_data: Any) -> None:
    """The members present hear that an item is open, with a link to the live board (one unread per meeting)."""
    meeting = item.meeting
    present = [attendance.member for attendance in meeting.attendance if attendance.present]
    notify("item_opened", present, link=("steering.board", {"meeting_id": meeting.id}),
           context={"meeting": meeting, "item": item, "proposal": item.proposal}, actor=actor,
           visible_to=meeting.can_view, key=f"meeting-live:{meeting.id}")  # fmt: skip


def letter_attachments(decision: Decision):
    """The decision letter in each recipient's language, rendered only when an e-mail is really written."""
    data_by_language: dict[str, dict[str, Any]] = {}

    def attachments(user: User) -> list[LazyAttachment]:
        language = language_of(user)
        if language not in data_by_language:
            data_by_language[language] = decision_letter_data(decision)  # under the recipient's locale
        data = data_by_language[language]
        return [LazyAttachment(decision_letter_filename(decision), "application/pdf",
                               lambda: render_decision_letter(data, language))]  # fmt: skip

    return attachments


def on_decision_taken(decision: Decision, *, actor: User | None, **_data: Any) -> None:
    proposal = decision.proposal
    notify("decision_taken", [*agency_staff(proposal.fund, proposal.organization_ids), *fmu_staff(proposal.fund)],
           link=("steering.decision", {"decision_id": decision.id}),
           context={"decision": decision, "proposal": proposal}, actor=actor, visible_to=proposal.can_view,
           attachments=letter_attachments(decision))  # fmt: skip


# --- Money -----------------------------------------------------------------------------------------------


def on_allocations_approved(proposal: Proposal, *, allocations: list[Allocation], actor: User | None,
                            **_data: Any) -> None:  # fmt: skip
    """Each organization hears of its own allocation; the FMU of all of them, once."""
    link = ("finance.programme", {"proposal_id": proposal.id})
    context = {"proposal": proposal, "currency": proposal.fund.currency}
    for allocation in allocations:
        notify("allocation_approved", agency_staff(proposal.fund, [allocation.organization_id]), link=link,
               context=context | {"allocations": [allocation]}, actor=actor, visible_to=proposal.can_view)  # fmt: skip
    notify("allocation_approved", fmu_staff(proposal.fund), link=link, context=context | {"allocations": allocations},
           actor=actor, visible_to=proposal.can_view)  # fmt: skip


def on_transfer_recorded(transfer: Transfer, *, actor: User | None, **_data: Any) -> None:
    allocation = transfer.allocation
    proposal = allocation.proposal
    notify("transfer_made", [*agency_staff(proposal.fund, [allocation.organization_id]), *fmu_staff(proposal.fund)],
           link=("finance.programme", {"proposal_id": proposal.id}),
           context={"transfer": transfer, "allocation": allocation, "proposal": proposal,
                    "currency": proposal.fund.currency},
           actor=actor, visible_to=proposal.can_view)  # fmt: skip


# --- Progress reports ------------------------------------------------------------------------------------


def report_link(report: ProgressReport) -> tuple[str, dict[str, Any]]:
    return "results.period", {"programme_id": report.period.programme_id, "number": report.period.number}


def on_report_submitted(report: ProgressReport, *, actor: User | None, **_data: Any) -> None:
    notify("report_submitted", fmu_staff(report.programme.proposal.fund), link=report_link(report),
           context={"report": report, "proposal": report.programme.proposal, "period": report.period},
           actor=actor, visible_to=report.can_view)  # fmt: skip


def on_report_reviewed(report: ProgressReport, *, review: Any, actor: User | None, **_data: Any) -> None:
    proposal = report.programme.proposal
    kind = "report_returned" if review.decision is ReviewDecision.returned else "report_accepted"
    notify(kind, agency_staff(proposal.fund, proposal.organization_ids), link=report_link(report),
           context={"report": report, "proposal": proposal, "period": report.period, "comment": review.comment},
           actor=actor, visible_to=report.can_view)  # fmt: skip


RECEIVERS = [
    (signals.proposal_state_changed, on_proposal_moved),
    (signals.reviewers_assigned, on_reviewers_assigned),
    (signals.procedure_circulated, on_procedure_circulated),
    (signals.meeting_scheduled, on_meeting_scheduled),
    (signals.agenda_added, on_agenda_added),
    (signals.item_opened, on_item_opened),
    (signals.decision_taken, on_decision_taken),
    (signals.allocations_approved, on_allocations_approved),
    (signals.transfer_recorded, on_transfer_recorded),
    (signals.report_submitted, on_report_submitted),
    (signals.report_reviewed, on_report_reviewed),
]


def connect_receivers() -> None:
    """Listen to the domain's signals (idempotent: blinker connects a receiver once)."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver)
