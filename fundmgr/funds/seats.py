"""A fund's Steering Committee: its rules, constituencies and seats (from the definition file) and who holds
which seat when (seat terms, kept in the app with their history).

A seat is held by one person with an alternate, for a term; a seat is represented in a meeting when its holder
or its alternate is present, and it has one voice whoever of them speaks. The constituency of a member is the
constituency of the seat they hold (or stand in for) today, not a field of the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, db, memoized
from fundmgr.funds.models import Fund
from fundmgr.i18n import localize


class ConflictRule(TitledEnum):
    """What a member's organization taking part in a proposal means for that member."""

    no_scoring = "no_scoring"
    no_decision = "no_decision"
    recusal = "recusal"


@dataclass(frozen=True)
class Standing:
    """What a Steering Committee member may do on one proposal: the one rule every page and operation follows.

    `stays`: stays in the item (is listed on it, and may preside over it and abstain where the fund's policy lets
    the chair); `sees`: reads the proposal's content, its scores and the other members' positions or votes, on every
    page and in their copy of the pack and minutes (`Proposal.is_recused` is its negation); `scores`: is assigned
    and scores it; `decides`: states a position or votes on its item, answers its written procedure, counts in its
    quorum.
    """

    stays: bool
    sees: bool
    scores: bool
    decides: bool


# A member without a conflict on the proposal.
FREE = Standing(stays=True, sees=True, scores=True, decides=True)
# A member who leaves the item altogether: a declared conflict not waived, or the `recusal` policy.
LEAVES = Standing(stays=False, sees=False, scores=False, decides=False)
# A member whose organization takes part in the proposal, under each conflict policy of the fund's definition:
# under every policy they neither score it nor see its scores and the others' positions; under `no_scoring`
# they keep their say in the decision (state their own position or vote, count in the quorum).
STANDINGS: dict[ConflictRule, Standing] = {
    ConflictRule.no_scoring: Standing(stays=True, sees=False, scores=False, decides=True),
    ConflictRule.no_decision: Standing(stays=True, sees=False, scores=False, decides=False),
    ConflictRule.recusal: LEAVES,
}


def participant_standing(fund: Fund) -> Standing:
    """What a member whose organization takes part in a proposal of the fund may do on it (the fund's policy)."""
    return STANDINGS[rules_of(fund).conflict_rule]


class PresidingFallback(TitledEnum):
    """Who presides over an item the chair may not preside over, or when the chair is absent."""

    vice_chair = "vice_chair"
    designated = "designated"


ConflictRule.set_titles({
    ConflictRule.no_scoring: _l("may not score the proposal"),
    ConflictRule.no_decision: _l("may neither score the proposal nor take part in its decision"),
    ConflictRule.recusal: _l("leaves the item altogether"),
})  # fmt: skip
PresidingFallback.set_titles({
    PresidingFallback.vice_chair: _l("the vice-chair"),
    PresidingFallback.designated: _l("a member the committee designates"),
})  # fmt: skip


class CommitteeRules(Base):
    """The committee's quorum and conflict policy, from the fund's definition file (committee: section)."""

    __tablename__ = "committee_rules"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), unique=True)
    # An item is quorate when at least this many voting seats not conflicted on it are represented.
    quorum_voting_seats: so.Mapped[int]
    conflict_rule: so.Mapped[ConflictRule]
    chair_presides_when_conflicted: so.Mapped[bool]
    presiding_fallback: so.Mapped[PresidingFallback]
    # The FMU may work the board's controls for whoever presides (who presided is still recorded and signs).
    secretariat_operates_board: so.Mapped[bool]

    fund: so.Mapped[Fund] = so.relationship()

    audit_type = "committee_rules"


Fund.committee_rules = so.relationship(CommitteeRules, uselist=False, viewonly=True)  # type: ignore[attr-defined]


