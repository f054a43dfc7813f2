"""In-app notifications, and each user's choice of channel per kind of notification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base


class Channel(TitledEnum):
    """How a user hears of one kind of notification. Every channel also shows it in the app (the bell)."""

    email = "email"  # an e-mail at once
    in_app = "in_app"  # in the app only
    digest = "digest"  # in the app, and listed in one e-mail a day (`flask send-digests`)


CHANNEL_TITLES = {
    Channel.email: _l("E-mail at once"),
    Channel.in_app: _l("In the app only"),
    Channel.digest: _l("Daily digest"),
}
Channel.set_titles(CHANNEL_TITLES)


class Notification(Base):
    """One thing a user was told: its title in the user's language, the page it is about, read or not.

    `channel` is what the user's preference was when it was sent: e-mailed at once (`emailed_at`),
    in the app only, or waiting for the daily digest (`digested_at` empty until a digest listed it).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_digest", "channel", "digested_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    # The page it is about, kept as an endpoint and its arguments so links survive a change of host.
    link_endpoint: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    link_params: so.Mapped[dict[str, Any] | None]
    # Repeats of the same event (e.g. a meeting's agenda growing) refresh one unread notification.
    key: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    channel: so.Mapped[Channel]
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, index=True)
    read_at: so.Mapped[datetime | None]
    emailed_at: so.Mapped[datetime | None]
    digested_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])
    actor: so.Mapped[User | None] = so.relationship(foreign_keys=[actor_id])

    audit_type = "notification"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def can_open(self, user: Any) -> bool:
        """A notification is its recipient's alone."""
        return bool(user.is_authenticated and user.id == self.user_id)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"


class NotificationPreference(Base):
    """A user's channel for one kind of notification; without a row, the kind's default applies."""

    __tablename__ = "notification_preferences"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    channel: so.Mapped[Channel]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)
