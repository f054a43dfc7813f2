"""The Steering Committee's records: assignments, conflicts, reviews, meetings, votes, decisions.

Everything that links a decision to its origin is a foreign key: meeting -> agenda item ->
votes -> decision (or written procedure -> responses -> decision); the allocations finance
creates for an approval carry the decision's reference.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.calls.models import Call
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, Money, db, memoized, recall, remember, remember_all
from fundmgr.funds.models import Criterion, Fund
from fundmgr.funds.rights import holders_among, is_fund_manager, is_sc_member, works_with_committee
from fundmgr.funds.seats import FREE, LEAVES, Standing, participant_standing
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import RECUSAL_RULES, Participant, Proposal, ProposalVersion

# ---------------------------------------------------------------------------------------------
# Assignments and conflicts of interest
# ---------------------------------------------------------------------------------------------


class Assignment(Base):
    """An SC member asked to score one version of a proposal by a date."""

    __tablename__ = "review_assignments"
    __table_args__ = (sa.UniqueConstraint("version_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    due_on: so.Mapped[date]
    assigned_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    assigned_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    proposal: so.Mapped[Proposal] = so.relationship()
    version: so.Mapped[ProposalVersion] = so.relationship()
    member: so.Mapped[User] = so.relationship(foreign_keys=[member_id], lazy="joined")

    audit_type = "review_assignment"


class Conflict(Base):
    """A conflict of interest an SC member declared on a proposal; the FMU may waive it with a reason.

    Conflicts from the member's organization taking part in the proposal are not stored: they
    follow from the proposal's participants (Proposal.is_recused) and cannot be waived.
    """

    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    declared_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    waived_at: so.Mapped[datetime | None]
    waived_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    waiver_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    proposal: so.Mapped[Proposal] = so.relationship()
    member: so.Mapped[User] = so.relationship(foreign_keys=[member_id], lazy="joined")
    waived_by: so.Mapped[User | None] = so.relationship(foreign_keys=[waived_by_id])

    audit_type = "conflict"

    @property
    def is_waived(self) -> bool:
        return self.waived_at is not None


def active_conflicts(proposal_ids: Collection[int], member_ids: Collection[int] | None = None) -> set[tuple[int, int]]:
    """(proposal id, member id) of the declared conflicts not waived on the given proposals (of the given members)."""
    if not proposal_ids or (member_ids is not None and not member_ids):
        return set()
    query = sa.select(Conflict.proposal_id, Conflict.member_id).where(
        Conflict.proposal_id.in_(list(proposal_ids)), Conflict.waived_at.is_(None)
    )
    if member_ids is not None:
        query = query.where(Conflict.member_id.in_(list(member_ids)))
    return set(db.session.execute(query).tuples())


def declared_conflict(proposal: Proposal, user: Any) -> bool:
    """Recusal rule registered with the proposals package: a declared conflict that is not waived."""
    if proposal.id is None or getattr(user, "id", None) is None:
        return False
    return bool(active_conflicts([proposal.id], [user.id]))


if declared_conflict not in RECUSAL_RULES:
    RECUSAL_RULES.append(declared_conflict)


def is_recused_given(proposal: Proposal, member: Any, conflicts: set[tuple[int, int]]) -> bool:
    """Whether an SC member may not score the proposal, from loaded data (many pairs, one query): their organization
    takes part in it (under every conflict policy), or `conflicts` (from active_conflicts) holds their declared one.
    `standing_given(...).scores` is its negation; the decision record's past rankings read it on plain rows."""
    return member.organization_id in proposal.organization_ids or (proposal.id, member.id) in conflicts


def standing_given(proposal: Proposal, member: Any, conflicts: set[tuple[int, int]]) -> Standing:
    """What an SC member may do on the proposal (see, score, decide), from loaded data: a declared conflict not
    waived leaves the item; their organization taking part means what the fund's conflict policy says."""
    conflicted = (proposal.id, getattr(member, "id", None)) in conflicts
    return standing_of(proposal, conflicted=conflicted, takes_part=member.organization_id in proposal.organization_ids)


def standing_of(proposal: Proposal, *, conflicted: bool, takes_part: bool) -> Standing:
    """The rule itself: a declared conflict not waived leaves the item; the member's organization taking part in
    the proposal means what the fund's conflict policy says; else the member is free."""
    if conflicted:
        return LEAVES
    if takes_part:
        return participant_standing(proposal.fund)
    return FREE


def standing(proposal: Proposal, member: Any) -> Standing:
    """What the user may do on the proposal as an SC member of its fund (FREE for anyone else: their rights are
    their role's). Every page and operation of the committee asks this, never the policy itself.

    One statement asks both facts (a declared conflict not waived, their organization among the participants), so
    the proposal's participants are not loaded for it (a member's position or vote asks it on every request). A page
    asking it of many members or proposals reads them at once first (`known_standings`); asked again in the same
    transaction, the answer is remembered (`fundmgr.db.memoized`)."""
    if not is_sc_member(member, proposal.fund):
        return FREE
    if proposal.id is None:  # not saved yet: no declared conflict, its participants are in memory only
        return standing_given(proposal, member, set())
    return memoized(("standing", proposal.id, member.id), lambda: read_standing(proposal, member))


