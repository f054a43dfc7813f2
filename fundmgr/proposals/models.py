"""Joint programme proposals and everything they hold: the two stages of the programme cycle.

One `Proposal` table holds both stages, told apart by `stage`:

- a **concept note** (stage 1) is short: description, problem and theory of change in brief, alignment, markers,
  geography (a country, a region's countries, migration corridors or global scope), the participating
  organizations each with an indicative amount, national partners, SDG targets, Cooperation Framework alignment,
  the Resident Coordinator's and the government's endorsement and the use of the Network's knowledge platform;
  its submission checks leave out the budget grid and the results matrix. The Steering Committee selects it for
  development, endorses it into the pipeline, or declines it (state `rejected`).
- a **programme document** (stage 2) is opened from a selected concept note (`concept_note_id`), prefilled with its
  content, and adds the full budget grid, the results matrix, the workplan by year, the risk log, the M&E plan and
  the sustainability and exit strategy; FMU clearance and the SC's approval allocate money as before.

One table rather than two keeps every existing part (versions, screening, overlap, decisions, finance) working on
both stages; the rules that differ by stage are in fundmgr.proposals.rules and the lifecycle table below.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property

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
from fundmgr.funds.rights import is_agency_staff, is_fmu, is_fund_manager, is_sc_member, is_technical_reviewer
from fundmgr.proposals.snapshot import ParticipantShare, ProposalSnapshot, SnapshotColumn

if TYPE_CHECKING:  # calls build on proposals: the model is named here only for its type
    from fundmgr.calls.models import Call


class ProposalStage(TitledEnum):
    """Which of the two stages of the programme cycle a proposal is."""

    concept_note = "concept_note"
    programme_document = "programme_document"


ProposalStage.set_titles(
    {ProposalStage.concept_note: _l("Concept note"), ProposalStage.programme_document: _l("Programme document")}
)


class ProposalState(TitledEnum):
    """Where a proposal is in the fund's programme cycle."""

    draft = "draft"
    submitted = "submitted"
    screening = "screening"
    returned = "returned"
    in_review = "in_review"
    endorsed = "endorsed"
    selected = "selected"
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
    ProposalState.selected: _l("Selected for development"),
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
    ProposalState.selected: "success",
    ProposalState.approved: "success",
    ProposalState.active: "success",
    ProposalState.closed: "dark",
    ProposalState.deferred: "warning",
    ProposalState.rejected: "danger",
    ProposalState.withdrawn: "light",
}

HUNDRED = Decimal(100)

S = ProposalState
# The one transition table of the proposal lifecycle. Every operation that moves a
# proposal checks it (fundmgr.workflow.require_transition).
TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    S.draft: frozenset({S.submitted, S.withdrawn}),
    S.submitted: frozenset({S.screening, S.withdrawn}),
    S.screening: frozenset({S.in_review, S.returned, S.withdrawn}),
    S.returned: frozenset({S.submitted, S.withdrawn}),
    S.in_review: frozenset({S.endorsed, S.selected, S.approved, S.deferred, S.rejected, S.withdrawn}),
    S.deferred: frozenset({S.submitted, S.withdrawn}),
    # a pipeline concept note is selected (invited to develop its programme document) when funds arrive
    S.endorsed: frozenset({S.selected, S.approved, S.rejected}),
    # a concept note selected for development: its programme document carries the cycle on
    S.selected: frozenset(),
    S.approved: frozenset({S.active}),
    S.active: frozenset({S.closed}),
    S.closed: frozenset(),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
}
EDITABLE_STATES = frozenset({S.draft, S.returned, S.deferred})
# From review on, Steering Committee members see every proposal.
REVIEW_AND_LATER = frozenset(
    {S.in_review, S.endorsed, S.selected, S.approved, S.active, S.closed, S.deferred, S.rejected}
)
# What the fund publishes (the pipeline and the funded portfolio): viewers see these.
PUBLISHED_STATES = frozenset({S.endorsed, S.approved, S.active, S.closed})
# The states a concept note's decision may lead to; and a programme document's (approval allocates money).
CONCEPT_NOTE_DECIDED = frozenset({S.selected, S.endorsed, S.rejected, S.deferred})
FUNDED_STATES = frozenset({S.approved, S.active, S.closed})

# A technical reviewer is invited to comment on a proposal from its submission until the committee decides.
COMMENTABLE_STATES = frozenset({S.submitted, S.screening, S.in_review})

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
    sa.Index("ix_proposal_countries_country_id", "country_id"),  # the public page's countries, asked per country
)


class ProposalArea(Base):
    """A thematic area of a proposal with its share of the programme in percent (the primary area's included).

    The shares of a proposal add up to 100. A proposal without these rows counts wholly in its primary area
    (`area_shares`).
    """

    __tablename__ = "proposal_areas"

    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    area_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("thematic_areas.id"), primary_key=True)
    share: so.Mapped[Decimal] = so.mapped_column(ScaledDecimal(5, 2))

    area: so.Mapped[ThematicArea] = so.relationship(lazy="joined")


