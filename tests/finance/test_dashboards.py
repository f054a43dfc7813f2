"""Dashboard figures against numbers computed by hand, and the same figures in the Excel export and the pipeline."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from fundmgr.finance.dashboard import dashboard
from fundmgr.finance.exports import dashboard_workbook
from fundmgr.finance.models import ContributionKind
from fundmgr.finance.operations import record_contribution, record_interest
from fundmgr.finance.operations.direct_costs import charge_direct_costs
from fundmgr.finance.queries import (
    allocations_by_area,
    allocations_by_organization,
    allocations_by_region,
    allocations_by_target_marker,
    balances,
    capitalization_by_year,
    contributions_by_donor,
    fundable,
    funding_status_rows,
)
from fundmgr.proposals.models import ProposalState
from tests.finance.helpers import contribution_data

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL

D = Decimal


def contribute(fund, donor, on_date, currency, amount, rate, **kw):
    record_contribution(
        fund,
        contribution_data(fund, amount, currency=currency, rate=rate, donor=donor, on_date=on_date, **kw),
        actor=None,
    )


@pytest.fixture
def small_fund(fund, approve):
    """Three donors, some interest and two programmes; the figures below are worked out by hand.

    deposits: DEU USD 1,000,000 (2021); NOR NOK 10,000,000 x 0.1 = USD 1,000,000 earmarked TA2 (2022);
    DNK commits DKK 5,000,000 x 0.15 = USD 750,000 and pays DKK 2,000,000 = USD 300,000 (2023);
    interest USD 5,000 (2022). Fees 1%: 23,000. Programmes (decided 2024): A in Tajikistan, TA2,
    gender 2: IOM 749,000 + UNHCR 535,000 = 1,284,000 (990,000 from the TA2 earmark);
    B in Senegal, TA4, gender 1: UNDP 321,000 + UNICEF 107,000 = 428,000.
    """
    contribute(fund, "GOV-DEU", date(2021, 3, 1), "USD", "1000000.00", "1", reference="SAA-DEU")
    contribute(fund, "GOV-NOR", date(2022, 6, 1), "NOK", "10000000.00", "0.1", area="TA2", reference="SAA-NOR")
    contribute(fund, "GOV-DNK", date(2023, 2, 1), "DKK", "5000000.00", "0.15", kind=ContributionKind.commitment,
               reference="SAA-DNK")  # fmt: skip
    contribute(fund, "GOV-DNK", date(2023, 4, 1), "DKK", "2000000.00", "0.15", reference="SAA-DNK")
    record_interest(fund, amount=D("5000.00"), on_date=date(2022, 12, 31), reference="INT-2022", actor=None)
    programme_a, _ = approve(area="TA2", country="TJK", marker_level=2)
    programme_b, _ = approve(
        area="TA4", country="SEN", lead="UNDP", partners=("UNICEF",), marker_level=1,
        direct={"UNDP": "300000.00", "UNICEF": "100000.00"},
    )  # fmt: skip
    return programme_a, programme_b


def test_balances(fund, small_fund):
    result = balances(fund)
    assert (result.received, result.fees, result.interest) == (D("2300000.00"), D("23000.00"), D("5000.00"))
    assert result.allocated == D("1712000.00")
    assert result.available_by_area == {"TA2": D("0.00")}
    assert result.unearmarked_available == D("570000.00")  # 990,000 + 297,000 + 5,000 - 294,000 - 428,000
    assert result.available == D("570000.00")
    assert result.cash_with_agent == D("2282000.00")


def test_capitalization_by_year(fund, small_fund):
    rows = [(y.year, y.committed, y.deposited, y.interest, y.allocated, y.cumulative_deposited)
            for y in capitalization_by_year(fund)]  # fmt: skip
    assert rows == [
        (2021, 0, D("1000000.00"), 0, 0, D("1000000.00")),
        (2022, 0, D("1000000.00"), D("5000.00"), 0, D("2000000.00")),
        (2023, D("750000.00"), D("300000.00"), 0, 0, D("2300000.00")),
        (2024, 0, 0, 0, D("1712000.00"), D("2300000.00")),
    ]


def test_allocations_by_area_against_targets(fund, small_fund):
    rows = {row.key: (row.amount, row.share, row.target) for row in allocations_by_area(fund)}
    assert rows["TA2"] == (D("1284000.00"), D("0.75"), D("0.25"))
    assert rows["TA4"] == (D("428000.00"), D("0.25"), D("0.20"))
    assert rows["TA1"] == (D("0.00"), D("0"), D("0.15"))
    assert len(rows) == 5


def test_allocations_as_they_stood_on_a_date(fund, small_fund):
    """Does a report for an earlier date (an annual report's year end) leave out later allocations?"""
    before, on_the_day = date(2024, 5, 31), date(2024, 6, 1)
    assert sum(row.amount for row in allocations_by_area(fund, as_of=before)) == 0
    assert allocations_by_organization(fund, as_of=before) == []
    assert all(row.amount == 0 for row in allocations_by_region(fund, as_of=before))
    assert sum(row.amount for row in allocations_by_target_marker(fund, as_of=before).rows) == 0
    assert sum(row.amount for row in allocations_by_area(fund, as_of=on_the_day)) == D("1712000.00")
    assert allocations_by_organization(fund, as_of=on_the_day) == allocations_by_organization(fund)


def test_allocations_by_region_against_targets(fund, small_fund):
    rows = {row.key: (row.label, row.amount, row.share, row.target) for row in allocations_by_region(fund)}
    assert rows["142"] == ("Asia", D("1284000.00"), D("0.75"), D("0.25"))
    assert rows["002"] == ("Africa", D("428000.00"), D("0.25"), D("0.35"))
    assert rows["019"][1] == 0


def test_a_regional_programme_counts_in_its_region(fund, make_deposit, approve):
    """A programme for Western Africa (M49 011) without a single country counts under Africa (002)."""
    make_deposit("2000000.00")
    approve(country=None, region="011")
    rows = {row.key: row.amount for row in allocations_by_region(fund)}
    assert rows["002"] == D("1284000.00")


def test_allocations_by_organization(fund, small_fund):
    rows = [(row.key, row.amount) for row in allocations_by_organization(fund)]
    assert rows == [
        ("IOM", D("749000.00")),
        ("UNHCR", D("535000.00")),
        ("UNDP", D("321000.00")),
        ("UNICEF", D("107000.00")),
    ]


def test_allocations_by_target_marker_against_the_target(fund, small_fund):
    figures = allocations_by_target_marker(fund)
    assert {row.key: row.amount for row in figures.rows} == {
        "0": 0, "1": D("428000.00"), "2": D("1284000.00"), "3": 0,
    }  # fmt: skip
    assert (figures.min_level, figures.share_at_min_level, figures.target) == (2, D("0.75"), D("0.80"))


def test_contributions_by_donor(fund, small_fund):
    rows = {d.code: (d.committed, d.deposited, d.outstanding) for d in contributions_by_donor(fund)}
    assert rows == {
        "GOV-DEU": (0, D("1000000.00"), 0),
        "GOV-NOR": (0, D("1000000.00"), 0),
        "GOV-DNK": (D("750000.00"), D("300000.00"), D("450000.00")),
    }


def test_the_pipeline_is_funded_greedily_in_order(fund, small_fund, make_proposal):
    """USD 570,000: 535,000 fits (35,000 left); 749,000 is passed over; 34,240 after it still fits."""
    first = make_proposal(ProposalState.endorsed, direct={"IOM": "300000.00", "UNHCR": "200000.00"})  # 535,000
    too_big = make_proposal(ProposalState.endorsed, direct={"IOM": "700000.00", "UNHCR": "0.00"})  # 749,000
    small = make_proposal(ProposalState.endorsed, direct={"IOM": "20000.00", "UNHCR": "12000.00"})  # 34,240
    rows = [(p, fits, gap) for p, fits, gap in fundable(fund, [first, too_big, small])]
    assert rows == [(first, True, D("535000.00")), (too_big, False, D("749000.00")), (small, True, D("34240.00"))]
    with_more = fundable(fund, [first, too_big, small], extra_unearmarked=D("749000.00"))
    assert [row.fundable for row in with_more] == [True, True, True]  # 1,319,000 - 535,000 - 749,000 = 35,000


def test_the_excel_export_holds_the_same_figures(fund, small_fund):
    workbook = openpyxl.load_workbook(io.BytesIO(dashboard_workbook(fund, dashboard(fund))))
    assert workbook.sheetnames == [
        "Funding status", "By organization, money", "Capitalization", "Donors", "By thematic area", "By region",
        "By organization", "By marker",
    ]  # fmt: skip
    status = {row[0]: row[1] for row in workbook["Funding status"].iter_rows(min_row=2, values_only=True)}
    assert status["Contributions from donors (deposits)"] == 2300000
    assert status["of which available for allocation"] == 570000
    organizations = list(workbook["By organization"].iter_rows(min_row=2, values_only=True))
    assert organizations[0] == ("IOM", 749000, pytest.approx(0.4375), None)


def test_the_funding_status_balance_is_the_sum_of_its_parts_with_direct_costs(fund, small_fund):
    """Once the committee approved direct costs, do the balance's "of which" lines still add up to it, to the
    cent (2,282,000 = 1,712,000 allocated, not yet transferred + 100,000 direct costs + 470,000 available)?"""
    charge_direct_costs(fund, D("100000.00"), decision_id=None, reference="SC-M1", on_date=date(2024, 7, 1),
                        actor=None)  # fmt: skip
    rows = funding_status_rows(balances(fund), fund)
    labels = [label for label, _amount, _style in rows]
    status = {label: amount for label, amount, _style in rows}
    parts = [amount for label, amount, style in rows[labels.index("Balance with the Administrative Agent") + 1 :]]
    assert status["Balance with the Administrative Agent"] == D("2282000.00")
    assert status["of which approved for direct costs"] == D("100000.00")
    assert status["of which available for allocation"] == D("470000.00")
    assert sum(parts) == status["Balance with the Administrative Agent"]


def test_without_direct_costs_the_funding_status_has_no_line_for_them(fund, small_fund):
    rows = funding_status_rows(balances(fund), fund)
    assert "of which approved for direct costs" not in [label for label, _amount, _style in rows]
