"""The audit log, for the FMU and administrators: filter, read before/after, export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.exports import Sheet, csv_bytes, download, xlsx_bytes
from fundmgr.funds.queries import current_fund
from fundmgr.web import FundView, add_view, db_int, paginate

EXPORT_LIMIT = 50_000


def filtered_entries() -> sa.Select:
    """Entries matching the request's filters (object, action, actor), newest first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if not current_user.is_admin:  # the FMU reads its own fund's history, never another fund's
        fund = current_fund()
        query = query.where(sa.or_(AuditEntry.fund_id.is_(None), AuditEntry.fund_id == getattr(fund, "id", None)))
    args = request.args
    if args.get("object_type"):
        query = query.where(AuditEntry.object_type == args["object_type"])
    if args.get("object_id"):
        query = query.where(AuditEntry.object_id == args["object_id"])
    if args.get("action"):
        query = query.where(AuditEntry.action.startswith(args["action"]))
    actor = args.get("actor", type=db_int)
    if actor is not None:
        query = query.where(AuditEntry.actor_id == actor)
    return query


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """The fields an entry changed: (name, before, after)."""
    before, after = entry.before or {}, entry.after or {}
    return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]


class AuditLogView(FundView):
    """Browse the audit log, optionally for one object."""

    roles = (Role.fmu, Role.admin)

    def process(self) -> ResponseReturnValue:
        page = paginate(filtered_entries())
        return render_template("audit/log.html", page=page, changes=changes)


class AuditExportView(FundView):
    """Download the filtered audit log as CSV or Excel."""

    roles = (Role.fmu, Role.admin)

    def load(self, kind: str) -> None:
        self.kind = kind

    def process(self) -> ResponseReturnValue:
        entries = db.session.scalars(filtered_entries().limit(EXPORT_LIMIT))
        header = [_("Time (UTC)"), _("Actor"), _("Action"), _("Object"), _("Object id"), _("Summary"),
                  _("Before"), _("After")]  # fmt: skip
        rows = [
            [e.created_at.replace(tzinfo=None), e.actor.email if e.actor else _("System"), e.action, e.object_type,
             e.object_id, e.summary, str(e.before or ""), str(e.after or "")]
            for e in entries
        ]  # fmt: skip
        if self.kind == "csv":
            return download(csv_bytes(header, rows), "audit-log.csv", "csv")
        return download(xlsx_bytes([Sheet(_("Audit log"), header, rows)]), "audit-log.xlsx", "xlsx")


bp = Blueprint("audit", __name__, url_prefix="/audit")
add_view(bp, "/", AuditLogView, "log")
add_view(bp, "/export.<any(csv, xlsx):kind>", AuditExportView, "export", heavy=True)
