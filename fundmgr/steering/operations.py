"""Writes of the Steering Committee. Each checks the actor's rights and the rules itself, flushes and audits.

Lifecycle moves of proposals go through fundmgr.proposals.operations; money through
fundmgr.finance.operations.allocate_approved, in the same transaction as the decision.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from fundmgr.accounts.models import Constituency, Role, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.operations import allocate_approved
from fundmgr.funds.models import Criterion, Fund
from fundmgr.i18n import format_money
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.signals import agenda_added, decision_taken, meeting_scheduled, procedure_circulated, reviewers_assigned
from fundmgr.steering.clock import now, today
from fundmgr.steering.models import (
    ITEM_TRANSITIONS,
    MEETING_TRANSITIONS,
    PROCEDURE_TRANSITIONS,
    AgendaItem,
    Assignment,
    Attendance,
    Conflict,
    Decision,
    DecisionOutcome,
    ItemState,
    Meeting,
    MeetingMode,
    MeetingState,
    ProcedureResponse,
    Recommendation,
    Review,
    ReviewState,
    Score,
    Vote,
    VoteChoice,
    WrittenProcedure,
    WrittenProcedureState,
)
from fundmgr.steering.queries import PIPELINE_STATES, active_criteria, sc_members
from fundmgr.steering.voting import quorum_for
from fundmgr.workflow import require_transition

LANGUAGES = ("en", "fr", "es")
MAX_TEXT = 10_000
MAX_NAME = 300  # a criterion's name, as the criteria form allows
CODE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


# --- Rights ------------------------------------------------------------------------------------


def require_fmu(actor: User | None) -> None:
    """The FMU (or an administrator, or the system) only."""
    if actor is not None and not actor.manages_fund:
        raise NotAllowed(_("Only the Fund Management Unit may do this."))


def require_sc_member(actor: User | None, member: User) -> None:
    """An SC member acting for themselves."""
    if member.role is not Role.sc_member:
        raise NotAllowed(_("Only members of the Steering Committee may do this."))
    if actor is not None and actor.id != member.id:
        raise NotAllowed(_("Members act for themselves only."))


def require_not_recused(proposal: Proposal, member: User) -> None:
    if proposal.is_recused(member):
        raise NotAllowed(_("You are recused from %(proposal)s.", proposal=proposal.reference))


def text_problems(value: str, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> list[str]:
    if required and not value.strip():
        return [_("%(field)s is required.", field=label)]
    if len(value) > limit:
        return [_("%(field)s is too long (at most %(n)d characters).", field=label, n=limit)]
    return []


# --- Criteria ------------------------------------------------------------------------------------


@dataclass
class CriterionData:
    """One row of the FMU's criteria form. `criterion` is None for a new criterion (then `code` is needed)."""

    criterion: Criterion | None
    name: dict[str, str]
    guidance: dict[str, str]
    weight: Decimal | None
    scale_min: int | None
    scale_max: int | None
    retired: bool = False
    code: str = ""

    @property
    def label(self) -> str:
        return self.name.get("en") or self.code or (self.criterion.code if self.criterion else "?")


def criterion_problems(fund: Fund, row: CriterionData, scored_ids: set[int]) -> list[str]:
    """What is wrong with one criterion row, each problem naming the criterion."""
    problems: list[str] = []
    label = row.label
    if row.criterion is None:
        if not CODE.match(row.code or ""):
            problems.append(_("%(c)s: the code may hold only letters, digits, - and _.", c=label))
        elif any(c.code == row.code for c in fund.criteria):
            problems.append(_("%(c)s: the code %(code)s is already used.", c=label, code=row.code))
    for language in LANGUAGES:
        if not (row.name.get(language) or "").strip():
            problems.append(_("%(c)s: the name in %(lang)s is required.", c=label, lang=language))
        if not (row.guidance.get(language) or "").strip():
            problems.append(_("%(c)s: the guidance in %(lang)s is required.", c=label, lang=language))
    problems += criterion_text_problems(row)
    if row.retired:
        return problems
    if row.weight is None or not (0 < row.weight <= 1):
        problems.append(_("%(c)s: the weight must be more than 0 %% and at most 100 %%.", c=label))
    if row.scale_min is None or row.scale_max is None or not (0 <= row.scale_min < row.scale_max <= 100):
        problems.append(_("%(c)s: the scale must run from a lower to a higher whole number (0 to 100).", c=label))
    elif scale_changed(row) and row.criterion.id in scored_ids:
        problems.append(_("%(c)s: members have already scored on this scale; it cannot change.", c=label))
    return problems


