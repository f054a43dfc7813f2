"""Forms for the fund's money. Amounts are read by fundmgr.numbers as Decimal, never as float."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fundmgr import clock
from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.finance.models import ContributionKind, ExpenditureKind
from fundmgr.finance.operations.revisions import MAX_LINES
from fundmgr.i18n import alphabetical, current_language
from fundmgr.numbers import EXCHANGE_RATE, MONEY, NumberField
from fundmgr.web import db_int

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
    currency = SelectField(_l("Currency"), validators=[InputRequired()])
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
    """An organization's certified final financial statements: the PDF and its certified total (the FMU, recording
    them on the organization's behalf, also says when they were received)."""

    organization = SelectField(_l("Organization"), coerce=int, validate_choice=False,
                               validators=[InputRequired(message=_l("Choose the organization."))])  # fmt: skip
    received_on = DateField(_l("Received on"), validators=[InputRequired(message=_l("Enter the date."))])
    certified_total = NumberField(
        _l("Certified total expenditure"), kind=MONEY, required=True,
        description=_l("The total the statements certify as spent on the programme; it must agree with the "
                       "expenditure certified here."),
    )  # fmt: skip
    file = FileField(_l("Statements (PDF)"), render_kw={"accept": ".pdf"})
    document = StringField(
        _l("Reference"),
        description=_l("The statements' reference in the organization's records (optional)."),
        validators=[Optional(), Length(max=300)],
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


def optional_id(value: object) -> int | None:
    """A chosen id, or None for the blank choice or anything that is not one (the operation says what is wrong)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    try:
        return db_int(str(value))
    except ValueError:
        return None


def optional_text(value: object) -> str | None:
    """A chosen code, or None for the blank choice."""
    return None if value is None or value == "" else str(value)


# the blank rows the revision form shows (one more each time "Add a line" is pressed, up to MAX_LINES)
REVISION_ROWS = 4
DECREASE, INCREASE = "decrease", "increase"


class RevisionLineForm(Form):
    """One budget line of a revision: an organization, category and year, and how much its direct costs go down or
    up. A row left blank is not a line."""

    organization = SelectField(_l("Organization"), coerce=optional_id, validate_choice=False)
    category = SelectField(_l("Budget category"), coerce=optional_text, validate_choice=False)
    year = SelectField(_l("Programme year"), coerce=optional_id, validate_choice=False)
    change = SelectField(
        _l("Change"), choices=options([(DECREASE, _l("Decrease by")), (INCREASE, _l("Increase by"))]),
        validate_choice=False,
    )  # fmt: skip
    amount = NumberField(_l("Direct costs"), kind=MONEY)

    def is_blank(self) -> bool:
        typed = bool(self.amount.raw_data and self.amount.raw_data[0].strip())
        return not (self.organization.data or self.category.data or self.year.data or typed)

    def signed_amount(self) -> Decimal | None:
        amount = self.amount.data
        return -amount if amount is not None and self.change.data != INCREASE else amount


class RevisionForm(FlaskForm):
    """The lead agency asks for a budget revision: the direct costs of several budget lines (organization, category,
    year) changed at once, adding up to zero, and why."""

    lines = FieldList(FormField(RevisionLineForm), min_entries=REVISION_ROWS, max_entries=MAX_LINES)
    add_line = SubmitField(_l("Add a line"))
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
