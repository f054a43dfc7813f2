"""The audit log, for the FMU and administrators: filter, read before/after, export."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.funds.queries import current_fund
from fundmgr.lists import Column, Filter, ListSpec, is_db_int
from fundmgr.web import FundView, add_view, db_int


def actor_text(entry: AuditEntry) -> str:
    return entry.actor.email if entry.actor else _("System")


def actor_name() -> tuple[Any, ...]:
    return (sa.select(User.name).where(User.id == AuditEntry.actor_id).scalar_subquery(),)


# The audit log: newest first; its export holds each entry's before and after.
AUDIT_LOG = ListSpec(
    name="audit",
    columns=(
        Column("time", _l("Time (UTC)"), (AuditEntry.created_at,), lambda e: e.created_at.replace(tzinfo=None),
               first="desc"),
        Column("actor", _l("Actor"), actor_name, actor_text),
        Column("action", _l("Action"), (AuditEntry.action,), lambda e: e.action),
        Column("object", _l("Object"), (AuditEntry.object_type, AuditEntry.object_id), lambda e: e.object_type),
        Column("object_id", _l("Object id"), value=lambda e: e.object_id, shown=False),
        Column("summary", _l("Summary"), value=lambda e: e.summary, shown=False),
        Column("changes", _l("Changes"), exported=False),
        Column("before", _l("Before"), value=lambda e: str(e.before or ""), shown=False),
        Column("after", _l("After"), value=lambda e: str(e.after or ""), shown=False),
    ),
    default_sort="time",
    tiebreak=(AuditEntry.id,),
    search=(AuditEntry.action, AuditEntry.summary, AuditEntry.object_type, AuditEntry.object_id),
    search_label=_l("Words in the action, summary or object"),
    filters=(
        Filter("object_type", _l("Object"), lambda q, v, _c: q.where(AuditEntry.object_type == v), maxlength=40),
        Filter("object_id", _l("Object id"), lambda q, v, _c: q.where(AuditEntry.object_id == v), maxlength=40),
        Filter("action", _l("Action starts with"), lambda q, v, _c: q.where(AuditEntry.action.startswith(v)),
               maxlength=80),
        Filter("actor", _l("Actor (user id)"), lambda q, v, _c: q.where(AuditEntry.actor_id == db_int(v)),
               valid=is_db_int),
    ),
)  # fmt: skip


def readable_entries() -> sa.Select:
    """The entries the user may read: an administrator all, the FMU its own fund's and the installation's."""
    query = sa.select(AuditEntry)
    if not current_user.is_admin:  # the FMU reads its own fund's history, never another fund's
        fund = current_fund()
        query = query.where(sa.or_(AuditEntry.fund_id.is_(None), AuditEntry.fund_id == getattr(fund, "id", None)))
    return query


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """The fields an entry changed: (name, before, after)."""
    before, after = entry.before or {}, entry.after or {}
    return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]


class AuditLogView(FundView):
    """Browse the audit log, optionally for one object."""

    roles = (Role.fmu, Role.admin)

    def process(self) -> ResponseReturnValue:
        return render_template("audit/log.html", listing=AUDIT_LOG.listing(readable_entries()), changes=changes)


class AuditExportView(FundView):
    """Download the filtered audit log as CSV or Excel."""

    roles = (Role.fmu, Role.admin)

    def load(self, kind: str) -> None:
        self.kind = kind

    def process(self) -> ResponseReturnValue:
        return AUDIT_LOG.listing(readable_entries()).download(self.kind, "audit-log", _("Audit log"))


bp = Blueprint("audit", __name__, url_prefix="/audit")
add_view(bp, "/", AuditLogView, "log")
add_view(bp, "/export.<any(csv, xlsx):kind>", AuditExportView, "export", heavy=True)
