"""Jobs that are not documents: e-mail sending with retries, and the daily commands as periodic jobs.

E-mail: with a queue, a message committed by a request is sent by the worker (`send_email`), tried again after
each of MAIL_RETRY_INTERVALS (back-off) and then left failed in RQ's failed registry, logged. Without a queue it is
sent at once, as before (fundmgr.emails). Periodic: `flask --app fundmgr cron` runs RQ's cron scheduler, which
queues the daily commands (PERIODIC) for the worker; without a queue, cron calls the same commands (README).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_mail import Message

from fundmgr.emails import MAIL_TRANSPORT, write_to_outbox
from fundmgr.extensions import mail
from fundmgr.jobs.runner import queue

# (command path, cron schedule in UTC): the same commands a crontab would call.
PERIODIC = (
    (("send-reminders",), "0 6 * * *"),
    (("send-digests",), "0 7 * * *"),
    (("steering", "close-written-procedures"), "5 * * * *"),
    (("prune-documents",), "30 5 * * *"),
)


def install_mail_transport(app: Flask) -> None:
    """With a queue (and real sending), committed e-mails go to the worker instead of being sent in the request."""
    if app.config.get("QUEUE_URL") and not app.extensions["mail"].suppress:
        app.extensions[MAIL_TRANSPORT] = enqueue_email


def enqueue_email(message: Message) -> Any:
    """Queue one message for the worker, with retries after MAIL_RETRY_INTERVALS."""
    from rq import Retry

    intervals = list(current_app.config["MAIL_RETRY_INTERVALS"])
    sender = message.sender or current_app.config.get("MAIL_DEFAULT_SENDER")
    message.sender = sender
    recipients = [r if isinstance(r, str) else r[1] for r in message.send_to]
    return queue().enqueue(
        send_email, sender, recipients, message.as_bytes(), retry=Retry(max=len(intervals), interval=intervals)
    )


def send_email(sender: str, recipients: list[str], raw: bytes) -> None:
    """Send one message (as its bytes) through MAIL_SERVER, or to the outbox without one; an error is retried."""
    if current_app.config.get("MAIL_SERVER"):
        with mail.connect() as connection:
            connection.host.sendmail(sender, recipients, raw)
        return
    message = Message(sender=sender, recipients=recipients)
    message.as_bytes = lambda: raw  # type: ignore[method-assign]
    write_to_outbox(message)


def run_command(path: list[str]) -> None:
    """Run a `flask` command of the app (a periodic job), as cron would."""
    command: Any = current_app.cli
    for name in path:
        command = command.get_command(None, name)
    command.main(args=[], standalone_mode=False)


def register_periodic(scheduler: Any) -> None:
    """Give RQ's cron scheduler the daily commands."""
    for path, schedule in PERIODIC:
        scheduler.register(
            run_command, current_app.config["QUEUE_NAME"], args=(list(path),), cron=schedule, name=" ".join(path)
        )
