"""Who keeps the books, the checks every money operation shares, and the ledger entry they write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.db import db, to_cents
from fundmgr.finance.models import EntryKind, LedgerEntry
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_role_or_system
from fundmgr.i18n import format_money
from fundmgr.numbers import MONEY


def require_bookkeeper(actor: User | None, fund: Fund) -> None:
    """The FMU keeps the fund's books (the system too: demo data); administrators manage people, not money."""
    require_role_or_system(actor, fund, Role.fmu)


def lock_fund(fund: Fund) -> None:
    """Take the fund's row lock until the transaction ends (a no-op where the database has none)."""
    db.session.execute(sa.select(Fund.id).where(Fund.id == fund.id).with_for_update())


def amount_problems(amount: Any, label: str, *, zero_allowed: bool = False) -> list[str]:
    """What is wrong with an amount of money, if anything: it must be a finite, positive (or, where zero is allowed,
    not negative) Decimal in cents."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [_("%(field)s must be a number.", field=label)]
    if zero_allowed and amount < 0:
        return [_("%(field)s cannot be negative.", field=label)]
    if not zero_allowed and amount <= 0:
        return [_("%(field)s must be more than zero.", field=label)]
    if amount > MONEY.largest:  # before rounding: a number of thousands of digits cannot be rounded to cents
        return [_("%(field)s must be at most %(max)s.", field=label, max=format_money(MONEY.largest))]
    if amount != to_cents(amount):
        return [_("%(field)s can have at most two decimals.", field=label)]
    return []


def date_problems(on_date: Any, label: str, fund: Fund) -> list[str]:
    """Dates of money movements: known, not in the future, not before the fund existed."""
    if not isinstance(on_date, date):
        return [_("%(field)s is required.", field=label)]
    if on_date > clock.today(fund):
        return [_("%(field)s cannot be in the future.", field=label)]
    if fund.established and on_date < fund.established:
        return [
            _("%(field)s cannot be before the fund was established (%(date)s).", field=label, date=fund.established)
        ]
    return []


def reference_problems(reference: Any, label: str) -> list[str]:
    if not isinstance(reference, str) or not reference.strip():
        return [_("%(field)s is required.", field=label)]
    if len(reference.strip()) > 60:
        return [_("%(field)s can have at most 60 characters.", field=label)]
    return []


def add_entry(fund: Fund, kind: EntryKind, amount: Decimal, on_date: date, *, actor: User | None, **links: Any) -> None:
    """Append a ledger entry (nothing for a zero amount, e.g. the fee on a few cents)."""
    if amount == 0:
        return
    db.session.add(
        LedgerEntry(fund_id=fund.id, kind=kind, amount=amount, on_date=on_date, created_by_id=actor_id(actor), **links)
    )


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def money(amount: Decimal, fund: Fund) -> str:
    return f"{fund.currency} {format_money(amount)}"
