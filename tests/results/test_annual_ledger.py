"""The headline question: does the annual report agree to the cent with the ledger and include every programme active
that year? An awkward 2025: deposits in euros and dollars, a commitment half paid, a corrected deposit, a refund,
transfers on both sides of the year's end, certified and interim expenditure, and a programme planned for 2027 but
paid in 2025. The report's PDF (pdftotext), its Excel workbook, the dashboard as at 31 December and its export are
compared with sums computed in SQL. A top-up (decided by the Steering Committee, transferred in 2025) and a no-cost
extension change the boundary programme; a fourth programme runs from February to July and is closed within the year
through the real operations (its final report accepted, closed operationally, its certified expenditure recorded, then
closed financially with each organization's unspent balance refunded through the ledger): the report still agrees and
still lists it. The reminders of the financial reports follow the fund's calendar."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.dashboard import dashboard
from fundmgr.finance.exports import dashboard_workbook
from fundmgr.finance.models import Allocation, ContributionKind, EntryKind, Expenditure, ExpenditureKind, LedgerEntry
from fundmgr.finance.operations import (
    allocate_approved,
    certified_expenditure,
    close_financially,
    correct_contribution,
    decide_top_up,
    record_contribution,
    record_expenditure,
    record_final_statement,
    record_refund,
    record_transfer,
    request_top_up,
)
from fundmgr.funds.calendar import add_months
from fundmgr.proposals.models import ProposalState
from fundmgr.results import operations as results_ops
from fundmgr.results import reports
from tests.factories import sign_in
from tests.finance.helpers import contribution_data
from tests.support.files import unique_pdf, upload

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL

D = Decimal
YEAR_END = date(2025, 12, 31)


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, white space made single spaces."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", out.decode())


def amount(value: Decimal) -> str:
    return f"{value:,.2f}"


CLOSED_VALUES = {
    "Number of migrants assisted": "950",
    "Number of officials trained": "180",
    "Share of trained officials applying the guidelines": "55",
}


@pytest.fixture
def awkward_year(fund, make_programme, make_deposit, fmu, make_user, accepted_report):
    """Four programmes: three active in 2025 (one planned for 2027, paid in 2025; one closed in 2025), one paid only
    in 2026."""
    make_deposit("3000000.00", on_date=date(2025, 1, 10))
    record_contribution(fund, contribution_data(fund, "1000000.00", rate="1.1215", on_date=date(2025, 2, 1),
                                                reference="SAA-2025-DEU"), actor=fmu)  # fmt: skip
    commitment = dict(currency="EUR", donor="GOV-NLD", reference="SAA-2025-NLD")
    record_contribution(fund, contribution_data(fund, "800000.00", rate="1.08", kind=ContributionKind.commitment,
                                                on_date=date(2025, 3, 1), **commitment), actor=fmu)  # fmt: skip
    record_contribution(fund, contribution_data(fund, "300000.00", rate="1.10", on_date=date(2025, 6, 1),
                                                **commitment), actor=fmu)  # fmt: skip
    record_contribution(fund, contribution_data(fund, "500000.00", rate="1.05", on_date=date(2026, 2, 1),
                                                **commitment), actor=fmu)  # fmt: skip
    typo = record_contribution(fund, contribution_data(fund, "250000.00", currency="USD", rate="1", donor="GOV-NOR",
                                                       on_date=date(2025, 4, 1), reference="SAA-2025-NOR"),
                               actor=fmu)  # fmt: skip
    correct_contribution(typo, replacement=contribution_data(fund, "205000.00", currency="USD", rate="1",
                                                             donor="GOV-NOR", on_date=date(2025, 4, 1),
                                                             reference="SAA-2025-NOR"),
                         reason="Typed 250,000 for 205,000.", actor=fmu)  # fmt: skip
    made = {}
    for key, title, planned in (
        ("boundary", "Transfers across the year end", date(2024, 1, 1)),
        ("early", "Planned for 2027, paid in 2025", date(2027, 1, 1)),
        ("late", "Paid only in 2026", date(2025, 6, 1)),
        ("closed", "Six months, closed within the year", date(2025, 1, 1)),
    ):
        months = 6 if key == "closed" else 24
        programme = make_programme(start=planned, duration_months=months, state=ProposalState.approved, title=title)
        proposal = programme.proposal
        allocate_approved(proposal, proposal.latest_version, approved_amount=D("900000.00"),
                          decided_on=date(2025, 1, 15), reference=f"SC-2025-{key}", actor=fmu)  # fmt: skip
        made[key] = programme
    iom, unhcr = allocations(made["boundary"])
    record_transfer(iom, amount=D("300000.00"), on_date=date(2025, 3, 15), reference="TR-B1", actor=fmu)
    record_refund(iom, amount=D("20000.33"), on_date=date(2025, 11, 30), reference="RF-B1", actor=fmu)
    record_transfer(unhcr, amount=D("100000.17"), on_date=YEAR_END, reference="TR-B2", actor=fmu)
    record_transfer(iom, amount=D("40000.00"), on_date=date(2026, 1, 2), reference="TR-B3", actor=fmu)
    # a top-up of IOM's part, forwarded by the FMU and approved by the committee, half transferred in 2025
    lead = make_user(Role.agency, org="IOM")
    top_up = request_top_up(made["boundary"].proposal, organization_id=iom.organization_id, amount=D("60000.00"),
                            reason="More arrivals than planned.", actor=lead)  # fmt: skip
    decide_top_up(top_up, decision="forward", note="Reviewed.", actor=fmu)
    more = decide_top_up(top_up, decision="approve", note="", actor=make_user(Role.sc_member),
                         reference="SC-2025-TU", decided_on=date(2025, 6, 2))  # fmt: skip
    record_transfer(more, amount=D("30000.00"), on_date=date(2025, 7, 1), reference="TR-TU1", actor=fmu)
    # and a no-cost extension of two months
    extension = results_ops.request_extension(made["boundary"], new_end_date=add_months(made["boundary"].end_date, 2),
                                              reason="Elections delayed the field work.", actor=lead)  # fmt: skip
    results_ops.decide_extension(extension, decision="approve", note="", actor=fmu)
    early_iom, _early_unhcr = allocations(made["early"])
    record_transfer(early_iom, amount=D("125000.50"), on_date=date(2025, 9, 1), reference="TR-E1", actor=fmu)
    late_iom, _late_unhcr = allocations(made["late"])
    record_transfer(late_iom, amount=D("50000.00"), on_date=date(2026, 1, 10), reference="TR-L1", actor=fmu)
    categories = fund.budget_categories
    spend = dict(year=2025, actor=fmu)
    record_expenditure(iom, category=categories[0], kind=ExpenditureKind.interim, amount=D("99999.99"), **spend)
    record_expenditure(iom, category=categories[0], kind=ExpenditureKind.annual, amount=D("150000.00"), **spend)
    record_expenditure(iom, category=categories[1], kind=ExpenditureKind.annual, amount=D("30000.55"), **spend)
    record_expenditure(unhcr, category=categories[0], kind=ExpenditureKind.interim, amount=D("10000.10"), **spend)
    record_expenditure(early_iom, category=categories[2], kind=ExpenditureKind.interim, amount=D("2500.25"), **spend)
    record_expenditure(iom, category=categories[0], kind=ExpenditureKind.interim, amount=D("5000.00"),
                       year=2026, actor=fmu)  # fmt: skip
    close_within_the_year(made["closed"], fmu, accepted_report)
    db.session.commit()
    return made


def close_within_the_year(programme, fmu, accepted_report) -> None:
    """Paid on 3 February 2025 (so running 3 February to 2 August), its report accepted, closed operationally on 30
    September and financially on 15 December: IOM refunds 49,999.60 and UNHCR 1,000.00 of what they did not spend."""
    iom, unhcr = allocations(programme)
    record_transfer(iom, amount=D("200000.00"), on_date=date(2025, 2, 3), reference="TR-C1", actor=fmu)
    record_transfer(unhcr, amount=D("50000.00"), on_date=date(2025, 2, 3), reference="TR-C2", actor=fmu)
    db.session.refresh(programme)
    assert (programme.start_date, programme.end_date) == (date(2025, 2, 3), date(2025, 8, 2))
    for period in programme.periods:
        accepted_report(programme, period.number, CLOSED_VALUES)
    results_ops.close_operationally(programme, closed_on=date(2025, 9, 30), activities_ended=True, actor=fmu)
    category = programme.proposal.fund.budget_categories[0]
    annual = dict(year=2025, category=category, kind=ExpenditureKind.annual, actor=fmu)
    record_expenditure(iom, amount=D("150000.40"), **annual)
    record_expenditure(unhcr, amount=D("49000.00"), **annual)
    refunds = close_financially(programme.proposal, closed_on=date(2025, 12, 15), reference="RF-C", actor=fmu)
    assert refunds == {iom.id: D("49999.60"), unhcr.id: D("1000.00")}
    for allocation in (iom, unhcr):  # and their certified final financial statements arrive before the year's end
        spent = certified_expenditure(programme.proposal, allocation.organization_id)
        record_final_statement(programme.proposal, organization_id=allocation.organization_id,
                               received_on=date(2025, 12, 20), document=f"CFS-{allocation.id}", certified_total=spent,
                               upload=upload(f"cfs-{allocation.id}.pdf", unique_pdf()), actor=fmu)  # fmt: skip


def allocations(programme):
    return db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == programme.proposal_id).order_by(Allocation.id)
    ).all()


def ledger_sum(fund, kind: EntryKind) -> Decimal:
    """Summed by the database, dated up to 31 December 2025, as positive amounts."""
    total = db.session.scalar(
        sa.select(sa.func.sum(LedgerEntry.amount)).where(
            LedgerEntry.fund_id == fund.id, LedgerEntry.kind == kind, LedgerEntry.on_date <= YEAR_END
        )
    )
    return abs(total or D(0))


def expenditure_sum(fund) -> Decimal:
    """Per allocation and year up to 2025: the certified annual figures where there are any, else the interim ones."""
    annual = sa.orm.aliased(Expenditure)
    has_annual = (
        sa.select(annual.id)
        .where(annual.allocation_id == Expenditure.allocation_id, annual.year == Expenditure.year)
        .where(annual.kind == ExpenditureKind.annual)
        .exists()
    )
    return db.session.scalar(
        sa.select(sa.func.sum(Expenditure.amount)).where(
            Expenditure.fund_id == fund.id,
            Expenditure.year <= YEAR_END.year,
            sa.or_(Expenditure.kind == ExpenditureKind.annual, ~has_annual),
        )
    )


def test_the_annual_report_agrees_with_the_ledger_and_includes_every_programme_active_that_year(
    app, fund, awkward_year, client, fmu
):
    sql = {
        "deposits": ledger_sum(fund, EntryKind.deposit),
        "transfers": ledger_sum(fund, EntryKind.transfer),
        "refunds": ledger_sum(fund, EntryKind.refund),
        "expenditure": expenditure_sum(fund),
    }
    # by hand: 3,000,000 + EUR 1,000,000 at 1.1215 + EUR 300,000 at 1.10 + 205,000 (the corrected 250,000)
    assert sql == {
        "deposits": D("3000000.00") + D("1121500.00") + D("330000.00") + D("205000.00"),
        "transfers": D("300000.00") + D("30000.00") + D("100000.17") + D("125000.50") + D("250000.00"),
        "refunds": D("20000.33") + D("49999.60") + D("1000.00"),  # the closed programme's refunds on 15 December
        "expenditure": D("150000.00") + D("30000.55") + D("10000.10") + D("2500.25") + D("199000.40"),
    }
    closed = awkward_year["closed"].proposal
    assert closed.state is ProposalState.closed
    assert (closed.operationally_closed_on, closed.financially_closed_on) == (date(2025, 9, 30), date(2025, 12, 15))
    net = sql["transfers"] - sql["refunds"]
    held = net - sql["expenditure"]

    # the dashboard as at the year's end
    figures = dashboard(fund, YEAR_END)
    b = figures.balances
    assert (b.received, b.transferred, b.refunded, b.expenditure) == (
        sql["deposits"],
        sql["transfers"],
        sql["refunds"],
        sql["expenditure"],
    )
    assert sum(m.transferred for m in figures.organizations) == sql["transfers"]
    assert sum(m.balance for m in figures.organizations) == held
    nld = next(d for d in figures.donors if d.code == "GOV-NLD")
    assert nld.outstanding == D("540000.00")  # EUR 500,000 of 800,000 unpaid at 31 December, at the commitment's 1.08
    assert next(d for d in dashboard(fund).donors if d.code == "GOV-NLD").outstanding == D("0.00")

    # its Excel export
    sheet = openpyxl.load_workbook(io.BytesIO(dashboard_workbook(fund, figures)))["Funding status"]
    lines = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert D(str(lines["Contributions from donors (deposits)"])) == sql["deposits"]
    assert D(str(lines["Transfers to Participating UN Organizations"])) == sql["transfers"]
    assert D(str(lines[f"Expenditure by {fund.participants_label}"])) == sql["expenditure"]
    assert D(str(lines[f"Balance with {fund.participants_label}"])) == held

    # the dashboard page
    sign_in(client, fmu)
    page = client.get("/finance/?as_at=2025-12-31").get_data(as_text=True)
    for value in (sql["deposits"], sql["transfers"], sql["expenditure"], held, D("540000.00")):
        assert amount(value) in page

    # the annual report: every programme active in 2025, the status at 31 December, what is missing
    boundary, early, late = (awkward_year[k].proposal.reference for k in ("boundary", "early", "late"))
    with app.test_request_context():
        text = text_of(reports.annual_report_pdf(fund, 2025, "en"))
        workbook = openpyxl.load_workbook(io.BytesIO(reports.annual_report_xlsx(fund, 2025, "en")))
    assert boundary in text
    assert early in text
    assert closed.reference in text  # closed within the year, still active in it
    assert late not in text  # paid in 2026: not active in 2025
    assert "Funding status as at 2025-12-31" in text
    for value in (sql["deposits"], sql["transfers"], sql["refunds"], sql["expenditure"], held, D("540000.00")):
        assert amount(value) in text
    assert "Reports not received" in text
    assert re.search(rf"{boundary} 1: 2025-03-15 – 2025-12-31 2026-03-31 Not received", text)
    assert "Illustrative" not in text
    assert "Top-up 1 approved on 2025-06-02 (SC-2025-TU): IOM, USD 60,000.00." in text
    status = {row[0]: row[1] for row in workbook["Funding status"].iter_rows(min_row=2, values_only=True)}
    assert D(str(status["Transfers to Participating UN Organizations"])) == sql["transfers"]
    assert D(str(status[f"Expenditure by {fund.participants_label}"])) == sql["expenditure"]
    delivery = list(workbook["Delivery"].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in delivery} == {boundary, early, closed.reference}
    assert sum(D(str(row[4])) for row in delivery) == sql["expenditure"]
    closed_rows = {row[1]: [D(str(v)) for v in row[2:5]] for row in delivery if row[0] == closed.reference}
    assert closed_rows == {  # transferred, refunded, spent: nothing left with either organization
        "IOM": [D("200000.00"), D("49999.60"), D("150000.40")],
        "UNHCR": [D("50000.00"), D("1000.00"), D("49000.00")],
    }
    assert sum(D(str(row[2])) - D(str(row[3])) for row in delivery) == net
    missing = list(workbook["Reports not received"].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in missing} == {boundary, early}


def test_the_deadlines_page_lists_the_annual_financial_reports_the_calendar_asks_for(fund, awkward_year, client, fmu):
    """On 2026-06-01, 2025's certified expenditure was due on 30 April: IOM certified it for one programme;
    UNHCR (interim figures only) and IOM on the other owe it; UNHCR on that one has received nothing to report on."""
    from fundmgr.deadlines.queries import financial_report_deadlines
    from tests.support.results import RESULTS_DAY

    owed = financial_report_deadlines(fund, RESULTS_DAY)
    boundary, early = (awkward_year[k].proposal.reference for k in ("boundary", "early"))
    assert sorted((d.proposal.reference, d.organization.code, d.year, d.due_on) for d in owed) == sorted([
        (boundary, "UNHCR", 2025, date(2026, 4, 30)),
        (early, "IOM", 2025, date(2026, 4, 30)),
    ])  # fmt: skip
    assert all(d.is_past(RESULTS_DAY) for d in owed)
    sign_in(client, fmu)
    page = client.get("/deadlines/").get_data(as_text=True)
    assert "Annual financial reports" in page
    assert "04-30" in page
    assert page.count("Overdue") >= 2


def test_the_financial_reports_are_reminded_by_the_calendar(fund, awkward_year, make_user, run_reminders):
    """UNHCR owes 2025's certified expenditure on the boundary programme (interim figures only), due 30 April 2026:
    its staff are reminded 14 and 3 days before and the day after; IOM, which certified it, is not. After the
    financial closure, the certified final statements are due 30 June of the next year."""
    unhcr = make_user(Role.agency, org="UNHCR")
    make_user(Role.agency, org="IOM")
    db.session.commit()
    due = date(2026, 4, 30)
    sent = {day: run_reminders(due - timedelta(days=day)) for day in (15, 14, 3, 0, -1, -2)}
    assert [day for day, s in sent.items() if s.messages] == [14, 3, -1]
    assert all(set(s.counts) == {"financial_report_due"} for s in sent.values() if s.messages)
    boundary, early = (awkward_year[k].proposal.reference for k in ("boundary", "early"))
    to_unhcr = {m.subject for s in sent.values() for m in s.messages if unhcr.email in m.recipients}
    assert to_unhcr == {f"Annual financial report 2025 due on April 30, 2026: {boundary}"}
    to_iom = {m.subject for s in sent.values() for m in s.messages if unhcr.email not in m.recipients}
    assert to_iom == {f"Annual financial report 2025 due on April 30, 2026: {early}"}  # IOM certified the other
    assert f"/finance/programmes/{awkward_year['boundary'].proposal_id}/expenditure" in sent[3].messages[0].body
    assert "1 day late" in " ".join(m.body for m in sent[-1].messages)
    # once closed financially (here set directly: the closure itself is tested in tests/finance), the certified final
    # statements of each organization paid are due 30 June of the next year
    from fundmgr.deadlines.queries import financial_report_deadlines

    awkward_year["early"].proposal.financially_closed_on = date(2026, 3, 1)
    finals = [d for d in financial_report_deadlines(fund, date(2026, 5, 2)) if d.final]
    assert [(d.proposal.reference, d.organization.code, d.due_on) for d in finals] == [
        (early, "IOM", date(2027, 6, 30))
    ]


def test_agency_staff_see_the_expenditure_their_organization_owes_first_on_their_home_page(
    fund, awkward_year, client, make_user, frozen_clock, fmu
):
    """On 2026-06-01 UNHCR owes 2025's certified expenditure on the boundary programme (due 30 April, by the fund's
    calendar): its staff's home page lists it above the cards, overdue, linking to the programme's expenditure page;
    IOM's staff see only what IOM owes; the FMU's home page has no such list (the deadlines page is theirs)."""
    from tests.support.results import RESULTS_DAY

    frozen_clock(RESULTS_DAY)
    unhcr, iom = make_user(Role.agency, org="UNHCR"), make_user(Role.agency, org="IOM")
    db.session.commit()
    boundary, early = (awkward_year[k] for k in ("boundary", "early"))
    sign_in(client, unhcr)
    page = client.get("/").get_data(as_text=True)
    assert "Expenditure due" in page
    section = page[page.index('id="expenditure-due"') : page.index("</section>", page.index('id="expenditure-due"'))]
    assert f'href="/finance/programmes/{boundary.proposal_id}/expenditure"' in section
    assert boundary.proposal.reference in section
    assert early.proposal.reference not in section
    assert "certified expenditure for 2025" in section
    assert "Overdue" in section
    assert page.index('id="expenditure-due"') < page.index('class="card')
    sign_in(client, iom)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('id="expenditure-due"') : page.index("</section>", page.index('id="expenditure-due"'))]
    assert early.proposal.reference in section
    assert boundary.proposal.reference not in section
    sign_in(client, fmu)
    assert 'id="expenditure-due"' not in client.get("/").get_data(as_text=True)