def criterion_text_problems(row: CriterionData) -> list[str]:
    """Names and guidance longer than the criteria form allows (the form's own labels name them)."""
    labels = {
        ("name", "en"): _("Name (English)"), ("name", "fr"): _("Name (French)"), ("name", "es"): _("Name (Spanish)"),
        ("guidance", "en"): _("Guidance (English)"), ("guidance", "fr"): _("Guidance (French)"),
        ("guidance", "es"): _("Guidance (Spanish)"),
    }  # fmt: skip
    problems = []
    for (attribute, language), label in labels.items():
        text = getattr(row, attribute).get(language) or ""
        problems += text_problems(text, f"{row.label} · {label}", limit=MAX_NAME if attribute == "name" else MAX_TEXT)
    return problems


def scale_changed(row: CriterionData) -> bool:
    return row.criterion is not None and (row.scale_min, row.scale_max) != (
        row.criterion.scale_min,
        row.criterion.scale_max,
    )


def criteria_problems(fund: Fund, rows: Sequence[CriterionData]) -> list[str]:
    """Every problem of the criteria form: per row, then weights summing to 100 % and one common scale."""
    scored_ids = set(db.session.scalars(sa.select(Score.criterion_id).where(Score.value.is_not(None)).distinct()))
    problems = [p for row in rows for p in criterion_problems(fund, row, scored_ids)]
    active = [row for row in rows if not row.retired]
    if not active:
        problems.append(_("At least one criterion must stay in use."))
    weights = [row.weight for row in active if row.weight is not None]
    if len(weights) == len(active) and sum(weights, Decimal(0)) != 1:
        problems.append(
            _("The weights must add up to 100 %% (they add up to %(sum)s %%).", sum=sum(weights, Decimal(0)) * 100)
        )
    # Weighted means compare proposals only when every criterion uses the same scale.
    scales = {(row.scale_min, row.scale_max) for row in active if row.scale_min is not None}
    if len(scales) > 1:
        problems.append(_("All criteria in use must have the same scale, so that weighted means compare."))
    return problems


CRITERION_FIELDS = ["code", "name", "guidance", "weight", "scale_min", "scale_max", "retired"]


def update_criteria(fund: Fund, rows: Sequence[CriterionData], *, actor: User | None) -> None:
    """Save the whole set of scoring criteria at once, so that their weights keep adding up to 100 %."""
    require_fmu(actor)
    problems = criteria_problems(fund, rows)
    if problems:
        raise ValidationFailed(problems)
    next_number = max((c.number for c in fund.criteria), default=0) + 1
    for row in rows:
        criterion = row.criterion
        values = {
            "name": {k: row.name[k].strip() for k in LANGUAGES},
            "guidance": {k: row.guidance[k].strip() for k in LANGUAGES},
            "retired": row.retired,
        }
        if not row.retired:
            values |= {"weight": row.weight, "scale_min": row.scale_min, "scale_max": row.scale_max}
        if criterion is None:
            criterion = Criterion(fund_id=fund.id, code=row.code, number=next_number, **values)
            next_number += 1
            db.session.add(criterion)
            record_audit("criterion.created", criterion, actor=actor, after=snapshot(criterion, CRITERION_FIELDS))
            continue
        before = snapshot(criterion, CRITERION_FIELDS)
        for key, value in values.items():
            setattr(criterion, key, value)
        after = snapshot(criterion, CRITERION_FIELDS)
        if after != before:
            record_audit("criterion.updated", criterion, actor=actor, before=before, after=after)
    db.session.flush()


# --- Assignments and conflicts -----------------------------------------------------------------


