"""Forms of the funds package: who holds which role on a fund."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length

from fundmgr.accounts.models import ROLE_TITLES, Role
from fundmgr.choices import options

# The roles held on one fund (administrators hold theirs on the installation).
FUND_ROLE_CHOICES = options((role.value, ROLE_TITLES[role]) for role in Role if role is not Role.admin)


class GrantRoleForm(FlaskForm):
    """An administrator gives a person a role on a fund."""

    email = EmailField(_l("E-mail of the person"), [DataRequired(), Length(max=254)])
    fund = SelectField(_l("Fund"), [InputRequired()], coerce=int)
    role = SelectField(_l("Role"), [InputRequired()], choices=FUND_ROLE_CHOICES)


class EndRoleForm(FlaskForm):
    """The button that ends a person's role on a fund (its CSRF token only)."""
