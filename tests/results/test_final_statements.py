"""The certified final financial statements of each organization after a programme's financial closure: the
organization's staff upload them (a PDF, kept by the storage layer) with their certified total, which must agree with
the expenditure it certified; the FMU may record them on its behalf, sees which are in and which are due, and the
reminders stop once they are in. One audited operation."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from email.message import Message

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
from fundmgr.storage import read_stored
from tests.factories import sign_in
from tests.results.test_closure import allocations_of, certify
from tests.support.files import HOSTILE_FILE_NAMES, PDF_BYTES, UNSAFE_IN_NAME, office_bytes, unique_pdf, upload
from tests.support.results import RESULTS_DAY

D = Decimal
DUE = date(2027, 6, 30)  # 30 June of the year after the financial closure (the fund's definition file)
IOM_SPENT, UNHCR_SPENT = D("180000.33"), D("60000.00")


@pytest.fixture
def closed(finished, fmu):
    """Closed operationally and financially on RESULTS_DAY, both organizations' expenditure certified."""
    iom, unhcr = allocations_of(finished)
    ops.close_operationally(finished, closed_on=RESULTS_DAY, activities_ended=True, actor=fmu)
    for allocation, amount in ((iom, str(IOM_SPENT)), (unhcr, str(UNHCR_SPENT))):
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


def organization(proposal, code):
    return next(o for o in finance_ops.owing_organizations(proposal) if o.code == code)


def submit(proposal, actor, code="IOM", **change):
    data = {"organization_id": organization(proposal, code).id, "document": "IOM/CFS/2026/17",
            "certified_total": IOM_SPENT if code == "IOM" else UNHCR_SPENT, "upload": upload("statements.pdf"),
            **change}  # fmt: skip
    return finance_ops.record_final_statement(proposal, actor=actor, **data)


def test_the_organization_uploads_its_statements_and_they_are_no_longer_due(closed, fund, make_user):
    assert finals(fund) == [("IOM", DUE), ("UNHCR", DUE)]
    staff = make_user(Role.agency, org="IOM")
    statement = submit(closed, staff, received_on=date(2020, 1, 1))  # an organization's are received the day it sends
    db.session.commit()
    assert (statement.received_on, statement.document, statement.received_by_id) == (
        RESULTS_DAY, "IOM/CFS/2026/17", staff.id
    )  # fmt: skip
    assert statement.certified_total == IOM_SPENT
    assert (statement.filename, statement.content_type) == ("statements.pdf", "application/pdf")
    assert read_stored(statement.storage_key) == PDF_BYTES
    assert finals(fund) == [("UNHCR", DUE)]
    done = [d for d in financial_report_deadlines(fund, RESULTS_DAY, include_done=True) if d.final]
    assert [(d.organization.code, d.received) for d in done] == [("IOM", True), ("UNHCR", False)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "final_statement.received")).one()
    assert entry.after["document"] == "IOM/CFS/2026/17"
    assert entry.after["storage_key"] == statement.storage_key
    assert entry.after["received_on"] == RESULTS_DAY.isoformat()


def test_the_certified_total_must_agree_with_the_certified_expenditure_to_the_cent(closed, make_user):
    staff = make_user(Role.agency, org="IOM")
    with pytest.raises(ValidationFailed, match=r"differs from the expenditure the organization certified on the "
                                               r"programme \(USD 180,000.33\)"):  # fmt: skip
        submit(closed, staff, certified_total=IOM_SPENT - D("0.01"))
    db.session.rollback()
    assert count() == 0


