"""Expenditure reported by participating organizations: the refusals, the delivery rate, the dashboard's lower half."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, NotAllowed, ValidationFailed
from fundmgr.finance.models import ExpenditureKind, rebuild_expenditure_totals
from fundmgr.finance.operations import record_expenditure, record_refund, record_transfer
from fundmgr.finance.queries import (
    balances,
    delivery_by_organization,
    expenditure_by_organization,
    money_by_organization,
    organization_status_rows,
)
from fundmgr.proposals.models import ProposalState
from tests.factories import sign_in
from tests.support import TODAY

pytestmark = pytest.mark.both_engines  # amounts as each engine stores them

D = Decimal
INTERIM, ANNUAL = ExpenditureKind.interim, ExpenditureKind.annual


@pytest.fixture
def funded(fund, make_deposit, approve, fmu):
    """An active programme: IOM received 300,000 (a refund of 20,000 since), UNHCR 100,000."""
    make_deposit("2000000.00")
    proposal, (iom, unhcr) = approve()
    record_transfer(iom, amount=D("300000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    record_transfer(unhcr, amount=D("100000.00"), on_date=date(2024, 7, 1), reference="TR-2", actor=fmu)
    record_refund(iom, amount=D("20000.00"), on_date=date(2025, 1, 15), reference="RF-1", actor=fmu)
    db.session.commit()
    return proposal, iom, unhcr


def category(fund, number=1):
    return next(c for c in fund.budget_categories if c.number == number)


def spend(allocation, amount, *, year=2025, number=1, kind=INTERIM, actor=None):
    fund = allocation.proposal.fund
    return record_expenditure(
        allocation, year=year, category=category(fund, number), kind=kind, amount=D(amount), actor=actor
    )


def test_an_organizations_expenditure_never_totals_more_than_its_net_transfers(funded, fmu):
    _proposal, iom, _unhcr = funded
    spend(iom, "200000.00", number=1, actor=fmu)
    spend(iom, "80000.00", number=4, actor=fmu)  # 280,000: exactly what IOM holds (300,000 less the 20,000 refund)
    with pytest.raises(InsufficientFunds, match=r"has received USD 280,000.00 .*cannot total USD 280,000.01"):
        spend(iom, "0.01", number=5, actor=fmu)


def test_certified_annual_figures_replace_the_years_interim_ones(funded, fmu):
    _proposal, iom, _unhcr = funded
    spend(iom, "250000.00", year=2024, kind=INTERIM, actor=fmu)
    spend(iom, "100000.00", year=2024, kind=ANNUAL, actor=fmu)  # the certified year replaces the 250,000
    spend(iom, "150000.00", year=2025, kind=INTERIM, actor=fmu)
    (row,) = delivery_by_organization(iom.proposal.fund, [iom])
    assert row.expenditure == D("250000.00")


def test_a_correction_replaces_the_figure_and_is_audited(funded, fmu):
    _proposal, iom, _unhcr = funded
    spend(iom, "1000.00", actor=fmu)
    corrected = spend(iom, "900.00", actor=fmu)
    assert corrected.amount == D("900.00")
    (row,) = delivery_by_organization(iom.proposal.fund, [iom])
    assert row.expenditure == D("900.00")
    from fundmgr.audit import AuditEntry

    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "expenditure").order_by(AuditEntry.id)
    ).all()
    assert actions == ["expenditure.recorded", "expenditure.corrected"]


def test_refusals_name_every_problem(funded, fund, fmu):
    _proposal, iom, _unhcr = funded
    with pytest.raises(ValidationFailed) as refused:
        record_expenditure(iom, year=2019, category=None, kind=INTERIM, amount=D("-5.00"), actor=fmu)
    text = " ".join(refused.value.problems)
    assert "The year must be between 2024 and" in text
    assert "Choose one of the fund's budget categories." in text
    assert "The amount cannot be negative." in text
    with pytest.raises(ValidationFailed, match="between 2024 and"):
        spend(iom, "1.00", year=TODAY.year + 1, actor=fmu)


def test_a_financially_closed_programme_keeps_its_expenditure(funded, fmu):
    proposal, iom, _unhcr = funded
    proposal.state = ProposalState.closed
    spend(iom, "1.00", kind=ANNUAL, actor=fmu)  # operationally closed: the final figures are still certified
    proposal.operationally_closed_on = proposal.financially_closed_on = TODAY
    with pytest.raises(ValidationFailed, match="is financially closed"):
        spend(iom, "2.00", kind=ANNUAL, actor=fmu)


def test_agencies_report_only_for_their_own_organization(funded, make_user):
    _proposal, iom, unhcr = funded
    iom_staff = make_user(Role.agency, org="IOM")
    spend(iom, "10.00", actor=iom_staff)
    with pytest.raises(NotAllowed):
        spend(unhcr, "10.00", actor=iom_staff)
    with pytest.raises(NotAllowed):
        spend(iom, "10.00", actor=make_user(Role.sc_member))
    with pytest.raises(NotAllowed):
        spend(iom, "10.00", actor=make_user(Role.admin))


def test_spent_money_cannot_be_refunded(funded, fmu):
    _proposal, iom, _unhcr = funded
    spend(iom, "270000.00", actor=fmu)
    with pytest.raises(InsufficientFunds, match=r"holds only USD 10,000\.00 unspent"):
        record_refund(iom, amount=D("10000.01"), on_date=TODAY, reference="RF-2", actor=fmu)


def test_delivery_rate_is_expenditure_over_net_transfers(funded, fmu):
    _proposal, iom, unhcr = funded
    spend(iom, "70000.00", actor=fmu)
    spend(unhcr, "100000.00", actor=fmu)
    rows = delivery_by_organization(iom.proposal.fund, [iom, unhcr])
    assert [(r.net_transferred, r.expenditure, r.balance, r.rate) for r in rows] == [
        (D("280000.00"), D("70000.00"), D("210000.00"), D("0.25")),
        (D("100000.00"), D("100000.00"), D("0.00"), D("1")),
    ]


def gateway_sums_in_sql(fund):
    """The lower half of the Gateway's table, summed straight from the tables."""
    one = db.session.execute(
        sa.text(
            "SELECT (SELECT -COALESCE(SUM(amount), 0) FROM ledger_entries WHERE fund_id = :f AND kind = 'transfer'),"
            " (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE fund_id = :f AND kind = 'refund'),"
            " (SELECT COALESCE(SUM(e.amount), 0) FROM expenditures e WHERE e.fund_id = :f AND (e.kind = 'annual'"
            "   OR NOT EXISTS (SELECT 1 FROM expenditures a WHERE a.allocation_id = e.allocation_id"
            "                  AND a.year = e.year AND a.kind = 'annual')))"
        ),
        {"f": fund.id},
    ).one()
    return [D(str(v)) / (100 if db.engine.dialect.name == "sqlite" else 1) for v in one]