def assign_reviewers(proposal: Proposal, members: Sequence[User], due_on: date | None, *, actor: User | None) -> None:
    """Ask these SC members to score the proposal's current version by a date; unticked members without a review
    are released. The deadline applies to every member assigned to the version."""
    require_fmu(actor)
    version = proposal.latest_version
    problems = []
    if proposal.state is not ProposalState.in_review or version is None:
        problems.append(_("Only proposals in Steering Committee review are assigned for scoring."))
    if due_on is None:
        problems.append(_("The scoring deadline is required."))
    elif due_on < today():
        problems.append(_("The scoring deadline cannot be in the past."))
    if not members:
        problems.append(_("Choose at least one member."))
    for member in members:
        if member.role is not Role.sc_member or not member.is_active:
            problems.append(_("%(name)s is not a member of the Steering Committee.", name=member.name))
        elif proposal.is_recused(member):
            problems.append(_("%(name)s is recused from this proposal.", name=member.name))
    existing = {} if version is None else {a.member_id: a for a in version_assignments(version)}
    chosen = {m.id for m in members}
    released = [a for member_id, a in existing.items() if member_id not in chosen]
    started = set() if version is None else reviewers_of(version)
    for assignment in released:
        if assignment.member_id in started:
            problems.append(_("%(name)s has started a review and stays assigned.", name=assignment.member.name))
    if problems:
        raise ValidationFailed(problems)
    before = {"members": sorted(existing), "due_on": max((a.due_on for a in existing.values()), default=None)}
    for assignment in released:
        db.session.delete(assignment)
    for member in members:
        assignment = existing.get(member.id)
        if assignment is None:
            db.session.add(
                Assignment(
                    proposal_id=proposal.id,
                    version_id=version.id,
                    member_id=member.id,
                    due_on=due_on,
                    assigned_by_id=actor and actor.id,
                )
            )
        else:
            assignment.due_on = due_on
    db.session.flush()
    record_audit(
        "review.assigned",
        proposal,
        actor=actor,
        before=before,
        after={"members": sorted(chosen), "due_on": due_on, "version": version.number},
        summary=f"{proposal.reference} v{version.number}: {len(chosen)} members, due {due_on.isoformat()}",
    )
    reviewers_assigned.send(proposal, members=list(members), due_on=due_on, before=before, actor=actor)


def version_assignments(version: ProposalVersion) -> list[Assignment]:
    return list(db.session.scalars(sa.select(Assignment).where(Assignment.version_id == version.id)))


def reviewers_of(version: ProposalVersion) -> set[int]:
    """Members who have a review (draft or submitted) of the version."""
    return set(db.session.scalars(sa.select(Review.member_id).where(Review.version_id == version.id)))


def declare_conflict(proposal: Proposal, member: User, reason: str, *, actor: User | None) -> Conflict:
    """An SC member declares a conflict of interest on a proposal, with the reason; they are recused from then on."""
    require_sc_member(actor, member)
    problems = text_problems(reason, _("The reason"), required=True, limit=2000)
    if not proposal.can_view(member):
        problems.append(_("This proposal is not before the Steering Committee."))
    existing = db.session.scalar(
        sa.select(Conflict).where(Conflict.proposal_id == proposal.id, Conflict.member_id == member.id)
    )
    if existing is not None:
        problems.append(_("You have already declared a conflict on this proposal."))
    if problems:
        raise ValidationFailed(problems)
    conflict = Conflict(proposal_id=proposal.id, member_id=member.id, reason=reason.strip())
    db.session.add(conflict)
    db.session.flush()
    record_audit(
        "conflict.declared",
        conflict,
        actor=actor,
        after={"proposal": proposal.reference, "member": member.id, "reason": conflict.reason},
        fund_id=proposal.fund_id,
        summary=f"{proposal.reference}: {member.name}",
    )
    return conflict


def waive_conflict(conflict: Conflict, reason: str, *, actor: User | None) -> None:
    """The FMU waives a declared conflict with a reason: the member takes part again."""
    require_fmu(actor)
    problems = text_problems(reason, _("The reason for the waiver"), required=True, limit=2000)
    if conflict.is_waived:
        problems.append(_("This conflict has already been waived."))
    if problems:
        raise ValidationFailed(problems)
    conflict.waived_at = now()
    conflict.waived_by_id = actor and actor.id
    conflict.waiver_reason = reason.strip()
    db.session.flush()
    record_audit(
        "conflict.waived",
        conflict,
        actor=actor,
        before={"waived": False},
        after={"waived": True, "reason": conflict.waiver_reason},
        fund_id=conflict.proposal.fund_id,
        summary=f"{conflict.proposal.reference}: {conflict.member.name}",
    )


# --- Reviews -----------------------------------------------------------------------------------


@dataclass
class ReviewInput:
    """What a member typed in the review form: per criterion id a score (or None) and a comment."""

    scores: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    recommendation: Recommendation | None = None
    comment: str = ""


def scoring_problems(proposal: Proposal, member: User, assignment: Assignment | None) -> list[str]:
    """Why the member may not score the proposal now, if anything."""
    if proposal.is_recused(member):
        return [_("You are recused from %(proposal)s.", proposal=proposal.reference)]
    if proposal.state is not ProposalState.in_review:
        return [_("The proposal is no longer in review.")]
    if assignment is None or assignment.version_id != proposal.latest_version.id:
        return [_("You have not been asked to score this proposal.")]
    if today() > assignment.due_on:
        return [_("The scoring deadline (%(date)s) has passed.", date=assignment.due_on.isoformat())]
    return []