def read_standing(proposal: Proposal, member: Any) -> Standing:
    """`standing` of an SC member on a saved proposal, read from the database in one statement."""
    conflicted, participates = db.session.execute(sa.select(*standing_facts(proposal, member))).one()
    return standing_from(proposal, member, conflicted=bool(conflicted), participates=bool(participates))


def standing_facts(proposal: Any, member: Any) -> tuple[sa.Exists, sa.Exists]:
    """The two facts `standing` reads, as SQL columns: a declared conflict not waived; the member's organization
    among the proposal's participants. A statement that reads them with something else (a member's attendance
    under its lock) then gives them to `standing_read_with`."""
    conflict = sa.exists().where(Conflict.proposal_id == proposal.id, Conflict.member_id == member.id,
                                 Conflict.waived_at.is_(None))  # fmt: skip
    participant = sa.exists().where(Participant.proposal_id == proposal.id,
                                    Participant.organization_id == member.organization_id)  # fmt: skip
    return conflict, participant


def standing_read_with(proposal: Proposal, member: Any, conflicted: Any, participates: Any) -> None:
    """Remember the standing whose facts (`standing_facts`) another statement read, for `standing` to answer."""
    if proposal.id is not None and is_sc_member(member, proposal.fund):
        said = standing_from(proposal, member, conflicted=bool(conflicted), participates=bool(participates))
        remember(("standing", proposal.id, member.id), said)


def standing_from(proposal: Proposal, member: Any, *, conflicted: bool, participates: bool) -> Standing:
    """`standing` from the two facts read: a declared conflict; the member's organization among the participants
    (the lead organization takes part too)."""
    organization = member.organization_id
    takes_part = organization is not None and (participates or organization == proposal.lead_organization_id)
    return standing_of(proposal, conflicted=conflicted, takes_part=bool(takes_part))


def known_standings(proposals: Collection[Proposal], members: Collection[Any]) -> None:
    """Read the standings of the members on the proposals at once (two statements, however many), for `standing`
    to answer from while the transaction lasts: a page asking for each item who presides and who decides."""
    proposals = [p for p in proposals if p.id is not None]
    members = [m for m in {getattr(m, "id", None): m for m in members if m is not None}.values() if m.id is not None]
    # each member's seat on the committee of each fund asked about, once (not once per proposal)
    committee = {fund.id: {m.id for m in members if is_sc_member(m, fund)} for fund in {p.fund for p in proposals}}
    on_committee = [m for m in members if any(m.id in ids for ids in committee.values())]
    answers: dict[tuple[Any, ...], Standing] = {}
    for proposal in proposals:  # anyone else is FREE: their rights are their role's
        for member in members:
            if member.id not in committee[proposal.fund.id]:
                answers[("standing", proposal.id, member.id)] = FREE
    if proposals and on_committee:
        proposal_ids, organizations = [p.id for p in proposals], {m.organization_id for m in on_committee}
        conflicts = active_conflicts(proposal_ids, [m.id for m in on_committee])
        participating = set(db.session.execute(
            sa.select(Participant.proposal_id, Participant.organization_id).where(
                Participant.proposal_id.in_(proposal_ids), Participant.organization_id.in_(organizations))
        ).tuples())  # fmt: skip
        for proposal in proposals:
            for member in on_committee:
                if member.id in committee[proposal.fund.id]:
                    answers[("standing", proposal.id, member.id)] = standing_from(
                        proposal, member, conflicted=(proposal.id, member.id) in conflicts,
                        participates=(proposal.id, member.organization_id) in participating)  # fmt: skip
    remember_all(answers)


def standings(proposal: Proposal, members: list[Any]) -> dict[int, Standing]:
    """`standing` of many members on one proposal in two queries (who holds the role, their declared conflicts), or
    none when `known_standings` read them all already."""
    known = {m.id: recall(("standing", proposal.id, m.id)) for m in members} if proposal.id is not None else {}
    if members and all(said is not None for said in known.values()):
        return {member_id: said for member_id, said in known.items() if said is not None}
    on_committee = holders_among(members, proposal.fund, Role.sc_member)
    conflicts = active_conflicts([proposal.id] if proposal.id is not None else [], list(on_committee))
    return {m.id: standing_given(proposal, m, conflicts) if m.id in on_committee else FREE for m in members}


def recused_proposal_ids(user: Any, proposals: list[Proposal]) -> set[int]:
    """Of the given proposals, those the user is recused from (sees only the title), in one query
    (Proposal.is_recused in bulk), or none when `known_standings` read them already."""
    known = [recall(("standing", p.id, user.id)) if p.id is not None else None for p in proposals]
    if proposals and all(said is not None for said in known):
        return {p.id for p, said in zip(proposals, known, strict=True) if said is not None and not said.sees}
    proposals = [p for p in proposals if is_sc_member(user, p.fund)]
    conflicts = active_conflicts([p.id for p in proposals], [user.id]) if proposals else set()
    return {p.id for p in proposals if not standing_given(p, user, conflicts).sees}


