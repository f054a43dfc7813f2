"""Implementation dates follow reality: the first transfer starts a programme, or the FMU sets its start with a reason;
the end follows from the duration; the periods from the dates and the fund's reporting calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation
from fundmgr.finance.operations import allocate_approved, record_transfer
from fundmgr.proposals.models import ProposalState
from fundmgr.results import operations as ops
from fundmgr.results.models import ReportState
from tests.factories import sign_in
from tests.support.results import RESULTS_DAY, entries_for

VALUES = {
    "Number of migrants assisted": "600",
    "Number of officials trained": "150",
    "Share of trained officials applying the guidelines": "45",
}


@pytest.fixture
def approved(make_programme, make_deposit):
    """Approved on 2026-05-15 for 24 months, planned to start in 2027: nothing transferred yet."""
    make_deposit("3000000.00")
    programme = make_programme(start=date(2027, 1, 1), duration_months=24, state=ProposalState.approved)
    proposal = programme.proposal
    allocate_approved(
        proposal, proposal.latest_version, approved_amount=proposal.latest_version.total,
        decided_on=date(2026, 5, 15), reference="SC-2026-05", actor=None,
    )  # fmt: skip
    return programme


def pay(programme, on_date, reference="TR-1", amount="100000.00"):
    allocation = db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == programme.proposal_id).order_by(Allocation.id)
    ).first()
    return record_transfer(allocation, amount=Decimal(amount), on_date=on_date, reference=reference, actor=None)


def test_a_programme_approved_and_paid_today_reports_for_this_year(approved, lead_of):
    """Paid today: it starts today, ends 24 months later, and its first period is the rest of this calendar year."""
    today = clock.today(approved.proposal.fund)
    assert today == RESULTS_DAY
    pay(approved, today)
    assert approved.proposal.state is ProposalState.active
    assert (approved.start_date, approved.start_source) == (today, "first_transfer")
    assert approved.end_date == date(2028, 5, 31)
    assert [(p.number, p.start_date, p.end_date, p.due_date) for p in approved.periods] == [
        (1, date(2026, 6, 1), date(2026, 12, 31), date(2027, 3, 31)),
        (2, date(2027, 1, 1), date(2027, 12, 31), date(2028, 3, 31)),
        (3, date(2028, 1, 1), date(2028, 5, 31), date(2028, 9, 30)),  # the final report: 4 months after the end
    ]
    report = ops.save_report(approved.periods[0], entries_for(approved, VALUES), actor=lead_of(approved))
    assert report.state is ReportState.draft
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "programme.dates_changed"))
    assert entry.before["start_date"] == "2027-01-01"
    assert entry.after["start_date"] == "2026-06-01"


def test_only_the_first_transfer_moves_the_start(approved):
    pay(approved, date(2026, 5, 20))
    pay(approved, date(2026, 5, 30), reference="TR-2")
    assert approved.start_date == date(2026, 5, 20)
    assert (
        len(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "programme.dates_changed")).all()) == 1
    )


def test_the_fmu_sets_the_start_with_a_reason_and_transfers_no_longer_move_it(approved, fmu):
    with pytest.raises(ValidationFailed, match=r"Give the reason for this start date\."):
        ops.set_programme_start(approved, start=date(2026, 9, 1), reason="  ", actor=fmu)
    ops.set_programme_start(approved, start=date(2026, 9, 1), reason="Inception agreed with the government.", actor=fmu)
    assert (approved.start_date, approved.end_date) == (date(2026, 9, 1), date(2028, 8, 31))
    assert approved.periods[0].start_date == date(2026, 9, 1)
    pay(approved, date(2026, 5, 20))
    assert approved.start_date == date(2026, 9, 1)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "programme.dates_changed"))
    assert entry.after["start_reason"] == "Inception agreed with the government."


def test_a_start_that_would_leave_a_report_outside_the_programme_is_refused(make_programme, lead_of, fmu, make_user):
    programme = make_programme(start=date(2025, 1, 1), duration_months=24)
    ops.save_report(programme.periods[0], entries_for(programme, VALUES), actor=lead_of(programme))
    with pytest.raises(ValidationFailed, match=r"Period 1 has a progress report and would lie outside"):
        ops.set_programme_start(programme, start=date(2025, 3, 1), reason="Late start.", actor=fmu)
    with pytest.raises(NotAllowed):
        ops.set_programme_start(programme, start=date(2025, 1, 1), reason="x", actor=lead_of(programme))


def test_the_report_form_does_not_open_on_a_period_not_started_and_keeps_what_was_posted(
    client, make_programme, lead_of
):
    programme = make_programme(start=date(2026, 1, 1), duration_months=24)
    sign_in(client, lead_of(programme))
    url = f"/results/programmes/{programme.id}/periods/2/edit"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/results/programmes/{programme.id}/periods/2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This period starts on 2027-01-01" in page
    fields = {"lessons": "What we learned, kept on refusal"}
    page = client.post(url, data=fields).get_data(as_text=True)
    assert "This period starts on 2027-01-01" in page
    assert "What we learned, kept on refusal" in page
    assert programme.periods[1].report is None


def test_the_fmu_sets_the_start_on_its_page(client, make_programme, fmu):
    programme = make_programme(start=date(2026, 1, 1), duration_months=12)
    sign_in(client, fmu)
    url = f"/results/programmes/{programme.id}/start"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"start": "2026-02-01", "reason": ""}).get_data(as_text=True)
    assert "Reason" in refused
    assert programme.start_date == date(2026, 1, 1)
    done = client.post(url, data={"start": "2026-02-01", "reason": "Signed late."})
    assert done.status_code == 302
    db.session.expire_all()
    assert (programme.start_date, programme.end_date, programme.start_source) == (
        date(2026, 2, 1),
        date(2027, 1, 31),
        "set",
    )


@pytest.mark.once
def test_the_reporting_calendar_comes_from_the_definition_file_with_the_mptf_defaults():
    from fundmgr.funds.calendar import ReportingCalendar
    from fundmgr.funds.definition import Reporting, read_definition
    from tests.support import SECOND_FUND_FILE

    spec, _sha = read_definition(SECOND_FUND_FILE)
    calendar = ReportingCalendar.of(spec.reporting.model_dump())
    assert calendar.narrative_due_on(2025) == date(2026, 2, 28)
    assert calendar.financial_due_on(2025) == date(2026, 3, 31)
    assert calendar.final_financial_due_on(date(2027, 8, 1)) == date(2028, 6, 30)  # the default, the file says nothing
    assert ReportingCalendar.of({}) == ReportingCalendar.of(Reporting().model_dump())
    with pytest.raises(ValueError, match="annual_narrative_due is not a day of the year"):
        Reporting(annual_narrative_due="02-30")