def score_problems(criteria: Sequence[Criterion], data: ReviewInput, *, complete: bool) -> list[str]:
    problems = []
    for criterion in criteria:
        value, comment = data.scores.get(criterion.id, (None, ""))
        if value is None:
            if complete:
                problems.append(_("%(c)s: a score is required.", c=criterion.label))
        elif not (criterion.scale_min <= value <= criterion.scale_max):
            problems.append(
                _("%(c)s: the score must be between %(min)d and %(max)d.",
                  c=criterion.label, min=criterion.scale_min, max=criterion.scale_max)
            )  # fmt: skip
        problems += text_problems(comment, criterion.label, limit=5000)
    if complete and data.recommendation is None:
        problems.append(_("Your overall recommendation is required."))
    problems += text_problems(data.comment, _("The overall comment"))
    return problems


def save_review(
    proposal: Proposal, member: User, data: ReviewInput, *, actor: User | None, submit: bool = False,
    no_conflict: bool = False,
) -> Review:  # fmt: skip
    """Save a member's scores of the proposal's current version as a draft, or submit them (final)."""
    require_sc_member(actor, member)
    version = proposal.latest_version
    assignment = None
    if version is not None:
        assignment = db.session.scalar(
            sa.select(Assignment).where(Assignment.version_id == version.id, Assignment.member_id == member.id)
        )
    refusals = scoring_problems(proposal, member, assignment)
    if refusals:
        raise NotAllowed(refusals[0])
    review = db.session.scalar(sa.select(Review).where(Review.version_id == version.id, Review.member_id == member.id))
    if review is not None and review.is_submitted:
        raise InvalidTransition(_("Your review has been submitted; it can no longer change."))
    criteria = active_criteria(proposal.fund)
    problems = score_problems(criteria, data, complete=submit)
    if submit and not no_conflict:
        problems.append(_("Confirm that you have no conflict of interest with this proposal."))
    if problems:
        raise ValidationFailed(problems)
    if review is None:
        review = Review(proposal_id=proposal.id, version_id=version.id, member_id=member.id)
        db.session.add(review)
    review.recommendation = data.recommendation
    review.comment = data.comment.strip()
    for criterion in criteria:
        value, comment = data.scores.get(criterion.id, (None, ""))
        score = review.score_for(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id)
            review.scores.append(score)
        score.value, score.comment = value, comment.strip()
    if submit:
        review.state = ReviewState.submitted
        review.submitted_at = now()
    db.session.flush()
    record_audit(
        "review.submitted" if submit else "review.saved",
        review,
        actor=actor,
        after=review_snapshot(review),
        fund_id=proposal.fund_id,
        summary=f"{proposal.reference} v{version.number}",
    )
    return review


def review_snapshot(review: Review) -> dict[str, Any]:
    return {
        "state": review.state,
        "recommendation": review.recommendation,
        "comment": review.comment,
        "scores": {str(s.criterion_id): s.value for s in review.scores},
    }


# --- Meetings ----------------------------------------------------------------------------------


@dataclass
class MeetingData:
    """The FMU's meeting form."""

    title: str
    held_on: date | None
    mode: MeetingMode | None
    location: str = ""
    language: str = "en"
    quorum_share: Decimal | None = None


def meeting_problems(data: MeetingData) -> list[str]:
    problems = text_problems(data.title, _("The title"), required=True, limit=200)
    problems += text_problems(data.location, _("The place or link"), limit=200)
    if data.held_on is None:
        problems.append(_("The date is required."))
    if data.mode is None:
        problems.append(_("The mode is required."))
    if data.language not in LANGUAGES:
        problems.append(_("The language must be English, French or Spanish."))
    if data.quorum_share is not None and not (0 <= data.quorum_share < 1):
        problems.append(_("The quorum must be a share from 0% to below 100%."))
    return problems


def next_meeting_reference(fund: Fund, year: int) -> str:
    """ "MIG-SC-2026-03": the fund's code, the year and the meeting's number in that year."""
    prefix = f"{fund.code}-SC-{year}-"
    count = db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(Meeting.reference.like(f"{prefix}%")))
    return f"{prefix}{count + 1:02d}"


