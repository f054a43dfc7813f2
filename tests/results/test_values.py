"""Typed indicator values: numbers only, read the user's way, and parts that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundmgr.results.models import Measure
from fundmgr.results.values import BadValue, IndicatorEntry, check_entry, format_quantity, parse_value, typed_text

SEX = {
    "code": "sex",
    "name": {"en": "Sex", "fr": "Sexe", "es": "Sexo"},
    "categories": [
        {"code": "female", "name": {"en": "Female"}},
        {"code": "male", "name": {"en": "Male"}},
        {"code": "other", "name": {"en": "Other"}},
    ],
}
AGE = {
    "code": "age",
    "name": {"en": "Age group"},
    "categories": [{"code": "child", "name": {"en": "Children"}}, {"code": "adult", "name": {"en": "Adults"}}],
}


@pytest.fixture(autouse=True)
def context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("1250", "en", "1250"),
        ("1,250", "en", "1250"),
        ("12.5", "en", "12.5"),
        ("1 250", "fr", "1250"),
        ("12,5", "fr", "12.5"),
        ("1.250,5", "es", "1250.5"),
        ("  7 ", "en", "7"),
        ("", "en", None),
    ],
)
def test_numbers_are_read_the_way_the_users_language_writes_them(text, language, expected):
    assert parse_value(text, language) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        ("N/A", "en", "must be a number"),
        ("yes", "en", "must be a number"),
        ("see description", "en", "must be a number"),
        ("1e5", "en", "must be a number"),
        ("NaN", "en", "must be a number"),
        ("Infinity", "en", "must be a number"),
        ("-3", "en", "must not be negative"),
        ("12,5", "en", "is ambiguous: did you mean 125 / 12.5?"),
        ("0.00001", "en", "may have at most 4 decimals"),
        ("100000000000000", "en", "is too large"),
    ],
)
def test_text_is_refused_with_a_reason(text, language, reason):
    with pytest.raises(BadValue, match=reason.replace("?", r"\?")):
        parse_value(text, language)


def test_values_go_back_into_forms_the_users_way():
    assert typed_text(Decimal("1250.5000"), "es") == "1250,5"
    assert typed_text(Decimal("1250.5000"), "en") == "1250.5"
    assert format_quantity(Decimal("1250.5000"), "en") == "1,250.5"
    assert format_quantity(Decimal("3000.0000"), "fr") == "3\u202f000"


def test_the_total_is_derived_from_the_parts_when_left_empty():
    checked = check_entry(
        IndicatorEntry(actual="", parts={"sex": {"female": "60", "male": "38", "other": "2"}}),
        name="People assisted",
        measure=Measure.number,
        dimensions=[SEX],
    )
    assert checked.problems == []
    assert checked.actual == Decimal(100)
    assert checked.breakdown == {"sex": {"female": "60", "male": "38", "other": "2"}}


def test_parts_that_do_not_add_up_to_the_total_are_refused():
    checked = check_entry(
        IndicatorEntry(actual="100", parts={"sex": {"female": "60", "male": "30", "other": "0"}}),
        name="People assisted",
        measure=Measure.number,
        dimensions=[SEX],
    )
    assert checked.problems == ["People assisted: the parts by sex add up to 90, not to the total 100."]


def test_every_dimension_must_add_up_to_the_same_total():
    checked = check_entry(
        IndicatorEntry(
            actual="",
            parts={"sex": {"female": "60", "male": "40", "other": "0"}, "age": {"child": "30", "adult": "60"}},
        ),
        name="People assisted",
        measure=Measure.number,
        dimensions=[SEX, AGE],
    )
    assert checked.actual == Decimal(100)  # from the first dimension given
    assert checked.problems == ["People assisted: the parts by age group add up to 90, not to the total 100."]


def test_a_dimension_is_given_whole_or_not_at_all():
    checked = check_entry(
        IndicatorEntry(actual="100", parts={"sex": {"female": "60", "male": "40"}}),
        name="People assisted",
        measure=Measure.number,
        dimensions=[SEX],
    )
    assert checked.problems == [
        "People assisted: give every group of sex (0 where there is none), or leave them all empty."
    ]


def test_every_bad_value_of_an_entry_is_listed_at_once():
    checked = check_entry(
        IndicatorEntry(actual="N/A", parts={"sex": {"female": "lots", "male": "-1", "other": "0"}}),
        name="People assisted",
        measure=Measure.number,
        dimensions=[SEX],
    )
    assert len(checked.problems) == 3
    assert checked.problems[0].startswith("People assisted: the value must be a number")
    assert checked.problems[1].startswith("People assisted, Female: the value must be a number")
    assert checked.problems[2] == "People assisted, Male: the value must not be negative."


def test_percentages_are_not_sums_of_their_parts():
    checked = check_entry(
        IndicatorEntry(actual="45", parts={"sex": {"female": "52", "male": "38", "other": "40"}}),
        name="Share using digital channels",
        measure=Measure.percentage,
        dimensions=[SEX],
    )
    assert checked.problems == []
    assert checked.actual == Decimal(45)
    missing_total = check_entry(
        IndicatorEntry(actual="", parts={"sex": {"female": "52", "male": "38", "other": "40"}}),
        name="Share using digital channels",
        measure=Measure.percentage,
        dimensions=[SEX],
    )
    assert missing_total.problems == ["Share using digital channels: give the overall percentage as well as its parts."]