def test_the_dashboard_shows_funds_with_organizations_reconciled_to_the_cent(funded, fund, fmu, client):
    _proposal, iom, unhcr = funded
    spend(iom, "12345.67", year=2024, kind=INTERIM, actor=fmu)
    spend(iom, "23456.78", year=2024, kind=ANNUAL, number=2, actor=fmu)
    spend(iom, "1000.01", year=2025, kind=INTERIM, actor=fmu)
    spend(unhcr, "99999.99", year=2025, kind=ANNUAL, number=7, actor=fmu)
    db.session.commit()
    transferred, refunded, spent = gateway_sums_in_sql(fund)
    assert spent == D("23456.78") + D("1000.01") + D("99999.99")
    rows = organization_status_rows(balances(fund), fund)
    assert [amount for _label, amount, _style in rows] == [
        transferred - refunded,
        spent,
        transferred - refunded - spent,
    ]
    sign_in(client, fmu)
    page = client.get("/finance/").get_data(as_text=True)
    assert "Expenditure by Participating UN Organizations" in page  # as the fund's definition calls them
    assert "124,456.78" in page  # expenditure
    assert "255,543.22" in page  # balance with the organizations
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/finance/dashboard.xlsx").data))
    cells = {row[0]: row[1] for sheet in workbook for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert D(str(cells["Expenditure by Participating UN Organizations"])) == spent
    assert D(str(cells["Balance with Participating UN Organizations"])) == transferred - refunded - spent
    reader = pypdf.PdfReader(io.BytesIO(client.get("/finance/dashboard.pdf").data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Funds with Participating UN Organizations" in " ".join(text.split())
    assert "124,456.78" in text
    assert "255,543.22" in text


def test_the_expenditure_kept_per_organization_is_what_its_reported_figures_add_up_to(funded, fund, fmu):
    """Interim figures, a certified year replacing them, a correction down: after each, the totals kept per
    organization (what the dashboard reads) equal those summed afresh from the figures, and the balances and money
    per organization are those of the figures read as at a later day."""
    _proposal, iom, unhcr = funded
    later = date(9999, 12, 31)
    steps = [(iom, "5000.00", 2024, INTERIM, 1), (iom, "7000.00", 2024, INTERIM, 2),
             (iom, "6000.00", 2024, ANNUAL, 1),  # the certified 2024: 6,000 instead of 12,000
             (unhcr, "300.50", 2025, INTERIM, 3), (iom, "0.00", 2024, ANNUAL, 1),  # corrected down to nothing
             (iom, "42.42", 2025, INTERIM, 1)]  # fmt: skip
    for allocation, amount, year, kind, number in steps:
        spend(allocation, amount, year=year, kind=kind, number=number, actor=fmu)
        kept = expenditure_by_organization(fund)
        assert kept == expenditure_by_organization(fund, later)
        assert kept == rebuilt_expenditure_totals(fund)
        assert balances(fund) == balances(fund, later)
        assert money_by_organization(fund) == money_by_organization(fund, later)
    assert expenditure_by_organization(fund) == {iom.organization_id: D("42.42"), unhcr.organization_id: D("300.50")}


def rebuilt_expenditure_totals(fund):
    """The totals per organization summed afresh from every reported figure (undone afterwards)."""
    savepoint = db.session.begin_nested()
    rebuild_expenditure_totals(db.session.connection())
    rows = expenditure_by_organization(fund)
    savepoint.rollback()
    return rows


def test_an_agency_sees_and_reports_only_its_own_organizations_lines(funded, fmu, make_user, client):
    proposal, iom, unhcr = funded
    spend(unhcr, "4321.00", actor=fmu)
    db.session.commit()
    iom_staff = make_user(Role.agency, org="IOM", locale="fr")
    sign_in(client, iom_staff)
    page = client.get(f"/finance/programmes/{proposal.id}/expenditure").get_data(as_text=True)
    assert f"/finance/allocations/{iom.id}/expenditure" in page  # its own line, with the form to report
    assert "280\u202f000,00" in page  # what IOM holds: 300,000 less the 20,000 refund
    assert "4\u202f321,00" not in page  # UNHCR's expenditure
    assert "100\u202f000,00" not in page  # UNHCR's transfer
    assert client.get(f"/finance/allocations/{unhcr.id}/expenditure").status_code == 403
    form = {"year": "2025", "category": str(category(proposal.fund).id), "kind": "annual", "amount": "1 234,56"}
    response = client.post(f"/finance/allocations/{iom.id}/expenditure", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    (row,) = delivery_by_organization(proposal.fund, [iom])
    assert row.expenditure == D("1234.56")


def test_the_programmes_list_shows_each_programmes_delivery_rate(funded, fmu, client):
    _proposal, iom, unhcr = funded
    spend(iom, "70000.00", actor=fmu)
    spend(unhcr, "25000.00", actor=fmu)
    db.session.commit()
    sign_in(client, fmu)
    page = client.get("/finance/programmes").get_data(as_text=True)
    assert "95,000.00" in page
    assert "25.0%" in page  # 95,000 of the 380,000 transferred, less refunds


def test_a_financially_closed_programmes_expenditure_page_offers_no_form(funded, fmu, client):
    proposal, iom, _unhcr = funded
    spend(iom, "1000.00", actor=fmu)
    proposal.state = ProposalState.closed
    proposal.operationally_closed_on = proposal.financially_closed_on = TODAY
    db.session.commit()
    sign_in(client, fmu)
    page = client.get(f"/finance/programmes/{proposal.id}/expenditure").get_data(as_text=True)
    assert "1,000.00" in page
    assert f"/finance/allocations/{iom.id}/expenditure" not in page
