"""Joint programme proposals and everything they hold."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import Organization, User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, Money, Rate, ScaledDecimal
from fundmgr.funds.models import (
    BudgetCategory,
    Country,
    EligibilityCheck,
    Fund,
    GuidingPrinciple,
    Marker,
    Objective,
    ThematicArea,
)
from fundmgr.funds.rights import is_agency_staff, is_fmu, is_fund_manager, is_sc_member
from fundmgr.proposals.snapshot import ProposalSnapshot, SnapshotColumn

if TYPE_CHECKING:  # calls build on proposals: the model is named here only for its type
    from fundmgr.calls.models import Call


class ProposalState(TitledEnum):
    """Where a proposal is in the fund's programme cycle."""

    draft = "draft"
    submitted = "submitted"
    screening = "screening"
    returned = "returned"
    in_review = "in_review"
    endorsed = "endorsed"
    approved = "approved"
    active = "active"
    closed = "closed"
    deferred = "deferred"
    rejected = "rejected"
    withdrawn = "withdrawn"

    @property
    def badge(self) -> str:
        """Bootstrap colour of the state's badge."""
        return STATE_BADGES[self]


STATE_TITLES = {
    ProposalState.draft: _l("Draft"),
    ProposalState.submitted: _l("Submitted"),
    ProposalState.screening: _l("In FMU screening"),
    ProposalState.returned: _l("Returned for revision"),
    ProposalState.in_review: _l("In Steering Committee review"),
    ProposalState.endorsed: _l("Endorsed (pipeline)"),
    ProposalState.approved: _l("Approved"),
    ProposalState.active: _l("Active"),
    ProposalState.closed: _l("Closed"),
    ProposalState.deferred: _l("Deferred for revision"),
    ProposalState.rejected: _l("Rejected"),
    ProposalState.withdrawn: _l("Withdrawn"),
}
ProposalState.set_titles(STATE_TITLES)
STATE_BADGES = {
    ProposalState.draft: "secondary",
    ProposalState.submitted: "info",
    ProposalState.screening: "info",
    ProposalState.returned: "warning",
    ProposalState.in_review: "primary",
    ProposalState.endorsed: "primary",
    ProposalState.approved: "success",
    ProposalState.active: "success",
    ProposalState.closed: "dark",
    ProposalState.deferred: "warning",
    ProposalState.rejected: "danger",
    ProposalState.withdrawn: "light",
}

S = ProposalState
# The one transition table of the proposal lifecycle. Every operation that moves a
# proposal checks it (fundmgr.workflow.require_transition).
TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    S.draft: frozenset({S.submitted, S.withdrawn}),
    S.submitted: frozenset({S.screening, S.withdrawn}),
    S.screening: frozenset({S.in_review, S.returned, S.withdrawn}),
    S.returned: frozenset({S.submitted, S.withdrawn}),
    S.in_review: frozenset({S.endorsed, S.approved, S.deferred, S.rejected, S.withdrawn}),
    S.deferred: frozenset({S.submitted, S.withdrawn}),
    S.endorsed: frozenset({S.approved, S.rejected}),
    S.approved: frozenset({S.active}),
    S.active: frozenset({S.closed}),
    S.closed: frozenset(),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
}
EDITABLE_STATES = frozenset({S.draft, S.returned, S.deferred})
# From review on, Steering Committee members see every proposal.
REVIEW_AND_LATER = frozenset({S.in_review, S.endorsed, S.approved, S.active, S.closed, S.deferred, S.rejected})
# What the fund publishes (the pipeline and the funded portfolio): viewers see these.
PUBLISHED_STATES = frozenset({S.endorsed, S.approved, S.active, S.closed})
FUNDED_STATES = frozenset({S.approved, S.active, S.closed})

# Rules other packages add (fundmgr.steering: declared conflicts of interest) that recuse a
# Steering Committee member from a proposal; each is called as rule(proposal, user) -> bool.
RECUSAL_RULES: list[Callable[[Proposal, Any], bool]] = []

proposal_objectives = sa.Table(
    "proposal_objectives",
    Base.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("objective_id", sa.ForeignKey("objectives.id"), primary_key=True),
)
proposal_principles = sa.Table(
    "proposal_principles",
    Base.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("principle_id", sa.ForeignKey("guiding_principles.id"), primary_key=True),
)
proposal_countries = sa.Table(
    "proposal_countries",
    Base.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("country_id", sa.ForeignKey("countries.id"), primary_key=True),
)


