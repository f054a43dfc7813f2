"""`flask send-reminders`: the daily job (cron) that sends the reminders due, each exactly once."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from itertools import groupby

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from fundmgr import clock
from fundmgr.db import db
from fundmgr.deadlines.operations import notification_kind, send_due_reminders
from fundmgr.deadlines.queries import due_reminders
from fundmgr.funds.models import Fund

KIND_ORDER = ("scoring_reminder", "procedure_reminder", "report_due", "report_overdue")


def send_reminders(on: date | None = None) -> tuple[Counter, list[str]]:
    """Send every fund's reminders due today in the fund's time zone (or on the day `on`, to catch up), one
    deadline per transaction; returns the count sent per notification kind and the deadlines that failed (their
    reminders stay unclaimed for the next run)."""
    sent: Counter = Counter()
    failures = []
    for fund_id in db.session.scalars(sa.select(Fund.id).order_by(Fund.id)).all():
        fund = db.session.get(Fund, fund_id)
        day = on or clock.today(fund)
        reminders = due_reminders(fund, day)
        for _key, group in groupby(reminders, key=lambda r: r.deadline.key):
            batch = list(group)
            deadline = batch[0].deadline
            try:
                done = send_due_reminders(batch, day)
                db.session.commit()
            except Exception as exc:  # one deadline's failure must not stop the others' reminders
                db.session.rollback()
                current_app.logger.exception("Reminders of %s not sent", deadline.reference)
                failures.append(f"{deadline.reference}: {exc}")
                continue
            sent[notification_kind(deadline, deadline.days_left(day))] += len(done)
    return sent, failures


@click.command("send-reminders")
@click.option(
    "--today",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if it were this day (YYYY-MM-DD), to test or to catch up; default: today in each fund's time zone.",
)
@with_appcontext
def send_reminders_command(day) -> None:
    """Send the reminders due today for scoring deadlines, written procedures and progress reports.

    Run it daily (cron). Each reminder goes out once: running it twice, or two runs at the same time,
    send nothing twice. A run that missed days sends the latest reminder due, never the earlier ones.
    """
    sent, failures = send_reminders(day.date() if day else None)
    total = sum(sent.values())
    details = ", ".join(f"{kind} {sent[kind]}" for kind in KIND_ORDER if sent[kind])
    on = day.date().isoformat() if day else "today"
    click.echo(f"Reminders for {on}: {total} sent" + (f" ({details})." if details else "."))
    for line in failures:
        click.echo(f"Not sent: {line}", err=True)
    if failures:
        sys.exit(1)
