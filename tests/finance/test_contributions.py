"""Donor contributions: the fee, earmarks, commitments, corrections, and refusals of bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, NotAllowed, ValidationFailed
from fundmgr.finance.models import Contribution, ContributionKind, LedgerEntry
from fundmgr.finance.operations import ContributionData, correct_contribution, record_contribution, record_interest
from fundmgr.finance.queries import available_for, balances, contributions_by_donor
from tests.factories import organization
from tests.finance.helpers import contribution_data

D = Decimal


def test_deposit_is_converted_and_the_fee_taken_half_up(fund, fmu):
    """EUR 1,234,567.89 at 1.1215 is USD 1,384,567.89; the 1% fee 13,845.68; the rest is available."""
    contribution = record_contribution(fund, contribution_data(fund, "1234567.89"), actor=fmu)
    assert contribution.usd_amount == D("1384567.89")  # 1,384,567.888635 rounded half up
    result = balances(fund)
    assert result.received == D("1384567.89")
    assert result.fees == D("13845.68")  # 13,845.6789
    assert result.available == D("1370722.21")
    assert result.unearmarked_available == result.available


def test_fee_rounds_half_up_at_the_half_cent(fund, fmu):
    """USD 1,000.50 pays a fee of 10.005 -> 10.01 (half up, never banker's rounding)."""
    record_contribution(fund, contribution_data(fund, "1000.50", currency="USD", rate="1"), actor=fmu)
    assert balances(fund).fees == D("10.01")
    assert balances(fund).available == D("990.49")


def test_commitment_is_tracked_but_not_available(fund, fmu):
    """A signed agreement is no money: it shows as outstanding until deposits arrive under it."""
    record_contribution(fund, contribution_data(fund, "3000000.00", kind=ContributionKind.commitment), actor=fmu)
    assert balances(fund).available == 0
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0
    record_contribution(fund, contribution_data(fund, "1000000.00", on_date=date(2021, 6, 1)), actor=fmu)
    (germany,) = contributions_by_donor(fund)
    assert germany.committed == D("3364500.00")  # 3,000,000 x 1.1215
    assert germany.deposited == D("1121500.00")
    assert germany.outstanding == D("2243000.00")  # EUR 2,000,000 still to pay, at the agreement's rate


def test_earmarked_deposit_is_available_only_to_its_area(fund, fmu):
    record_contribution(fund, contribution_data(fund, "100000.00", currency="USD", rate="1", area="TA2"), actor=fmu)
    record_contribution(
        fund, contribution_data(fund, "50000.00", currency="USD", rate="1", reference="SAA-X"), actor=fmu
    )
    result = balances(fund)
    assert result.available_by_area == {"TA2": D("99000.00")}
    assert result.unearmarked_available == D("49500.00")
    assert available_for(fund, "TA2") == D("148500.00")
    assert available_for(fund, "TA3") == D("49500.00")
    assert available_for(fund, None) == D("49500.00")


def test_interest_is_unearmarked_income(fund, fmu):
    record_interest(fund, amount=D("1234.56"), on_date=date(2023, 12, 31), reference="AA-INT-2023", actor=fmu)
    result = balances(fund)
    assert (result.interest, result.available, result.fees) == (D("1234.56"), D("1234.56"), 0)


def test_every_problem_is_listed_at_once_and_nothing_is_written(fund, fmu):
    bad = ContributionData(
        donor=organization("IOM"),  # not a donor
        kind=ContributionKind.deposit,
        on_date=clock.today(fund) + timedelta(days=3),
        currency="EURO",
        amount=D("-5"),
        rate_to_usd=D("0"),
        reference="",
    )
    with pytest.raises(ValidationFailed) as refused:
        record_contribution(fund, bad, actor=fmu)
    assert len(refused.value.problems) == 6
    assert "Choose the donor." in refused.value.problems
    assert "The date cannot be in the future." in refused.value.problems
    assert db.session.scalar(sa.select(sa.func.count(Contribution.id))) == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("NaN"), "The amount must be a number."),
        (D("Infinity"), "The amount must be a number."),
        (D("0"), "The amount must be more than zero."),
        (D("12.345"), "The amount can have at most two decimals."),
        (D("99999999999.00"), "The amount must be at most 10,000,000,000.00."),
    ],
)
def test_absurd_amounts_are_refused(fund, fmu, amount, message):
    with pytest.raises(ValidationFailed) as refused:
        record_contribution(fund, replace(contribution_data(fund, currency="USD", rate="1"), amount=amount), actor=fmu)
    assert refused.value.problems == [message]


