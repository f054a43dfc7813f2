"""Writes of notifications: telling people (notify), reading, preferences, the daily digest.

`notify` is the one way to tell users something; see the package docstring (fundmgr.notifications)
for its use. It runs inside the caller's transaction: its notifications and e-mails exist only if
that transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.emails import queue_message
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.notifications.kinds import KINDS, get_kind, kinds_for
from fundmgr.notifications.mail import absolute_url, build_message, render_email, render_subject
from fundmgr.notifications.models import Channel, Notification, NotificationPreference

Link = tuple[str, Mapping[str, Any]]
Attachments = Callable[[User], Sequence[Any]]

_paused: ContextVar[bool] = ContextVar("fundmgr_notifications_paused", default=False)
_in_app_only: ContextVar[bool] = ContextVar("fundmgr_notifications_in_app_only", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """Send nothing within (e.g. while seeding demo data): notify() returns at once."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@contextmanager
def in_app_only() -> Iterator[None]:
    """Within, notifications go to the bell only, whatever each user chose: no e-mail, no digest (demo data)."""
    token = _in_app_only.set(True)
    try:
        yield
    finally:
        _in_app_only.reset(token)


def language_of(user: User) -> str:
    """The language a user reads their notifications in: theirs, else the fund's default."""
    languages = current_app.config["LANGUAGES"]
    if user.locale and user.locale in languages:
        return user.locale
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def audience(
    kind: str,
    recipients: Iterable[User | None],
    *,
    actor: User | None,
    include_actor: bool,
    visible_to: Callable[[User], bool] | None,
) -> list[User]:
    """Who is really told: active accounts whose role receives the kind, each once, who may see the object,
    not the actor (unless asked), in a stable order."""
    spec = get_kind(kind)
    people: dict[int, User] = {}
    for user in recipients:
        if user is None or user.id in people or not user.is_active or not spec.applies_to(user):
            continue
        if actor is not None and user.id == actor.id and not include_actor:
            continue
        if visible_to is not None and not visible_to(user):
            continue
        people[user.id] = user
    return sorted(people.values(), key=lambda u: u.id)


def channels_of(users: Sequence[User], kind: str) -> dict[int, Channel]:
    """Each user's channel for a kind: their preference, else the kind's default (one query)."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.user_id, NotificationPreference.channel).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_([u.id for u in users])
            )
        )
        .tuples()
        .all()
    )
    default = get_kind(kind).default
    return {user.id: chosen.get(user.id, default) for user in users}


def unread_with_key(users: Sequence[User], kind: str, key: str | None) -> dict[int, Notification]:
    if key is None:
        return {}
    rows = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id.in_([u.id for u in users]),
            Notification.kind == kind,
            Notification.key == key,
            Notification.read_at.is_(None),
        )
    )
    return {n.user_id: n for n in rows}


def notify(
    kind: str,
    recipients: Iterable[User | None],
    *,
    link: Link | None = None,
    context: Mapping[str, Any] | None = None,
    actor: User | None = None,
    visible_to: Callable[[User], bool] | None = None,
    attachments: Attachments | None = None,
    include_actor: bool = False,
    key: str | None = None,
) -> list[Notification]:
    """Tell each recipient about something, in their language, by the channel they chose for the kind.

    Every recipient gets an in-app notification (the bell); those whose channel is e-mail also get an
    e-mail, sent once the current transaction commits (never if it rolls back); those on the daily
    digest get it in their next digest. Skipped: inactive accounts, roles the kind is not for, users for
    whom `visible_to(user)` is false, and the actor (unless include_actor). A `key` makes a repeat of the
    same event refresh the recipient's unread notification instead of sending another one. Returns the
    notifications created or refreshed. See the package docstring for an example.
    """
    if _paused.get():
        return []
    people = audience(kind, recipients, actor=actor, include_actor=include_actor, visible_to=visible_to)
    if not people:
        return []
    context = dict(context or {})
    endpoint, params = (link[0], dict(link[1])) if link else (None, None)
    url = absolute_url(endpoint, **(params or {})) if endpoint else None
    channels = channels_of(people, kind)
    repeats = unread_with_key(people, kind, key)
    now = clock.now()
    notifications = []
    for user in people:
        channel = Channel.in_app if _in_app_only.get() else channels[user.id]
        with force_locale(language_of(user)):
            existing = repeats.get(user.id)
            if existing is not None:
                existing.title = render_subject(kind, user, url, context)[:300]
                existing.created_at = now
                existing.link_endpoint, existing.link_params = endpoint, params
                if existing.channel is Channel.digest:
                    existing.digested_at = None  # the next digest lists it again, as it now stands
                notifications.append(existing)
                continue
            notification = Notification(
                user_id=user.id,
                kind=kind,
                link_endpoint=endpoint,
                link_params=params,
                key=key,
                channel=channel,
                actor_id=actor.id if actor is not None else None,
                created_at=now,
            )
            if channel is Channel.email:
                email = render_email(kind, user, url, context)
                queue_message(build_message(kind, user, email, list(attachments(user)) if attachments else None))
                notification.title = email.subject[:300]
                notification.emailed_at = now
            else:
                notification.title = render_subject(kind, user, url, context)[:300]
        db.session.add(notification)
        notifications.append(notification)
    db.session.flush()
    return notifications


# --- Reading ------------------------------------------------------------------------------------------


def mark_read(notification: Notification, *, actor: User) -> None:
    """The recipient opens a notification: it is read from then on."""
    if not notification.can_open(actor):
        raise NotAllowed(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()
        record_audit("notification.read", notification, actor=actor, after={"kind": notification.kind})


def mark_all_read(user: User, *, actor: User) -> int:
    """Mark every unread notification of the user read; returns how many were unread."""
    if actor.id != user.id:
        raise NotAllowed(_("This notification is not yours."))
    # an UPDATE answers a CursorResult (its rowcount), which Session.execute's signature does not say
    result = cast(
        "sa.CursorResult[Any]",
        db.session.execute(
            sa.update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
            .execution_options(synchronize_session=False)
        ),
    )
    count = result.rowcount or 0
    if count:
        record_audit("notification.all_read", user, actor=actor, after={"read": count})
    return count


# --- Preferences ----------------------------------------------------------------------------------------


def preferences_of(user: User) -> dict[str, Channel]:
    """The user's channel for every kind they may receive (their choice, else the default)."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        )
        .tuples()
        .all()
    )
    return {kind.code: chosen.get(kind.code, kind.default) for kind in kinds_for(user)}


