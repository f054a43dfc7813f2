"""Sign in, sign out, one's own account."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_user, logout_user

from fundmgr.accounts import operations as ops
from fundmgr.accounts import sessions
from fundmgr.accounts.forms import (
    ApiTokenForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from fundmgr.accounts.models import ApiToken, Organization, Role, TokenScope, User
from fundmgr.accounts.sessions import UserSession
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.emails import absolute_url
from fundmgr.extensions import limiter, login_manager
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, scalar
from fundmgr.web import FundView, refusals_shown_on, safe_next_url


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Find the signed-in user from the session: only while its server session is live (not signed out,
    not ended by a password change or an administrator, not idle too long) and the account active. The session row
    and the user come in one statement (`sessions.signed_in_user`), read afresh on every request: a session ended,
    an account deactivated or a role removed by another server counts from the next request. A view saying
    `lean_signed_in` (a member's position or vote) reads less of the user with them (`sessions.signed_in_options`)."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    lean = getattr(getattr(view, "view_class", None), "lean_signed_in", False)
    found = sessions.signed_in_user(int(user_id), session.get(sessions.SESSION_KEY), lean=lean)
    if found is None:
        return None
    user, user_session = found
    if not user.is_active or not secrets.compare_digest(user.session_token, token):
        return None
    g.user_session = user_session
    return user


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_key() -> str:
    """The rate-limit key of the account a form names (its e-mail): attempts on one account are counted together,
    from whatever addresses they come."""
    return "account:" + ops.normalize_email(request.form.get("email", ""))[:254]


# Sign-in and reset requests are limited per client address and per account named (both must hold).
PER_ADDRESS_AND_ACCOUNT = [
    limiter.limit(login_rate_limit, methods=["POST"]),
    limiter.limit(login_rate_limit, key_func=account_key, methods=["POST"]),
]


class LoginView(FundView):
    """Sign in; the same answer whether the e-mail or the password was wrong."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["GET", "POST"]
    login_required = False
    decorators = PER_ADDRESS_AND_ACCOUNT

    def process(self):
        form = LoginForm(next=request.args.get("next", ""))
        if current_user.is_authenticated:
            return redirect(url_for("pages.home"))
        if form.validate_on_submit():
            user = ops.authenticate(form.email.data, form.password.data)
            if user is not None:
                locale = session.get("locale")
                session.clear()  # no session fixation: a fresh session at sign-in
                if locale:
                    session["locale"] = locale
                session.permanent = True
                login_user(user)
                refresh_locale()  # the request's language was chosen before sign-in; the user's own wins now
                session[sessions.SESSION_KEY] = ops.record_sign_in(user)
                flash(_("Welcome, %(name)s.", name=user.name), "success")
                return redirect(safe_next_url(form.next.data) or url_for("pages.home"))
            ops.record_failed_sign_in(form.email.data, address=request.remote_addr)
            form.password.errors.append(_("The e-mail address or the password is not correct."))
        return render_template("accounts/login.html", form=form)


class LogoutView(FundView):
    """Sign out."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]

    def process(self):
        user = current_user._get_current_object()
        ops.sign_out(user, sessions.current_session(), actor=user)
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("You have signed out."), "info")
        return redirect(url_for("accounts.login"))


class ProfileView(FundView):
    """One's own account: details, language, password."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["GET", "POST"]

    def process(self):
        form = PasswordChangeForm()
        if form.validate_on_submit():
            with refusals_shown_on(form, form.new):
                ops.change_password(
                    current_user._get_current_object(),
                    form.current.data,
                    form.new.data,
                    actor=current_user,
                    keep_session=sessions.current_session(),
                )
                db.session.flush()
                login_user(current_user._get_current_object())  # this session lives on, under the new token
                flash(_("Your password has been changed; your other sessions have ended."), "success")
                return redirect(url_for("accounts.profile"))
        return profile_page(form=form)


def profile_page(form=None, token_form=None, new_secret: str | None = None):
    """The account page: details, language, password, API tokens (a new token's secret shown this once)."""
    return render_template(
        "accounts/profile.html",
        form=form or PasswordChangeForm(formdata=None),
        language_form=LanguageForm(locale=current_user.locale or "en"),
        token_form=token_form or ApiTokenForm(formdata=None),
        tokens=ops.tokens_of(current_user._get_current_object()),
        new_secret=new_secret,
    )


class CreateApiTokenView(FundView):
    """Make a personal API token; its secret is shown once, on the page that answers."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]

    def process(self):
        form = ApiTokenForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                user = current_user._get_current_object()
                days = {str(d): d for d in ops.TOKEN_LIFETIMES}.get(form.days.data, 0)
                _token, secret = ops.create_api_token(
                    user, name=form.name.data, scope=TokenScope(form.scope.data), days=days, actor=user
                )
                db.session.commit()  # the secret is shown only once the token is saved
                flash(_("Your token is made. Copy it now: it will not be shown again."), "success")
                return profile_page(new_secret=secret)
        return profile_page(token_form=form)


class RevokeApiTokenView(FundView):
    """Revoke one of one's API tokens: it stops working at once."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]

    def load(self, token_id: int) -> None:
        token = db.session.get(ApiToken, token_id)
        if token is None or token.user_id != current_user.id:
            abort(404)  # another person's token: as if it did not exist
        self.token = token

    def can_access(self, user) -> bool:
        return self.token.can_revoke(user)

    def process(self):
        question = _("Revoke the token %(name)s?", name=self.token.name)
        consequence = _("Programs using it can no longer reach the fund with it; this cannot be undone.")
        if page := unconfirmed(question, consequence, back=url_for("accounts.profile")):
            return page
        ops.revoke_api_token(self.token, actor=current_user._get_current_object())
        flash(_("The token %(name)s is revoked.", name=self.token.name), "success")
        return redirect(url_for("accounts.profile"))