# ---------------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------------


class ReviewState(TitledEnum):
    """A review is a draft until its author submits it; submitted reviews are final."""

    draft = "draft"
    submitted = "submitted"


class Recommendation(TitledEnum):
    """A reviewer's overall recommendation to the Steering Committee."""

    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    revise = "revise"
    reject = "reject"


class Review(Base):
    """One SC member's scoring of one proposal version."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "member_id"),
        sa.CheckConstraint("state = 'draft' OR (recommendation IS NOT NULL AND submitted_at IS NOT NULL)",
                           name="submitted_is_complete"),
    )  # fmt: skip

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    state: so.Mapped[ReviewState] = so.mapped_column(default=ReviewState.draft)
    recommendation: so.Mapped[Recommendation | None]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    started_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)
    submitted_at: so.Mapped[datetime | None]

    proposal: so.Mapped[Proposal] = so.relationship()
    version: so.Mapped[ProposalVersion] = so.relationship()
    member: so.Mapped[User] = so.relationship(lazy="joined")
    scores: so.Mapped[list[Score]] = so.relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Score.id"
    )

    audit_type = "review"

    @property
    def is_submitted(self) -> bool:
        return self.state is ReviewState.submitted

    def score_for(self, criterion_id: int) -> Score | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class Score(Base):
    """A review's score on one criterion (within the criterion's scale) with a comment."""

    __tablename__ = "review_scores"
    __table_args__ = (sa.UniqueConstraint("review_id", "criterion_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    review_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    criterion_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("criteria.id"))
    value: so.Mapped[int | None]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    review: so.Mapped[Review] = so.relationship(back_populates="scores")
    criterion: so.Mapped[Criterion] = so.relationship()


# ---------------------------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------------------------


class MeetingMode(TitledEnum):
    """How the members meet."""

    in_person = "in_person"
    virtual = "virtual"
    hybrid = "hybrid"


class MeetingState(TitledEnum):
    """Where a meeting is: scheduled, under way, over (minutes drafted), or cancelled."""

    scheduled = "scheduled"
    in_progress = "in_progress"
    closed = "closed"
    cancelled = "cancelled"


MEETING_TRANSITIONS: dict[MeetingState, frozenset[MeetingState]] = {
    MeetingState.scheduled: frozenset({MeetingState.in_progress, MeetingState.cancelled}),
    MeetingState.in_progress: frozenset({MeetingState.closed}),
    MeetingState.closed: frozenset(),
    MeetingState.cancelled: frozenset(),
}


class Meeting(Base):
    """A Steering Committee meeting: when, how, in which language, under which quorum rule."""

    __tablename__ = "meetings"
    __table_args__ = (sa.CheckConstraint(sa.column("language").in_(LANGUAGES), name="language_known"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    held_on: so.Mapped[date]
    mode: so.Mapped[MeetingMode]
    location: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    language: so.Mapped[str] = so.mapped_column(sa.String(2), default="en")
    state: so.Mapped[MeetingState] = so.mapped_column(default=MeetingState.scheduled)
    scheduled_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    started_at: so.Mapped[datetime | None]
    ended_at: so.Mapped[datetime | None]
    # Under a `designated` presiding fallback: the member the committee designated to preside over the items
    # the chair may not preside over (or all of them in the chair's absence).
    designated_presiding_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    fund: so.Mapped[Fund] = so.relationship(foreign_keys=[fund_id])
    designated_presiding: so.Mapped[User | None] = so.relationship(foreign_keys=[designated_presiding_id])
    items: so.Mapped[list[AgendaItem]] = so.relationship(back_populates="meeting", order_by="AgendaItem.position")
    attendance: so.Mapped[list[Attendance]] = so.relationship(back_populates="meeting", order_by="Attendance.id")
    minutes: so.Mapped[Minutes | None] = so.relationship(back_populates="meeting", foreign_keys="Minutes.meeting_id")
    # The matters of the fund the meeting decided as a whole, in the order decided.
    matters: so.Mapped[list[Decision]] = so.relationship(
        back_populates="meeting", foreign_keys="Decision.meeting_id", order_by="Decision.id"
    )

    audit_type = "meeting"

    @property
    def display_name(self) -> str:
        return f"{self.reference} ({self.held_on.isoformat()})"

    @property
    def matters_decided(self) -> list[Decision]:
        """The matters of the fund it decided as a whole, without its approvals of earlier minutes (which its
        minutes list on their own)."""
        return [d for d in self.matters if d.subject is not DecisionSubject.minutes]

    @property
    def by_consensus(self) -> bool:
        """Whether the fund decides by consensus (members state positions) rather than by votes."""
        return self.fund.decision_rule == "consensus"

    @property
    def open_item(self) -> AgendaItem | None:
        return next((item for item in self.items if item.state is ItemState.open), None)

    @property
    def current_item(self) -> AgendaItem | None:
        """The item under discussion: the open one, else the one most recently opened."""
        opened = [item for item in self.items if item.opened_at is not None]
        return self.open_item or (max(opened, key=lambda item: item.opened_at) if opened else None)

    def attendance_of(self, user: Any) -> Attendance | None:
        return next((a for a in self.attendance if a.member_id == getattr(user, "id", None)), None)

    def can_view(self, user: Any) -> bool:
        """The FMU, administrators and the Steering Committee's members see meetings."""
        return works_with_committee(user, self.fund)

    def can_manage(self, user: Any) -> bool:
        """The FMU (the SC's secretariat) schedules meetings, builds agendas and records attendance."""
        return is_fund_manager(user, self.fund)


