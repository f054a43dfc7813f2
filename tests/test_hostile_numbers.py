"""Money and number fields refuse what is not a sensible number, with a message, and write nothing.

Every money, rate, percentage, count and indicator field of the forms is sent negative numbers,
absurd sizes and fractions of a cent, and a turn of text that is no number (NaN and Infinity in their
spellings, exponents, hexadecimal...: each field a few, each value several fields); Hypothesis then
throws arbitrary text and numbers at the budget grid, a contribution's amount, a report's values and
the pipeline's what-if amount. Refused input leaves no audit entry (nothing was
carried out: the access matrix proves every change is logged) and the page says what is wrong;
accepted input is stored exactly as the number typed.
"""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.finance.models import Contribution
from fundmgr.numbers import INDICATOR_VALUE, MONEY, parse_number
from fundmgr.proposals.models import BudgetLine
from fundmgr.results.models import IndicatorValue
from tests.access import harness
from tests.access.harness import (
    REFUSAL_SHOWN,
    client_as,
    copy_of,
    form_of,
    fresh_state,
    last_audit_id,
    payload,
)
from tests.access.routes import CASES, Case, doer
from tests.access.world import World
from tests.support import rotating

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

# (a NUL character, refused in any field, is tried by tests/test_hostile_input.py)
NOT_NUMBERS = ["abc", "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "∞", "1e6", "1E400", "0x1F", "1,2,3",
               "1.2.3", "--5", "5-", "+-5", "1 2 3 4 5 x", "½", "²", "١٢٣abc", "1;DROP TABLE ledger_entries",
               "<b>1</b>", "9" * 5000]  # fmt: skip
NEGATIVE = ["-1", "-0.01", "-1000000"]
ABSURD = ["1000000000000", "99999999999999999999999", "1" + "0" * 40]
MONEY_BAD = NOT_NUMBERS + NEGATIVE + ABSURD + ["12.345", "0.001"]
PERCENT_BAD = NOT_NUMBERS + NEGATIVE + ["100.01", "101", "1000", "1e2"]
QUANTITY_BAD = [*NOT_NUMBERS, "1" + "0" * 20]
WHOLE_BAD = [*NOT_NUMBERS, "-1", "2.5", "99999999999999999999999"]

BY_ID = {case.id: case for case in CASES}
# (case of the access matrix, field, values the field must refuse)
FIELDS = [
    ("finance.new_contribution:POST", "amount", [*MONEY_BAD, "0"]),
    ("finance.new_contribution:POST", "rate_to_usd", NOT_NUMBERS + NEGATIVE + ["0", "1" + "0" * 30]),
    ("finance.correct_contribution:POST", "amount", [*MONEY_BAD, "0"]),
    ("finance.correct_contribution:POST", "rate_to_usd", NOT_NUMBERS + NEGATIVE + ["0", "1" + "0" * 30]),
    ("finance.new_interest:POST", "amount", [*MONEY_BAD, "0"]),
    ("finance.new_transfer:POST", "amount", [*MONEY_BAD, "0", "999999999.99"]),
    ("finance.new_refund:POST", "amount", [*MONEY_BAD, "0", "999999999.99"]),
    ("finance.release:POST", "amount", [*MONEY_BAD, "0", "999999999.99"]),
    ("finance.report_expenditure:POST", "amount", [*MONEY_BAD, "999999999.99"]),  # 0 corrects a figure to nothing
    ("calls.new:POST", "ceiling", [*MONEY_BAD, "0", "999999999.99"]),  # above the fund's largest budget
    ("calls.edit:POST", "ceiling", [*MONEY_BAD, "0"]),
    ("steering.decide:POST", "approved_amount", [*MONEY_BAD, "0", "999999999.99"]),
    ("steering.criteria:POST", "rows-0-weight", [*PERCENT_BAD, "0"]),
    ("steering.criteria:POST", "rows-0-scale_max", [*WHOLE_BAD, "1000"]),
    ("steering.portfolio_proposal:POST", "budget", [*MONEY_BAD, "0"]),
    ("steering.portfolio_proposal:POST", "country_cap", [*MONEY_BAD, "0"]),
    ("steering.portfolio_proposal:POST", "organization_cap", [*MONEY_BAD, "0"]),
    ("steering.portfolio_proposal:POST", "per_country", [*WHOLE_BAD, "0"]),
    ("steering.portfolio_proposal:POST", "marker_floor", PERCENT_BAD),
    ("steering.portfolio_proposal:POST", "area_ceiling_TA1", PERCENT_BAD),
    ("steering.portfolio_proposal:POST", "region_floor_002", PERCENT_BAD),
    ("proposals.budget:POST", "amount-", MONEY_BAD),  # a name ending in "-": the form's first such field
    ("proposals.budget:POST", "rate-", PERCENT_BAD),
    ("proposals.details:POST", "duration_months", [*WHOLE_BAD, "0", "241"]),
    ("proposals.matrix_item:POST", "baseline", QUANTITY_BAD),
    ("proposals.matrix_item:POST", "target", QUANTITY_BAD),
    ("results.report_edit:POST", "actual-", QUANTITY_BAD),
    ("results.report_edit:POST", "part-", QUANTITY_BAD + NEGATIVE),
    ("results.indicator_edit:POST", "baseline", QUANTITY_BAD),
    ("results.indicator_edit:POST", "target", QUANTITY_BAD),
]


