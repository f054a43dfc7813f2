"""Forms for the fund's money. Amounts are parsed as Decimal in the user's number format, never as float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, get_currency_name, list_currencies, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fundmgr.finance.models import CONTRIBUTION_KIND_TITLES, ContributionKind
from fundmgr.i18n import current_language

# Digits with the separators people type (spaces, no-break spaces, commas, dots, apostrophes).
NUMBER_TEXT = re.compile(r"^-?[0-9][0-9 \u00a0\u202f,.']*$")
PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def parse_number(text: str) -> Decimal:
    """Read a number typed in the user's locale (1,000.50 / 1 000,50 / 1.000,50) or plainly (1000.50).

    Anything else (letters, NaN, Infinity, exponents) is refused with ValueError.
    """
    text = text.strip()
    if not NUMBER_TEXT.match(text):
        raise ValueError(_l("Enter a number, such as 1250000.00."))
    compact = re.sub(r"[ \u00a0\u202f']", "", text)
    try:
        return parse_decimal(compact, locale=str(get_locale() or "en"), strict=True)
    except (NumberFormatError, InvalidOperation):
        if PLAIN_DECIMAL.match(compact):
            return Decimal(compact)
        raise ValueError(_l("Enter a number, such as 1250000.00.")) from None


class DecimalText(StringField):
    """A number field whose data is a Decimal (None when left empty); the text typed is shown back."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.raw_data = valuelist
        if valuelist and valuelist[0].strip():
            self.data = parse_number(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "f")


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
        choices=[SelectChoice(k.value, CONTRIBUTION_KIND_TITLES[k]) for k in ContributionKind],
        default=ContributionKind.deposit.value,
        validators=[InputRequired()],
    )
    donor = SelectField(_l("Donor"), coerce=int, validators=[InputRequired()])
    on_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    currency = SelectField(_l("Currency"), default="USD", validators=[InputRequired()])
    amount = DecimalText(_l("Amount in the donor's currency"), validators=[InputRequired()])
    rate_to_usd = DecimalText(
        _l("Exchange rate to the fund's currency"), default=Decimal("1"), validators=[InputRequired()]
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

    amount = DecimalText(_l("Amount"), validators=[InputRequired()])
    on_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=60)])


class InterestForm(MoneyMovementForm):
    """Interest or other income credited by the Administrative Agent."""

    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
