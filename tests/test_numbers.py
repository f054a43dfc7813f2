"""Numbers typed by people: per language, every text each kind accepts (and the number stored) or refuses
(and the reason the person reads). The rules are in fundmgr/numbers.py; every form reads numbers with it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask_babel import force_locale

from fundmgr.i18n import LANGUAGES
from fundmgr.numbers import (
    COUNT,
    EXCHANGE_RATE,
    INDICATOR_VALUE,
    MONEY,
    PERCENTAGE,
    Kind,
    NumberRefused,
    number_text,
    parse_number,
)

pytestmark = pytest.mark.once  # parsing text: no database

NNBSP = "\u202f"  # French groups thousands with a narrow no-break space and puts a no-break space before ? and :
NBSP = "\u00a0"
KIND_NAMES = {MONEY: "money", EXCHANGE_RATE: "rate", PERCENTAGE: "percent", INDICATOR_VALUE: "value", COUNT: "count"}
NOT_NUMBERS = ["abc", "NaN", "nan", "Infinity", "-Infinity", "inf", "∞", "1e5", "1E400", "0x1F", "½", "²", "١٢٣",
               "1_000", "--5", "5-", "+-5", "7%", "$5", ".5", "5."]  # fmt: skip


ONE_WAY_EN = "{text} could be read two ways: write the exchange rate as {readings}, without a thousands separator."
ONE_WAY_ES = "{text} puede leerse de dos maneras: escriba el tipo de cambio como {readings}, sin separador de miles."


@dataclass(frozen=True)
class No:
    """A refusal and the reason shown."""

    reason: str


def rows(*groups: list[tuple[Kind, str, object]]) -> list[tuple[Kind, str, object]]:
    return [row for group in groups for row in group]


def not_numbers(kind: Kind, reason: str) -> list[tuple[Kind, str, object]]:
    return [(kind, text, No(reason)) for text in NOT_NUMBERS]


ENGLISH = rows(
    [
        (MONEY, "1,000.50", "1000.50"),  # the language's own writing
        (MONEY, "1,234,567", "1234567.00"),
        (MONEY, "1'000.50", "1000.50"),  # apostrophes and every kind of space group thousands
        (MONEY, "1 000.50", "1000.50"),
        (MONEY, f"1{NBSP}000.50", "1000.50"),
        (MONEY, f"1{NNBSP}000{NNBSP}000", "1000000.00"),
        (MONEY, "1000.50", "1000.50"),  # the plain form
        (MONEY, "  7 ", "7.00"),
        (MONEY, "0", "0.00"),
        (MONEY, "0012", "12.00"),
        (MONEY, "12.500", "12.50"),  # trailing zeros are not decimals too many
        (MONEY, "10,000,000,000", "10000000000.00"),
        (MONEY, "", No("Enter a number.")),
        (MONEY, "-5", No("Negative numbers are not accepted here.")),
        (MONEY, "- 5", No("Negative numbers are not accepted here.")),
        (MONEY, "−5", No("Negative numbers are not accepted here.")),
        (MONEY, "+5", No("Write the number without a sign.")),
        (MONEY, "1.2.3", No("Write a single decimal separator.")),
        (MONEY, "1,000.50.25", No("Write a single decimal separator.")),
        (MONEY, "1,2,3", No("Group the digits by three, as in 1,250,000.")),
        (MONEY, "10,00,000", No("Group the digits by three, as in 1,250,000.")),
        (MONEY, "1 2 3 4", No("Group the digits by three, as in 1,250,000.")),
        (MONEY, "12,5", No("Ambiguous number: did you mean 12.50?")),  # a decimal comma, or a misplaced group?
        (MONEY, "1.000,50", No("Ambiguous number: did you mean 1,000.50?")),
        (MONEY, "1 000,50", No("Ambiguous number: did you mean 1,000.50?")),
        (MONEY, "1 000,000.50", No("Ambiguous number: did you mean 1,000,000.50?")),  # spaces and commas mixed
        (MONEY, "12.345", No("Use at most 2 decimals.")),
        (MONEY, "0.001", No("Use at most 2 decimals.")),
        (MONEY, "10000000000.01", No("Enter a number no larger than 10,000,000,000.00.")),
        (MONEY, "9" * 5000, No("Enter a number no larger than 10,000,000,000.00.")),
        (EXCHANGE_RATE, "1.085613", "1.085613"),
        (EXCHANGE_RATE, "0.000001", "0.000001"),
        # a rate's "," could group thousands or be a decimal comma: refused, never read as a thousand times more
        (EXCHANGE_RATE, "1,085", No(ONE_WAY_EN.format(text="1,085", readings="1.085 or 1085"))),
        (EXCHANGE_RATE, "100,000", No(ONE_WAY_EN.format(text="100,000", readings="100 or 100000"))),
        (EXCHANGE_RATE, "1,085.5", "1085.5"),  # with a decimal point the comma can only group
        (EXCHANGE_RATE, "1 085", "1085"),
        (EXCHANGE_RATE, "1085", "1085"),
        (EXCHANGE_RATE, "1.085", "1.085"),
        (EXCHANGE_RATE, "0", No("Enter a number no smaller than 0.000001.")),
        (EXCHANGE_RATE, "1.0000001", No("Use at most 6 decimals.")),
        (EXCHANGE_RATE, "100000.5", No("Enter a number no larger than 100000.")),
        (PERCENTAGE, "7", "0.07"),  # typed as a percentage, stored as a share
        (PERCENTAGE, "6.5", "0.065"),
        (PERCENTAGE, "12.3456", "0.123456"),
        (PERCENTAGE, "100", "1"),
        (PERCENTAGE, "100.01", No("Enter a number no larger than 100.")),
        (PERCENTAGE, "12.34567", No("Use at most 4 decimals.")),
        (PERCENTAGE, "6,5", No("Ambiguous number: did you mean 6.5?")),
        (INDICATOR_VALUE, "1,250", "1250"),
        (INDICATOR_VALUE, "12.5", "12.5"),
        (INDICATOR_VALUE, "0.0001", "0.0001"),
        (INDICATOR_VALUE, "100,000,000,000", "100000000000"),
        (INDICATOR_VALUE, "0.00001", No("Use at most 4 decimals.")),
        (INDICATOR_VALUE, "100,000,000,001", No("Enter a number no larger than 100,000,000,000.")),
        (INDICATOR_VALUE, "N/A", No("Enter a number, such as 1,250.")),
        (INDICATOR_VALUE, "-3", No("Negative numbers are not accepted here.")),
        (COUNT, "12", "12"),
        (COUNT, "1,000", "1000"),
        (COUNT, "2.5", No("Enter a whole number.")),
        (COUNT, "1,000,001", No("Enter a number no larger than 1,000,000.")),
        (COUNT, "twelve", No("Enter a number, such as 12.")),
    ],
    not_numbers(MONEY, "Enter a number, such as 1,250.50."),
    not_numbers(PERCENTAGE, "Enter a number, such as 7.5."),
)

FRENCH = rows(
    [
        (MONEY, "1 000,50", "1000.50"),  # a plain space, a no-break space, a narrow no-break space
        (MONEY, f"1{NBSP}000,50", "1000.50"),
        (MONEY, f"1{NNBSP}000,50", "1000.50"),
        (MONEY, "1'000,50", "1000.50"),
        (MONEY, "1000,50", "1000.50"),
        (MONEY, "12,5", "12.50"),
        (MONEY, "1000.50", "1000.50"),  # the plain form
        (MONEY, "12.5", "12.50"),
        (MONEY, "1.000", "1.00"),  # plainly one: a point never groups thousands in French
        (MONEY, "", No("Saisissez un nombre.")),
        (MONEY, "-5", No("Les nombres négatifs ne sont pas acceptés ici.")),
        (MONEY, "+5", No("Écrivez le nombre sans signe.")),
        (MONEY, "1.000,50", No(f"Nombre ambigu{NBSP}: vouliez-vous dire 1{NNBSP}000,50{NBSP}?")),
        (MONEY, "1,000.50", No(f"Nombre ambigu{NBSP}: vouliez-vous dire 1{NNBSP}000,50{NBSP}?")),
        (MONEY, "1 000.50", No(f"Nombre ambigu{NBSP}: vouliez-vous dire 1{NNBSP}000,50{NBSP}?")),
        (MONEY, "1,2,3", No("N’écrivez qu’un seul séparateur décimal.")),
        (MONEY, "1.2.3", No("N’écrivez qu’un seul séparateur décimal.")),
        (MONEY, "1 00,5", No(f"Groupez les chiffres par trois, comme dans 1{NNBSP}250{NNBSP}000.")),
        (MONEY, "1,234", No("Utilisez au plus 2 décimales.")),
        (MONEY, "10000000000,01", No(f"Saisissez un nombre inférieur ou égal à 10{NNBSP}000{NNBSP}000{NNBSP}000,00.")),
        (EXCHANGE_RATE, "0,923456", "0.923456"),
        (EXCHANGE_RATE, "1,085", "1.085"),  # French groups with spaces only: "," and "." read one way
        (EXCHANGE_RATE, "1.085", "1.085"),
        (EXCHANGE_RATE, "1 085", "1085"),
        (EXCHANGE_RATE, "0", No("Saisissez un nombre supérieur ou égal à 0,000001.")),
        (PERCENTAGE, "6,5", "0.065"),
        (PERCENTAGE, "6.5", "0.065"),
        (PERCENTAGE, "100,5", No("Saisissez un nombre inférieur ou égal à 100.")),
        (PERCENTAGE, "12,34567", No("Utilisez au plus 4 décimales.")),
        (INDICATOR_VALUE, "1 250", "1250"),
        (INDICATOR_VALUE, "1250,5", "1250.5"),
        (INDICATOR_VALUE, "N/A", No(f"Saisissez un nombre, par exemple 1{NNBSP}250.")),
        (COUNT, "12", "12"),
        (COUNT, "2,5", No("Saisissez un nombre entier.")),
    ],
    not_numbers(MONEY, f"Saisissez un nombre, par exemple 1{NNBSP}250,50."),
)

SPANISH = rows(
    [
        (MONEY, "1.000,50", "1000.50"),
        (MONEY, "2.500.000,75", "2500000.75"),
        (MONEY, "1 000,50", "1000.50"),
        (MONEY, f"1{NNBSP}000,50", "1000.50"),
        (MONEY, "1'000,50", "1000.50"),
        (MONEY, "1000,50", "1000.50"),
        (MONEY, "1000.50", "1000.50"),  # the plain form: refused on the budget grid before
        (MONEY, "12.5", "12.50"),
        (MONEY, "1.5", "1.50"),
        (MONEY, "1.500", "1500.00"),  # read both ways, the language's reading wins
        (MONEY, "1.000.000", "1000000.00"),
        (MONEY, "", No("Introduzca un número.")),
        (MONEY, "-5", No("Aquí no se aceptan números negativos.")),
        (MONEY, "+5", No("Escriba el número sin signo.")),
        (MONEY, "1,000.50", No("Número ambiguo: ¿quería decir 1.000,50?")),
        (MONEY, "1 000.50", No("Número ambiguo: ¿quería decir 1.000,50?")),
        (MONEY, "1 000.500", No("Número ambiguo: ¿quería decir 1.000.500,00 o 1.000,50?")),
        (MONEY, "1,2,3", No("Escriba un solo separador decimal.")),
        (MONEY, "1.2.3", No("Agrupe las cifras de tres en tres, como en 1.250.000.")),
        (MONEY, "1,234", No("Use como máximo 2 decimales.")),
        (MONEY, "10.000.000.000,01", No("Introduzca un número no mayor que 10.000.000.000,00.")),
        (EXCHANGE_RATE, "1,085613", "1.085613"),
        (EXCHANGE_RATE, "1.085613", "1.085613"),
        # a rate's "." could group thousands or be a decimal point: refused, never read as a thousand times more
        (EXCHANGE_RATE, "1.085", No(ONE_WAY_ES.format(text="1.085", readings="1,085 o 1085"))),
        (EXCHANGE_RATE, "1.000", No(ONE_WAY_ES.format(text="1.000", readings="1 o 1000"))),
        (EXCHANGE_RATE, "1.085,5", "1085.5"),  # with a decimal comma the point can only group
        (EXCHANGE_RATE, "1,085", "1.085"),
        (EXCHANGE_RATE, "1085", "1085"),
        (INDICATOR_VALUE, "1.085", "1085"),  # elsewhere the language's reading wins: a point groups thousands
        (EXCHANGE_RATE, "0", No("Introduzca un número no menor que 0,000001.")),
        (PERCENTAGE, "6,5", "0.065"),
        (PERCENTAGE, "6.5", "0.065"),
        (PERCENTAGE, "12,34567", No("Use como máximo 4 decimales.")),
        (INDICATOR_VALUE, "1000.50", "1000.5"),  # refused as ambiguous on a progress report before
        (INDICATOR_VALUE, "12.5", "12.5"),
        (INDICATOR_VALUE, "1.250", "1250"),
        (INDICATOR_VALUE, "-3", No("Aquí no se aceptan números negativos.")),
        (INDICATOR_VALUE, "N/A", No("Introduzca un número, por ejemplo 1.250.")),
        (COUNT, "1.000", "1000"),
        (COUNT, "2,5", No("Introduzca un número entero.")),
    ],
    not_numbers(MONEY, "Introduzca un número, por ejemplo 1.250,50."),
)


def ids(table: list[tuple[Kind, str, object]]) -> list[str]:
    return [f"{KIND_NAMES[kind]}:{text[:20]!r}" for kind, text, _expected in table]


def answer(language: str, kind: Kind, text: str) -> object:
    """What a person of this language reads after typing the text into a required field of this kind."""
    with force_locale(language):
        try:
            return parse_number(text, kind, language, required=True)
        except NumberRefused as exc:
            return No(str(exc))


def check(app, language: str, kind: Kind, text: str, expected: object) -> None:
    with app.test_request_context():
        got = answer(language, kind, text)
        if isinstance(expected, No):
            assert got == expected
        else:
            assert got == Decimal(expected)
            assert parse_number(number_text(got, kind, language), kind, language) == got  # written back, read the same


@pytest.mark.parametrize(("kind", "text", "expected"), ENGLISH, ids=ids(ENGLISH))
def test_english(app, kind, text, expected):
    check(app, "en", kind, text, expected)


@pytest.mark.parametrize(("kind", "text", "expected"), FRENCH, ids=ids(FRENCH))
def test_french(app, kind, text, expected):
    check(app, "fr", kind, text, expected)


@pytest.mark.parametrize(("kind", "text", "expected"), SPANISH, ids=ids(SPANISH))
def test_spanish(app, kind, text, expected):
    check(app, "es", kind, text, expected)


def test_an_optional_field_left_blank_holds_no_number(app):
    with app.test_request_context():
        assert parse_number("  ", MONEY, "en") is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_go_back_into_forms_the_languages_way(app, language):
    """A stored number is shown grouped, money with its cents, a share as a percentage."""
    shown = {
        "en": ["1,234,567.50", "6.5", "1.0856", "1,250.5", "12"],
        "fr": [f"1{NNBSP}234{NNBSP}567,50", "6,5", "1,0856", f"1{NNBSP}250,5", "12"],
        "es": ["1.234.567,50", "6,5", "1,0856", "1.250,5", "12"],
    }[language]
    with app.test_request_context():
        assert [
            number_text(Decimal("1234567.5"), MONEY, language),
            number_text(Decimal("0.065000"), PERCENTAGE, language),
            number_text(Decimal("1.085600"), EXCHANGE_RATE, language),
            number_text(Decimal("1250.5000"), INDICATOR_VALUE, language),
            number_text(12, COUNT, language),
        ] == shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_amounts_are_written_as_babel_writes_them_in_each_language(language):
    """Amounts on pages are formatted without Babel (it costs too much per call on a page of hundreds): each language's
    separators and minus sign, two decimals rounded half even, exactly Babel's "#,##0.00"."""
    from babel.numbers import format_decimal

    from fundmgr.i18n import babel_locale, format_money, number_pattern

    values = [
        Decimal("0"),
        Decimal("-0.00"),
        Decimal("0.005"),
        Decimal("0.015"),
        Decimal("-0.005"),
        Decimal("1E+3"),
        Decimal("999999999999999.99"),
        Decimal("-1234567.891"),
        Decimal("12345.675"),
        Decimal("1.5E-7"),
        5,
        -7,
    ]
    values += [Decimal(n) / Decimal(10) ** (n % 5) for n in range(-10**9, 10**9, 9_876_543)]  # fmt: skip
    for value in values:
        expected = format_decimal(value, format=number_pattern("#,##0.00"), locale=babel_locale(language))
        assert format_money(value, language) == expected, value