def set_preferences(user: User, choices: Mapping[str, Channel | str], *, actor: User) -> dict[str, Channel]:
    """Save the user's channel per kind (only kinds their role receives); returns what changed."""
    if actor.id != user.id:
        raise NotAllowed(_("People choose their own notifications."))
    allowed = {kind.code for kind in kinds_for(user)}
    unknown = [code for code in choices if code not in allowed]
    problems = [_("Unknown kind of notification: %(kind)s.", kind=code[:40]) for code in unknown]
    problems += [_("Unknown channel.") for channel in choices.values() if not isinstance(channel, Channel)][:1]
    if problems:
        raise ValidationFailed(problems)
    current = preferences_of(user)
    changed = {
        code: channel
        for code, channel in choices.items()
        if isinstance(channel, Channel) and current[code] is not channel  # all are, once checked above
    }
    if not changed:
        return {}
    rows = {
        p.kind: p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.kind.in_(list(changed))
            )
        )
    }
    for code, channel in changed.items():
        if code in rows:
            rows[code].channel = channel
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=code, channel=channel))
    db.session.flush()
    record_audit(
        "notification.preferences_changed",
        user,
        actor=actor,
        before={code: current[code] for code in changed},
        after=changed,
    )
    return changed


# --- The daily digest --------------------------------------------------------------------------------


def users_with_digest() -> list[int]:
    """Ids of the users with notifications waiting for their digest."""
    return list(
        db.session.scalars(
            sa.select(Notification.user_id)
            .where(Notification.channel == Channel.digest, Notification.digested_at.is_(None))
            .distinct()
            .order_by(Notification.user_id)
        )
    )


def claim_digest(user_id: int) -> list[int]:
    """Mark the user's waiting digest items as digested, atomically, and return their ids.

    One UPDATE ... RETURNING: on PostgreSQL a second run claiming at the same time waits for the row
    locks of the first, then finds the rows digested and claims nothing; each item is listed once.
    """
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.channel == Channel.digest,
            Notification.digested_at.is_(None),
        )
        .values(digested_at=clock.now())
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def send_digest(user_id: int) -> int:
    """Claim the user's waiting items and e-mail them one digest (unread ones only); returns the items listed.

    The caller commits: the e-mail leaves with the commit that marks the items digested.
    """
    claimed = claim_digest(user_id)
    if not claimed:
        return 0
    user = db.session.get(User, user_id)
    items = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.id.in_(claimed), Notification.read_at.is_(None))
            .order_by(Notification.created_at, Notification.id)
        )
    )
    if user is None or not user.is_active or not items:
        return 0
    with force_locale(language_of(user)):
        context = {"items": [(item, item_url(item)) for item in items], "kinds": KINDS}
        email = render_email("digest", user, absolute_url("notifications.list"), context)
        queue_message(build_message("digest", user, email))
    return len(items)


def item_url(notification: Notification) -> str | None:
    """A notification's absolute link (None when its page no longer exists)."""
    if not notification.link_endpoint:
        return None
    try:
        return absolute_url(notification.link_endpoint, **(notification.link_params or {}))
    except Exception:  # a renamed route must not stop a digest
        return None


def send_digests() -> tuple[int, int]:
    """Send every waiting digest, one user per transaction; returns (digests sent, items listed)."""
    sent = listed = 0
    for user_id in users_with_digest():
        count = send_digest(user_id)
        db.session.commit()
        if count:
            sent, listed = sent + 1, listed + count
    return sent, listed
