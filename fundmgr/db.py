"""Database plumbing: the declarative base, the session object and column types."""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """Round a Decimal to cents, half up, as UN financial statements do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def apportion(total: Decimal, weights: Sequence[Decimal], quantum: Decimal = CENT) -> list[Decimal]:
    """Split `total` in proportion to `weights` into parts that add up to it exactly (largest-remainder method).

    The one rule for splitting money (a programme's allocation over its thematic areas' shares): each part is
    the exact proportion rounded toward zero to the cent; the cents left over go one each to the parts with
    the largest remainders, the earlier part first on a tie. A negative total splits like its opposite.
    """
    weight_total = sum(weights, Decimal(0))
    if not weights or not weight_total:
        raise ValueError("apportion needs weights that do not sum to zero")
    if total < 0:
        return [-part for part in apportion(-total, weights, quantum)]
    exact = [total * weight / weight_total for weight in weights]
    parts = [value.quantize(quantum, rounding=ROUND_DOWN) for value in exact]
    leftover = int((total - sum(parts, Decimal(0))) / quantum)
    for i in sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))[:leftover]:
        parts[i] += quantum
    return parts


class ScaledDecimal(sa.types.TypeDecorator):
    """A fixed-point decimal: NUMERIC(p, s) where the database has one, scaled integers on SQLite.

    SQLite has no decimal type and would store NUMERIC as binary floating point, so
    sums of money would drift. Storing value * 10**scale as an integer keeps every
    sum exact there too, and SQL-side SUM() comes back through this type as Decimal.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = Decimal(10) ** scale

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            # ints and strings are fine; floats are refused so money never passes through one
            if isinstance(value, float):
                raise TypeError("fixed-point columns take Decimal, not float")
            value = Decimal(value)
        value = value.quantize(self._quantum, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(value * self._factor)
        return value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    def coerce_compared_value(self, op: Any, value: Any) -> sa.types.TypeEngine[Any]:
        return self


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in column definitions
    """Amounts of money: NUMERIC(18, 2)."""
    return ScaledDecimal(18, 2)


def Rate() -> ScaledDecimal:  # noqa: N802
    """Rates and shares (fee rates, exchange rates, weights): NUMERIC(12, 6)."""
    return ScaledDecimal(12, 6)


class Base(DeclarativeBase):
    """Declarative base: deterministic constraint names, enums stored as plain strings."""

    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            enum.Enum: sa.Enum(enum.Enum, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
            datetime: sa.DateTime(timezone=True),
            dict[str, Any]: sa.JSON,
            dict[str, str]: sa.JSON,
            list[Any]: sa.JSON,
        },
    )

    def __repr__(self) -> str:
        ident = getattr(self, "id", None)
        return f"<{type(self).__name__} {ident}>"


db = SQLAlchemy(model_class=Base)


# --- Reads answered once per transaction ----------------------------------------------------------------------

MEMO = "fundmgr_memo"  # key of Session.info: what `memoized` remembers


def memoized(key: tuple[Any, ...], read: Callable[[], T]) -> T:
    """What `read()` answers, read once while the transaction lasts and nothing is written: a request that asks the
    same question several times (who presides over each item of a meeting, a member's standing on a proposal, the
    committee's seats) pays one statement for it.

    Never stale within the request: the memo is forgotten at every flush, every write statement, every locking read
    (what follows a lock reads afresh, as it would have) and the end of every transaction, and is not used while the
    session holds changes not yet flushed. Nothing is kept from one request to the next: another server's writes
    count from the next request, as they did without it.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return read()
    memo = session.info.setdefault(MEMO, {})
    if key not in memo:
        memo[key] = read()
    answer: T = memo[key]
    return answer


def recall(key: tuple[Any, ...]) -> Any | None:
    """What `memoized(key, ...)` would answer without reading, or None when it would read."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return None
    return session.info.get(MEMO, {}).get(key)


def remember(key: tuple[Any, ...], value: Any) -> None:
    """Answer `memoized(key, ...)` with this value, read in bulk with others (a page that will ask for many)."""
    remember_all({key: value})


def remember_all(answers: dict[tuple[Any, ...], Any]) -> None:
    """`remember` each key's value at once: the session's pending changes are looked at once, not for each key (a
    page remembering hundreds of answers scanned every object it loaded each time)."""
    session = db.session()
    if not (session.new or session.dirty or session.deleted):
        session.info.setdefault(MEMO, {}).update(answers)


@sa.event.listens_for(so.Session, "after_flush")
@sa.event.listens_for(so.Session, "after_transaction_end")
def forget_memo(session: so.Session, *_args: Any) -> None:
    session.info.pop(MEMO, None)


@sa.event.listens_for(so.Session, "do_orm_execute")
def forget_memo_on_lock(state: so.ORMExecuteState) -> None:
    """A locking read, or a write not made by a flush (an UPDATE or DELETE statement): what is read after it is read
    afresh (a lock may have waited for another transaction's commit)."""
    locking = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
    if locking or state.is_insert or state.is_update or state.is_delete:
        state.session.info.pop(MEMO, None)


# PostgreSQL's answers to a transaction that lost a race: serialization failure, deadlock, lock not available,
# and a unique or foreign key violation (a row inserted, or deleted, by another transaction at the same moment).
CONFLICT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "23505", "23503"})
SQLITE_CONFLICTS = ("database is locked", "database table is locked", "unique constraint failed")


def is_concurrent_conflict(exc: BaseException) -> bool:
    """Whether a database error says that another transaction changed the same data at the same moment.

    SQLite serializes writers: a transaction that has read and then tries to write while another writes fails at
    once with "database is locked". Operations check their rules before writing, so a constraint that still fails
    was broken by a concurrent transaction, not by the request itself.
    """
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    cause = exc.orig
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in CONFLICT_SQLSTATES
    if isinstance(cause, sqlite3.OperationalError | sqlite3.IntegrityError):
        return str(cause).lower().startswith(SQLITE_CONFLICTS)
    return False