def test_a_usd_amount_needs_a_rate_of_one(fund, fmu):
    with pytest.raises(ValidationFailed, match="has an exchange rate of 1"):
        record_contribution(fund, contribution_data(fund, currency="USD", rate="1.1"), actor=fmu)


def test_an_agreement_keeps_its_donor_and_currency(fund, fmu):
    record_contribution(fund, contribution_data(fund), actor=fmu)
    with pytest.raises(ValidationFailed, match="SAA-2021-DEU-01 is recorded for Germany in EUR"):
        record_contribution(fund, contribution_data(fund, currency="USD", rate="1"), actor=fmu)


@pytest.mark.parametrize("role", [Role.agency, Role.sc_member, Role.viewer, Role.admin])
def test_only_the_fmu_records_money(fund, make_user, role):
    with pytest.raises(NotAllowed):
        record_contribution(fund, contribution_data(fund), actor=make_user(role))


def test_a_correction_reverses_and_replaces_without_editing(fund, fmu):
    """Entered EUR 1,000,000 instead of 100,000: the original stays, a reversal cancels it, a replacement counts."""
    original = record_contribution(fund, contribution_data(fund, "1000000.00"), actor=fmu)
    reversal, replacement = correct_contribution(
        original, replacement=contribution_data(fund, "100000.00"), reason="Typing error: one zero too many.", actor=fmu
    )
    db.session.expire_all()
    assert (original.amount, original.is_superseded, original.is_current) == (D("1000000.00"), True, False)
    assert (reversal.amount, reversal.usd_amount, reversal.corrects_id) == (
        D("-1000000.00"),
        D("-1121500.00"),
        original.id,
    )
    assert replacement.corrects_id == original.id
    assert replacement.is_current
    result = balances(fund)
    assert result.received == D("112150.00")
    assert result.fees == D("1121.50")
    assert result.available == D("111028.50")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "contribution.corrected"))
    assert entry.summary == "Typing error: one zero too many."
    assert entry.before["amount"] == "1000000.00"


def test_a_corrected_entry_cannot_be_corrected_again(fund, fmu):
    original = record_contribution(fund, contribution_data(fund), actor=fmu)
    correct_contribution(original, replacement=None, reason="Recorded twice.", actor=fmu)
    with pytest.raises(ValidationFailed, match="already corrected"):
        correct_contribution(original, replacement=None, reason="Again.", actor=fmu)
    assert balances(fund).received == 0


def test_a_correction_needs_a_reason(fund, fmu):
    original = record_contribution(fund, contribution_data(fund), actor=fmu)
    with pytest.raises(ValidationFailed, match="reason"):
        correct_contribution(original, replacement=None, reason="  ", actor=fmu)


def test_a_correction_cannot_take_back_allocated_money(fund, fmu, make_deposit, approve):
    """The earmarked deposit paid for a programme: cancelling it would leave the earmark negative."""
    deposit = make_deposit("1300000.00", area="TA2")
    approve()  # 1,284,000.00 for a TA2 programme, from the earmark
    with pytest.raises(InsufficientFunds, match="already allocated"):
        correct_contribution(deposit, replacement=None, reason="Wrong donor.", actor=fmu)
