"""Server-side sessions: each sign-in is a row, and the browser's session carries its random key.

A request is signed in only while its row is live: not ended (sign-out, a password change or reset, an
administrator) and seen within PERMANENT_SESSION_LIFETIME. So a session cookie copied before sign-out
stops working at sign-out, whoever holds it. The row keeps a hash of the key, never the key: reading the
table gives no one a session. A request notes when the session was last seen at most every TOUCH_EVERY (and only
then sends the session cookie again, with its expiry moved on), so most requests write nothing and send no cookie.

The writes people ask for (sign-in, sign-out, ending someone's sessions) are operations in
`fundmgr.accounts.operations`, which audit them; this module holds the table and the queries.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, session

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import Base, db

SESSION_KEY = "sid"  # the key of the Flask session holding the server session's key
TOUCH_EVERY = timedelta(minutes=5)


class UserSession(Base):
    """One sign-in of a user, live until ended or idle for longer than the session lifetime."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # sha256 of the key the browser holds
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    ended_at: so.Mapped[datetime | None]
    end_reason: so.Mapped[str | None] = so.mapped_column(sa.String(40))  # signed_out, password_changed...

    user: so.Mapped[User] = so.relationship()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User) -> str:
    """Open a server session for the user; returns its key, for the browser's session only."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, key_hash=key_hash(key)))
    db.session.flush()
    return key


def idle_cutoff() -> datetime:
    return clock.now() - current_app.config["PERMANENT_SESSION_LIFETIME"]


# What other packages add to the signed-in user's query (each a function giving loader options on User, built once
# the mappers are configured; its argument `lean`, see below): what every signed-in request reads with the user
# (`fundmgr.funds` adds the person's roles and their funds), read in the same statement as the session row.
SIGNED_IN_LOADING: list[Callable[[bool], Any]] = []
# lean -> (how many of SIGNED_IN_LOADING they were built from, the options)
_signed_in_options: dict[bool, tuple[int, list[Any]]] = {}


def options_current(lean: bool) -> bool:
    """Whether the options built for `lean` include every package's (one may register after the first request)."""
    return lean in _signed_in_options and _signed_in_options[lean][0] == len(SIGNED_IN_LOADING)


def signed_in_options(lean: bool = False) -> list[Any]:
    """The loader options of SIGNED_IN_LOADING, built on first use (the backrefs they name exist only then).

    `lean`: for a view that reads of the person only who they are and which roles they hold on which fund (a
    member's position or vote, the 50 members of a committee sending theirs at the same moment): the person's
    organization is not joined in (`User.organization` is read when asked), and of each fund only its code and
    decision rule (the rest when asked). Reading the whole fund (33 columns, ten of them JSON to decode) and the
    organization's names cost about a fifth of a millisecond of each answer's CPU."""
    if not options_current(lean):
        so.configure_mappers()  # a server's first request may be a signed-in one: the backrefs exist from here
        lean_user = [so.lazyload(User.organization)] if lean else []
        _signed_in_options[lean] = (len(SIGNED_IN_LOADING), lean_user + [make(lean) for make in SIGNED_IN_LOADING])
    return _signed_in_options[lean][1]


_live_session_query: dict[bool, sa.Select[Any]] = {}


def live_session_query(lean: bool = False) -> sa.Select[Any]:
    """The user's live session a key opens, with its user (and what SIGNED_IN_LOADING adds), in one statement; its
    parameters are `key_hash`, `user_id`, `idle_cutoff` and `stale_before`. Built once per process (and per
    `lean`, see `signed_in_options`), with SIGNED_IN_LOADING's options: every signed-in request runs it, and
    building it and its cache key cost about as much as running it."""
    if lean not in _live_session_query or not options_current(lean):
        _live_session_query[lean] = (
            sa.select(UserSession, User, (UserSession.last_seen_at < sa.bindparam("stale_before")).label("stale"))
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.key_hash == sa.bindparam("key_hash"),
                UserSession.user_id == sa.bindparam("user_id"),
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at >= sa.bindparam("idle_cutoff"),
            )
            .options(*signed_in_options(lean))
        )
    return _live_session_query[lean]


def signed_in_user(user_id: int, key: str | None, *, lean: bool = False) -> tuple[User, UserSession] | None:
    """The user whose live session this key opens, and the session, or None; notes the session as seen if it was
    not for a while. One statement reads the session row, its user and what every signed-in request asks of them
    (their organization, their roles; `lean`: see `signed_in_options`): every signed-in request pays for it, a JSON
    poll as much as a page."""
    if not key or not isinstance(key, str):
        return None
    now = clock.now()
    parameters = {"key_hash": key_hash(key), "user_id": user_id, "idle_cutoff": idle_cutoff(),
                  "stale_before": now - TOUCH_EVERY}  # fmt: skip
    row = db.session.execute(live_session_query(lean), parameters).unique().first()
    if row is None:
        return None
    if row.stale:
        row.UserSession.last_seen_at = now  # saved with the request's commit
        session.modified = True  # and the cookie sent again: it lives as long as the server session from now
    return row.User, row.UserSession


def current_session() -> UserSession | None:
    """The request's server session (set when the signed-in user was loaded), or None."""
    return g.get("user_session")


def end_sessions(user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of the user but `keep`; returns how many ended."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=clock.now(), end_reason=reason), execution_options={"synchronize_session": False}
    )
    return result.rowcount


def end_session(user_session: UserSession, reason: str) -> None:
    """End one session (sign-out)."""
    if user_session.ended_at is None:
        user_session.ended_at = clock.now()
        user_session.end_reason = reason
    session.pop(SESSION_KEY, None)


def live_session_counts(user_ids: list[int]) -> dict[int, int]:
    """How many live sessions each of these users has (the administrator's Users page)."""
    rows = db.session.execute(
        sa.select(UserSession.user_id, sa.func.count())
        .where(
            UserSession.user_id.in_(user_ids),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= idle_cutoff(),
        )
        .group_by(UserSession.user_id)
    )
    return dict(rows.tuples().all())