def schedule_meeting(fund: Fund, data: MeetingData, *, actor: User | None) -> Meeting:
    """The FMU schedules a meeting; every current SC member is invited (attendance is recorded later)."""
    require_fmu(actor)
    problems = meeting_problems(data)
    if problems:
        raise ValidationFailed(problems)
    meeting = Meeting(
        fund_id=fund.id,
        reference=next_meeting_reference(fund, data.held_on.year),
        title=data.title.strip(),
        held_on=data.held_on,
        mode=data.mode,
        location=data.location.strip(),
        language=data.language,
        quorum_share=data.quorum_share,
        scheduled_by_id=actor and actor.id,
    )
    db.session.add(meeting)
    for member in sc_members():
        meeting.attendance.append(Attendance(member_id=member.id))
    db.session.flush()
    record_audit("meeting.scheduled", meeting, actor=actor, after=snapshot(meeting), summary=meeting.reference)
    meeting_scheduled.send(meeting, actor=actor)
    return meeting


def require_meeting_open_for_changes(meeting: Meeting) -> None:
    if meeting.state not in (MeetingState.scheduled, MeetingState.in_progress):
        raise InvalidTransition(_("The meeting is %(state)s; it can no longer change.", state=meeting.state.title))


def add_agenda_items(meeting: Meeting, proposals: Sequence[Proposal], *, actor: User | None) -> list[AgendaItem]:
    """Put proposals in review (or endorsed, awaiting funds) on the agenda, each with its current version."""
    require_fmu(actor)
    require_meeting_open_for_changes(meeting)
    listed = {item.proposal_id for item in meeting.items}
    problems = []
    for proposal in proposals:
        if proposal.fund_id != meeting.fund_id or proposal.state not in PIPELINE_STATES:
            problems.append(_("%(p)s is neither in review nor endorsed.", p=proposal.reference))
        elif proposal.id in listed:
            problems.append(_("%(p)s is already on the agenda.", p=proposal.reference))
    if not proposals:
        problems.append(_("Choose at least one proposal."))
    if problems:
        raise ValidationFailed(problems)
    position = max((item.position for item in meeting.items), default=0)
    items = []
    for proposal in proposals:
        position += 1
        item = AgendaItem(position=position, proposal_id=proposal.id, version_id=proposal.latest_version.id)
        meeting.items.append(item)
        items.append(item)
    db.session.flush()
    record_audit(
        "meeting.agenda_added",
        meeting,
        actor=actor,
        after={"proposals": [p.reference for p in proposals]},
        summary=f"{meeting.reference}: {', '.join(p.reference for p in proposals)}",
    )
    agenda_added.send(meeting, proposals=list(proposals), actor=actor)
    return items


def remove_agenda_item(item: AgendaItem, *, actor: User | None) -> None:
    """Take an item that has not been opened off the agenda; the others close ranks."""
    require_fmu(actor)
    meeting = item.meeting
    require_meeting_open_for_changes(meeting)
    if item.state is not ItemState.pending:
        raise InvalidTransition(_("Only items not yet discussed can be removed."))
    reference = item.proposal.reference
    meeting.items.remove(item)
    db.session.delete(item)
    for position, other in enumerate(meeting.items, start=1):
        other.position = position
    db.session.flush()
    record_audit("meeting.agenda_removed", meeting, actor=actor, before={"proposal": reference}, summary=reference)


def record_attendance(meeting: Meeting, present_ids: set[int], *, actor: User | None) -> None:
    """The FMU records who is present (members may arrive or leave during the meeting)."""
    require_fmu(actor)
    require_meeting_open_for_changes(meeting)
    invited = {a.member_id for a in meeting.attendance}
    unknown = present_ids - invited
    if unknown:
        raise ValidationFailed([_("Only invited members can be marked present.")])
    before = sorted(a.member_id for a in meeting.attendance if a.present)
    for attendance in meeting.attendance:
        attendance.present = attendance.member_id in present_ids
    db.session.flush()
    record_audit(
        "meeting.attendance", meeting, actor=actor, before={"present": before}, after={"present": sorted(present_ids)}
    )


def move_meeting(meeting: Meeting, target: MeetingState, *, actor: User | None, action: str) -> None:
    before = require_transition(meeting, target, MEETING_TRANSITIONS)
    meeting.state = target
    db.session.flush()
    record_audit(action, meeting, actor=actor, before={"state": before}, after={"state": target})


def start_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """The secretariat or the chair opens the meeting: items can then be opened for votes."""
    require_chair(meeting, actor)
    meeting.started_at = now()
    move_meeting(meeting, MeetingState.in_progress, actor=actor, action="meeting.started")


def end_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """Close the meeting; items not decided stay with their proposals in review for a later meeting."""
    require_chair(meeting, actor)
    if meeting.open_item is not None:
        raise InvalidTransition(_("Close the open item before ending the meeting."))
    meeting.ended_at = now()
    move_meeting(meeting, MeetingState.closed, actor=actor, action="meeting.ended")