class ResetRequestView(FundView):
    """Ask for a password-reset link; the answer never tells whether the address has an account."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["GET", "POST"]
    login_required = False
    decorators = PER_ADDRESS_AND_ACCOUNT

    def process(self):
        form = ResetRequestForm()
        if form.validate_on_submit():
            ops.request_password_reset(
                form.email.data, lambda token: absolute_url("accounts.reset_password", token=token)
            )
            flash(_("If an account exists for this address, we have sent it a link to reset the password."), "info")
            return redirect(url_for("accounts.login"))
        return render_template("accounts/reset_request.html", form=form)


class ResetPasswordView(FundView):
    """Choose a new password from the link received by e-mail."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["GET", "POST"]
    login_required = False
    decorators = [limiter.limit(login_rate_limit, methods=["POST"])]

    def load(self, token: str) -> None:
        self.token = token

    def process(self):
        if ops.user_for_reset_token(self.token) is None:
            flash(_("This reset link is invalid or has expired. Ask for a new one."), "danger")
            return redirect(url_for("accounts.reset_request"))
        form = ResetPasswordForm()
        if form.validate_on_submit():
            with refusals_shown_on(form, form.new):
                ops.reset_password(self.token, form.new.data)
                flash(_("Your password has been changed. You can sign in with it now."), "success")
                return redirect(url_for("accounts.login"))
        return render_template("accounts/reset_password.html", form=form)


def live_sessions() -> tuple[Any, ...]:
    """A user's live sessions, counted in SQL (the list sorts by it)."""
    return (
        sa.select(sa.func.count(UserSession.id))
        .where(
            UserSession.user_id == User.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= sessions.idle_cutoff(),
        )
        .scalar_subquery(),
    )


def role_text(user: User) -> str:
    return _("Administrator") if user.is_admin else _("Per fund")


ADMINISTRATORS = {"admin": lambda: User.role == Role.admin, "fund": lambda: User.role != Role.admin}
ACTIVE = {"active": lambda: User.is_active_account.is_(True), "inactive": lambda: User.is_active_account.is_(False)}

# Every account of the installation, by name (the administrator's).
USERS = ListSpec(
    name="users",
    columns=(
        Column("name", _l("Name"), (User.name,), lambda u: u.name),
        Column("email", _l("E-mail"), (User.email,), lambda u: u.email),
        Column("role", _l("Role"), lambda: (sa.case((User.role == Role.admin, 0), else_=1),), role_text),
        Column("organization", _l("Organization"), scalar(Organization.code, Organization.id, User.organization_id),
               lambda u: u.organization.label),
        Column("last_login", _l("Last sign-in (UTC)"), (User.last_login_at,), lambda u: u.last_login_at,
               first="desc"),
        Column("sessions", _l("Open sessions"), live_sessions, first="desc", exported=False),
        Column("actions", _l("Actions"), exported=False, label_hidden=True),
    ),
    default_sort="name",
    tiebreak=(User.id,),
    search=(User.name, User.email),
    search_label=_l("Words in the name or e-mail"),
    filters=(
        Filter("role", _l("Role"), lambda q, v, _c: q.where(ADMINISTRATORS[v]()),
               lambda _c: [("admin", _("Administrator")), ("fund", _("Per fund"))], valid=ADMINISTRATORS.__contains__),
        Filter("active", _l("Account"), lambda q, v, _c: q.where(ACTIVE[v]()),
               lambda _c: [("active", _("Active")), ("inactive", _("Inactive"))], valid=ACTIVE.__contains__),
    ),
)  # fmt: skip


class UsersView(FundView):
    """The administrator's list of accounts, with how many live sessions each has (the list component)."""

    fund_scoped = False  # about the person or the installation, not one fund

    roles = (Role.admin,)
    export_title = _l("Users")

    def listing(self) -> Listing:
        return USERS.listing(sa.select(User))

    def export_name(self) -> str:
        return "users"

    def process(self):
        listing = self.listing()
        live = sessions.live_session_counts([user.id for user in listing.page.items])
        return render_template("accounts/users.html", listing=listing, live=live)


class UsersExportView(ListExport, UsersView):
    """The filtered, sorted accounts as CSV or Excel."""


class EndSessionsView(FundView):
    """An administrator ends every session of a user: each of their browsers must sign in again."""

    fund_scoped = False  # about the person or the installation, not one fund

    methods = ["POST"]
    roles = (Role.admin,)

    def load(self, user_id: int) -> None:
        self.user = db.session.get(User, user_id) or abort(404)

    def process(self):
        question = _("End every session of %(name)s?", name=self.user.name)
        consequence = _("Each of their browsers must sign in again.")
        if page := unconfirmed(question, consequence, back=url_for("accounts.users")):
            return page
        ended = ops.end_user_sessions(self.user, actor=current_user._get_current_object())
        message = ngettext("%(num)d session of %(name)s ended.", "%(num)d sessions of %(name)s ended.", ended,
                           name=self.user.name)  # fmt: skip
        flash(message, "success")
        return redirect(safe_next_url(request.form.get("next")) or url_for("accounts.users"))