class Proposal(Base):
    """A joint programme proposal (concept note) and, once funded, the programme itself."""

    __tablename__ = "proposals"
    __table_args__ = (
        sa.CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration_positive"),
        # a draft may be withdrawn before it was ever submitted; every other state follows a submission
        sa.CheckConstraint("(state IN ('draft', 'withdrawn')) OR (version_count > 0)", name="submitted_has_version"),
        sa.Index("ix_proposals_fund_state", "fund_id", "state"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(30), unique=True)
    state: so.Mapped[ProposalState] = so.mapped_column(default=ProposalState.draft)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # One country, or a region (UN M49) with several countries for multi-country programmes.
    country_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("countries.id"), index=True)
    region_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("regions.code"), index=True)
    primary_area_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("thematic_areas.id"), index=True)
    duration_months: so.Mapped[int | None]
    start_date: so.Mapped[date | None]
    government_endorsement: so.Mapped[bool] = so.mapped_column(default=False)
    lead_organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)
    submitted_at: so.Mapped[datetime | None]
    version_count: so.Mapped[int] = so.mapped_column(default=0)
    # Denormalized from the budget for lists and sorting; kept in step by the budget operations.
    total_amount: so.Mapped[Decimal] = so.mapped_column(Money(), default=Decimal("0.00"))
    withdrawal_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The call the proposal answers (fundmgr.calls; None: sent outside any call, as before calls existed).
    call_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("calls.id"), index=True)

    # Closure (fundmgr.results / fundmgr.finance operations): activities ended and the final report accepted
    # (the state moves to closed), then the final certified expenditure and the unspent balance refunded.
    operationally_closed_on: so.Mapped[date | None]
    financially_closed_on: so.Mapped[date | None]

    fund: so.Mapped[Fund] = so.relationship()
    country: so.Mapped[Country | None] = so.relationship()
    countries: so.Mapped[list[Country]] = so.relationship(secondary=proposal_countries)
    primary_area: so.Mapped[ThematicArea | None] = so.relationship()
    objectives: so.Mapped[list[Objective]] = so.relationship(secondary=proposal_objectives, order_by=Objective.number)
    principles: so.Mapped[list[GuidingPrinciple]] = so.relationship(
        secondary=proposal_principles, order_by=GuidingPrinciple.number
    )
    lead_organization: so.Mapped[Organization | None] = so.relationship()
    created_by: so.Mapped[User] = so.relationship()
    call: so.Mapped[Call | None] = so.relationship("Call")
    participants: so.Mapped[list[Participant]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Participant.id"
    )
    markers: so.Mapped[list[ProposalMarker]] = so.relationship(back_populates="proposal", cascade="all, delete-orphan")
    budget_lines: so.Mapped[list[BudgetLine]] = so.relationship(back_populates="proposal", cascade="all, delete-orphan")
    outcomes: so.Mapped[list[MatrixOutcome]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="MatrixOutcome.position"
    )
    attachments: so.Mapped[list[Attachment]] = so.relationship(
        back_populates="proposal", order_by="Attachment.uploaded_at"
    )
    versions: so.Mapped[list[ProposalVersion]] = so.relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )

    audit_type = "proposal"

    @property
    def display_name(self) -> str:
        return f"{self.reference} “{self.title}”"

    @property
    def organization_ids(self) -> set[int]:
        """The participating organizations, lead included."""
        ids = {p.organization_id for p in self.participants}
        if self.lead_organization_id:
            ids.add(self.lead_organization_id)
        return ids

    @property
    def latest_version(self) -> ProposalVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def submitted_version(self) -> ProposalVersion:
        """The latest version of a proposal past its draft (submitting froze at least one)."""
        if not self.versions:
            raise LookupError(f"{self.reference} was never submitted")
        return self.versions[-1]

    @property
    def is_multi_country(self) -> bool:
        return self.region_code is not None

    def version(self, number: int) -> ProposalVersion | None:
        return next((v for v in self.versions if v.number == number), None)

    @property
    def current_attachments(self) -> list[Attachment]:
        """The attachments not removed from the draft."""
        return [a for a in self.attachments if a.removed_at is None]

    @property
    def latest_screening(self) -> Screening | None:
        version = self.latest_version
        return version.screening if version else None

    @property
    def is_funded(self) -> bool:
        """Approved, active or closed: a programme the fund finances."""
        return self.state in FUNDED_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    # --- who may do what (used by views, templates and operations alike) ---
    # The rules live in fundmgr.proposals.visibility and fundmgr.funds.rights; these methods are their face.

    def takes_part(self, user: Any) -> bool:
        """Whether the user works for one of the proposal's organizations or created it."""
        from fundmgr.proposals import visibility  # it reads this module's classes

        return visibility.takes_part(user, self)

    def is_lead(self, user: Any) -> bool:
        """Whether the user is agency staff of the lead organization."""
        return is_agency_staff(user, self.fund) and user.organization_id == self.lead_organization_id

    def can_view(self, user: Any) -> bool:
        """FMU and admins see all; agencies the proposals they take part in; SC members from review on."""
        from fundmgr.proposals import visibility  # it reads this module's classes

        return visibility.may_see(user, self)

    def is_recused(self, user: Any) -> bool:
        """An SC member stays out of a proposal their organization takes part in, or that they declared a conflict on.

        A recused member sees the proposal's title and the fact of their recusal, nothing else.
        """
        if not is_sc_member(user, self.fund):
            return False
        return user.organization_id in self.organization_ids or any(rule(self, user) for rule in RECUSAL_RULES)

    def can_edit(self, user: Any, check_state: bool = True) -> bool:
        """Agency staff of a participating organization edit drafts and returned proposals."""
        return is_agency_staff(user, self.fund) and self.takes_part(user) and (not check_state or self.is_editable)

    def can_submit(self, user: Any) -> bool:
        """Only the lead organization submits (and resubmits)."""
        return self.is_lead(user) and self.state in EDITABLE_STATES

    def can_withdraw(self, user: Any) -> bool:
        """The lead organization may withdraw until the Steering Committee decides."""
        return self.is_lead(user) and ProposalState.withdrawn in TRANSITIONS[self.state]

    def can_screen(self, user: Any) -> bool:
        """The FMU screens submitted proposals."""
        return is_fmu(user, self.fund) and self.state in (S.submitted, S.screening)

    def can_see_content(self, user: Any) -> bool:
        """Whether the user may read the proposal itself (a recused SC member sees only its title)."""
        return self.can_view(user) and not self.is_recused(user)

    def can_see_draft(self, user: Any) -> bool:
        """Agencies of the proposal and the FMU follow the live draft; others read the submitted versions."""
        return is_fund_manager(user, self.fund) or (is_agency_staff(user, self.fund) and self.takes_part(user))

    def __repr__(self) -> str:
        return f"<Proposal {self.reference} {self.state.value}>"


