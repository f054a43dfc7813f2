"""The early warning on the FMU's deadlines page: delivery far behind time, reports overdue, a tranche whose release
condition is not met; thresholds from the fund's definition file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundmgr.db import db
from fundmgr.deadlines.warnings import early_warnings
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import ExpenditureKind
from fundmgr.results import operations as ops
from tests.factories import revise_snapshot, sign_in
from tests.support.results import MATRIX

D = Decimal
DAY = date(2025, 7, 1)  # half the 2024-2025 programme's time is gone


@pytest.fixture
def programme(fund, framework, make_deposit, approve, fmu, frozen_clock):
    """A 2024-2025 programme, IOM paid USD 300,000 in a first tranche; its first period (2024) ended unreported."""
    frozen_clock(DAY)
    make_deposit("2000000.00")
    proposal, (iom, _unhcr) = approve()
    revise_snapshot(proposal.latest_version, start_date="2024-01-01", matrix=MATRIX)
    finance_ops.record_transfer(iom, amount=D("300000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    programme = ops.establish_programme(proposal, actor=None)
    db.session.commit()
    return programme, iom


def messages(fund) -> list[tuple[str, str]]:
    return [(w.kind, w.message) for w in early_warnings(fund, DAY)]


def test_a_lagging_programme_raises_every_warning(fund, programme):
    programme, iom = programme
    warnings = messages(fund)
    assert ("reports", "Progress reports overdue: period 1.") in warnings
    (delivery,) = [m for k, m in warnings if k == "delivery"]
    assert "0%" in delivery
    assert "of the budget spent after" in delivery
    (tranche,) = [m for k, m in warnings if k == "tranche"]
    assert tranche.startswith(f"The next tranche to {iom.organization.label} is not due for release:")
    assert "reports of period 1 not accepted" in tranche
    assert "below 70" in tranche


def test_the_fund_sets_the_thresholds(fund, programme):
    programme, iom = programme
    category = next(c for c in fund.budget_categories if c.number == 1)
    finance_ops.record_expenditure(
        iom, year=2025, category=category, kind=ExpenditureKind.interim, amount=D("225000.00"), actor=None
    )  # 75% of IOM's transfers; some 20% of the programme's budget
    tranche = [m for k, m in messages(fund) if k == "tranche"]
    assert "below" not in tranche[0]  # the delivery part of the condition is met
    fund.delivery_warning_gap = D("0.90")
    assert [k for k, _m in messages(fund)].count("delivery") == 0
    fund.tranche_min_delivery = D("0.80")
    assert "below 80" in next(m for k, m in messages(fund) if k == "tranche")


def test_the_deadlines_page_shows_the_warnings_to_the_fmu(fund, programme, fmu, client):
    programme, _iom = programme
    sign_in(client, fmu)
    page = client.get("/deadlines/").get_data(as_text=True)
    assert "Early warning" in page
    assert "Progress reports overdue: period 1." in page
    assert f"/finance/programmes/{programme.proposal_id}" in page
