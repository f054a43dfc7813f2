"""The certified final financial statements of each organization after a programme's financial closure: an explicit
record (received on a date, by whom, the document), made by the FMU through one audited operation, shown on the
programme's money page and the deadlines page; the reminders stop once it is recorded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.deadlines.queries import financial_report_deadlines
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import FinalStatement
from fundmgr.results import operations as ops
from tests.factories import sign_in
from tests.results.test_closure import allocations_of, certify
from tests.support.results import RESULTS_DAY

D = Decimal
DUE = date(2027, 6, 30)  # 30 June of the year after the financial closure (the fund's definition file)


@pytest.fixture
def closed(finished, fmu):
    """Closed operationally and financially on RESULTS_DAY, both organizations' expenditure certified."""
    iom, unhcr = allocations_of(finished)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    for allocation, amount in ((iom, "180000.33"), (unhcr, "60000.00")):
        certify(allocation, amount, 2024)
        for year in (2025, 2026):
            certify(allocation, "0.00", year)
    finance_ops.close_financially(finished.proposal, closed_on=RESULTS_DAY, reference="FC-1", actor=fmu)
    db.session.commit()
    return finished.proposal


def finals(fund):
    return [(d.organization.code, d.due_on) for d in financial_report_deadlines(fund, RESULTS_DAY) if d.final]


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FinalStatement))


def test_the_final_statements_are_due_until_recorded_even_with_the_closure_years_figures_certified(closed, fund, fmu):
    assert finals(fund) == [("IOM", DUE), ("UNHCR", DUE)]
    iom = next(o for o in finance_ops.owing_organizations(closed) if o.code == "IOM")
    statement = finance_ops.record_final_statement(
        closed, organization_id=iom.id, received_on=RESULTS_DAY, document="IOM/CFS/2026/17", actor=fmu
    )
    db.session.commit()
    assert (statement.received_on, statement.document, statement.received_by_id) == (
        RESULTS_DAY, "IOM/CFS/2026/17", fmu.id
    )  # fmt: skip
    assert finals(fund) == [("UNHCR", DUE)]
    done = [d for d in financial_report_deadlines(fund, RESULTS_DAY, include_done=True) if d.final]
    assert [(d.organization.code, d.received) for d in done] == [("IOM", True), ("UNHCR", False)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "final_statement.received")).one()
    assert entry.after["document"] == "IOM/CFS/2026/17"
    assert entry.after["received_on"] == RESULTS_DAY.isoformat()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organization_id": -1}, "Choose an organization that received money on the programme."),
        ({"received_on": RESULTS_DAY + timedelta(days=1)}, "The date of receipt cannot be in the future."),
        ({"received_on": RESULTS_DAY - timedelta(days=1)}, "cannot be before the financial closure"),
        ({"received_on": "2026-06-01"}, "The date of receipt is required."),
        ({"document": "   "}, "Give the document's reference, file name or link."),
        ({"document": "x" * 301}, "The document is longer than 300 characters."),
        ({"document": None}, "Give the document's reference, file name or link."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(closed, fmu, change, message):
    iom = finance_ops.owing_organizations(closed)[0]
    data = {"organization_id": iom.id, "received_on": RESULTS_DAY, "document": "CFS-1", **change}
    with pytest.raises(ValidationFailed, match=message):
        finance_ops.record_final_statement(closed, actor=fmu, **data)
    db.session.rollback()
    assert count() == 0


def test_recorded_once_only_by_the_fmu_and_only_after_the_financial_closure(finished, closed, fmu, make_user):
    iom = finance_ops.owing_organizations(closed)[0]
    for role in (Role.agency, Role.sc_member, Role.viewer, Role.admin):
        with pytest.raises(NotAllowed):
            finance_ops.record_final_statement(
                closed, organization_id=iom.id, received_on=RESULTS_DAY, document="X", actor=make_user(role)
            )
    finance_ops.record_final_statement(closed, organization_id=iom.id, received_on=RESULTS_DAY, document="X", actor=fmu)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="already recorded"):
        finance_ops.record_final_statement(
            closed, organization_id=iom.id, received_on=RESULTS_DAY, document="Y", actor=fmu
        )
    db.session.rollback()
    assert count() == 1


def test_not_before_the_financial_closure(running, fmu):
    iom = allocations_of(running)[0]
    with pytest.raises(ValidationFailed, match="after the financial closure"):
        finance_ops.record_final_statement(
            running.proposal, organization_id=iom.organization_id, received_on=RESULTS_DAY, document="X", actor=fmu
        )
    db.session.rollback()
    assert count() == 0


def test_the_reminder_stops_once_received(closed, fund, fmu, make_user, run_reminders):
    iom_user = make_user(Role.agency, org="IOM")
    unhcr_user = make_user(Role.agency, org="UNHCR")
    iom = next(o for o in finance_ops.owing_organizations(closed) if o.code == "IOM")
    finance_ops.record_final_statement(closed, organization_id=iom.id, received_on=RESULTS_DAY, document="X", actor=fmu)
    db.session.commit()
    sent = run_reminders(DUE - timedelta(days=3))
    recipients = {r for m in sent.messages for r in m.recipients}
    assert unhcr_user.email in recipients
    assert iom_user.email not in recipients
    assert all("final financial statements" in m.body for m in sent.messages)


def test_the_fmu_records_them_on_its_page_and_the_money_and_deadlines_pages_show_them(closed, fmu, client):
    sign_in(client, fmu)
    url = f"/finance/programmes/{closed.id}/final-statements"
    money = client.get(f"/finance/programmes/{closed.id}").get_data(as_text=True)
    assert "Certified final financial statements" in money
    assert f"due on {format_date(DUE, 'medium', locale='en')}" in money  # in the reader's language
    assert url in money
    page = client.get(url).get_data(as_text=True)
    assert "Not received" in page
    deadlines = client.get("/deadlines/").get_data(as_text=True)
    assert url in deadlines
    iom = next(o for o in finance_ops.owing_organizations(closed) if o.code == "IOM")
    hostile = client.post(url, data={"organization": "99999", "received_on": "2026-06-01", "document": "<b>X</b>"})
    assert hostile.status_code == 200
    assert "Choose an organization that received money on the programme." in hostile.get_data(as_text=True)
    assert count() == 0
    done = client.post(url, data={"organization": str(iom.id), "received_on": "2026-06-01", "document": "IOM/CFS/17"})
    assert done.status_code == 302
    assert count() == 1
    money = client.get(f"/finance/programmes/{closed.id}").get_data(as_text=True)
    assert "received on Jun 1, 2026 (IOM/CFS/17)" in money
    all_deadlines = client.get("/deadlines/?show=all").get_data(as_text=True)
    assert "Final statements received" in all_deadlines


def test_agencies_neither_see_nor_use_the_page(closed, make_user, client):
    sign_in(client, make_user(Role.agency, org="IOM"))
    url = f"/finance/programmes/{closed.id}/final-statements"
    assert url not in client.get(f"/finance/programmes/{closed.id}").get_data(as_text=True)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"organization": "1", "received_on": "2026-06-01", "document": "X"}).status_code == 403
    assert count() == 0
