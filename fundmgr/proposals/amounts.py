"""Reading amounts and rates typed by people, in their own locale's way of writing numbers."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal
from flask_babel import gettext as _

from fundmgr.db import CENT
from fundmgr.i18n import current_language

# More than any pooled fund holds: larger input is a typing accident, not a budget.
ABSURD_AMOUNT = Decimal("1000000000000")
SPACES = (" ", "\u00a0", "\u202f")


class AmountError(ValueError):
    """Text that is not an acceptable amount; the message says why, for the user."""


def number_symbols(language: str | None = None) -> tuple[str, str]:
    """The decimal and the group symbol of the language (for the budget grid's script too)."""
    language = language or current_language()
    return get_decimal_symbol(language), get_group_symbol(language)


def parse_number(text: str | None, language: str | None = None) -> Decimal | None:
    """A number written the locale's way ("1 234,56" in French); None when blank.

    Strict parsing: "1234,56" in English is refused rather than read as 123456.
    """
    text = (text or "").strip()
    if not text:
        return None
    language = language or current_language()
    _decimal, group = number_symbols(language)
    if group in SPACES or group.isspace():
        for space in SPACES:  # people type a plain space where the locale groups with a narrow one
            text = text.replace(space, group)
    if not all(c.isdigit() or c in "-+" or not c.isalnum() for c in text):
        raise AmountError(_("“%(text)s” is not a number.", text=text))  # letters: NaN, Infinity, 1e5
    try:
        value = parse_decimal(text, locale=language, strict=True)
    except NumberFormatError as exc:
        raise AmountError(_("“%(text)s” is not a number written as this language writes numbers.", text=text)) from exc
    if not value.is_finite():
        raise AmountError(_("“%(text)s” is not a number.", text=text))
    return value


def parse_amount(text: str | None, language: str | None = None) -> Decimal:
    """An amount of money: blank is zero; negative, fractions of a cent and absurd sizes are refused."""
    value = parse_number(text, language)
    if value is None:
        return Decimal("0.00")
    if value < 0:
        raise AmountError(_("Amounts cannot be negative."))
    if value >= ABSURD_AMOUNT:
        raise AmountError(_("This amount is too large."))
    if value != value.quantize(CENT):
        raise AmountError(_("Amounts have at most two decimals."))
    return value.quantize(CENT)


def parse_percent(text: str | None, language: str | None = None) -> Decimal | None:
    """A rate typed as a percentage ("6,5" in French) as a share (0.065); None when blank."""
    value = parse_number(text, language)
    if value is None:
        return None
    if value < 0 or value > 100:
        raise AmountError(_("A percentage lies between 0 and 100."))
    share = value / 100
    if share != share.quantize(Decimal("0.000001")):
        raise AmountError(_("Percentages have at most four decimals."))
    return share