class Proposal(Base):
    """A joint programme proposal (concept note) and, once funded, the programme itself."""

    __tablename__ = "proposals"
    __table_args__ = (
        sa.CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration_positive"),
        # a draft may be withdrawn before it was ever submitted; every other state follows a submission
        sa.CheckConstraint("(state IN ('draft', 'withdrawn')) OR (version_count > 0)", name="submitted_has_version"),
        # a fund's proposals in some states; with their ids, so that a join to them (the funded programmes, counted)
        # reads the index alone
        sa.Index("ix_proposals_fund_state_id", "fund_id", "state", "id"),
        # the list filtered by area in its default order (last changed first), a page and its count read from it
        sa.Index("ix_proposals_fund_area_updated", "fund_id", "primary_area_id", "updated_at", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    # Given at the first submission (drafts have none: `reference` then reads "Draft").
    reference_number: so.Mapped[str | None] = so.mapped_column("reference", sa.String(30), unique=True)
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

    # --- the two stages (see the module docstring) ---
    stage: so.Mapped[ProposalStage] = so.mapped_column(default=ProposalStage.programme_document)
    # a programme document: the concept note it was developed from
    concept_note_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposals.id"), unique=True, index=True)
    problem_statement: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    theory_of_change: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # the programme covers no country in particular (global scope)
    global_scope: so.Mapped[bool] = so.mapped_column(default=False)
    # SDG target codes (e.g. "10.7"), each one of fundmgr/data/sdg_targets.csv, in the order given
    sdg_targets: so.Mapped[list[Any]] = so.mapped_column(default=list)
    cooperation_framework: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    rc_endorsement: so.Mapped[bool] = so.mapped_column(default=False)
    knowledge_platform: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # a concept note selected for development: the deadline for its programme document and its indicative amount
    development_deadline: so.Mapped[date | None]
    selected_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())
    # programme document sections
    me_plan: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sustainability: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    # Closure (fundmgr.results / fundmgr.finance operations): activities ended and the final report accepted
    # (the state moves to closed), then the final certified expenditure and the unspent balance refunded.
    operationally_closed_on: so.Mapped[date | None]
    financially_closed_on: so.Mapped[date | None]

    fund: so.Mapped[Fund] = so.relationship()
    country: so.Mapped[Country | None] = so.relationship()
    countries: so.Mapped[list[Country]] = so.relationship(secondary=proposal_countries)
    primary_area: so.Mapped[ThematicArea | None] = so.relationship()
    area_rows: so.Mapped[list[ProposalArea]] = so.relationship(cascade="all, delete-orphan")
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
    concept_note: so.Mapped[Proposal | None] = so.relationship(
        remote_side="Proposal.id", back_populates="programme_document"
    )
    programme_document: so.Mapped[Proposal | None] = so.relationship(back_populates="concept_note", uselist=False)
    corridors: so.Mapped[list[Corridor]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Corridor.position"
    )
    national_partners: so.Mapped[list[NationalPartner]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="NationalPartner.position"
    )
    workplan: so.Mapped[list[WorkplanItem]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="(WorkplanItem.year, WorkplanItem.position)"
    )
    risks: so.Mapped[list[Risk]] = so.relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Risk.position"
    )

    audit_type = "proposal"

    @hybrid_property
    def reference(self) -> str:
        """The reference number (MIG-2026-0042), or "Draft" before the first submission."""
        return self.reference_number or str(_l("Draft"))

    @reference.inplace.setter
    def _reference_setter(self, value: str | None) -> None:
        self.reference_number = value

    @reference.inplace.expression
    @classmethod
    def _reference_expression(cls) -> sa.ColumnElement[str | None]:
        return cls.reference_number

    @property
    def is_concept_note(self) -> bool:
        return self.stage is ProposalStage.concept_note

    @property
    def indicative_total(self) -> Decimal:
        """The sum of the participating organizations' indicative amounts (a concept note's total)."""
        return sum((p.indicative_amount or Decimal("0.00") for p in self.participants), Decimal("0.00"))

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
    def area_shares(self) -> list[tuple[ThematicArea, Decimal]]:
        """Each thematic area with its share in percent, the primary first (all of it in the primary area
        when no share was given)."""
        if self.area_rows:
            rows = sorted(self.area_rows, key=lambda r: (r.area_id != self.primary_area_id, r.area.number))
            return [(row.area, row.share) for row in rows]
        return [(self.primary_area, HUNDRED)] if self.primary_area else []

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
        """An SC member or a technical reviewer stays out of a proposal their organization takes part in, or that
        they declared a conflict on.

        A recused member sees the proposal's title and the fact of their recusal, nothing else.
        """
        if not (is_sc_member(user, self.fund) or is_technical_reviewer(user, self.fund)):
            return False
        return user.organization_id in self.organization_ids or any(rule(self, user) for rule in RECUSAL_RULES)

    def can_edit(self, user: Any, check_state: bool = True) -> bool:
        """Agency staff of a participating organization edit drafts and returned proposals."""
        return is_agency_staff(user, self.fund) and self.takes_part(user) and (not check_state or self.is_editable)

    def can_delete(self, user: Any) -> bool:
        """A draft never submitted is deleted by its author or by staff of its lead organization."""
        never_submitted = self.state is ProposalState.draft and not self.version_count
        mine = self.created_by_id == getattr(user, "id", None) or self.is_lead(user)
        return never_submitted and self.can_edit(user, check_state=False) and mine

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
    # what the organization expects to receive (a concept note's indicative budget, before the budget grid)
    indicative_amount: so.Mapped[Decimal | None] = so.mapped_column(Money())

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="participants")
    organization: so.Mapped[Organization] = so.relationship(lazy="joined")