class Attendance(Base):
    """An SC member invited to a meeting, and whether they are present."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    present: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)

    meeting: so.Mapped[Meeting] = so.relationship(back_populates="attendance")
    member: so.Mapped[User] = so.relationship(lazy="joined")


class ItemState(TitledEnum):
    """An agenda item waits, is open for votes, is closed to votes, then is decided."""

    pending = "pending"
    open = "open"
    closed = "closed"
    decided = "decided"


ITEM_TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    ItemState.pending: frozenset({ItemState.open}),
    ItemState.open: frozenset({ItemState.closed}),
    ItemState.closed: frozenset({ItemState.open, ItemState.decided}),
    ItemState.decided: frozenset(),
}


class AgendaItem(Base):
    """A proposal (one version) on a meeting's agenda."""

    __tablename__ = "agenda_items"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "proposal_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    state: so.Mapped[ItemState] = so.mapped_column(default=ItemState.pending)
    opened_at: so.Mapped[datetime | None]
    closed_at: so.Mapped[datetime | None]
    # Who was eligible, present and recused when the decision was recorded, for the minutes.
    quorum_record: so.Mapped[dict[str, Any] | None]
    # Who presided over the item (set when it is opened, kept when its decision is recorded): they sign its
    # decision letter and its part of the minutes.
    presided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    meeting: so.Mapped[Meeting] = so.relationship(back_populates="items")
    presided_by: so.Mapped[User | None] = so.relationship()
    proposal: so.Mapped[Proposal] = so.relationship()
    version: so.Mapped[ProposalVersion] = so.relationship()
    votes: so.Mapped[list[Vote]] = so.relationship(back_populates="item", order_by="Vote.id")
    positions: so.Mapped[list[Position]] = so.relationship(back_populates="item", order_by="Position.id")
    decision: so.Mapped[Decision | None] = so.relationship(back_populates="item")

    audit_type = "agenda_item"

    @property
    def display_name(self) -> str:
        return f"{self.meeting.reference} #{self.position} {self.proposal.reference}"


class VoteChoice(TitledEnum):
    """What a member votes on an agenda item."""

    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    defer = "defer"
    reject = "reject"
    abstain = "abstain"


class Vote(Base):
    """One member's vote on one agenda item (funds deciding by majority); changing it rewrites the one row."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("item_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    choice: so.Mapped[VoteChoice]
    cast_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    item: so.Mapped[AgendaItem] = so.relationship(back_populates="votes")
    member: so.Mapped[User] = so.relationship(lazy="joined")

    audit_type = "vote"


class Stance(TitledEnum):
    """The position a member states on an item, under consensus."""

    support = "support"
    reservation = "reservation"
    stand_aside = "stand_aside"
    object = "object"

    @property
    def needs_text(self) -> bool:
        """A reservation states its text, an objection its reason."""
        return self in (Stance.reservation, Stance.object)


class Position(Base):
    """One member's position on one agenda item (funds deciding by consensus); the last one stated counts.

    A change rewrites the one row (each change is in the audit trail); the minutes name the member
    only when they asked for it (`minute_by_name`), and never count positions.
    """

    __tablename__ = "positions"
    __table_args__ = (sa.UniqueConstraint("item_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    stance: so.Mapped[Stance]
    # The reservation's text or the objection's reason.
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    minute_by_name: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    item: so.Mapped[AgendaItem] = so.relationship(back_populates="positions")
    member: so.Mapped[User] = so.relationship(lazy="joined")

    audit_type = "position"


# ---------------------------------------------------------------------------------------------
# Decisions and written procedures
# ---------------------------------------------------------------------------------------------


class DecisionOutcome(TitledEnum):
    """What the Steering Committee decides on a proposal."""

    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    endorse = "endorse"
    # a concept note selected for development of its programme document (with a deadline and an indicative amount)
    select = "select"
    defer = "defer"
    reject = "reject"

    @property
    def funds(self) -> bool:
        """Whether the outcome commits money (an allocation)."""
        return self in (DecisionOutcome.approve, DecisionOutcome.approve_with_conditions)


class DecisionSubject(TitledEnum):
    """What a decision of the committee is about: one proposal (an agenda item or a written procedure), or a matter
    of the fund the meeting (or a written procedure) decides as a whole; or approving minutes, which the approving
    meeting's act records as a decision naming them (`Decision.minutes`)."""

    proposal = "proposal"
    allocation_targets = "allocation_targets"  # adopting the fund's allocation targets (its definition's `targets`)
    call = "call"  # opening a call for proposals
    direct_costs = "direct_costs"  # approving the FMU's and secretariat's budget, charged to the fund
    minutes = "minutes"  # approving the minutes of an earlier meeting (`Decision.minutes`)