def send(app, world: World, case: Case, data) -> tuple[int, str, bool]:
    """Post as the form's user; returns the status, the page shown, and whether something was carried out."""
    before = last_audit_id()
    response = client_as(app, world, doer(case)).post(harness.url_of(case, world), data=data, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True), last_audit_id() != before


# Text that is no number at all is refused by the one parser (fundmgr.numbers; tests/test_numbers.py tries such text
# for every kind): each field gets a turn of NOT_NUMBERS_PER_FIELD of them (tests.support.rotating), so each
# meets about a quarter of the fields; the values about the field's kind (negative, too large, too precise, its
# range) are all tried on every field.
NOT_NUMBERS_PER_FIELD = 6


def tried_on(index: int, values: list[str]) -> list[str]:
    """The values the index-th field of FIELDS is sent: its kind's values, and its turn of NOT_NUMBERS."""
    return rotating(NOT_NUMBERS, index, NOT_NUMBERS_PER_FIELD) + [v for v in values if v not in NOT_NUMBERS]


@pytest.mark.parametrize(("case_id", "name", "values"), [(c, n, tried_on(i, v)) for i, (c, n, v) in enumerate(FIELDS)],
                         ids=[f"{c}-{n}" for c, n, _v in FIELDS])  # fmt: skip
def test_a_number_field_refuses_what_is_not_a_sensible_number(app, world, world_state, case_id, name, values):
    """Is every bad value refused with a message, with nothing carried out?"""
    case = BY_ID[case_id]
    _url, _page, form = form_of(app, world, case)
    name = form.names(name)[0] if name.endswith("-") else name
    assert name in [n for n, _v in form.fields] + form.text, f"no field {name}"
    base = payload(app, world, case)
    if case.endpoint == "steering.decide":
        base["outcome"] = "approve"
    accepted = []
    for value in values:
        with fresh_state(world_state):
            data = copy_of(base)
            data[name] = value
            status, page, done = send(app, world, case, data)
            assert status < 500, (value, page[-2000:])
            if done:
                accepted.append(value)
            else:
                assert REFUSAL_SHOWN.search(page), f"{value!r} refused without a message"
    assert not accepted, f"{case_id} {name} accepted {accepted}"


# Number fields of every package, and how to read back what one stored (None: its audit entry is enough).
NUMBER_PAGES = [
    ("finance.new_contribution:POST", "amount", lambda w, n: sa.select(Contribution.amount).order_by(
        Contribution.id.desc()).limit(1)),
    ("proposals.budget:POST", "amount-", lambda w, n: sa.select(BudgetLine.amount).where(
        BudgetLine.proposal_id == w.proposals["draft"], BudgetLine.organization_id == int(n.split("-")[1]),
        BudgetLine.category_id == int(n.split("-")[2]), BudgetLine.year == int(n.split("-")[3]))),
    ("results.report_edit:POST", "actual-", lambda w, n: sa.select(IndicatorValue.actual).where(
        IndicatorValue.indicator_id == int(n.split("-")[1])).order_by(IndicatorValue.id.desc()).limit(1)),
    ("steering.decide:POST", "approved_amount", None),
    ("proposals.matrix_item:POST", "baseline", None),
    ("results.indicator_edit:POST", "baseline", None),
]  # fmt: skip
# (language, text typed, the number stored or the reason shown): the same on every page
SAME_ANSWER = [
    ("es", "1000.50", "1000.5"),  # refused on the budget grid and, as ambiguous, on a progress report before
    ("es", "1.000,50", "1000.5"),
    ("es", "1 000,50", "1000.5"),  # refused on a contribution before
    ("es", "1'000,50", "1000.5"),
    ("fr", "1000.50", "1000.5"),
    ("fr", "1'000,50", "1000.5"),
    ("en", "1'000.50", "1000.5"),  # refused on the budget grid before
    ("en", "1 000.50", "1000.5"),
    ("es", "1,2,3", "Escriba un solo separador decimal."),
    ("fr", "-5", "Les nombres négatifs ne sont pas acceptés ici."),  # refused without saying why before
    ("en", "1.000,50", "Ambiguous number: did you mean 1,000.5"),  # (money shows its cents: 1,000.50)
]


