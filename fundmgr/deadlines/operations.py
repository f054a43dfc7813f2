"""Writes of deadlines: reminders claimed (each scheduled one exactly once), delivered and audited.

Delivery goes through fundmgr.notifications.notify: the in-app notification, and the e-mail (in the
recipient's language, after the commit) or the digest, as the recipient chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.deadlines.models import DeadlineKind, ReminderSent
from fundmgr.deadlines.queries import Deadline, DueReminder
from fundmgr.errors import InvalidTransition
from fundmgr.funds.rights import require_fund_manager
from fundmgr.notifications import notify

# "Send a reminder now" skips whoever was reminded less than this long ago (a double click sends one).
RESEND_AFTER = timedelta(hours=1)
UNIQUE_KEY = ["kind", "object_id", "recipient_id", "due_on", "offset_days"]


def notification_kind(deadline: Deadline, days_left: int) -> str:
    """The notification kind of a reminder: a report past its due date is overdue, else due."""
    if deadline.kind is DeadlineKind.scoring:
        return "scoring_reminder"
    if deadline.kind is DeadlineKind.procedure:
        return "procedure_reminder"
    if deadline.kind is DeadlineKind.financial:
        return "financial_report_due"
    return "report_overdue" if days_left < 0 else "report_due"


def claim_reminder(deadline: Deadline, recipient: User, offset: int) -> bool:
    """Claim a scheduled reminder: insert its row unless it exists. True when this transaction claimed it.

    INSERT ... ON CONFLICT DO NOTHING on the unique key: a concurrent transaction inserting the same key
    waits for this one and then inserts nothing (PostgreSQL); SQLite serializes writers. The claim commits
    with the notification it goes with, or neither does.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReminderSent)
        .values(
            fund_id=deadline.fund_id,
            kind=deadline.kind,
            object_id=deadline.object_id,
            recipient_id=recipient.id,
            due_on=deadline.due_on,
            offset_days=offset,
            sent_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=UNIQUE_KEY)
        .returning(ReminderSent.id)
    )
    return db.session.execute(statement).scalar() is not None


def deliver(deadline: Deadline, recipients: Sequence[User], today: date, *, actor: User | None) -> None:
    """Tell the recipients: in the app, and by e-mail or in their digest, each in their language."""
    if not recipients:
        return
    days_left = deadline.days_left(today)
    notify(
        notification_kind(deadline, days_left),
        recipients,
        link=deadline.action(),
        context=reminder_context(deadline, days_left),
        actor=actor,
        visible_to=deadline.may_see if deadline.kind in (DeadlineKind.scoring, DeadlineKind.procedure) else None,
    )


def reminder_context(deadline: Deadline, days_left: int) -> dict[str, Any]:
    """What the reminder's templates say: what is due (proposal, version, procedure or period), by when, and
    how many days are left (`days_left`, negative once past; `days_late`), and the fund's time zone, where the
    deadline day ends."""
    kind, subject = deadline.kind, deadline.subject
    return {
        "proposal": deadline.proposal,
        "version": subject if kind is DeadlineKind.scoring else None,
        "procedure": subject if kind is DeadlineKind.procedure else None,
        "period": subject if kind is DeadlineKind.report else None,
        "financial": subject if kind is DeadlineKind.financial else None,
        "due_on": deadline.due_on,
        "days_left": days_left,
        "days_late": max(0, -days_left),
        "time_zone": deadline.fund.time_zone,
    }


def audit_reminders(deadline: Deadline, action: str, recipients: Sequence[User], offset: int | None,
                    *, actor: User | None) -> None:  # fmt: skip
    """One audit entry per deadline and sending, on the object the deadline is about."""
    target = (
        deadline.proposal
        if deadline.kind is DeadlineKind.scoring
        else deadline.subject.allocation
        if deadline.kind is DeadlineKind.financial
        else deadline.subject
    )
    when = _offset_label(offset)
    record_audit(
        action,
        target,
        actor=actor,
        after={"kind": deadline.kind, "due_on": deadline.due_on, "offset_days": offset,
               "recipients": sorted(u.id for u in recipients)},
        fund_id=deadline.fund_id,
        summary=f"{deadline.reference}: {deadline.kind.value} due {deadline.due_on.isoformat()}, {when}, "
        f"{len(recipients)} reminded",
    )  # fmt: skip


def _offset_label(offset: int | None) -> str:
    if offset is None:
        return "sent by hand"
    if offset < 0:
        return "overdue"
    return "due today" if offset == 0 else f"{offset} days before"


def send_due_reminders(reminders: Sequence[DueReminder], today: date) -> list[DueReminder]:
    """Send scheduled reminders of one deadline (as the system): each claimed first, sent only if this run claimed
    it; returns those sent. The caller commits, so each claim is committed with its notification."""
    if not reminders:
        return []
    deadline = reminders[0].deadline
    sent = []
    for reminder in sorted(reminders, key=lambda r: r.recipient.id):  # one order in every run: no deadlock
        if reminder.deadline is not deadline:
            raise ValueError("send_due_reminders takes the reminders of one deadline")
        if claim_reminder(deadline, reminder.recipient, reminder.offset):
            sent.append(reminder)
    deliver(deadline, [r.recipient for r in sent], today, actor=None)
    if sent:
        audit_reminders(deadline, "reminder.sent", [r.recipient for r in sent], sent[0].offset, actor=None)
    db.session.flush()
    return sent


def remind_now(deadline: Deadline, *, actor: User | None) -> list[User]:
    """The FMU reminds, now, everyone who has not done their part before the deadline (not those reminded in the
    last hour). Recorded and audited; scheduled reminders still follow."""
    require_fund_manager(actor, deadline.fund)
    today = clock.today(deadline.fund)
    if deadline.is_closed(today):
        raise InvalidTransition(
            _("This deadline (%(date)s) has passed: nobody can act on it any more. Set a new deadline first.",
              date=deadline.due_on.isoformat())
        )  # fmt: skip
    if deadline.complete or not deadline.waiting:
        raise InvalidTransition(_("Nobody has a part left to do before this deadline."))
    recent = set(
        db.session.scalars(
            sa.select(ReminderSent.recipient_id).where(
                ReminderSent.kind == deadline.kind,
                ReminderSent.object_id == deadline.object_id,
                ReminderSent.due_on == deadline.due_on,
                ReminderSent.sent_at > clock.now() - RESEND_AFTER,
            )
        )
    )
    recipients = [p.user for p in deadline.waiting if p.user.id not in recent]
    if not recipients:
        raise InvalidTransition(_("Everyone who has not done their part was reminded less than an hour ago."))
    for recipient in recipients:
        row = ReminderSent(fund_id=deadline.fund_id, kind=deadline.kind, object_id=deadline.object_id,
                           recipient_id=recipient.id, due_on=deadline.due_on, offset_days=None)  # fmt: skip
        row.sent_by_id = actor.id if actor is not None else None
        db.session.add(row)
    db.session.flush()
    deliver(deadline, recipients, today, actor=actor)
    audit_reminders(deadline, "reminder.sent_now", recipients, None, actor=actor)
    return recipients
