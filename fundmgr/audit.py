"""The audit log: who did what to which object, when, with the values before and after."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr import clock
from fundmgr.db import Base, db


class AuditEntry(Base):
    """One recorded action. Entries are only ever added, never changed."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    fund_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    summary: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    before: so.Mapped[dict[str, Any] | None]
    after: so.Mapped[dict[str, Any] | None]

    actor: so.Mapped[Any] = so.relationship("User", lazy="joined")


def jsonable(value: Any) -> Any:
    """Turn a column value into something JSON can hold without losing precision."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """The values of an object's columns (or of the named attributes), ready for the log."""
    if fields is None:
        fields = [attr.key for attr in sa.inspect(obj).mapper.column_attrs]
    return {name: jsonable(getattr(obj, name)) for name in fields}


def unwrap(obj: Any) -> Any:
    """The object behind a proxy such as flask_login.current_user."""
    getter = getattr(obj, "_get_current_object", None)
    return getter() if getter else obj


def object_type_of(obj: Any) -> str:
    """The object type an entry names for an object (or a model class): its `audit_type`, else its table."""
    return getattr(obj, "audit_type", None) or obj.__tablename__


def entry_values(
    action: str,
    obj: Any,
    object_id: str,
    *,
    actor: Any | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    summary: str,
    fund_id: int | None,
) -> dict[str, Any]:
    """An entry's columns (`obj` an object or its model class, to name its type)."""
    return {
        "actor_id": getattr(unwrap(actor), "id", None),
        "action": action,
        "object_type": object_type_of(obj),
        "object_id": object_id,
        "fund_id": fund_id,
        "summary": summary[:500],
        "before": jsonable(before) if before is not None else None,
        "after": jsonable(after) if after is not None else None,
    }  # fmt: skip


def record_audit(
    action: str,
    obj: Any,
    *,
    actor: Any | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    fund_id: int | None = None,
) -> AuditEntry:
    """Add an entry to the audit log for an action done by actor (None: the system or CLI)."""
    obj = unwrap(obj)
    db.session.flush()  # so a new object has its id
    identity = sa.inspect(obj).identity
    entry = AuditEntry(**entry_values(
        action, obj, str(identity[0]) if identity else "", actor=actor, before=before, after=after, summary=summary,
        fund_id=fund_id if fund_id is not None else getattr(obj, "fund_id", None)))  # fmt: skip
    db.session.add(entry)
    return entry


def record_audit_row(
    action: str,
    model: type[Any],
    object_id: int,
    *,
    actor: Any | None,
    fund_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> None:
    """The same entry as `record_audit`, for a row an operation wrote with a Core statement (no ORM object to
    name): inserted at once, after the session's pending changes (entries keep the order they were recorded in)."""
    db.session.flush()
    values = entry_values(action, model, str(object_id), actor=actor, before=before, after=after, summary=summary,
                          fund_id=fund_id)  # fmt: skip
    db.session.execute(INSERT_ENTRY, values | {"created_at": clock.now()})


# The entry's insert, built once: the values are its parameters (every member's position or vote writes one, and
# building the statement and its cache key each time cost about as much as running it).
INSERT_ENTRY = sa.insert(cast(sa.Table, AuditEntry.__table__))
