"""Who holds which seat of the committee, when: the FMU appoints a holder and an alternate for a term, changes the
alternate of a running term, and ends terms. Terms of one seat never overlap, nor do a person's seats; history is
kept (a term is ended, not deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.rights import has_role, require_fund_manager
from fundmgr.funds.seats import Seat, SeatTerm


@dataclass
class TermData:
    """The FMU's appointment form: who holds the seat, who stands in, from when to when (empty: until ended)."""

    holder: User | None
    alternate: User | None
    starts_on: date | None
    ends_on: date | None = None


def overlaps(starts_on: date, ends_on: date | None) -> sa.ColumnElement[bool]:
    """SQL: a term overlapping the period from starts_on to ends_on (both inclusive; None: open-ended)."""
    clause = sa.or_(SeatTerm.ends_on.is_(None), SeatTerm.ends_on >= starts_on)
    if ends_on is not None:
        clause = sa.and_(clause, SeatTerm.starts_on <= ends_on)
    return clause


def term_problems(seat: Seat, data: TermData, *, ignore: SeatTerm | None = None) -> list[str]:
    """Every reason the term cannot be appointed, at once."""
    problems = []
    if seat.retired:
        problems.append(_("The seat %(seat)s is no longer in the fund's definition.", seat=seat.code))
    if data.holder is None:
        problems.append(_("Choose who holds the seat."))
    if data.starts_on is None:
        problems.append(_("The start date is required."))
    elif data.ends_on is not None and data.ends_on < data.starts_on:
        problems.append(_("The term cannot end before it starts."))
    people = [p for p in (data.holder, data.alternate) if p is not None]
    if data.holder is not None and data.alternate is not None and data.holder.id == data.alternate.id:
        problems.append(_("The alternate must be another person than the holder."))
    for person in people:
        if not person.is_active_account or not has_role(person, seat.fund, Role.sc_member):
            problems.append(_("%(name)s is not a member of the Steering Committee.", name=person.name))
    if problems or data.starts_on is None:
        return problems
    period = overlaps(data.starts_on, data.ends_on)
    others = sa.select(SeatTerm).where(period)
    if ignore is not None:
        others = others.where(SeatTerm.id != ignore.id)
    if db.session.scalar(others.where(SeatTerm.seat_id == seat.id).limit(1)) is not None:
        problems.append(_("The seat %(seat)s already has a term in that period: end it first.", seat=seat.code))
    for person in people:
        sitting = db.session.scalar(
            others.join(SeatTerm.seat)
            .where(Seat.fund_id == seat.fund_id,
                   sa.or_(SeatTerm.holder_id == person.id, SeatTerm.alternate_id == person.id))
            .limit(1)
        )  # fmt: skip
        if sitting is not None:
            problems.append(_("%(name)s already sits on the seat %(seat)s in that period.", name=person.name,
                              seat=sitting.seat.code))  # fmt: skip
    return problems


def appoint_term(seat: Seat, data: TermData, *, actor: User | None) -> SeatTerm:
    """The FMU appoints a holder (and an alternate) to a seat for a term that overlaps no other."""
    require_fund_manager(actor, seat.fund)
    problems = term_problems(seat, data)
    if problems:
        raise ValidationFailed(problems)
    assert data.holder is not None  # refused above when missing
    assert data.starts_on is not None  # refused above when missing
    term = SeatTerm(
        seat_id=seat.id,
        holder_id=data.holder.id,
        alternate_id=data.alternate.id if data.alternate else None,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        appointed_by_id=actor and actor.id,
    )
    db.session.add(term)
    db.session.flush()
    db.session.expire(seat, ["terms"])
    record_audit("seat.term_appointed", term, actor=actor, after=snapshot(term), fund_id=seat.fund_id,
                 summary=f"{seat.code}: {data.holder.name}")  # fmt: skip
    return term


def change_alternate(term: SeatTerm, alternate: User | None, *, actor: User | None) -> None:
    """The FMU names another alternate (or none) for a term that has not ended; the same rules as appointing it."""
    require_fund_manager(actor, term.seat.fund)
    # the term's row alone (its eager joins may not be locked on PostgreSQL), then read it again
    db.session.execute(sa.select(SeatTerm.id).where(SeatTerm.id == term.id).with_for_update())
    db.session.refresh(term)
    seat = term.seat
    if term.ends_on is not None and term.ends_on < clock.today(seat.fund):
        raise InvalidTransition(_("This term already ended on %(day)s.", day=term.ends_on.isoformat()))
    # from today on: the new alternate may have sat elsewhere before
    data = TermData(holder=term.holder, alternate=alternate, starts_on=max(term.starts_on, clock.today(seat.fund)),
                    ends_on=term.ends_on)  # fmt: skip
    problems = term_problems(seat, data, ignore=term)
    if problems:
        raise ValidationFailed(problems)
    before = term.alternate
    if (before and before.id) == (alternate and alternate.id):
        return
    term.alternate_id = alternate.id if alternate is not None else None
    db.session.flush()
    db.session.expire(term, ["alternate"])
    record_audit("seat.alternate_changed", term, actor=actor, before={"alternate": before.name if before else None},
                 after={"alternate": alternate.name if alternate else None}, fund_id=seat.fund_id,
                 summary=f"{seat.code}: {term.holder.name}")  # fmt: skip


def end_term(term: SeatTerm, ends_on: date | None, *, actor: User | None) -> None:
    """The FMU ends a term on a day (its last): the seat is then free for the next holder."""
    seat = term.seat
    require_fund_manager(actor, seat.fund)
    if ends_on is None:
        raise ValidationFailed([_("The end date is required.")])
    if term.ends_on is not None and term.ends_on < ends_on:
        raise InvalidTransition(_("This term already ended on %(day)s.", day=term.ends_on.isoformat()))
    if ends_on < term.starts_on:
        raise ValidationFailed([_("The term cannot end before it starts.")])
    before = term.ends_on
    term.ends_on = ends_on
    db.session.flush()
    record_audit("seat.term_ended", term, actor=actor, before={"ends_on": before}, after={"ends_on": ends_on},
                 fund_id=seat.fund_id, summary=f"{seat.code}: {term.holder.name}")  # fmt: skip
