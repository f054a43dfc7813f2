"""Typed indicator values: numbers only, read the user's way, and parts that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundmgr.results.models import Measure
from fundmgr.results.values import IndicatorEntry, check_entry

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
    assert checked.problems == [
        "People assisted: Enter a number, such as 1,250.",
        "People assisted, Female: Enter a number, such as 1,250.",
        "People assisted, Male: Negative numbers are not accepted here.",
    ]


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