# The subjects whose approval carries an amount.
AMOUNT_SUBJECTS = frozenset({DecisionSubject.proposal, DecisionSubject.direct_costs})
# The matters of the fund the committee decides by its own wording, in a meeting or by written procedure (minutes are
# approved by their own act, which records their decision: steering.operations.minutes).
MATTER_SUBJECTS = tuple(s for s in DecisionSubject if s not in (DecisionSubject.proposal, DecisionSubject.minutes))


class WrittenProcedureState(TitledEnum):
    """A written procedure is open until it is adopted (no objection), objected to, or withdrawn."""

    open = "open"
    adopted = "adopted"
    objected = "objected"
    withdrawn = "withdrawn"


PROCEDURE_TRANSITIONS: dict[WrittenProcedureState, frozenset[WrittenProcedureState]] = {
    WrittenProcedureState.open: frozenset(
        {WrittenProcedureState.adopted, WrittenProcedureState.objected, WrittenProcedureState.withdrawn}
    ),
    WrittenProcedureState.adopted: frozenset(),
    WrittenProcedureState.objected: frozenset(),
    WrittenProcedureState.withdrawn: frozenset(),
}


class WrittenProcedure(Base):
    """A proposed decision circulated to the members; adopted if nobody objects by the deadline. It is about one
    proposal (its version), or about a matter of the fund (`subject`: the targets, a call, the direct costs) as a
    meeting would decide it as a whole, or about approving a meeting's draft minutes (`minutes`); its conclusion
    records the decision as the meeting would (approving minutes freezes them, signed by whoever presides)."""

    __tablename__ = "written_procedures"
    __table_args__ = (
        sa.CheckConstraint("(subject = 'proposal') = (proposal_id IS NOT NULL AND version_id IS NOT NULL)",
                           name="proposal_iff_subject"),
        sa.CheckConstraint("(subject = 'minutes') = (minutes_id IS NOT NULL)", name="minutes_iff_subject"),
    )  # fmt: skip

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    subject: so.Mapped[DecisionSubject] = so.mapped_column(
        default=DecisionSubject.proposal, server_default=DecisionSubject.proposal.value
    )
    proposal_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    # A matter's proposed decision as the committee would word it, and the call a `call` procedure opens (its amount,
    # direct costs approved, is `approved_amount`).
    matter: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    call_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("calls.id"), index=True)
    # The draft minutes a `minutes` procedure proposes to approve.
    minutes_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("minutes.id"), index=True)
    outcome: so.Mapped[DecisionOutcome]
    conditions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    approved_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())
    # a selection's deadline for the programme document and its indicative amount
    development_deadline: so.Mapped[date | None]
    indicative_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())
    rationale: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Members may object until the end of this day in the fund's time zone.
    deadline: so.Mapped[date]
    state: so.Mapped[WrittenProcedureState] = so.mapped_column(default=WrittenProcedureState.open)
    circulated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    circulated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    concluded_at: so.Mapped[datetime | None]

    fund: so.Mapped[Fund] = so.relationship()
    proposal: so.Mapped[Proposal | None] = so.relationship()
    version: so.Mapped[ProposalVersion | None] = so.relationship()
    call: so.Mapped[Call | None] = so.relationship()
    minutes: so.Mapped[Minutes | None] = so.relationship(foreign_keys=[minutes_id])
    circulated_by: so.Mapped[User | None] = so.relationship()
    responses: so.Mapped[list[ProcedureResponse]] = so.relationship(
        back_populates="procedure", order_by="ProcedureResponse.id"
    )
    decision: so.Mapped[Decision | None] = so.relationship(back_populates="procedure")

    audit_type = "written_procedure"

    @property
    def display_name(self) -> str:
        return self.reference

    @property
    def is_matter(self) -> bool:
        """Whether the procedure is about a matter of the fund rather than one proposal."""
        return self.subject is not DecisionSubject.proposal

    @property
    def subject_text(self) -> str:
        """What the procedure is about, as its lists say it: the proposal, the matter's kind, or which minutes."""
        if self.proposal is not None:
            return f"{self.proposal.reference} {self.proposal.title}"
        if self.minutes is not None:
            return f"{self.subject.title}: {self.minutes.meeting.reference} {self.minutes.meeting.title}"
        return str(self.subject.title)

    def is_recused(self, user: Any) -> bool:
        """Whether the member is kept out of the procedure: a proposal's recusal (a matter of the fund has none)."""
        return self.proposal is not None and self.proposal.is_recused(user)

    def may_see(self, user: Any) -> bool:
        """Who may be told of it: whoever sees the proposal's content; a matter, the committee and the FMU."""
        if self.proposal is not None:
            return bool(self.proposal.can_see_content(user))
        return works_with_committee(user, self.fund)

    @property
    def objections(self) -> list[ProcedureResponse]:
        return [r for r in self.responses if r.objects]

    def response_of(self, user: Any) -> ProcedureResponse | None:
        return next((r for r in self.responses if r.member_id == getattr(user, "id", None)), None)

    def deadline_passed(self) -> bool:
        """Whether the deadline's day is over in the fund's time zone: nobody may answer any more."""
        return clock.is_past(self.deadline, clock.today(self.fund))


