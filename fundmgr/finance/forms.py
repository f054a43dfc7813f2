"""Forms for the fund's money. Amounts are read by fundmgr.numbers as Decimal, never as float."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fundmgr import clock
from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.finance.models import ContributionKind, ExpenditureKind
from fundmgr.i18n import alphabetical, current_language
from fundmgr.numbers import EXCHANGE_RATE, MONEY, NumberField

COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CHF", "NOK", "SEK", "DKK", "JPY", "CAD", "AUD")


@functools.cache
def currencies_in_use(today: date) -> frozenset[str]:
    """The currencies legal tender somewhere on a day (CLDR): no Austrian schilling, no funds codes."""
    return frozenset(
        code
        for territory in get_global("territory_currencies")
        for code in get_territory_currencies(territory, start_date=today, tender=True)
    )


def currency_choices(keep: str | None = None) -> list[SelectChoice]:
    """Currencies in use today named in the user's language, the most used ones first, then by name.

    `keep` is a record's own currency, offered even if it went out of use since it was recorded.
    """
    language = current_language()
    in_use = currencies_in_use(clock.today()) | ({keep} if keep else set())
    others = sorted(
        in_use - set(COMMON_CURRENCIES), key=lambda code: alphabetical(get_currency_name(code, locale=language))
    )
    return [
        SelectChoice(code, f"{code} – {get_currency_name(code, locale=language)}")
        for code in (*COMMON_CURRENCIES, *others)
    ]


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


class FinalStatementForm(FlaskForm):
    """The FMU records the receipt of an organization's certified final financial statements."""

    organization = SelectField(_l("Organization"), coerce=int, validate_choice=False,
                               validators=[InputRequired(message=_l("Choose the organization."))])  # fmt: skip
    received_on = DateField(_l("Received on"), validators=[InputRequired(message=_l("Enter the date."))])
    document = StringField(
        _l("Document"),
        description=_l("The statements' reference in the records, their file name or a link to them."),
        validators=[DataRequired(), Length(max=300)],
    )


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


class TopUpForm(FlaskForm):
    """The lead agency asks for a top-up: the organization that receives it, the amount and why."""

    organization = SelectField(_l("Organization"), coerce=int, validators=[InputRequired()])
    amount = NumberField(_l("Amount"), kind=MONEY, required=True)
    reason = TextAreaField(_l("Reason"), validators=[Length(max=4000)])


class RevisionForm(FlaskForm):
    """The lead agency asks for a budget revision: direct costs moved from one budget line of a year to another."""

    from_organization = SelectField(_l("From organization"), coerce=int, validators=[InputRequired()])
    from_category = SelectField(_l("From budget category"), validators=[InputRequired()])
    to_organization = SelectField(_l("To organization"), coerce=int, validators=[InputRequired()])
    to_category = SelectField(_l("To budget category"), validators=[InputRequired()])
    year = SelectField(_l("Programme year"), coerce=int, validators=[InputRequired()])
    amount = NumberField(_l("Direct costs moved"), kind=MONEY, required=True)
    reason = TextAreaField(_l("Reason"), validators=[Length(max=4000)])


class ChangeDecisionForm(FlaskForm):
    """The FMU's (or the Steering Committee's) decision on a requested top-up or budget revision."""

    decision = SelectField(
        _l("Decision"),
        choices=options(
            [("approve", _l("Approve")), ("refuse", _l("Refuse")), ("forward", _l("Forward to the Steering Committee"))]
        ),
        validators=[InputRequired()],
    )
    reference = StringField(_l("Decision reference"), validators=[Optional(), Length(max=60)])
    decided_on = DateField(_l("Decision date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])