def cancel_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """The FMU cancels a meeting that has not started."""
    require_fmu(actor)
    move_meeting(meeting, MeetingState.cancelled, actor=actor, action="meeting.cancelled")


def require_chair(meeting: Meeting, actor: User | None, item: AgendaItem | None = None) -> None:
    """The FMU secretariat, or the chair (not recused from the item's proposal)."""
    if actor is None or actor.manages_fund:
        return
    if actor.role is not Role.sc_member or actor.constituency is not Constituency.chair:
        raise NotAllowed(_("Only the chair or the Fund Management Unit may run the meeting."))
    if item is not None and item.proposal.is_recused(actor):
        raise NotAllowed(_("You are recused from this item; the Fund Management Unit runs it."))


def add_once(collection: list[Any], row: Any, refusal: str) -> None:
    """Add a member's one-per-member row (vote, answer); the unique constraint refuses a second one.

    The constraint, not a prior check, is what holds when the same member sends twice at once (two
    devices, a double click): the second insert waits for the first, then fails and is refused.
    """
    try:
        with db.session.begin_nested():
            collection.append(row)
            db.session.flush()
    except IntegrityError:
        raise InvalidTransition(refusal) from None


def lock(model: type, ident: int, *, shared: bool = False) -> Any:
    """Re-read a row under a lock held to the end of the transaction (no-op on SQLite, which serializes writers).

    Votes take a shared lock on their item, closing takes an exclusive one: closing waits for
    the votes under way, and a vote that starts after the close sees the item closed.
    """
    query = sa.select(model).where(model.id == ident).with_for_update(read=shared)
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def open_item(item: AgendaItem, *, actor: User | None) -> None:
    """Open an item for votes (one at a time); a closed item may be reopened before its decision."""
    meeting = lock(Meeting, item.meeting_id)
    require_chair(meeting, actor, item)
    if meeting.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Start the meeting before opening items."))
    if meeting.open_item is not None and meeting.open_item.id != item.id:
        raise InvalidTransition(_("Close the open item first."))
    before = require_transition(item, ItemState.open, ITEM_TRANSITIONS)
    item.state = ItemState.open
    item.opened_at = now()
    item.closed_at = None
    db.session.flush()
    record_audit("item.opened", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=meeting.fund_id, summary=item.display_name)  # fmt: skip


def close_item(item: AgendaItem, *, actor: User | None) -> None:
    """Close an item to votes; votes arriving afterwards are refused."""
    item = lock(AgendaItem, item.id)
    require_chair(item.meeting, actor, item)
    before = require_transition(item, ItemState.closed, ITEM_TRANSITIONS)
    item.state = ItemState.closed
    item.closed_at = now()
    db.session.flush()
    record_audit("item.closed", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=item.meeting.fund_id, summary=item.display_name)  # fmt: skip


def cast_vote(item: AgendaItem, member: User, choice: VoteChoice, *, actor: User | None) -> Vote:
    """A present, non-recused member votes once on the open item; a second vote or a late one is refused."""
    require_sc_member(actor, member)
    item = lock(AgendaItem, item.id, shared=True)
    meeting = item.meeting
    if meeting.state is not MeetingState.in_progress or item.state is not ItemState.open:
        raise InvalidTransition(_("Voting on this item is closed."))
    attendance = meeting.attendance_of(member)
    if attendance is None or not attendance.present:
        raise NotAllowed(_("Only members recorded as present can vote."))
    require_not_recused(item.proposal, member)
    vote = Vote(member_id=member.id, choice=choice)
    add_once(item.votes, vote, _("You have already voted on this item."))
    record_audit("vote.cast", vote, actor=actor, after={"item": item.id, "choice": choice},
                 fund_id=meeting.fund_id, summary=item.display_name)  # fmt: skip
    return vote


# --- Decisions ---------------------------------------------------------------------------------


@dataclass
class DecisionData:
    """What the Steering Committee decides: the outcome, conditions and, for an approval, the amount."""

    outcome: DecisionOutcome | None
    conditions: str = ""
    approved_amount: Decimal | None = None


