"""Numbers typed by people: how every form reads them, and how a number is written back into a form.

One rule for every number a person types (amounts of money, exchange rates, percentages, indicator
values, counts), whatever the page, in English, French and Spanish alike:

1. The language's own writing is accepted, read strictly (Babel's ``parse_decimal(strict=True)``):
   "1,000.50" in English, "1 000,50" in French (a plain, no-break or narrow no-break space),
   "1.000,50" in Spanish.
2. In every language thousands may also be grouped with any kind of space or an apostrophe, by
   three: "1'000.50" or "1 000.50" in English, "1 000,50" or "1'000,50" in Spanish.
3. The plain form computers and spreadsheets produce (digits, optionally one "." and more digits,
   no grouping: "1000.50", "12.5") is accepted in every language when the language's reading fails.
   Where both readings succeed the language's wins: Spanish "1.500" is 1500 (its "." groups
   thousands), not 1.5. Except for an exchange rate (`Kind.one_reading`), where a slip of a thousand
   times is too easy and too costly: a text whose grouping mark ("." in Spanish, "," in English) would
   also read as a decimal point is refused, asking for it written one way only (Spanish "1,085" or
   "1085", not "1.085"); such a number is also written back without grouping.
4. Anything else is refused with the reason shown to the person: letters (so NaN, Infinity, 1e5,
   0x1F), a sign (no kind of number takes one), two decimal separators, digits not grouped by three,
   marks that mix two ways of writing ("1.000,50" in English, or spaces and commas together: the
   reason offers the readings), more decimals than the kind allows, a size outside the kind's range,
   and nothing where a number is required.

Each `Kind` states its decimals and range; a percentage is typed as one (6.5) and stored as a share
(0.065). `number_text` writes a stored number back the language's way, which reads back the same.
static/js/numbers.js follows the same rules and limits (without the reasons) for the budget grid's
live totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from babel.lists import format_list
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import StopValidation

from fundmgr.i18n import current_language, format_money, number_locale, number_pattern

SPACES = " \u00a0\u2007\u2009\u202f"  # space, no-break, figure, thin and narrow no-break spaces
GROUP_MARKS = SPACES + "'\u2019"  # group thousands in every language (with apostrophes)
SIGNS = "-+\u2212"
PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
CONVENTIONS = ((".", ","), (",", "."))  # (decimal, group): the two ways of writing numbers with marks


@dataclass(frozen=True)
class Kind:
    """What a typed number stands for: its decimals, its range (as typed) and an example for messages."""

    decimals: int
    largest: Decimal
    example: Decimal
    smallest: Decimal = Decimal(0)
    per: int = 1  # typed per stored unit: a percentage (per=100) is stored as a share
    fixed: bool = False  # written with all its decimals (money: 1,250.00)
    one_reading: bool = False  # refuse a "." or "," that could group thousands or mark decimals (rule 3)

    def limits(self) -> dict[str, Any]:
        """The rules static/js/numbers.js checks, as the template hands them over."""
        return {
            "decimals": self.decimals,
            "smallest": str(self.smallest),
            "largest": str(self.largest),
            "oneReading": self.one_reading,
        }


# Above these a number is a typing accident, not a fund's figure. Money: the Money column also
# holds amount x exchange rate. Indicator values: the proposals' matrix column (18, 6) holds them.
MONEY = Kind(decimals=2, largest=Decimal("10000000000.00"), example=Decimal("1250.50"), fixed=True)
EXCHANGE_RATE = Kind(
    decimals=6, smallest=Decimal("0.000001"), largest=Decimal(100000), example=Decimal("0.92"), one_reading=True
)
PERCENTAGE = Kind(decimals=4, largest=Decimal(100), example=Decimal("7.5"), per=100)
INDICATOR_VALUE = Kind(decimals=4, largest=Decimal(10) ** 11, example=Decimal(1250))
# A thematic area's share of a programme, typed in percent and stored so (60 is 60%).
AREA_SHARE = Kind(decimals=2, smallest=Decimal("0.01"), largest=Decimal(100), example=Decimal(60))
COUNT = Kind(decimals=0, largest=Decimal(1000000), example=Decimal(12))


class NumberRefused(ValueError):
    """Text that is not an acceptable number of its kind; str() is the reason, for the person who typed it."""


def number_symbols(language: str | None = None) -> tuple[str, str]:
    """The decimal and the group symbol of the language (for the budget grid's script too)."""
    language = language or current_language()
    return get_decimal_symbol(language), get_group_symbol(language)


def parse_number(
    text: str | None, kind: Kind, language: str | None = None, *, required: bool = False
) -> Decimal | None:
    """The number typed, as stored (a percentage as a share; money in cents, other kinds with the decimals
    typed); None when blank; NumberRefused says why not."""
    language = language or current_language()
    text = (text or "").strip()
    if not text:
        if required:
            raise NumberRefused(_("Enter a number."))
        return None
    sign = text[0] if text[0] in SIGNS else ""
    value = read_unsigned(text[len(sign) :].lstrip(), kind, language)
    if sign == "+":
        raise NumberRefused(_("Write the number without a sign."))
    if sign:
        raise NumberRefused(_("Negative numbers are not accepted here."))
    if value > kind.largest:
        raise NumberRefused(
            _("Enter a number no larger than %(largest)s.", largest=typed_text(kind.largest, kind, language))
        )
    if value < kind.smallest:
        raise NumberRefused(
            _("Enter a number no smaller than %(smallest)s.", smallest=typed_text(kind.smallest, kind, language))
        )
    quantum = Decimal(1).scaleb(-kind.decimals)
    if value != value.quantize(quantum):
        if kind.decimals == 0:
            raise NumberRefused(_("Enter a whole number."))
        raise NumberRefused(_("Use at most %(n)d decimals.", n=kind.decimals))
    stored = value / kind.per  # exact: a percentage has four decimals at most
    return stored.quantize(quantum) if kind.fixed else stored


def read_unsigned(text: str, kind: Kind, language: str) -> Decimal:
    """Rules 1-3 of the module: the language's strict reading, else the plain form; else why neither."""
    if not text or any(c not in "0123456789.," + GROUP_MARKS for c in text) or not any(c.isdigit() for c in text):
        raise not_a_number(kind, language)
    decimal, group = number_symbols(language)
    if read_as(text, decimal, group) is not None:
        try:
            value = parse_decimal(spaced(text, group), locale=language, strict=True)
        except NumberFormatError:
            pass  # (the grammar of read_as and Babel's strict reading agree; should they not, refuse)
        else:
            if kind.one_reading:
                check_one_reading(text, value, kind, language)
            return value
    elif PLAIN.fullmatch(text):
        return Decimal(text)
    raise refusal(text, kind, language)


def check_one_reading(text: str, value: Decimal, kind: Kind, language: str) -> None:
    """Refuse text whose grouping mark would also read as a decimal point (Spanish "1.085", English "1,085")."""
    decimal, group = number_symbols(language)
    if group not in ".," or group not in text:
        return
    other = read_as(text, group, decimal)  # the mark read the other way, as plain "1.085" reads
    if other is None or other == value:
        return
    readings = [typed_text(r, kind, language) for r in (other, value)]
    raise NumberRefused(
        _(
            "%(text)s could be read two ways: write the exchange rate as %(readings)s, without a thousands separator.",
            text=text,
            readings=format_list(readings, style="or", locale=language),
        )
    )


def read_as(text: str, decimal: str, group: str) -> Decimal | None:
    """The text read with this decimal symbol and digits grouped by three with this group symbol, or with
    spaces or apostrophes instead (not both: "1 000,000.5" mixes two ways); None when it does not read so."""
    if group not in GROUP_MARKS and group in text and any(c in GROUP_MARKS for c in text):
        return None
    marked = spaced(text, group)
    if not grammar(decimal, group).fullmatch(marked):
        return None
    return Decimal(marked.replace(group, "").replace(decimal, "."))


def spaced(text: str, group: str) -> str:
    """The text with its spaces and apostrophes as the group symbol."""
    return "".join(group if c in GROUP_MARKS else c for c in text)


@cache
def grammar(decimal: str, group: str) -> re.Pattern[str]:
    """Digits grouped by three (the first group without a leading zero) or not grouped, then decimals."""
    d, g = re.escape(decimal), re.escape(group)
    return re.compile(rf"(?:[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+|[0-9]+)(?:{d}[0-9]+)?")


def refusal(text: str, kind: Kind, language: str) -> NumberRefused:
    """Why digits and marks that read neither the language's way nor plainly are refused."""
    decimal, group = number_symbols(language)
    readings = []
    if group not in GROUP_MARKS:  # spaces mixed with the language's group mark: read all as its groups
        readings.append(read_as(spaced(text, group), decimal, group))
    readings += [read_as(text, d, g) for d, g in CONVENTIONS if (d, g) != (decimal, group)]
    found = [typed_text(value, kind, language) for value in dict.fromkeys(r for r in readings if r is not None)]
    if found:
        return NumberRefused(
            _("Ambiguous number: did you mean %(readings)s?", readings=format_list(found, style="or", locale=language))
        )
    if not (text[0].isdigit() and text[-1].isdigit()):
        return not_a_number(kind, language)
    if text.count(decimal) > 1 or (group != "." and text.count(".") > 1):
        return NumberRefused(_("Write a single decimal separator."))
    if any(c in group + GROUP_MARKS for c in text):
        example = typed_text(Decimal(1250000), INDICATOR_VALUE, language)
        return NumberRefused(_("Group the digits by three, as in %(example)s.", example=example))
    return not_a_number(kind, language)


def not_a_number(kind: Kind, language: str) -> NumberRefused:
    return NumberRefused(_("Enter a number, such as %(example)s.", example=typed_text(kind.example, kind, language)))


# --- Writing numbers back ------------------------------------------------------------------------


def typed_text(value: Decimal, kind: Kind, language: str | None = None) -> str:
    """A number as typed (a percentage as 6.5), written the language's way with every decimal it has."""
    if kind.fixed and value == value.quantize(Decimal(1).scaleb(-kind.decimals)):
        return format_money(value, language)
    pattern = "0.###" if kind.one_reading else "#,##0.###"  # never a mark that could read two ways
    return format_decimal(
        value, format=number_pattern(pattern), locale=number_locale(language), decimal_quantization=False
    )


def number_text(value: Decimal | int | str | None, kind: Kind, language: str | None = None) -> str:
    """A stored number written the language's way (grouped, no trailing zeros but money's cents), for
    reading and for a form field: the module's rules read it back the same."""
    if value is None or value == "":
        return ""
    typed = Decimal(value) * kind.per
    return typed_text(typed.normalize() if not kind.fixed else typed, kind, language)


def plain_text(value: Decimal | None) -> str | None:
    """A number in the plain form, for stored data and exports ("1250.5"; never shown in a form)."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- The form field ------------------------------------------------------------------------------


class NumberField(StringField):
    """A number typed the language's way; data is the stored Decimal (None when blank), the text is shown back."""

    def __init__(self, label: Any = None, validators: Any = None, *, kind: Kind, required: bool = False, **kwargs: Any):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal" if kind.decimals else "numeric")
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self.required = required
        self.flags.required = required

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.data = self.value_of(parse_number(valuelist[0] if valuelist else "", self.kind, required=self.required))

    def value_of(self, number: Decimal | None) -> Any:
        return number

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()  # the reason is given; range validators have no number to check

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return number_text(self.data, self.kind)


class CountField(NumberField):
    """A whole number typed by a person (months, scores); data is an int."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any):
        super().__init__(label, validators, kind=COUNT, **kwargs)

    def value_of(self, number: Decimal | None) -> int | None:
        return None if number is None else int(number)