class ProcedureResponse(Base):
    """A member's answer to a written procedure: an objection (with a reason) or no objection."""

    __tablename__ = "written_procedure_responses"
    __table_args__ = (sa.UniqueConstraint("procedure_id", "member_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    procedure_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("written_procedures.id", ondelete="CASCADE"), index=True
    )
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    objects: so.Mapped[bool]
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    responded_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    procedure: so.Mapped[WrittenProcedure] = so.relationship(back_populates="responses")
    member: so.Mapped[User] = so.relationship(lazy="joined")

    audit_type = "written_procedure_response"


class Decision(Base):
    """The Steering Committee's decision: on a proposal version, taken on an agenda item or by written procedure;
    or on a matter of the fund (targets, a call, direct costs), taken by a meeting as a whole."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.CheckConstraint("(item_id IS NOT NULL AND procedure_id IS NULL AND meeting_id IS NULL) OR "
                           "(item_id IS NULL AND procedure_id IS NOT NULL AND meeting_id IS NULL) OR "
                           "(item_id IS NULL AND procedure_id IS NULL AND meeting_id IS NOT NULL)", name="one_origin"),
        sa.CheckConstraint("(subject NOT IN ('proposal', 'direct_costs') AND approved_amount IS NULL) OR "
                           "(subject IN ('proposal', 'direct_costs') AND "
                           "(outcome IN ('approve', 'approve_with_conditions')) = (approved_amount IS NOT NULL))",
                           name="amount_iff_funded"),
        sa.CheckConstraint("approved_amount IS NULL OR approved_amount > 0", name="amount_positive"),
        sa.CheckConstraint("(subject = 'proposal') = (proposal_id IS NOT NULL AND version_id IS NOT NULL)",
                           name="proposal_iff_subject"),
        sa.CheckConstraint("(subject = 'minutes') = (minutes_id IS NOT NULL)", name="minutes_iff_subject"),
    )  # fmt: skip

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    subject: so.Mapped[DecisionSubject] = so.mapped_column(
        default=DecisionSubject.proposal, server_default=DecisionSubject.proposal.value
    )
    proposal_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    # A matter's decision as the committee words it ("adopts the allocation targets ...").
    matter: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    # The call a `call` decision opens.
    call_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("calls.id"), index=True)
    # The minutes a `minutes` decision approves (fixed in the decision record by their own link).
    minutes_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("minutes.id"), unique=True)
    # A matter's origin: the meeting that decided it as a whole, who presided (signs) and its quorum then.
    meeting_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("meetings.id"), index=True)
    presided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    quorum_record: so.Mapped[dict[str, Any] | None]
    outcome: so.Mapped[DecisionOutcome]
    conditions: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    approved_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())
    # a selection's deadline for the programme document and its indicative amount
    development_deadline: so.Mapped[date | None]
    indicative_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())
    decided_on: so.Mapped[date]
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agenda_items.id"), unique=True)
    procedure_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("written_procedures.id"), unique=True)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    fund: so.Mapped[Fund] = so.relationship()
    proposal: so.Mapped[Proposal | None] = so.relationship()
    version: so.Mapped[ProposalVersion | None] = so.relationship()
    item: so.Mapped[AgendaItem | None] = so.relationship(back_populates="decision")
    procedure: so.Mapped[WrittenProcedure | None] = so.relationship(back_populates="decision")
    meeting: so.Mapped[Meeting | None] = so.relationship(foreign_keys=[meeting_id], back_populates="matters")
    presided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[presided_by_id])
    call: so.Mapped[Call | None] = so.relationship()
    minutes: so.Mapped[Minutes | None] = so.relationship(foreign_keys=[minutes_id], back_populates="decision")
    recorded_by: so.Mapped[User | None] = so.relationship(foreign_keys="Decision.recorded_by_id")

    audit_type = "decision"

    @property
    def is_matter(self) -> bool:
        """Whether the decision is about a matter of the fund rather than one proposal."""
        return self.subject is not DecisionSubject.proposal

    @property
    def subject_text(self) -> str:
        """What the decision is about, as the register says it: the proposal, the matter's kind, or which minutes."""
        if self.proposal is not None:
            return f"{self.proposal.reference} {self.proposal.title}"
        if self.minutes is not None:
            return f"{self.subject.title}: {self.minutes.meeting.reference} {self.minutes.meeting.title}"
        return str(self.subject.title)

    @property
    def held_in(self) -> Meeting | None:
        """The meeting that took the decision (on an item, or as a whole), if any."""
        return self.item.meeting if self.item is not None else self.meeting

    @property
    def outcome_title(self) -> Any:
        """The outcome as the committee words it: a meeting of a fund deciding by consensus records "approved by
        consensus", ..., "no consensus"; otherwise the outcome's own title."""
        if self.held_in is not None and self.held_in.by_consensus:
            return CONSENSUS_TITLES[self.outcome]
        return self.outcome.title


# ---------------------------------------------------------------------------------------------
# The official minutes
# ---------------------------------------------------------------------------------------------


class MinutesState(TitledEnum):
    """The official minutes of a meeting: a draft the FMU prepares once the meeting has ended, then approved by the
    committee (at a later meeting or by written procedure), signed and frozen."""

    draft = "draft"
    approved = "approved"


MINUTES_TRANSITIONS: dict[MinutesState, frozenset[MinutesState]] = {
    MinutesState.draft: frozenset({MinutesState.approved}),
    MinutesState.approved: frozenset(),
}


class Minutes(Base):
    """The one official set of minutes of a meeting (drafted when it ends).

    The committee approves them at a later meeting while it is in session (`approved_in`), whoever presides over
    that meeting signing them; or by written procedure (`approved_by_procedure`), signed by whoever presides for
    the committee when it concludes (`steering.presiding.presiding_over_procedure`). Approval freezes them:
    `content` holds the minutes as data in the meeting's language (and under "translations" in each other language)
    and the full PDF in the meeting's language is stored (its sha256 kept, the signed original); both are read from
    then on, never rebuilt from the live records.
    A recused member's copy is the frozen content without the items they were recused from.
    """

    __tablename__ = "minutes"
    __table_args__ = (
        sa.CheckConstraint("state = 'draft' OR (storage_key IS NOT NULL AND content IS NOT NULL "
                           "AND (approved_in_id IS NULL) <> (approved_by_procedure_id IS NULL))",
                           name="approved_is_frozen"),
    )  # fmt: skip

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    state: so.Mapped[MinutesState] = so.mapped_column(default=MinutesState.draft)
    # The secretariat's summary of the discussion, printed above the items.
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    drafted_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    approved_in_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("meetings.id"), index=True)
    # Or the written procedure that approved them (one or the other: check constraint).
    approved_by_procedure_id: so.Mapped[int | None] = so.mapped_column(
        # the table order breaks the cycle with written_procedures.minutes_id here; checked at commit when a
        # transaction asks (a restore inserts the minutes before the procedures that approved them)
        sa.ForeignKey("written_procedures.id", use_alter=True, deferrable=True, initially="IMMEDIATE"),
        index=True,
    )
    approved_at: so.Mapped[datetime | None]
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    signed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    content: so.Mapped[dict[str, Any] | None]
    filename: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    size: so.Mapped[int | None]
    sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str | None] = so.mapped_column(sa.String(80), index=True)  # shared by same content

    meeting: so.Mapped[Meeting] = so.relationship(foreign_keys=[meeting_id], back_populates="minutes")
    approved_in: so.Mapped[Meeting | None] = so.relationship(foreign_keys=[approved_in_id])
    approved_by_procedure: so.Mapped[WrittenProcedure | None] = so.relationship(foreign_keys=[approved_by_procedure_id])
    approved_by: so.Mapped[User | None] = so.relationship(foreign_keys=[approved_by_id])
    signed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[signed_by_id])
    # The committee's decision approving them.
    decision: so.Mapped[Decision | None] = so.relationship(foreign_keys="Decision.minutes_id", back_populates="minutes")

    audit_type = "minutes"

    @property
    def display_name(self) -> str:
        return f"{self.meeting.reference} minutes"

    @property
    def is_frozen(self) -> bool:
        return self.state is MinutesState.approved

    def can_edit(self, user: Any) -> bool:
        """The FMU (the secretariat) prepares the draft."""
        return not self.is_frozen and is_fund_manager(user, self.meeting.fund)


