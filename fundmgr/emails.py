"""E-mail: messages are queued during a request and sent only after its transaction commits.

Without a configured MAIL_SERVER (a local or demo run) messages are written to the log
instead, so a password-reset link can still be followed.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context
from flask_mail import Message

from fundmgr.extensions import mail


def queue_mail(to: str, subject: str, body: str) -> None:
    """Send a message once the current request's changes are committed (at once outside a request)."""
    message = Message(subject=subject, recipients=[to], body=body)
    if has_request_context():
        g.setdefault("mail_queue", []).append(message)
    else:
        deliver(message)


def send_queued() -> None:
    """Deliver what the request queued; called after a successful commit."""
    for message in g.pop("mail_queue", []):
        deliver(message)


def discard_queued() -> None:
    """Forget what the request queued; called when its transaction rolls back."""
    g.pop("mail_queue", None)


def deliver(message: Message) -> None:
    if current_app.config.get("MAIL_SERVER") or current_app.testing:
        mail.send(message)
    else:
        current_app.logger.warning(
            "E-mail to %s (no MAIL_SERVER set): %s\n%s", message.recipients, message.subject, message.body
        )