def test_every_problem_is_listed_at_once_the_file_included(closed, fmu):
    with pytest.raises(ValidationFailed) as refused:
        submit(closed, fmu, received_on=RESULTS_DAY + timedelta(days=1), certified_total=D("-1"),
               document="x" * 301, upload=upload("statements.docx", office_bytes("docx")))  # fmt: skip
    assert refused.value.problems == [
        "The date of receipt cannot be in the future.",
        "The reference is longer than 300 characters.",
        "The certified total cannot be negative.",
        "Only these file types are accepted: PDF.",
    ]
    db.session.rollback()
    assert count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organization_id": -1}, "Choose an organization that received money on the programme."),
        ({"received_on": RESULTS_DAY - timedelta(days=1)}, "cannot be before the financial closure"),
        ({"received_on": "2026-06-01"}, "The date of receipt is required."),
        ({"certified_total": None}, "The certified total must be a number."),
        ({"certified_total": D("1.001")}, "The certified total can have at most two decimals."),
        ({"upload": None}, "Choose a file to upload."),
        ({"upload": lambda: upload("statements.pdf", b"<html>not a pdf</html>")}, "is not a PDF document"),
        ({"document": 5}, "The reference must be text."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(closed, fmu, change, message):
    change = {name: value() if callable(value) else value for name, value in change.items()}  # a file read once
    with pytest.raises(ValidationFailed, match=message):
        submit(closed, fmu, **({"received_on": RESULTS_DAY} | change))
    db.session.rollback()
    assert count() == 0


def test_submitted_once_by_the_organization_or_the_fmu_only_after_the_financial_closure(closed, fmu, make_user):
    for actor in (make_user(Role.agency, org="UNHCR"), make_user(Role.sc_member), make_user(Role.viewer),
                  make_user(Role.admin)):  # fmt: skip
        with pytest.raises(NotAllowed):
            submit(closed, actor)
    submit(closed, fmu, received_on=RESULTS_DAY, upload=upload("a.pdf", unique_pdf()))  # on IOM's behalf
    db.session.commit()
    with pytest.raises(ValidationFailed, match="already recorded"):
        submit(closed, make_user(Role.agency, org="IOM"))
    db.session.rollback()
    assert count() == 1


def test_not_before_the_financial_closure(running, fmu):
    iom = allocations_of(running)[0]
    with pytest.raises(ValidationFailed, match="after the financial closure"):
        finance_ops.record_final_statement(
            running.proposal, organization_id=iom.organization_id, received_on=RESULTS_DAY, document="X",
            certified_total=D("0.00"), upload=upload(), actor=fmu,
        )  # fmt: skip
    db.session.rollback()
    assert count() == 0


def test_the_reminder_stops_once_received(closed, fund, fmu, make_user, run_reminders):
    iom_user = make_user(Role.agency, org="IOM")
    unhcr_user = make_user(Role.agency, org="UNHCR")
    submit(closed, iom_user)
    db.session.commit()
    sent = run_reminders(DUE - timedelta(days=3))
    recipients = {r for m in sent.messages for r in m.recipients}
    assert unhcr_user.email in recipients
    assert iom_user.email not in recipients
    assert all("final financial statements" in m.body for m in sent.messages)
    assert all(f"/finance/programmes/{closed.id}/final-statements" in m.body for m in sent.messages)


def test_the_organization_submits_on_its_page_and_the_fmu_sees_what_is_in_and_what_is_due(closed, fmu, make_user,
                                                                                            client):  # fmt: skip
    url = f"/finance/programmes/{closed.id}/final-statements"
    iom, unhcr = organization(closed, "IOM"), organization(closed, "UNHCR")
    staff = make_user(Role.agency, org="IOM")
    sign_in(client, staff)
    money = client.get(f"/finance/programmes/{closed.id}").get_data(as_text=True)
    assert url in money
    page = client.get(url).get_data(as_text=True)
    assert "IOM" in page
    assert "UNHCR" not in page
    assert 'name="received_on"' not in page  # received the day it is sent
    form = {"organization": str(iom.id), "certified_total": "180,000.33", "document": "<b>CFS</b>"}
    refused = client.post(url, data=form | {"file": (io.BytesIO(b"not a pdf"), "s.pdf")})
    assert refused.status_code == 200
    assert "is not a PDF document" in refused.get_data(as_text=True)
    assert "180,000.33" in refused.get_data(as_text=True)  # what was typed is shown again
    assert count() == 0
    done = client.post(url, data=form | {"file": (io.BytesIO(PDF_BYTES), "IOM statements.pdf")})
    assert done.status_code == 302
    statement = db.session.scalars(sa.select(FinalStatement)).one()
    download = f"/finance/final-statements/{statement.id}/file"
    page = client.get(url).get_data(as_text=True)
    assert download in page
    assert "&lt;b&gt;CFS&lt;/b&gt;" in page
    with client.get(download) as got:
        assert (got.status_code, got.data) == (200, PDF_BYTES)
        assert "attachment" in got.headers["Content-Disposition"]
    sign_in(client, make_user(Role.agency, org="UNHCR"))
    with client.get(download) as hidden:
        assert hidden.status_code == 404  # another organization's statements
    page = client.get(url).get_data(as_text=True)
    assert "UNHCR" in page
    assert download not in page
    sign_in(client, fmu)
    page = client.get(url).get_data(as_text=True)
    assert download in page
    assert f"Due on {format_date(DUE, 'medium', locale='en')}" in page  # UNHCR's, not in yet
    with client.get(download) as got:
        assert got.status_code == 200
    money = client.get(f"/finance/programmes/{closed.id}").get_data(as_text=True)
    assert "certified total USD 180,000.33" in money
    deadlines = client.get("/deadlines/").get_data(as_text=True)
    assert url in deadlines
    behalf = {"organization": str(unhcr.id), "received_on": "2026-06-01", "certified_total": "60000",
              "file": (io.BytesIO(unique_pdf()), "unhcr.pdf")}  # fmt: skip
    assert client.post(url, data=behalf).status_code == 302
    assert count() == 2
    all_deadlines = client.get("/deadlines/?show=all").get_data(as_text=True)
    assert "Final statements received" in all_deadlines


def test_people_outside_the_organization_and_the_fmu_neither_see_nor_use_the_page(closed, make_user, client):
    url = f"/finance/programmes/{closed.id}/final-statements"
    for role in (Role.sc_member, Role.viewer):
        sign_in(client, make_user(role))
        assert client.get(url).status_code == 403
        assert client.post(url, data={"organization": "1", "certified_total": "1"}).status_code == 403
    assert count() == 0


# Names that try to climb out of the storage folder, break the download's header, hide an extension or overflow.
HOSTILE_SAMPLE = [HOSTILE_FILE_NAMES[i] for i in (0, 4, 6, 8, 13)]


@pytest.mark.parametrize("filename", HOSTILE_SAMPLE, ids=range(len(HOSTILE_SAMPLE)))
def test_a_hostile_file_name_is_stored_cleaned_and_downloaded_safely(closed, make_user, client, filename):
    """Does the statements' upload keep a hostile name out of storage and out of the download's header?"""
    sign_in(client, make_user(Role.agency, org="IOM"))
    content = unique_pdf()
    url = f"/finance/programmes/{closed.id}/final-statements"
    form = {"organization": str(organization(closed, "IOM").id), "certified_total": "180,000.33",
            "file": (io.BytesIO(content), filename)}  # fmt: skip
    answer = client.post(url, data=form)
    assert answer.status_code in (200, 302)
    if answer.status_code == 200:  # refused: no usable extension, or a header the server cannot read
        assert 'id="problems"' in answer.get_data(as_text=True)
        assert count() == 0
        return
    statement = db.session.scalars(sa.select(FinalStatement)).one()
    assert read_stored(statement.storage_key) == content
    assert filename not in statement.storage_key
    assert not UNSAFE_IN_NAME.search(statement.filename), statement.filename
    assert 0 < len(statement.filename) <= 150
    with client.get(f"/finance/final-statements/{statement.id}/file") as got:
        assert (got.status_code, got.data) == (200, content)
        disposition = got.headers["Content-Disposition"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "\r" not in disposition
    assert "\n" not in disposition
    header = Message()
    header["Content-Disposition"] = disposition
    assert header.get_content_disposition() == "attachment"
    assert header.get_filename().endswith(".pdf")
    assert not UNSAFE_IN_NAME.search(header.get_filename())
