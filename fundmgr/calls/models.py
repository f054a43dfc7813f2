"""A call for proposals: its window, what it targets, its ceiling per joint programme and its rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, Money
from fundmgr.funds.models import Fund, Objective, Region, ThematicArea
from fundmgr.funds.rights import holds_any_role, is_fund_manager
from fundmgr.i18n import localize


class CallState(TitledEnum):
    """Where a call is: prepared by the FMU, published (open in its window), or closed."""

    draft = "draft"
    published = "published"
    closed = "closed"


CallState.set_titles(
    {CallState.draft: _l("Draft"), CallState.published: _l("Published"), CallState.closed: _l("Closed")}
)
# The one transition table of a call.
CALL_TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.draft: frozenset({CallState.published}),
    CallState.published: frozenset({CallState.closed}),
    CallState.closed: frozenset(),
}

PHASE_TITLES = {"draft": _l("Draft"), "upcoming": _l("Upcoming"), "open": _l("Open"), "closed": _l("Closed")}

call_areas = sa.Table(
    "call_areas",
    Base.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("thematic_areas.id"), primary_key=True),
)
call_regions = sa.Table(
    "call_regions",
    Base.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_code", sa.ForeignKey("regions.code"), primary_key=True),
)
call_objectives = sa.Table(
    "call_objectives",
    Base.metadata,
    sa.Column("call_id", sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("objective_id", sa.ForeignKey("objectives.id"), primary_key=True),
)


class Call(Base):
    """A call for proposals of one fund: proposals are submitted to it while it is open."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.CheckConstraint("ceiling > 0", name="ceiling_positive"),
        sa.CheckConstraint("closes_on IS NULL OR closes_on >= opens_on", name="window_in_order"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    state: so.Mapped[CallState] = so.mapped_column(default=CallState.draft)
    # Texts in every language: {en, fr, es}
    title: so.Mapped[dict[str, str]]
    description: so.Mapped[dict[str, str]]
    eligibility: so.Mapped[dict[str, str]]
    documents: so.Mapped[dict[str, str]]
    opens_on: so.Mapped[date]
    closes_on: so.Mapped[date | None]  # None: a rolling call, open until the FMU closes it
    ceiling: so.Mapped[Decimal] = so.mapped_column(Money())  # the most one joint programme may ask for
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    published_at: so.Mapped[datetime | None]
    closed_at: so.Mapped[datetime | None]

    fund: so.Mapped[Fund] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()
    areas: so.Mapped[list[ThematicArea]] = so.relationship(secondary=call_areas, order_by=ThematicArea.number)
    regions: so.Mapped[list[Region]] = so.relationship(secondary=call_regions, order_by=Region.code)
    objectives: so.Mapped[list[Objective]] = so.relationship(secondary=call_objectives, order_by=Objective.number)

    audit_type = "call"

    @property
    def label(self) -> str:
        return localize(self.title)

    @property
    def display_name(self) -> str:
        return f"{self.reference} “{self.label}”"

    @property
    def is_rolling(self) -> bool:
        return self.closes_on is None

    def is_open_on(self, day: date) -> bool:
        """Published, its window begun, and not past its closing date."""
        if self.state is not CallState.published or day < self.opens_on:
            return False
        return self.closes_on is None or not clock.is_past(self.closes_on, day)

    @property
    def is_open(self) -> bool:
        """Whether the call takes proposals today (the fund's date)."""
        return self.is_open_on(clock.today(self.fund))

    @property
    def phase(self) -> str:
        """What people see of the call: draft, upcoming, open or closed (past its closing date, or closed)."""
        if self.is_draft:
            return "draft"
        today = clock.today(self.fund)
        if self.state is CallState.published and today < self.opens_on:
            return "upcoming"
        return "open" if self.is_open_on(today) else "closed"

    @property
    def phase_title(self) -> str:
        return str(PHASE_TITLES[self.phase])

    @property
    def is_draft(self) -> bool:
        return self.state is CallState.draft

    # --- who may do what ---

    def can_view(self, user: Any) -> bool:
        """A published or closed call is the fund's; a draft only its managers'."""
        if self.is_draft:
            return is_fund_manager(user, self.fund)
        return holds_any_role(user, self.fund)

    def can_manage(self, user: Any) -> bool:
        """The FMU and administrators prepare, publish and close calls."""
        return is_fund_manager(user, self.fund)