def decision_problems(proposal: Proposal, version: ProposalVersion, data: DecisionData) -> list[str]:
    """Every reason the decision cannot be taken on this proposal version, at once."""
    problems = []
    if data.outcome is None:
        return [_("Choose the decision.")]
    if proposal.state not in PIPELINE_STATES:
        problems.append(_("%(p)s is not awaiting a decision (it is %(state)s).", p=proposal.reference,
                          state=proposal.state.title))  # fmt: skip
    elif proposal.latest_version is None or proposal.latest_version.id != version.id:
        problems.append(_("The proposal has a newer version than the one on the agenda."))
    if data.outcome is DecisionOutcome.endorse and proposal.state is ProposalState.endorsed:
        problems.append(_("The proposal is already endorsed."))
    if data.outcome is DecisionOutcome.approve_with_conditions and not data.conditions.strip():
        problems.append(_("State the conditions of the approval."))
    problems += text_problems(data.conditions, _("The conditions"))
    if data.outcome.funds:
        if data.approved_amount is None or data.approved_amount <= 0:
            problems.append(_("The approved amount is required and must be more than zero."))
        elif data.approved_amount > version.total:
            problems.append(
                _("The approved amount cannot exceed the version's budget (%(total)s).",
                  total=format_money(version.total))
            )  # fmt: skip
    elif data.approved_amount is not None:
        problems.append(_("Only an approval carries an amount."))
    return problems


LIFECYCLE_MOVES = {
    DecisionOutcome.approve: proposal_ops.approve_proposal,
    DecisionOutcome.approve_with_conditions: proposal_ops.approve_proposal,
    DecisionOutcome.endorse: proposal_ops.endorse_proposal,
    DecisionOutcome.defer: proposal_ops.defer_proposal,
    DecisionOutcome.reject: proposal_ops.reject_proposal,
}


