"""A programme in two thematic areas (60/40) counts in each by its share, to the cent, wherever money is summed
by area: the dashboard and its Excel export, the portfolio balance, the annual report and its workbook."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from fundmgr.db import apportion, db
from fundmgr.finance.dashboard import dashboard
from fundmgr.finance.exports import dashboard_workbook
from fundmgr.finance.queries import allocations_by_area
from fundmgr.proposals.models import ProposalArea
from fundmgr.results import reports
from fundmgr.steering.portfolio import build_portfolio

D = Decimal


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        ("1000000.01", ["60", "40"], ["600000.01", "400000.00"]),  # the leftover cent: the larger remainder
        ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
        ("0.01", ["50", "50"], ["0.01", "0.00"]),  # a tie: the earlier part
        ("-10.01", ["60", "40"], ["-6.01", "-4.00"]),  # a release splits like the allocation
    ],
)
def test_apportion_adds_up_to_the_cent(total, weights, parts):
    result = apportion(D(total), [D(w) for w in weights])
    assert result == [D(p) for p in parts]
    assert sum(result) == D(total)


@pytest.fixture
def split_programme(fund, make_deposit, approve):
    """USD 1,000,000.01 allocated to a programme 60% in TA2 and 40% in TA3; another wholly in TA4 (428,000)."""
    make_deposit("3000000.00")
    programme, _ = approve(amount="1000000.01", area="TA2", country="TJK", marker_level=2)
    approve(area="TA4", country="SEN", lead="UNDP", partners=("UNICEF",), marker_level=1,
            direct={"UNDP": "300000.00", "UNICEF": "100000.00"})  # fmt: skip
    areas = {a.code: a for a in fund.thematic_areas}
    programme.area_rows = [
        ProposalArea(area_id=areas["TA2"].id, share=D(60)),
        ProposalArea(area_id=areas["TA3"].id, share=D(40)),
    ]
    db.session.commit()
    return programme


EXPECTED = {"TA1": D("0.00"), "TA2": D("600000.01"), "TA3": D("400000.00"), "TA4": D("428000.00")}


def test_every_sum_by_area_splits_the_programme_by_its_shares(app, fund, fmu, split_programme):
    def of(rows):
        return {key: amount for key, amount in rows if key in EXPECTED}

    assert of((r.key, r.amount) for r in allocations_by_area(fund)) == EXPECTED
    assert of((r.key, r.amount) for r in dashboard(fund).by_area) == EXPECTED

    by_number = {a.number: a.code for a in fund.thematic_areas}

    def sheet_amounts(sheet):
        rows = sheet.iter_rows(min_row=2, values_only=True)
        return of((by_number[int(label.split(".")[0])], D(str(value)).quantize(D("0.01"))) for label, value, *_ in rows)

    workbook = openpyxl.load_workbook(io.BytesIO(dashboard_workbook(fund, dashboard(fund))))
    assert sheet_amounts(workbook["By thematic area"]) == EXPECTED

    portfolio = build_portfolio(fmu, fund, selected_ids=set())
    assert of((s.key, s.funded) for s in portfolio.areas) == EXPECTED

    with app.test_request_context():
        money = reports.annual_report_data(fund, 2024, "en", with_charts=False)["finance"]
        annual = openpyxl.load_workbook(io.BytesIO(reports.annual_report_xlsx(fund, 2024, "en")))
    assert of((r.key, r.amount) for r in money["by_area"]) == EXPECTED
    assert money["allocated_total"] == D("1428000.01")
    assert sheet_amounts(annual["Allocations by area"]) == EXPECTED