class CommitteeConstituency(Base):
    """A constituency of a fund's committee (the chair; UN entities; Member States; ...)."""

    __tablename__ = "committee_constituencies"
    __table_args__ = (sa.UniqueConstraint("fund_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    name: so.Mapped[dict[str, str]]
    votes: so.Mapped[bool] = so.mapped_column(default=True)
    position: so.Mapped[int]
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    seats: so.Mapped[list[Seat]] = so.relationship(back_populates="constituency", order_by="Seat.position")

    @property
    def label(self) -> str:
        return localize(self.name)


class Seat(Base):
    """One seat of a fund's committee; retired (never deleted) when the definition drops it: terms keep it."""

    __tablename__ = "committee_seats"
    __table_args__ = (sa.UniqueConstraint("fund_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    constituency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("committee_constituencies.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    name: so.Mapped[dict[str, str]]
    position: so.Mapped[int]
    vice_chair: so.Mapped[bool] = so.mapped_column(default=False)
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    fund: so.Mapped[Fund] = so.relationship()
    constituency: so.Mapped[CommitteeConstituency] = so.relationship(back_populates="seats", lazy="joined")
    terms: so.Mapped[list[SeatTerm]] = so.relationship(back_populates="seat", order_by="SeatTerm.starts_on")

    audit_type = "seat"

    @property
    def label(self) -> str:
        return localize(self.name)

    @property
    def display_name(self) -> str:
        return self.code

    @property
    def votes(self) -> bool:
        return self.constituency.votes

    @property
    def is_chair(self) -> bool:
        return self.constituency.code == CHAIR

    def term_on(self, day: date) -> SeatTerm | None:
        return next((t for t in self.terms if t.covers(day)), None)


CHAIR = "chair"


class SeatTerm(Base):
    """A person holding a seat, with an alternate, from a date to a date (open-ended until ended); kept forever."""

    __tablename__ = "seat_terms"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint("alternate_id IS NULL OR alternate_id <> holder_id", name="alternate_not_holder"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    seat_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("committee_seats.id"), index=True)
    holder_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    alternate_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[date | None]  # the last day of the term, inclusive; empty: until ended
    appointed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    appointed_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    seat: so.Mapped[Seat] = so.relationship(back_populates="terms", lazy="joined")
    holder: so.Mapped[User] = so.relationship(foreign_keys=[holder_id], lazy="joined")
    alternate: so.Mapped[User | None] = so.relationship(foreign_keys=[alternate_id], lazy="joined")

    audit_type = "seat_term"

    @property
    def display_name(self) -> str:
        return f"{self.seat.code} {self.starts_on.isoformat()}"

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def person_ids(self) -> set[int]:
        return {self.holder_id} | ({self.alternate_id} if self.alternate_id is not None else set())


# --- Reading the committee ------------------------------------------------------------------------------


def rules_of(fund: Fund) -> CommitteeRules:
    """The committee's rules (every loaded fund has them: the definition's committee: section is required)."""
    # read once per fund loaded in the session (pages ask it for every item and member); the query finds rules
    # added after the fund's were read as none
    rules = fund.committee_rules or db.session.scalar(  # type: ignore[attr-defined]
        sa.select(CommitteeRules).where(CommitteeRules.fund_id == fund.id)
    )
    assert rules is not None, f"fund {fund.code} has no committee rules: load its definition"
    return rules


def seats_of(fund: Fund, *, retired: bool = False) -> list[Seat]:
    query = sa.select(Seat).join(Seat.constituency).where(Seat.fund_id == fund.id)
    if not retired:
        query = query.where(Seat.retired.is_(False))
    return list(db.session.scalars(query.order_by(CommitteeConstituency.position, Seat.position)).unique())


def terms_on(fund: Fund, day: date) -> list[SeatTerm]:
    """The terms running on a day, one per seat at most (overlaps are refused when terms are appointed).

    Their holders and alternates come without their organizations (a person is read with theirs by default): what
    asks for the terms (who presides, the quorum, the board polled every few seconds) reads a person's organization
    by its id, and each organization's names are text in every language to decode, twice per seat."""

    def read() -> list[SeatTerm]:
        query = (
            sa.select(SeatTerm)
            .join(SeatTerm.seat)
            .where(
                Seat.fund_id == fund.id,
                SeatTerm.starts_on <= day,
                sa.or_(SeatTerm.ends_on.is_(None), SeatTerm.ends_on >= day),
            )
            .order_by(Seat.position)
            .options(
                so.defaultload(SeatTerm.holder).lazyload(User.organization),
                so.defaultload(SeatTerm.alternate).lazyload(User.organization),
            )
        )
        return list(db.session.scalars(query).unique())

    # asked for the chair, the vice-chair and the quorum of each item a page shows: read (and built) once per
    # transaction
    return list(memoized(("terms_on", fund.id, day), read))


def term_of(user: Any, fund: Fund, day: date | None = None) -> SeatTerm | None:
    """The term in which the user holds a seat of the fund (or stands in for its holder) on a day (today)."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return None
    day = day or clock.today(fund)
    terms = [t for t in terms_on(fund, day) if user_id in t.person_ids()]
    return next((t for t in terms if t.holder_id == user_id), terms[0] if terms else None)


def constituency_of(user: Any, fund: Fund, day: date | None = None) -> CommitteeConstituency | None:
    """The constituency the user sits for on the fund's committee on a day (today)."""
    term = term_of(user, fund, day)
    return term.seat.constituency if term else None


def chair_term(fund: Fund, day: date | None = None) -> SeatTerm | None:
    day = day or clock.today(fund)
    return next((t for t in terms_on(fund, day) if t.seat.is_chair), None)


def vice_chair_term(fund: Fund, day: date | None = None) -> SeatTerm | None:
    day = day or clock.today(fund)
    return next((t for t in terms_on(fund, day) if t.seat.vice_chair), None)


def free_seat(fund: Fund, code: str) -> Seat | None:
    """A seat of the fund never held yet, named by its code or by a prefix of codes ("MS-DONOR-"): the seat with that
    very code, else one whose code starts so, else another of the same constituency; the vice-chair's only when
    named or no other is left. None when every seat of the constituency has been held."""
    seats = seats_of(fund)
    groups = {s.constituency_id for s in seats if s.code.startswith(code)}
    held = set(db.session.scalars(sa.select(SeatTerm.seat_id).join(SeatTerm.seat).where(Seat.fund_id == fund.id)))
    free = [s for s in seats if s.constituency_id in groups and s.id not in held]
    free.sort(key=lambda s: (s.code != code, s.vice_chair, not s.code.startswith(code), s.position))
    return free[0] if free else None


def seat_labels(fund: Fund, day: date) -> dict[int, str]:
    """Person id -> "constituency · seat" for everyone holding or standing in for a seat on a day (one query)."""
    labels: dict[int, str] = {}
    for term in terms_on(fund, day):
        label = f"{term.seat.constituency.label} · {term.seat.label}"
        labels[term.holder_id] = label
        if term.alternate_id is not None:
            labels.setdefault(term.alternate_id, label)
    return labels
