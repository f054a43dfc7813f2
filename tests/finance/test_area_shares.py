"""A programme in two thematic areas (60/40) counts in each by its share, to the cent, wherever money is summed
by area: the dashboard and its Excel export, the portfolio balance, the annual report and its workbook."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from fundmgr.db import apportion, db
from fundmgr.errors import InsufficientFunds
from fundmgr.finance.dashboard import dashboard
from fundmgr.finance.exports import dashboard_workbook
from fundmgr.finance.models import Allocation, EntryKind, LedgerEntry
from fundmgr.finance.operations import allocate_approved
from fundmgr.finance.queries import allocations_by_area, balances, fundable, needs_of
from fundmgr.funds.models import ThematicArea
from fundmgr.proposals.models import Proposal, ProposalArea, ProposalState
from fundmgr.results import reports
from fundmgr.steering.portfolio import build_portfolio

D = Decimal
DECIDED = date(2024, 6, 1)


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
def split_programme(fund, make_deposit, make_proposal, approve):
    """USD 1,000,000.01 allocated to a programme 60% in TA2 and 40% in TA3; another wholly in TA4 (428,000)."""
    make_deposit("3000000.00")
    programme = in_two_areas(make_proposal(ProposalState.in_review, area="TA2", country="TJK", marker_level=2), fund)
    allocate(programme, "1000000.01")  # its areas are set while it is a draft, before any money
    programme.state = ProposalState.approved
    approve(area="TA4", country="SEN", lead="UNDP", partners=("UNICEF",), marker_level=1,
            direct={"UNDP": "300000.00", "UNICEF": "100000.00"})  # fmt: skip
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


# --- Donors' earmarks: a programme in two areas draws on each area's earmark for that area's share only --------


def in_two_areas(proposal, fund, first="TA2", second="TA3"):
    areas = {a.code: a for a in fund.thematic_areas}
    proposal.area_rows = [ProposalArea(area_id=areas[first].id, share=D(60)),
                          ProposalArea(area_id=areas[second].id, share=D(40))]  # fmt: skip
    db.session.commit()
    return proposal


def allocate(proposal, amount):
    return allocate_approved(proposal, proposal.latest_version, approved_amount=D(amount), decided_on=DECIDED,
                             reference="SC-2024-07", actor=None)  # fmt: skip


def earmarked_by_area(proposal):
    rows = db.session.execute(
        sa.select(ThematicArea.code, sa.func.sum(LedgerEntry.amount))
        .join(ThematicArea, ThematicArea.id == LedgerEntry.area_id)
        .where(LedgerEntry.proposal_id == proposal.id, LedgerEntry.kind == EntryKind.allocation)
        .group_by(ThematicArea.code)
    )
    return {code: -total for code, total in rows}


def test_a_60_40_programme_draws_60_percent_from_one_earmark_and_40_from_the_other(fund, make_deposit, make_proposal):
    make_deposit("1000000.00", area="TA2")  # 990,000.00 earmarked to TA2 after the fee
    make_deposit("1000000.00", area="TA3")  # 990,000.00 to TA3
    make_deposit("1000000.00")  # 990,000.00 unearmarked
    proposal = in_two_areas(make_proposal(ProposalState.in_review, area="TA2"), fund)
    allocations = allocate(proposal, "1000000.01")
    assert earmarked_by_area(proposal) == {"TA2": D("600000.01"), "TA3": D("400000.00")}
    result = balances(fund)
    assert result.available_by_area == {"TA2": D("389999.99"), "TA3": D("590000.00")}
    assert result.unearmarked_available == D("990000.00")
    assert sum(a.total for a in allocations) == D("1000000.01")


def test_an_areas_earmark_short_of_its_share_leaves_the_rest_to_unearmarked_money(fund, make_deposit, make_proposal):
    make_deposit("1000000.00", area="TA2")  # 990,000.00
    make_deposit("100000.00", area="TA3")  # 99,000.00: less than TA3's 40%
    make_deposit("1000000.00")  # 990,000.00
    proposal = in_two_areas(make_proposal(ProposalState.in_review, area="TA2"), fund)
    allocate(proposal, "1000000.01")
    assert earmarked_by_area(proposal) == {"TA2": D("600000.01"), "TA3": D("99000.00")}
    result = balances(fund)
    assert result.available_by_area == {"TA2": D("389999.99"), "TA3": D("0.00")}
    assert result.unearmarked_available == D("990000.00") - D("301000.00")


def test_the_other_areas_share_cannot_come_from_the_primary_areas_earmark(fund, make_deposit, make_proposal):
    """With TA2's earmark holding it all, 40% of the programme (TA3's share) still needs TA3's earmark or unearmarked
    money: refused with the amounts, nothing written."""
    make_deposit("2000000.00", area="TA2")  # 1,980,000.00
    make_deposit("100000.00")  # 99,000.00 unearmarked
    proposal = in_two_areas(make_proposal(ProposalState.in_review, area="TA2"), fund)
    with pytest.raises(InsufficientFunds) as refused:
        allocate(proposal, "1000000.01")
    assert refused.value.message == (
        "The fund cannot cover USD 1,000,000.01: only USD 699,000.01 is available for this programme's thematic "
        "areas (USD 99,000.00 unearmarked and USD 600,000.01 earmarked to their shares of it)."
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 0


def test_the_pipeline_counts_a_60_40_programme_against_each_earmark(fund, make_deposit, make_proposal):
    """`fundable` (the pipeline's and the portfolio's order of funding) draws as allocating would: the 60/40 programme
    fits with the two earmarks, and what it leaves of TA3's earmark pays a programme wholly in TA3."""
    make_deposit("1000000.00", area="TA2")  # 990,000.00
    make_deposit("1000000.00", area="TA3")  # 990,000.00
    split = in_two_areas(make_proposal(ProposalState.endorsed, area="TA2"), fund)  # 1,284,000.00: 770,400 + 513,600
    wholly = make_proposal(ProposalState.endorsed, area="TA3", partners=(), direct={"IOM": "445000.00"})  # 476,150
    rows = fundable(fund, [split, wholly])
    assert [(row.fundable, row.gap) for row in rows] == [(True, D("1284000.00")), (True, D("476150.00"))]
    # a third one wholly in TA3: 990,000.00 - 513,600.00 - 476,150.00 = 250.00 is left of TA3's earmark
    third = make_proposal(ProposalState.endorsed, area="TA3", partners=(), direct={"IOM": "300.00"})  # 321.00
    assert [row.fundable for row in fundable(fund, [split, wholly, third])] == [True, True, False]