class Participant(Base):
    """A participating organization of a proposal, with the indirect-cost rate it charges."""

    __tablename__ = "participants"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "organization_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    indirect_rate: so.Mapped[Decimal] = so.mapped_column(Rate())

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="participants")
    organization: so.Mapped[Organization] = so.relationship(lazy="joined")


class ProposalMarker(Base):
    """A proposal's self-rating on one of the fund's markers, with its justification."""

    __tablename__ = "proposal_markers"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "marker_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    marker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markers.id"))
    level: so.Mapped[int | None]
    justification: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="markers")
    marker: so.Mapped[Marker] = so.relationship(lazy="joined")


class BudgetLine(Base):
    """Direct costs of one organization, in one budget category, in one programme year."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "organization_id", "category_id", "year"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("year >= 1", name="year_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"))
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("budget_categories.id"))
    year: so.Mapped[int]
    amount: so.Mapped[Decimal] = so.mapped_column(Money())

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="budget_lines")
    organization: so.Mapped[Organization] = so.relationship()
    category: so.Mapped[BudgetCategory] = so.relationship()


class MatrixOutcome(Base):
    """An outcome of a proposal's draft results matrix."""

    __tablename__ = "matrix_outcomes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    statement: so.Mapped[str] = so.mapped_column(sa.Text)

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="outcomes")
    outputs: so.Mapped[list[MatrixOutput]] = so.relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="MatrixOutput.position"
    )
    # every indicator under this outcome, its outputs' included
    indicators: so.Mapped[list[MatrixIndicator]] = so.relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="MatrixIndicator.position"
    )

    @property
    def outcome_indicators(self) -> list[MatrixIndicator]:
        """Indicators measuring the outcome itself rather than one of its outputs."""
        return [i for i in self.indicators if i.output_id is None]


class MatrixOutput(Base):
    """An output under an outcome of a draft results matrix."""

    __tablename__ = "matrix_outputs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matrix_outcomes.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    statement: so.Mapped[str] = so.mapped_column(sa.Text)

    outcome: so.Mapped[MatrixOutcome] = so.relationship(back_populates="outputs")
    indicators: so.Mapped[list[MatrixIndicator]] = so.relationship(
        back_populates="output", cascade="all, delete-orphan", order_by="MatrixIndicator.position"
    )


