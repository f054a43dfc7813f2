"""Money and number fields refuse what is not a sensible number, with a message, and write nothing.

Every money, rate, percentage, count and indicator field of the forms is sent negative numbers,
text, NaN and Infinity in their spellings, exponents, hexadecimal, absurd sizes and fractions of a
cent; Hypothesis then throws arbitrary text and numbers at the budget grid, a contribution's amount,
a report's values and the pipeline's what-if amount. Refused input leaves no audit entry (nothing was
carried out: the access matrix proves every change is logged) and the page says what is wrong;
accepted input is stored exactly as the number typed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmgr.db import db
from fundmgr.finance.forms import parse_number as finance_number
from fundmgr.finance.models import Contribution
from fundmgr.finance.operations import MAX_AMOUNT
from fundmgr.proposals.amounts import ABSURD_AMOUNT, parse_amount
from fundmgr.proposals.models import BudgetLine
from fundmgr.results.models import IndicatorValue
from fundmgr.results.values import MAX_VALUE, parse_value
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

# The module's world (tests/access/harness.py): built once per database, each test in a savepoint of it.
world_state, isolated, world = harness.world_state, harness.isolated, harness.world

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
    ("steering.decide:POST", "approved_amount", [*MONEY_BAD, "0", "999999999.99"]),
    ("steering.new_meeting:POST", "quorum", PERCENT_BAD),
    ("steering.criteria:POST", "rows-0-weight", [*PERCENT_BAD, "0"]),
    ("steering.criteria:POST", "rows-0-scale_max", [*WHOLE_BAD, "1000"]),
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


@pytest.mark.parametrize(("case_id", "name", "values"), FIELDS, ids=[f"{c}-{n}" for c, n, _v in FIELDS])
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
    st.text(max_size=25),
)
PROPERTY = settings(max_examples=25, deadline=None, database=None,
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
        assert amount == parse_amount(text) or (amount is None and parse_amount(text) == 0)
        assert amount is None or (is_cents(amount) and Decimal(0) <= amount < ABSURD_AMOUNT)


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_text_as_a_contributions_amount_is_stored_exactly_or_refused(app, world, world_state, text):
    """Whatever is typed as a contribution's amount: a positive amount in cents, stored as read, or refused."""
    case = BY_ID["finance.new_contribution:POST"]
    with fresh_state(world_state):
        if not carried_out(app, world, case, "amount", text):
            return
        stored = db.session.scalar(sa.select(Contribution.amount).order_by(Contribution.id.desc()).limit(1))
        assert stored == finance_number(text)
        assert is_cents(stored)
        assert Decimal(0) < stored <= MAX_AMOUNT


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
        assert stored == parse_value(text)
        assert stored is None or (stored.is_finite() and Decimal(0) <= stored < MAX_VALUE)


@PROPERTY
@given(text=NUMBERS_AS_TYPED)
def test_any_what_if_amount_on_the_pipeline_page_is_read_or_explained(app, world, text):
    """Whatever is typed as the pipeline's expected deposit, the page answers, explaining a bad amount."""
    with client_as(app, world, "fmu").get(url_for("finance.pipeline", extra=text)) as response:
        assert response.status_code == 200