class Corridor(Base):
    """A migration corridor of a proposal: its countries in order, origin first, destination last, transit between."""

    __tablename__ = "corridors"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="corridors")
    stops: so.Mapped[list[CorridorStop]] = so.relationship(
        cascade="all, delete-orphan", order_by="CorridorStop.position", lazy="selectin"
    )

    @property
    def countries(self) -> list[Country]:
        return [stop.country for stop in self.stops]

    @property
    def label(self) -> str:
        return " → ".join(c.label for c in self.countries)


class CorridorStop(Base):
    """One country of a corridor, at its place in the order."""

    __tablename__ = "corridor_stops"
    __table_args__ = (sa.UniqueConstraint("corridor_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    corridor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("corridors.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    country_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("countries.id"))

    country: so.Mapped[Country] = so.relationship(lazy="joined")


class PartnerKind(TitledEnum):
    """What kind of national partner takes part in a programme."""

    government = "government"
    civil_society = "civil_society"
    migrant_diaspora = "migrant_diaspora"
    private_sector = "private_sector"


PartnerKind.set_titles({
    PartnerKind.government: _l("Government entity"),
    PartnerKind.civil_society: _l("Civil society organization"),
    PartnerKind.migrant_diaspora: _l("Migrants’ or diaspora organization"),
    PartnerKind.private_sector: _l("Private sector"),
})  # fmt: skip


class NationalPartner(Base):
    """A national partner of a proposal (not a UN organization, receives no transfer) and its role."""

    __tablename__ = "national_partners"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    kind: so.Mapped[PartnerKind]
    role: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="national_partners")


class WorkplanItem(Base):
    """An activity of a programme document's workplan, in one programme year."""

    __tablename__ = "workplan_items"
    __table_args__ = (sa.CheckConstraint("year >= 1", name="year_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    year: so.Mapped[int]
    position: so.Mapped[int]
    activity: so.Mapped[str] = so.mapped_column(sa.Text)

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="workplan")


class RiskLevel(TitledEnum):
    """How likely a risk is, or how hard it would hit."""

    low = "low"
    medium = "medium"
    high = "high"


RiskLevel.set_titles({RiskLevel.low: _l("Low"), RiskLevel.medium: _l("Medium"), RiskLevel.high: _l("High")})


class Risk(Base):
    """A line of a programme document's risk log."""

    __tablename__ = "risks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    risk: so.Mapped[str] = so.mapped_column(sa.Text)
    likelihood: so.Mapped[RiskLevel]
    impact: so.Mapped[RiskLevel]
    mitigation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    owner: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    proposal: so.Mapped[Proposal] = so.relationship(back_populates="risks")


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
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)  # shared by rows with the same content
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

    @property
    def is_concept_note(self) -> bool:
        return self.proposal.is_concept_note

    @property
    def requested(self) -> Decimal:
        """What the version asks of the fund: a concept note's indicative total (it has no budget grid yet), a
        programme document's budget total."""
        if self.is_concept_note:
            return sum(self.snapshot.indicative_amounts.values(), Decimal("0.00"))
        return self.total

    def requested_by(self, participant: ParticipantShare) -> Decimal:
        """What one participating organization of the snapshot asks for: its indicative amount in a concept note,
        its budget total in a programme document."""
        if self.is_concept_note:
            return self.snapshot.indicative_amounts.get(participant.code, Decimal("0.00"))
        return participant.total

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


class ReviewInvitation(Base):
    """The FMU's invitation of a technical reviewer (an expert of the Network's working groups) to comment on a
    proposal. The reviewer sees the proposal while the invitation stands; they neither score nor vote."""

    __tablename__ = "review_invitations"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "reviewer_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    reviewer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    invited_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    invited_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    withdrawn_at: so.Mapped[datetime | None]

    proposal: so.Mapped[Proposal] = so.relationship()
    reviewer: so.Mapped[User] = so.relationship(foreign_keys=[reviewer_id], lazy="joined")
    invited_by: so.Mapped[User | None] = so.relationship(foreign_keys=[invited_by_id])
    comments: so.Mapped[list[ReviewComment]] = so.relationship(
        back_populates="invitation", order_by="ReviewComment.written_at"
    )

    audit_type = "review_invitation"

    @property
    def is_open(self) -> bool:
        return self.withdrawn_at is None


class ReviewComment(Base):
    """What an invited technical reviewer wrote on a proposal, for the FMU and the Steering Committee."""

    __tablename__ = "review_comments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invitation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("review_invitations.id"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    written_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    invitation: so.Mapped[ReviewInvitation] = so.relationship(back_populates="comments")

    audit_type = "review_comment"