@pytest.mark.both_engines
def test_the_needs_read_among_many_proposals_are_those_of_the_loaded_proposals(fund, make_deposit, make_proposal):
    """The portfolio reads every candidate's need by a condition on the fund's proposals (the net allocation kept per
    programme, the shares of all of them): the same gaps and shares, to the cent, as `fundable` from the loaded
    proposals, before and after part of one is allocated."""
    make_deposit("3000000.00")
    split = in_two_areas(make_proposal(ProposalState.in_review, area="TA2"), fund)
    wholly = make_proposal(ProposalState.in_review, area="TA3", partners=(), direct={"IOM": "445000.00"})
    make_proposal(ProposalState.approved, area="TA4")  # not among them
    among = sa.and_(Proposal.fund_id == fund.id, Proposal.state == ProposalState.in_review)

    def assert_as_loaded():
        ids = [split.id, wholly.id]
        needs = needs_of(fund, ids, among)
        assert {pid: gap for pid, (gap, _shares) in needs.items()} == {
            r.proposal.id: r.gap for r in fundable(fund, [split, wholly])
        }
        assert needs[split.id][1] == [("TA2", D(60)), ("TA3", D(40))]
        assert needs[wholly.id][1] == [("TA3", D(100))]
        assert needs == needs_of(fund, ids)

    assert_as_loaded()
    allocate(split, "1000000.01")
    assert_as_loaded()
    assert needs_of(fund, [split.id], among)[split.id][0] == D("284000.00") - D("0.01")
