"""Forms for signing in and managing one's account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from fundmgr.accounts.models import TokenScope
from fundmgr.choices import options
from fundmgr.i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = EmailField(_l("E-mail"), [DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    """Change one's password."""

    current = PasswordField(
        _l("Current password"),
        [DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        [DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    """Choose the interface language."""

    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired()],
    )
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(_l("E-mail"), [DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    new = PasswordField(
        _l("New password"), [DataRequired(), Length(max=200)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        [DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ApiTokenForm(FlaskForm):
    """Make a personal token for the JSON API."""

    name = StringField(_l("Name"), [DataRequired(), Length(max=100)])
    scope = SelectField(_l("What it may do"), choices=TokenScope.choices(), validators=[DataRequired()])
    days = SelectField(
        _l("Valid for"),
        choices=options([("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("One year"))]),
        validators=[DataRequired()],
    )
