"""What people were told: the e-mails of the outbox and the notifications in the app."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_mail import Message

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.notifications.mail import KIND_HEADER
from fundmgr.notifications.models import Notification


def kind_of(message: Message) -> str | None:
    """The kind of notification an e-mail carries (its header)."""
    return message.extra_headers.get(KIND_HEADER) if message.extra_headers else None


def sent_to(outbox: list[Message], user: User, kind: str | None = None) -> list[Message]:
    """The e-mails a user received (of a kind of notification)."""
    return [m for m in outbox if m.recipients == [user.email] and (kind is None or kind_of(m) == kind)]


def notifications_of(user: User, kind: str | None = None) -> list[Notification]:
    """A user's notifications in the app (of a kind), oldest first."""
    query = sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def told(cast: Any, outbox: list[Message], kind: str) -> set[str]:
    """The names (fields of a `Cast`) of those who received an e-mail of the kind."""
    return {name for name in cast.__dataclass_fields__ if sent_to(outbox, getattr(cast, name), kind)}


def in_app(cast: Any, kind: str) -> set[str]:
    """The names (fields of a `Cast`) of those who have an in-app notification of the kind."""
    return {name for name in cast.__dataclass_fields__ if notifications_of(getattr(cast, name), kind)}
