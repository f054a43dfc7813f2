"""The record of reminders sent: one row per reminder and person, the scheduled ones unique."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base


class DeadlineKind(TitledEnum):
    """What a deadline is for."""

    scoring = "scoring"
    procedure = "procedure"
    report = "report"
    # each organization's certified annual expenditure, and its certified final financial statements
    financial = "financial"


KIND_TITLES = {
    DeadlineKind.scoring: _l("Scoring"),
    DeadlineKind.procedure: _l("Written procedures"),
    DeadlineKind.report: _l("Progress reports"),
    DeadlineKind.financial: _l("Financial reports"),
}
DeadlineKind.set_titles(KIND_TITLES)
# The last reminder's offset (days before the deadline): the deadline day itself for scoring and written
# procedures (they close at its end), the day after it (overdue) for progress reports.
LAST_OFFSET = {DeadlineKind.scoring: 0, DeadlineKind.procedure: 0, DeadlineKind.report: -1, DeadlineKind.financial: -1}
# The kinds with their own section (and "send a reminder now") on the deadlines page; financial reports are listed
# in the page's table of the reporting calendar and reminded by `flask send-reminders`.
PAGE_KINDS = (DeadlineKind.scoring, DeadlineKind.procedure, DeadlineKind.report)


class ReminderSent(Base):
    """A reminder sent to one person about one deadline.

    Scheduled reminders carry their offset (days before the deadline, -1 the day after it) and are unique
    per (kind, object, recipient, due date, offset): claiming one is inserting its row, so a reminder is sent
    once however many runs overlap. Reminders the FMU sends by hand have no offset (NULLs never collide),
    so they are all recorded and never stand in for a scheduled one.
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id", "recipient_id", "due_on", "offset_days"),
        sa.Index("ix_reminders_sent_deadline", "kind", "object_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    kind: so.Mapped[DeadlineKind]
    # The proposal version (scoring), written procedure or reporting period the deadline belongs to; for financial
    # reports, the organization's first allocation of the programme (the due date tells the year and the report).
    object_id: so.Mapped[int]
    recipient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_on: so.Mapped[date]
    offset_days: so.Mapped[int | None]
    sent_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    # Who sent it by hand; None for the scheduled reminders of `flask send-reminders`.
    sent_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    recipient: so.Mapped[User] = so.relationship(foreign_keys=[recipient_id])
    sent_by: so.Mapped[User | None] = so.relationship(foreign_keys=[sent_by_id])

    audit_type = "reminder"

    @property
    def is_manual(self) -> bool:
        return self.offset_days is None

    def __repr__(self) -> str:
        return f"<ReminderSent {self.kind.value} {self.object_id} -> {self.recipient_id} {self.offset_days}>"
