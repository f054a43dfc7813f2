"""Writes to accounts: creating users, signing in, passwords, preferences, API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fundmgr import clock
from fundmgr.accounts import sessions
from fundmgr.accounts.models import ApiToken, Organization, Role, TokenScope, User
from fundmgr.accounts.sessions import UserSession
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.emails import queue_mail
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.i18n import LANGUAGES

MIN_PASSWORD_LENGTH = 10

hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
DUMMY_HASH = hasher.hash(secrets.token_hex(16))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password, if anything."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]
    if len(password) > 200:
        return [_("The password must have at most 200 characters.")]
    return []


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    organization: Organization,
    password: str,
    locale: str | None = None,
    actor: User | None,
) -> User:
    """Create an account; refuses a taken e-mail or a weak password."""
    problems = []
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(_("The e-mail address is not valid."))
    else:
        if db.session.scalar(sa.select(User.id).where(User.email == email)):
            problems.append(_("An account with this e-mail address already exists."))
    if not name.strip():
        problems.append(_("The name is required."))
    problems += password_problems(password)
    if locale is not None and locale not in LANGUAGES:
        problems.append(_("Unknown language."))
    if problems:
        raise ValidationFailed(problems)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        organization=organization,
        locale=locale,
        password_hash=hasher.hash(password),
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    record_audit(
        "user.created",
        user,
        actor=actor,
        after={"email": email, "name": user.name, "role": role, "organization": organization.code},
    )
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; the same work either way."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    try:
        hasher.verify(user.password_hash if user else DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def record_sign_in(user: User) -> str:
    """Note a successful sign-in in the account and the audit log; returns the new server session's key."""
    user.last_login_at = clock.now()
    key = sessions.start_session(user)
    record_audit("user.signed_in", user, actor=user)
    return key


def record_failed_sign_in(email: str, *, address: str | None) -> None:
    """Note a refused sign-in (never the password typed): in the audit log when the account exists, else in the
    server's log (an address with no account has no row to file it under)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        current_app.logger.warning("Sign-in refused for an unknown e-mail %r from %s", email[:254], address)
        return
    record_audit("user.sign_in_failed", user, actor=None, after={"address": address})


def sign_out(user: User, user_session: UserSession | None, *, actor: User) -> None:
    """End this session of the user on the server: its cookie, even copied, no longer signs anyone in."""
    if user_session is not None:
        sessions.end_session(user_session, "signed_out")
    record_audit("user.signed_out", user, actor=actor)


def end_user_sessions(user: User, *, actor: User) -> int:
    """An administrator ends every session of a user (a lost laptop, a departure); returns how many ended."""
    if actor is None or not actor.is_admin:
        raise NotAllowed(_("Only an administrator can end someone's sessions."))
    ended = sessions.end_sessions(user, "ended_by_administrator")
    record_audit("user.sessions_ended", user, actor=actor, after={"sessions_ended": ended})
    return ended


def change_password(
    user: User, current: str, new: str, *, actor: User, keep_session: UserSession | None = None
) -> None:
    """Change a password after checking the current one; the user's other sessions end (not `keep_session`)."""
    problems = []
    try:
        hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        problems.append(_("The current password is not correct."))
    problems += password_problems(new)
    if problems:
        raise ValidationFailed(problems)
    set_password(user, new, actor=actor, action="user.password_changed", keep_session=keep_session)


def set_password(
    user: User,
    new: str,
    *,
    actor: User | None,
    action: str = "user.password_set",
    keep_session: UserSession | None = None,
) -> None:
    """Store a new password hash and end the user's sessions (all but `keep_session`, the one that changed it)."""
    problems = password_problems(new)
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = hasher.hash(new)
    user.session_token = secrets.token_hex(16)  # also kills reset links issued before
    sessions.end_sessions(user, action.removeprefix("user."), keep=keep_session)
    record_audit(action, user, actor=actor)


def set_locale(user: User, locale: str, *, actor: User) -> None:
    """Remember the user's interface language."""
    if locale not in LANGUAGES:
        raise ValidationFailed([_("Unknown language.")])
    if user.locale != locale:
        before = {"locale": user.locale}
        user.locale = locale
        record_audit("user.locale_changed", user, actor=actor, before=before, after={"locale": locale})


RESET_SALT = "fundmgr-password-reset"


def reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_reset_token(user: User) -> str:
    """A signed, time-limited token; it dies when the password changes (the session token is in it)."""
    return reset_serializer().dumps({"id": user.id, "st": user.session_token})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused reset token belongs to, or None."""
    try:
        data = reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadSignature:
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.is_active or not secrets.compare_digest(user.session_token, str(data.get("st"))):
        return None
    return user


def request_password_reset(email: str, reset_url: Callable[[str], str]) -> None:
    """E-mail a reset link if an active account has this address; say nothing either way."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None or not user.is_active:
        return
    with force_locale(user.locale or "en"):
        body = render_template("emails/password_reset.txt", user=user, url=reset_url(password_reset_token(user)))
        queue_mail(user.email, _("Reset your fundmgr password"), body)
    record_audit("user.password_reset_requested", user, actor=None)


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link; the link then stops working, as do old sessions."""
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationFailed([_("This reset link is invalid or has expired. Ask for a new one.")])
    set_password(user, new, actor=user, action="user.password_reset")
    return user


# --- API tokens ------------------------------------------------------------------------------

TOKEN_LIFETIMES = (30, 90, 365)  # the days a new token may live; a token that never expires is not offered
TOKEN_PREFIX = "fmk_"  # noqa: S105 - not a secret: marks one as a fundmgr key (secret scanners, logs)
TOKEN_NAME_LENGTH = 100
TOKEN_TOUCH_EVERY = timedelta(minutes=1)  # how stale `last_used_at` may get before a use writes it again


def token_problems(name: str, scope: object, days: object) -> list[str]:
    """Everything wrong with a new token's settings, all at once."""
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append(_("Give the token a name, to recognise it later."))
    elif len(name.strip()) > TOKEN_NAME_LENGTH:
        problems.append(_("The name can have at most %(count)d characters.", count=TOKEN_NAME_LENGTH))
    if not isinstance(scope, TokenScope):
        problems.append(_("Choose what the token may do."))
    if days not in TOKEN_LIFETIMES:
        problems.append(_("Choose how long the token stays valid."))
    return problems


def create_api_token(user: User, *, name: str, scope: TokenScope, days: int, actor: User) -> tuple[ApiToken, str]:
    """Make a personal API token; returns it and its secret, which is shown once and stored only as its sha256."""
    if actor is None or actor.id != user.id:
        raise NotAllowed(_("Only the account's owner can make its API tokens."))
    problems = token_problems(name, scope, days)
    if problems:
        raise ValidationFailed(problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=sessions.key_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        scope=scope,
        expires_at=clock.now() + timedelta(days=days),
    )
    db.session.add(token)
    record_audit("api_token.created", token, actor=actor, after=token_state(token))
    return token, secret


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    """Revoke a token at once: every later request made with it is refused."""
    if not token.can_revoke(actor):
        raise NotAllowed(_("Only the token's owner can revoke it, once."))
    before = token_state(token)
    token.revoked_at = clock.now()
    record_audit("api_token.revoked", token, actor=actor, before=before, after=token_state(token))


def token_state(token: ApiToken) -> dict[str, object]:
    """A token for the audit log: never its hash."""
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token (not revoked, not expired, of an active account) this secret opens, or None; notes its use."""
    if not secret or len(secret) > 200:
        return None
    now = clock.now()
    row = db.session.execute(
        sa.select(ApiToken, (sa.func.coalesce(ApiToken.last_used_at, ApiToken.created_at) < now - TOKEN_TOUCH_EVERY)
                  .label("stale"))
        .join(ApiToken.user)
        .where(
            ApiToken.token_hash == sessions.key_hash(secret),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            User.is_active_account.is_(True),
        )
    ).first()  # fmt: skip
    if row is None:
        return None
    if row.stale or row.ApiToken.last_used_at is None:
        row.ApiToken.last_used_at = now  # bookkeeping, saved with the request's commit
    return row.ApiToken


def tokens_of(user: User) -> list[tuple[ApiToken, bool]]:
    """The user's tokens, newest first, each with whether it has expired."""
    now = clock.now()
    rows = db.session.execute(
        sa.select(ApiToken, (ApiToken.expires_at <= now).label("expired"))
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(row.ApiToken, bool(row.expired)) for row in rows]