def take_decision(
    proposal: Proposal, version: ProposalVersion, data: DecisionData, *, reference: str, decided_on: date,
    actor: User | None, item: AgendaItem | None = None, procedure: WrittenProcedure | None = None,
) -> Decision:  # fmt: skip
    """Record a decision and carry it out: allocate an approval's money, then move the proposal."""
    problems = decision_problems(proposal, version, data)
    if problems:
        raise ValidationFailed(problems)
    decision = Decision(
        fund_id=proposal.fund_id,
        reference=reference,
        proposal_id=proposal.id,
        version_id=version.id,
        outcome=data.outcome,
        conditions=data.conditions.strip(),
        approved_amount=data.approved_amount if data.outcome.funds else None,
        decided_on=decided_on,
        item=item,
        procedure=procedure,
        recorded_by_id=actor and actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    if data.outcome.funds:
        # raises InsufficientFunds when the money is not there: nothing of the decision stays
        allocate_approved(
            proposal, version, approved_amount=data.approved_amount, decided_on=decided_on, reference=reference,
            actor=actor,
        )  # fmt: skip
    LIFECYCLE_MOVES[data.outcome](proposal, actor=actor, summary=f"{reference}: {data.outcome.title}")
    record_audit(
        "decision.recorded",
        decision,
        actor=actor,
        after=snapshot(decision),
        summary=f"{reference} {proposal.reference}: {data.outcome.title}",
    )
    decision_taken.send(decision, actor=actor)
    return decision


def record_decision(item: AgendaItem, data: DecisionData, *, actor: User | None) -> Decision:
    """The chair or the secretariat records the meeting's decision on an item (closing its votes), if quorate."""
    item = lock(AgendaItem, item.id)
    meeting = item.meeting
    require_chair(meeting, actor, item)
    if meeting.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Decisions are recorded while the meeting is in progress."))
    if item.state is ItemState.pending:
        raise InvalidTransition(_("Open the item before recording its decision."))
    if item.state is ItemState.open:
        close_item(item, actor=actor)
    quorum = quorum_for(item)
    if not quorum.met:
        raise InvalidTransition(
            _("There is no quorum for this item: %(present)d of %(eligible)d voting members are present, "
              "%(required)d are needed.", present=quorum.present, eligible=quorum.eligible, required=quorum.required)
        )  # fmt: skip
    before = require_transition(item, ItemState.decided, ITEM_TRANSITIONS)
    decision = take_decision(
        item.proposal, item.version, data, reference=f"{meeting.reference}/{item.position}",
        decided_on=meeting.held_on, actor=actor, item=item,
    )  # fmt: skip
    item.state = ItemState.decided
    item.quorum_record = quorum.as_record()
    db.session.flush()
    record_audit("item.decided", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=meeting.fund_id, summary=item.display_name)  # fmt: skip
    return decision


# --- Written procedures ------------------------------------------------------------------------


def next_procedure_reference(fund: Fund, year: int) -> str:
    """ "MIG-WP-2026-01": the fund's code, the year and the procedure's number in that year."""
    prefix = f"{fund.code}-WP-{year}-"
    count = db.session.scalar(
        sa.select(sa.func.count(WrittenProcedure.id)).where(WrittenProcedure.reference.like(f"{prefix}%"))
    )
    return f"{prefix}{count + 1:02d}"


def circulate_written_procedure(
    proposal: Proposal, data: DecisionData, *, rationale: str, deadline: date | None, actor: User | None
) -> WrittenProcedure:
    """The FMU circulates a proposed decision; unless a member objects by the deadline, it is adopted."""
    require_fmu(actor)
    version = proposal.latest_version
    problems = decision_problems(proposal, version, data) if version else [_("The proposal has no version.")]
    problems += text_problems(rationale, _("The rationale"), required=True)
    if deadline is None:
        problems.append(_("The deadline is required."))
    elif deadline < today():
        problems.append(_("The deadline cannot be in the past."))
    if open_procedure_on(proposal) is not None:
        problems.append(_("A written procedure on this proposal is already open."))
    if problems:
        raise ValidationFailed(problems)
    procedure = WrittenProcedure(
        fund_id=proposal.fund_id,
        reference=next_procedure_reference(proposal.fund, today().year),
        proposal_id=proposal.id,
        version_id=version.id,
        outcome=data.outcome,
        conditions=data.conditions.strip(),
        approved_amount=data.approved_amount if data.outcome.funds else None,
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


def open_procedure_on(proposal: Proposal) -> WrittenProcedure | None:
    return db.session.scalar(
        sa.select(WrittenProcedure).where(
            WrittenProcedure.proposal_id == proposal.id, WrittenProcedure.state == WrittenProcedureState.open
        )
    )


def respond_to_procedure(
    procedure: WrittenProcedure, member: User, *, objects: bool, reason: str, actor: User | None
) -> ProcedureResponse:
    """A member states an objection (with its reason) or no objection, once, before the deadline."""
    require_sc_member(actor, member)
    require_not_recused(procedure.proposal, member)
    if procedure.state is not WrittenProcedureState.open or today() > procedure.deadline:
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
    """The members who may object: the Steering Committee less those recused from the proposal."""
    return [m for m in sc_members() if not procedure.proposal.is_recused(m)]


def conclude_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> Decision | None:
    """Conclude a written procedure: objected to if anyone objected; adopted (and carried out) when the
    deadline has passed without objection, or earlier when every eligible member said they do not object."""
    require_fmu(actor)
    procedure = lock(WrittenProcedure, procedure.id)
    objections = procedure.objections
    answered = {r.member_id for r in procedure.responses}
    everyone_agreed = {m.id for m in eligible_for_procedure(procedure)} <= answered
    if not objections and not everyone_agreed and today() <= procedure.deadline:
        raise InvalidTransition(
            _("Members may object until %(date)s; the procedure cannot be concluded yet.",
              date=procedure.deadline.isoformat())
        )  # fmt: skip
    target = WrittenProcedureState.objected if objections else WrittenProcedureState.adopted
    before = require_transition(procedure, target, PROCEDURE_TRANSITIONS)
    decision = None
    if target is WrittenProcedureState.adopted:
        data = DecisionData(procedure.outcome, procedure.conditions, procedure.approved_amount)
        decision = take_decision(procedure.proposal, procedure.version, data, reference=procedure.reference,
                                 decided_on=today(), actor=actor, procedure=procedure)  # fmt: skip
    procedure.state = target
    procedure.concluded_at = now()
    db.session.flush()
    record_audit("written_procedure.concluded", procedure, actor=actor, before={"state": before},
                 after={"state": target, "objections": len(objections)}, summary=procedure.reference)  # fmt: skip
    return decision


def withdraw_written_procedure(procedure: WrittenProcedure, *, actor: User | None) -> None:
    """The FMU withdraws an open written procedure (e.g. to take the proposal to a meeting instead)."""
    require_fmu(actor)
    before = require_transition(procedure, WrittenProcedureState.withdrawn, PROCEDURE_TRANSITIONS)
    procedure.state = WrittenProcedureState.withdrawn
    procedure.concluded_at = now()
    db.session.flush()
    record_audit("written_procedure.withdrawn", procedure, actor=actor, before={"state": before},
                 after={"state": procedure.state}, summary=procedure.reference)  # fmt: skip


def due_procedures() -> list[WrittenProcedure]:
    """Open written procedures whose deadline has passed."""
    return list(
        db.session.scalars(
            sa.select(WrittenProcedure)
            .where(WrittenProcedure.state == WrittenProcedureState.open, WrittenProcedure.deadline < today())
            .order_by(WrittenProcedure.deadline, WrittenProcedure.id)
        )
    )