@pytest.mark.parametrize(("language", "text", "expected"), SAME_ANSWER)
def test_a_number_typed_gets_the_same_answer_on_every_page(app, world, world_state, language, text, expected):
    """Does the same text typed into any number field mean the same number, or get the same refusal?"""
    for case_id, prefix, stored in NUMBER_PAGES:
        case = BY_ID[case_id]
        with fresh_state(world_state):
            db.session.execute(sa.update(User).values(locale=language))
            db.session.commit()
            data = payload(app, world, case)
            name = first_field(app, world, case, prefix) if prefix.endswith("-") else prefix
            data[name] = text
            if case.endpoint == "steering.decide":
                data["outcome"] = "approve"
            status, page, done = send(app, world, case, data)
            assert status < 500
            if expected[0].isdigit():
                assert done, (case_id, text, page[-3000:])
                if stored:
                    assert db.session.scalar(stored(world, name)) == Decimal(expected), case_id
            else:
                assert not done, case_id
                assert expected in html.unescape(page), case_id


def test_the_pipeline_what_if_amount_refuses_bad_numbers(app, world):
    """Is a bad what-if deposit on the pipeline page explained, and the page still shown?"""
    client = client_as(app, world, "fmu")
    for value in MONEY_BAD:
        response = client.get(url_for("finance.pipeline", extra=value))
        assert response.status_code == 200
        assert REFUSAL_SHOWN.search(response.get_data(as_text=True)) or value.strip() == "", value


# --- Hypothesis: arbitrary text and numbers ---------------------------------------------------------

NUMBERS_AS_TYPED = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=-(10**15), max_value=10**15, places=3).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats().map(repr),
    st.text(alphabet="0123456789.,- +eE'_", max_size=20),
    st.text(st.characters(exclude_characters="\x00"), max_size=25),  # NUL: tests/test_hostile_input.py
)
# The same examples on every run (CI must not turn red by chance); a new case found while developing goes into
# the tables above.
PROPERTY = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip


def first_field(app, world: World, case: Case, prefix: str) -> str:
    return form_of(app, world, case)[2].names(prefix)[0]


def carried_out(app, world: World, case: Case, name: str, text: str) -> bool:
    """Type the text into the field and send the form: whether it was carried out (else the page says why)."""
    data = payload(app, world, case)
    data[name] = text
    status, page, done = send(app, world, case, data)
    assert status < 500
    assert done or REFUSAL_SHOWN.search(page), f"{text!r} refused without a message"
    return done


def is_cents(value: Decimal) -> bool:
    return value.is_finite() and value == value.quantize(Decimal("0.01"))


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_text_in_a_budget_cell_is_stored_exactly_or_refused(app, world, world_state, text):
    """Whatever is typed in a budget cell: a sensible amount, stored as read, or a message and nothing saved."""
    case = BY_ID["proposals.budget:POST"]
    with fresh_state(world_state):
        name = first_field(app, world, case, "amount-")
        _prefix, org, category, year = name.split("-")
        if not carried_out(app, world, case, name, text):
            return
        amount = db.session.scalar(sa.select(BudgetLine.amount).where(
            BudgetLine.proposal_id == world.proposals["draft"], BudgetLine.organization_id == int(org),
            BudgetLine.category_id == int(category), BudgetLine.year == int(year)))  # fmt: skip
        assert amount == parse_number(text, MONEY) or (amount is None and not parse_number(text, MONEY))
        assert amount is None or (is_cents(amount) and Decimal(0) <= amount <= MONEY.largest)


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_text_as_a_contributions_amount_is_stored_exactly_or_refused(app, world, world_state, text):
    """Whatever is typed as a contribution's amount: a positive amount in cents, stored as read, or refused."""
    case = BY_ID["finance.new_contribution:POST"]
    with fresh_state(world_state):
        if not carried_out(app, world, case, "amount", text):
            return
        stored = db.session.scalar(sa.select(Contribution.amount).order_by(Contribution.id.desc()).limit(1))
        assert stored == parse_number(text, MONEY)
        assert is_cents(stored)
        assert Decimal(0) < stored <= MONEY.largest


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_text_as_an_indicators_value_is_stored_exactly_or_refused(app, world, world_state, text):
    """Whatever is typed as an indicator's value: a finite number within bounds, stored as read, or refused."""
    case = BY_ID["results.report_edit:POST"]
    with fresh_state(world_state):
        name = first_field(app, world, case, "actual-")
        if not carried_out(app, world, case, name, text):
            return
        stored = db.session.scalar(
            sa.select(IndicatorValue.actual).where(IndicatorValue.indicator_id == int(name.split("-")[1]))
            .order_by(IndicatorValue.id.desc()).limit(1)
        )  # fmt: skip
        assert stored == parse_number(text, INDICATOR_VALUE)
        assert stored is None or (stored.is_finite() and Decimal(0) <= stored <= INDICATOR_VALUE.largest)


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_what_if_amount_on_the_pipeline_page_is_read_or_explained(app, world, text):
    """Whatever is typed as the pipeline's expected deposit, the page answers, explaining a bad amount."""
    with client_as(app, world, "fmu").get(url_for("finance.pipeline", extra=text)) as response:
        assert response.status_code == 200
