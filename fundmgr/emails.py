"""E-mail: messages are queued on the database transaction and sent only once it commits.

`queue_message` (or `queue_mail` for a plain-text one) attaches a message to the session's current
transaction. When the transaction commits, its messages are sent; when it rolls back, they are dropped,
and so are those queued inside a savepoint that rolls back. This holds in a request, in a CLI command
(reminders, digests) and in the tests' savepoint-bound sessions alike.

Where messages go:
- with MAIL_SERVER set (from the environment): that SMTP server;
- in tests (TESTING, or MAIL_SUPPRESS_SEND): Flask-Mail records them (`mail.record_messages()`), nothing
  is sent or written;
- otherwise (a local or demo run): each message is written as an .eml file to `instance/outbox/`
  and one line is logged, so a developer can read it; no server is ever contacted.

Every absolute link in a message is built by `absolute_url` from the configured base address
(FUNDMGR_BASE_URL), never from the request: a request's Host header is whatever its sender typed, and a
password-reset link pointing there would hand the token to them.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_mail import Attachment, Message

from fundmgr import clock
from fundmgr.db import db
from fundmgr.extensions import mail

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
MAIL_TRANSPORT = "fundmgr_mail_transport"  # key of app.extensions: a function that queues a message for a worker
QUEUE = "fundmgr_mail_queue"  # key of Session.info: [(message, SessionTransaction), ...]


def base_url() -> str:
    """The address people reach fundmgr at (FUNDMGR_BASE_URL), without a trailing slash; never the request's."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    current_app.logger.warning("FUNDMGR_BASE_URL is not set: e-mail links point to %s", DEFAULT_BASE_URL)
    return DEFAULT_BASE_URL


def absolute_url(endpoint: str, **params: Any) -> str:
    """An absolute link for an e-mail, the same in a request and in a CLI command (FUNDMGR_BASE_URL)."""
    adapter = current_app.url_map.bind("fundmgr.invalid", url_scheme="https")
    return base_url() + adapter.build(endpoint, params)


def queue_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message once the current transaction commits."""
    queue_message(Message(subject=subject, recipients=[to], body=body))


def queue_message(message: Message) -> None:
    """Send a message once the current transaction commits; forget it if the transaction rolls back."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(QUEUE, []).append((message, transaction))


def queued_messages() -> list[Message]:
    """The messages waiting for the current transaction to commit (for tests and diagnostics)."""
    return [message for message, _transaction in db.session().info.get(QUEUE, [])]


def within(transaction: Any, ancestor: Any) -> bool:
    """Whether a session transaction is the ancestor or nested (at any depth) inside it."""
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(so.Session, "after_soft_rollback")
def drop_rolled_back(session: so.Session, previous_transaction: Any) -> None:
    """A rollback (of the whole transaction or of a savepoint) drops what was queued inside it."""
    queue = session.info.get(QUEUE)
    if queue:
        queue[:] = [(m, t) for m, t in queue if not within(t, previous_transaction)]


@sa.event.listens_for(so.Session, "after_commit")
def send_committed(session: so.Session) -> None:
    """The outermost commit sends everything still queued."""
    queue = session.info.pop(QUEUE, None)
    for message, _transaction in queue or []:
        deliver(message)


@sa.event.listens_for(so.Session, "after_transaction_end")
def forget_ended(session: so.Session, transaction: Any) -> None:
    """A transaction that ended without a commit (closed, or discarded with the session) sends nothing."""
    if transaction.parent is None:
        session.info.pop(QUEUE, None)


def deliver(message: Message) -> None:
    """Send one message now: to the SMTP server, Flask-Mail's test recorder, or the development outbox.

    Called after the commit: a failure to send is logged, never raised (the change is saved). With a job queue
    the message goes to the worker instead, which tries again with back-off (fundmgr.jobs.tasks).
    """
    app = current_app
    transport = app.extensions.get(MAIL_TRANSPORT)
    try:
        if transport is not None:
            transport(message)
            return
        if app.config.get("MAIL_SERVER") or app.extensions["mail"].suppress:
            mail.send(message)  # suppressed (tests): recorded only
        else:
            write_to_outbox(message)
    except Exception:
        app.logger.exception("E-mail to %s could not be sent: %s", message.recipients, message.subject)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def write_to_outbox(message: Message) -> Path:
    """Write the message as an .eml file in instance/outbox/ (development without MAIL_SERVER)."""
    if message.sender is None:
        message.sender = current_app.config.get("MAIL_DEFAULT_SENDER")
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    first = (message.recipients or ["nobody"])[0]
    address = first if isinstance(first, str) else first[1]  # a recipient may be given as (name, address)
    recipient = re.sub(r"[^A-Za-z0-9.@_-]", "_", address)[:80]
    path = folder / f"{stamp}-{secrets.token_hex(3)}-{recipient}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.warning("E-mail to %s (no MAIL_SERVER set) written to %s: %s", message.recipients, path,
                               message.subject)  # fmt: skip
    return path


class LazyAttachment(Attachment):
    """An attachment whose bytes are made only when the message is really written or sent.

    A decision letter is a PDF: rendering it for every message would slow every decision, and the tests'
    recorder never reads it. `build` must not touch the database (it runs after the commit).
    """

    def __init__(self, filename: str, content_type: str, build: Any) -> None:
        super().__init__(filename=filename, content_type=content_type, data=b"")
        self._build = build
        self._data: bytes | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self._build()
        return self._data

    @data.setter
    def data(self, value: bytes) -> None:
        self._data = value or None