# ---------------------------------------------------------------------------------------------
# The decision record: a tamper-evident chain per fund
# ---------------------------------------------------------------------------------------------


class RecordKind(TitledEnum):
    """What a link of the decision record fixes: a decision on a proposal, or the approval of minutes."""

    decision = "decision"
    minutes = "minutes"


class DecisionRecord(Base):
    """One link of a fund's decision record, written in the transaction of the decision (or the minutes' approval).

    `payload` is the canonical JSON of what the decision was taken on (steering.records); `record_hash` is the
    sha256 of the link (fund, sequence, kind, payload hash and the previous link's hash), so that changing, removing
    or reordering any link, or the data it was computed from, shows (`flask verify-decisions`). Links are never
    changed: approving minutes appends a link of its own.
    """

    __tablename__ = "decision_records"
    __table_args__ = (
        sa.UniqueConstraint("fund_id", "sequence"),
        sa.CheckConstraint("(decision_id IS NULL) <> (minutes_id IS NULL)", name="one_subject"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    sequence: so.Mapped[int]
    kind: so.Mapped[RecordKind]
    decision_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id"), unique=True)
    minutes_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("minutes.id"), unique=True)
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    payload_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    previous_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    record_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    fund: so.Mapped[Fund] = so.relationship()
    decision: so.Mapped[Decision | None] = so.relationship()
    minutes: so.Mapped[Minutes | None] = so.relationship()

    audit_type = "decision_record"

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits: enough to tell links apart on paper; the full hash is printed beside it."""
        return self.record_hash[:12]


TITLES: dict[type, dict[Any, Any]] = {
    ReviewState: {ReviewState.draft: _l("Draft"), ReviewState.submitted: _l("Submitted")},
    Recommendation: {
        Recommendation.approve: _l("Recommend for funding"),
        Recommendation.approve_with_conditions: _l("Recommend with conditions"),
        Recommendation.revise: _l("Revise and resubmit"),
        Recommendation.reject: _l("Do not recommend"),
    },
    MeetingMode: {
        MeetingMode.in_person: _l("In person"),
        MeetingMode.virtual: _l("Virtual"),
        MeetingMode.hybrid: _l("Hybrid"),
    },
    MeetingState: {
        MeetingState.scheduled: _l("Scheduled"),
        MeetingState.in_progress: _l("In progress"),
        MeetingState.closed: _l("Closed"),
        MeetingState.cancelled: _l("Cancelled"),
    },
    ItemState: {
        ItemState.pending: _l("Waiting"),
        ItemState.open: _l("Open for votes"),
        ItemState.closed: _l("Votes closed"),
        ItemState.decided: _l("Decided"),
    },
    VoteChoice: {
        VoteChoice.approve: _l("Approve"),
        VoteChoice.approve_with_conditions: _l("Approve with conditions"),
        VoteChoice.defer: _l("Defer"),
        VoteChoice.reject: _l("Reject"),
        VoteChoice.abstain: _l("Abstain"),
    },
    Stance: {
        Stance.support: _l("Support"),
        Stance.reservation: _l("Support with a reservation"),
        Stance.stand_aside: _l("Stand aside"),
        Stance.object: _l("Object"),
    },
    DecisionOutcome: {
        DecisionOutcome.approve: _l("Approved"),
        DecisionOutcome.approve_with_conditions: _l("Approved with conditions"),
        DecisionOutcome.endorse: _l("Endorsed into the pipeline"),
        DecisionOutcome.select: _l("Selected for development"),
        DecisionOutcome.defer: _l("Deferred for revision"),
        DecisionOutcome.reject: _l("Rejected"),
    },
    MinutesState: {MinutesState.draft: _l("Draft"), MinutesState.approved: _l("Approved")},
    DecisionSubject: {
        DecisionSubject.proposal: _l("A proposal"),
        DecisionSubject.allocation_targets: _l("Adoption of the allocation targets"),
        DecisionSubject.call: _l("Opening of a call for proposals"),
        DecisionSubject.direct_costs: _l("Approval of the direct costs (Fund Management Unit and secretariat)"),
        DecisionSubject.minutes: _l("Approval of the minutes"),
    },
    RecordKind: {RecordKind.decision: _l("Decision"), RecordKind.minutes: _l("Minutes approved")},
    WrittenProcedureState: {
        WrittenProcedureState.open: _l("Open for objections"),
        WrittenProcedureState.adopted: _l("Adopted"),
        WrittenProcedureState.objected: _l("Objected to"),
        WrittenProcedureState.withdrawn: _l("Withdrawn"),
    },
}
for titled, titles in TITLES.items():
    titled.set_titles(titles)

# What a consensus body records: the outcomes carry these names in its decision form and minutes. "No consensus"
# is recorded as a rejection (the proposal is not approved; "deferred" is how the committee sends it back).
CONSENSUS_TITLES: dict[DecisionOutcome, Any] = {
    DecisionOutcome.approve: _l("Approved by consensus"),
    DecisionOutcome.approve_with_conditions: _l("Approved with conditions"),
    DecisionOutcome.endorse: _l("Endorsed into the pipeline by consensus"),
    DecisionOutcome.select: _l("Selected for development by consensus"),
    DecisionOutcome.defer: _l("Deferred"),
    DecisionOutcome.reject: _l("No consensus"),
}
# What a meeting may decide on a matter of the fund: it approves it, sends it back, or does not agree.
MATTER_OUTCOMES = (DecisionOutcome.approve, DecisionOutcome.defer, DecisionOutcome.reject)
# The outcomes an objection that stands makes impossible.
NEEDS_CONSENSUS = frozenset({DecisionOutcome.approve, DecisionOutcome.approve_with_conditions, DecisionOutcome.endorse,
                             DecisionOutcome.select})  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Portfolio proposals
# ---------------------------------------------------------------------------------------------


class PortfolioRun(Base):
    """A portfolio proposal the FMU asked for: the rules (inputs), the candidates as they stood, and the answer.

    Kept as it was computed, so the meeting pack shows what was recommended at the time, whatever scores or
    requests have changed since. `rules`, `candidates` and `result` are plain JSON (amounts and scores as
    decimal text); the committee's decision stays theirs, the pack shows where it departed from this.
    """

    __tablename__ = "portfolio_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    budget: so.Mapped[Decimal] = so.mapped_column(Money())
    feasible: so.Mapped[bool]
    rules: so.Mapped[dict[str, Any]]
    candidates: so.Mapped[list[Any]]
    result: so.Mapped[dict[str, Any]]

    fund: so.Mapped[Fund] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    @property
    def selected_references(self) -> list[str]:
        return list(self.result.get("selected", []))

    def can_view(self, user: Any) -> bool:
        """The FMU and the fund's SC members see the proposals the FMU asked for."""
        return works_with_committee(user, self.fund)
