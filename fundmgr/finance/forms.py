"""Forms for the fund's money. Amounts are read by fundmgr.numbers as Decimal, never as float."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_name, list_currencies
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fundmgr.finance.models import ContributionKind, ExpenditureKind
from fundmgr.i18n import current_language
from fundmgr.numbers import EXCHANGE_RATE, MONEY, NumberField


def currency_choices() -> list[SelectChoice]:
    """ISO 4217 currencies named in the user's language, the most used ones first."""
    language = current_language()
    common = ["USD", "EUR", "GBP", "CHF", "NOK", "SEK", "DKK", "JPY", "CAD", "AUD"]
    others = sorted(set(list_currencies()) - set(common))
    return [SelectChoice(code, f"{code} – {get_currency_name(code, locale=language)}") for code in common + others]


class ContributionForm(FlaskForm):
    """A donor's commitment or deposit."""

    kind = RadioField(
        _l("Kind"),
        choices=ContributionKind.choices(),
        default=ContributionKind.deposit.value,
        validators=[InputRequired()],
    )
    donor = SelectField(_l("Donor"), coerce=int, validators=[InputRequired()])
    on_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    currency = SelectField(_l("Currency"), default="USD", validators=[InputRequired()])
    amount = NumberField(_l("Amount in the donor's currency"), kind=MONEY, required=True)
    rate_to_usd = NumberField(
        _l("Exchange rate to the fund's currency"), kind=EXCHANGE_RATE, required=True, default=Decimal("1")
    )
    area = SelectField(_l("Soft earmark"), coerce=int, default=0)
    reference = StringField(_l("Agreement reference"), validators=[DataRequired(), Length(max=60)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class CorrectionForm(ContributionForm):
    """The corrected values of a contribution, and why."""

    cancel = BooleanField(_l("Cancel the entry without a replacement"))
    reason = TextAreaField(_l("Reason for the correction"), validators=[DataRequired(), Length(max=2000)])


class MoneyMovementForm(FlaskForm):
    """An amount on a date with a reference: a transfer, a refund, a release, interest."""

    amount = NumberField(_l("Amount"), kind=MONEY, required=True)
    on_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=60)])


class FinancialClosureForm(FlaskForm):
    """The FMU closes a programme financially on a date; the refunds of the unspent balances carry the reference."""

    closed_on = DateField(_l("Closure date"), validators=[InputRequired(message=_l("Enter the date."))])
    reference = StringField(_l("Reference of the refunds"), validators=[DataRequired(), Length(max=60)])


class InterestForm(MoneyMovementForm):
    """Interest or other income credited by the Administrative Agent."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ExpenditureForm(FlaskForm):
    """What an organization spent in a year and budget category (a new figure, or a correction of one)."""

    year = SelectField(_l("Year"), coerce=int, validators=[InputRequired()])
    category = SelectField(_l("Budget category"), coerce=int, validators=[InputRequired()])
    kind = RadioField(
        _l("Kind"),
        choices=ExpenditureKind.choices(),
        default=ExpenditureKind.interim.value,
        validators=[InputRequired()],
    )
    amount = NumberField(_l("Expenditure"), kind=MONEY, required=True)