class MatrixIndicator(Base):
    """An indicator of an outcome (output_id empty) or of an output, with baseline and target."""

    __tablename__ = "matrix_indicators"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matrix_outcomes.id", ondelete="CASCADE"), index=True)
    output_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("matrix_outputs.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    name: so.Mapped[str] = so.mapped_column(sa.String(500))
    unit: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    # NUMERIC(18, 6): room for targets in the millions (people reached) and for shares.
    baseline: so.Mapped[Decimal | None] = so.mapped_column(ScaledDecimal(18, 6))
    target: so.Mapped[Decimal | None] = so.mapped_column(ScaledDecimal(18, 6))
    means_of_verification: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # codes of the fund's `disaggregations` (its definition file), in the fund's order
    disaggregation: so.Mapped[list[Any]] = so.mapped_column(default=list)

    outcome: so.Mapped[MatrixOutcome] = so.relationship(back_populates="indicators")
    output: so.Mapped[MatrixOutput | None] = so.relationship(back_populates="indicators")


class AttachmentKind(TitledEnum):
    """What an attached file is."""

    endorsement_letter = "endorsement_letter"
    full_document = "full_document"
    budget_annex = "budget_annex"
    other = "other"


ATTACHMENT_KIND_TITLES = {
    AttachmentKind.endorsement_letter: _l("Government endorsement letter"),
    AttachmentKind.full_document: _l("Full programme document"),
    AttachmentKind.budget_annex: _l("Budget annex"),
    AttachmentKind.other: _l("Other document"),
}
AttachmentKind.set_titles(ATTACHMENT_KIND_TITLES)


class Attachment(Base):
    """A file attached to a proposal. Never changed; removed from drafts only (kept for versions)."""

    __tablename__ = "attachments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    kind: so.Mapped[AttachmentKind]
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    removed_at: so.Mapped[datetime | None]

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="attachments")
    uploaded_by: so.Mapped[User] = so.relationship()


class ProposalVersion(Base):
    """The frozen content of a proposal at one submission; reviewers score versions."""

    __tablename__ = "proposal_versions"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    number: so.Mapped[int]
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    submitted_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # Everything the proposal held at submission, read back as the typed model (see proposals/snapshot.py).
    snapshot: so.Mapped[ProposalSnapshot] = so.mapped_column(SnapshotColumn())
    direct_total: so.Mapped[Decimal] = so.mapped_column(Money())
    indirect_total: so.Mapped[Decimal] = so.mapped_column(Money())
    total: so.Mapped[Decimal] = so.mapped_column(Money())

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="versions")
    submitted_by: so.Mapped[User] = so.relationship()
    screening: so.Mapped[Screening | None] = so.relationship(back_populates="version")

    audit_type = "proposal_version"

    @so.validates("snapshot")
    def only_a_snapshot(self, _key: str, value: ProposalSnapshot) -> ProposalSnapshot:
        # a plain dict would be stored (the column validates it) but readers of this object would get the dict
        if not isinstance(value, ProposalSnapshot):
            raise TypeError("a version's snapshot is a ProposalSnapshot (see versions.snapshot_of)")
        return value


class ScreeningOutcome(enum.Enum):
    """How an FMU screening ended."""

    forwarded = "forwarded"
    returned = "returned"


class Screening(Base):
    """The FMU's screening of one submitted version against the eligibility checklist."""

    __tablename__ = "screenings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"), unique=True)
    screener_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    started_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    completed_at: so.Mapped[datetime | None]
    outcome: so.Mapped[ScreeningOutcome | None]
    reasons: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    version: so.Mapped[ProposalVersion] = so.relationship(back_populates="screening")
    screener: so.Mapped[User] = so.relationship()
    items: so.Mapped[list[ScreeningItem]] = so.relationship(
        back_populates="screening", cascade="all, delete-orphan", order_by="ScreeningItem.id"
    )


class ScreeningItem(Base):
    """One checklist item of a screening: passed or not, with a comment."""

    __tablename__ = "screening_items"
    __table_args__ = (sa.UniqueConstraint("screening_id", "check_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    screening_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("screenings.id", ondelete="CASCADE"), index=True)
    check_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("eligibility_checks.id"))
    passed: so.Mapped[bool | None]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    screening: so.Mapped[Screening] = so.relationship(back_populates="items")
    check: so.Mapped[EligibilityCheck] = so.relationship(lazy="joined")


class ProposalCounter(Base):
    """The last reference number given to a proposal of a fund in a year (MIG-2026-0042)."""

    __tablename__ = "proposal_counters"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    last_number: so.Mapped[int] = so.mapped_column(default=0)
