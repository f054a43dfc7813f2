"""A fund and the lists that define it; countries and UN M49 regions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr import clock
from fundmgr.accounts.models import Organization, Role, User
from fundmgr.accounts.sessions import SIGNED_IN_LOADING
from fundmgr.db import Base, Money, Rate
from fundmgr.funds.calendar import ReportingCalendar
from fundmgr.i18n import localize, territory_name

fund_organizations = sa.Table(
    "fund_organizations",
    Base.metadata,
    sa.Column("fund_id", sa.ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id"), primary_key=True),
)

# Organizations of one fund alone (its civil-society partners, governments of its programme countries...),
# added by its definition file or its data: shown with that fund only. The rest are shared reference data.
fund_own_organizations = sa.Table(
    "fund_own_organizations",
    Base.metadata,
    sa.Column("fund_id", sa.ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organization_id", sa.ForeignKey("organizations.id"), primary_key=True, index=True),
)

area_objectives = sa.Table(
    "area_objectives",
    Base.metadata,
    sa.Column("area_id", sa.ForeignKey("thematic_areas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("objective_id", sa.ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True),
)


class Fund(Base):
    """A pooled fund: its money rules, targets and review settings, loaded from a definition file."""

    __tablename__ = "funds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    gateway_code: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    name: so.Mapped[dict[str, str]]
    short_name: so.Mapped[dict[str, str]]
    description: so.Mapped[dict[str, str]]
    currency: so.Mapped[str] = so.mapped_column(sa.String(3))
    established: so.Mapped[date | None]
    # IANA name: calendar deadlines end at midnight in this zone (fundmgr.clock.today(fund)).
    time_zone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC", server_default="UTC")
    aa_fee_rate: so.Mapped[Decimal] = so.mapped_column(Rate())
    indirect_cost_rate: so.Mapped[Decimal] = so.mapped_column(Rate())
    budget_min: so.Mapped[Decimal] = so.mapped_column(Money())
    budget_max: so.Mapped[Decimal] = so.mapped_column(Money())
    duration_months_min: so.Mapped[int]
    duration_months_max: so.Mapped[int]
    min_participating_organizations: so.Mapped[int]
    # {"thematic_area_share": {code: "0.2"}, "region_share": {m49: "0.3"},
    #  "marker_share": {"marker": "gender", "min_level": 2, "share": "0.8"} or null}; decimals kept as strings
    targets: so.Mapped[dict[str, Any]]
    # What the fund calls its objectives ({en, fr, es}: "GCM objectives", "SDG targets").
    objectives_title: so.Mapped[dict[str, str]] = so.mapped_column(default=dict, server_default="{}")
    # The dimensions indicators may be disaggregated by: [{"code": "sex", "name": {en, fr, es}}, ...]
    disaggregations: so.Mapped[list[Any]] = so.mapped_column(default=list, server_default="[]")
    # The definition's `iati:` section (reporting organization, identifiers, sectors); {} when not published.
    iati: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict, server_default="{}")
    # What the fund calls the organizations it finances: {"singular": {en, fr, es}, "plural": {en, fr, es}}.
    participants_title: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict, server_default="{}")
    disagreement_threshold: so.Mapped[Decimal] = so.mapped_column(Rate())
    decision_rule: so.Mapped[str] = so.mapped_column(sa.String(20))
    reporting_period_months: so.Mapped[int] = so.mapped_column(default=12)
    report_due_days: so.Mapped[int] = so.mapped_column(default=60)
    # The definition's `reporting:` section (fundmgr.funds.calendar.ReportingCalendar, read with `calendar`).
    reporting_calendar: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
    # Days before a deadline on which reminders go out, largest first (fundmgr.deadlines adds the last one).
    reminder_days: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=lambda: [14, 3])
    # After approval (the definition's `after_approval:` section; fundmgr.funds.definition.AfterApproval).
    extension_notice_months: so.Mapped[int] = so.mapped_column(default=3, server_default="3")
    extension_committee_months: so.Mapped[int] = so.mapped_column(default=6, server_default="6")
    delivery_warning_gap: so.Mapped[Decimal] = so.mapped_column(Rate(), default=Decimal("0.25"))
    tranche_min_delivery: so.Mapped[Decimal] = so.mapped_column(Rate(), default=Decimal("0.70"))
    # A top-up (cost extension) above this amount is decided by the Steering Committee, a smaller one by the FMU.
    top_up_committee_above: so.Mapped[Decimal] = so.mapped_column(Money(), default=Decimal(0), server_default="0")
    # A budget revision moving more than this share of the direct costs is decided by the Steering Committee.
    revision_committee_share: so.Mapped[Decimal] = so.mapped_column(Rate(), default=Decimal("0.10"))
    # The definition's `concept_note:` section: {"migration_corridors": bool, "knowledge_platform": bool}.
    concept_note: so.Mapped[dict[str, bool]] = so.mapped_column(sa.JSON, default=dict, server_default="{}")
    definition_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")

    thematic_areas: so.Mapped[list[ThematicArea]] = so.relationship(
        back_populates="fund", order_by="ThematicArea.number"
    )
    objectives: so.Mapped[list[Objective]] = so.relationship(back_populates="fund", order_by="Objective.number")
    guiding_principles: so.Mapped[list[GuidingPrinciple]] = so.relationship(order_by="GuidingPrinciple.number")
    markers: so.Mapped[list[Marker]] = so.relationship(order_by="Marker.number")
    budget_categories: so.Mapped[list[BudgetCategory]] = so.relationship(order_by="BudgetCategory.number")
    criteria: so.Mapped[list[Criterion]] = so.relationship(order_by="Criterion.number")
    eligibility_checks: so.Mapped[list[EligibilityCheck]] = so.relationship(order_by="EligibilityCheck.number")
    participating_organizations: so.Mapped[list[Organization]] = so.relationship(
        secondary=fund_organizations, order_by=Organization.code
    )
    own_organizations: so.Mapped[list[Organization]] = so.relationship(
        secondary=fund_own_organizations, order_by=Organization.code
    )

    @property
    def label(self) -> str:
        return localize(self.short_name)

    @property
    def calendar(self) -> ReportingCalendar:
        """When the fund's programmes report (its definition's `reporting:` section, defaults filled in)."""
        return ReportingCalendar.of(self.reporting_calendar)

    @property
    def asks_corridors(self) -> bool:
        """Whether a concept note may be placed on migration corridors (the definition's `concept_note:`)."""
        return bool(self.concept_note.get("migration_corridors"))

    @property
    def asks_knowledge_platform(self) -> bool:
        """Whether a concept note must explain its use of the Network's knowledge platform and connection hub."""
        return bool(self.concept_note.get("knowledge_platform"))

    @property
    def objectives_label(self) -> str:
        """What the fund calls its objectives, in the current language."""
        return localize(self.objectives_title)

    @property
    def participant_label(self) -> str:
        """What the fund calls one organization it finances ("Participating UN Organization"), in the current
        language."""
        return localize(self.participants_title.get("singular") or {})

    @property
    def participants_label(self) -> str:
        """What the fund calls the organizations it finances ("Participating UN Organizations")."""
        return localize(self.participants_title.get("plural") or {})

    @property
    def disaggregation_codes(self) -> list[str]:
        return [d["code"] for d in self.disaggregations or []]

    def disaggregation_title(self, code: str) -> str:
        """The name of one of the fund's disaggregation dimensions (the code itself if the fund dropped it)."""
        for dimension in self.disaggregations or []:
            if dimension["code"] == code:
                return localize(dimension["name"])
        return code

    @property
    def marker_share(self) -> dict[str, Any] | None:
        """The fund's marker share target: {"marker": code, "min_level": n, "share": "0.8"}, or None."""
        return (self.targets or {}).get("marker_share")

    @property
    def target_marker(self) -> Marker | None:
        """The marker the fund's marker share target is about (named in its definition), if it sets one."""
        target = self.marker_share
        return next((m for m in self.markers if target and m.code == target["marker"]), None)

    def target_share(self, kind: str, key: str) -> Decimal | None:
        """The fund's target share for a thematic area code or region code, if it sets one."""
        value = (self.targets or {}).get(kind, {}).get(key)
        return Decimal(value) if value is not None else None

    def __repr__(self) -> str:
        return f"<Fund {self.code}>"


class FundRole(Base):
    """The role a person holds on one fund (administrators hold theirs on the installation: `User.is_admin`)."""

    __tablename__ = "fund_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "fund_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    role: so.Mapped[Role]
    since: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    # Read when a rights question first asks about the person (many people at once: `rights.holders_among`).
    user: so.Mapped[User] = so.relationship(
        backref=so.backref("fund_roles", lazy="select", cascade="all, delete-orphan", passive_deletes=True)
    )
    fund: so.Mapped[Fund] = so.relationship()

    def __repr__(self) -> str:
        return f"<FundRole {self.user_id} {self.fund_id} {self.role.value}>"


def roles_with_the_user(lean: bool) -> Any:
    """Every signed-in request asks the person's roles (is this page of their fund theirs?) and the funds they work
    in: both come in the statement that reads the session and its user (`fundmgr.accounts.sessions.signed_in_user`),
    fresh on every request, so a role granted or ended counts from the next request on whichever server. `lean`: of
    each fund only what a member's answer asks (its code, to find the fund worked in; its decision rule), the rest
    read if asked."""
    funds = so.joinedload(User.fund_roles).joinedload(FundRole.fund)  # type: ignore[attr-defined]
    return funds.load_only(Fund.code, Fund.decision_rule) if lean else funds


if roles_with_the_user not in SIGNED_IN_LOADING:
    SIGNED_IN_LOADING.append(roles_with_the_user)


class FundItem:
    """Columns shared by the lists a fund definition holds; retired items stay for history."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    number: so.Mapped[int]
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    if TYPE_CHECKING:  # the keyword constructor of the declarative Base each list mixes this into

        def __init__(self, **columns: Any) -> None: ...

    @so.declared_attr
    def fund_id(cls) -> so.Mapped[int]:  # noqa: N805
        return so.mapped_column(sa.ForeignKey("funds.id", ondelete="CASCADE"), index=True)

    @so.declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805
        return (sa.UniqueConstraint("fund_id", "code"),)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class ThematicArea(FundItem, Base):
    """A thematic area of the fund, clustering objectives."""

    __tablename__ = "thematic_areas"

    name: so.Mapped[dict[str, str]]
    fund: so.Mapped[Fund] = so.relationship(back_populates="thematic_areas")
    objectives: so.Mapped[list[Objective]] = so.relationship(
        secondary=area_objectives, back_populates="areas", order_by="Objective.number"
    )

    @property
    def label(self) -> str:
        return localize(self.name)


class Objective(FundItem, Base):
    """An objective the fund serves (for the Migration MPTF: one of the 23 GCM objectives)."""

    __tablename__ = "objectives"

    short_name: so.Mapped[dict[str, str]]
    name: so.Mapped[dict[str, str]]
    fund: so.Mapped[Fund] = so.relationship(back_populates="objectives")
    areas: so.Mapped[list[ThematicArea]] = so.relationship(
        secondary=area_objectives, back_populates="objectives", order_by="ThematicArea.number"
    )

    @property
    def label(self) -> str:
        return f"{self.number}. {localize(self.short_name)}"


class GuidingPrinciple(FundItem, Base):
    """A guiding principle proposals must address."""

    __tablename__ = "guiding_principles"

    name: so.Mapped[dict[str, str]]
    description: so.Mapped[dict[str, str]]

    @property
    def label(self) -> str:
        return localize(self.name)


class Marker(FundItem, Base):
    """A marker scale (gender, human rights, child sensitivity) every proposal is rated on."""

    __tablename__ = "markers"

    name: so.Mapped[dict[str, str]]
    description: so.Mapped[dict[str, str]]
    required_min_level: so.Mapped[int] = so.mapped_column(default=0)
    # [{"value": 0, "label": {"en": ..., "fr": ..., "es": ...}}, ...]
    levels: so.Mapped[list[Any]]

    @property
    def label(self) -> str:
        return localize(self.name)

    def level_label(self, value: int | None) -> str:
        for level in self.levels:
            if level["value"] == value:
                return f"{value}: {localize(level['label'])}"
        return "" if value is None else str(value)

    @property
    def values(self) -> list[int]:
        return [level["value"] for level in self.levels]


class BudgetCategory(FundItem, Base):
    """A budget category (the UNSDG harmonized categories)."""

    __tablename__ = "budget_categories"

    name: so.Mapped[dict[str, str]]

    @property
    def label(self) -> str:
        return localize(self.name)


class Criterion(FundItem, Base):
    """A scoring criterion of the Steering Committee, with its weight and scale."""

    __tablename__ = "criteria"

    name: so.Mapped[dict[str, str]]
    guidance: so.Mapped[dict[str, str]]
    weight: so.Mapped[Decimal] = so.mapped_column(Rate())
    scale_min: so.Mapped[int] = so.mapped_column(default=1)
    scale_max: so.Mapped[int] = so.mapped_column(default=5)

    @property
    def label(self) -> str:
        return localize(self.name)


class EligibilityCheck(FundItem, Base):
    """An item of the FMU's screening checklist."""

    __tablename__ = "eligibility_checks"

    text: so.Mapped[dict[str, str]]

    @property
    def label(self) -> str:
        return localize(self.text)


class RegionLevel(enum.Enum):
    """The levels of the UN M49 geography."""

    region = "region"
    subregion = "subregion"
    intermediate = "intermediate"


class Region(Base):
    """A UN M49 region, sub-region or intermediate region; names come from CLDR."""

    __tablename__ = "regions"

    code: so.Mapped[str] = so.mapped_column(sa.String(3), primary_key=True)
    level: so.Mapped[RegionLevel]
    parent_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("regions.code"))

    @property
    def label(self) -> str:
        return territory_name(self.code)

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Country(Base):
    """A country or territory (ISO 3166-1) with its UN M49 classification."""

    __tablename__ = "countries"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    iso2: so.Mapped[str] = so.mapped_column(sa.String(2), unique=True)
    iso3: so.Mapped[str] = so.mapped_column(sa.String(3), unique=True)
    m49: so.Mapped[str] = so.mapped_column(sa.String(3), unique=True)
    region_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("regions.code"), index=True)
    subregion_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("regions.code"))
    intermediate_code: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("regions.code"))
    ldc: so.Mapped[bool] = so.mapped_column(default=False)
    lldc: so.Mapped[bool] = so.mapped_column(default=False)
    sids: so.Mapped[bool] = so.mapped_column(default=False)

    @property
    def label(self) -> str:
        return territory_name(self.iso2)

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"
