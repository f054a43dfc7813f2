"""The reporting workflow: the lead agency writes and submits, the FMU returns or accepts; overdue reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.models import IndicatorStatus, ProgressReport, ReportState
from tests.support.results import RESULTS_DAY, entries_for, submitted_report

VALUES = {
    "Number of migrants assisted": "",
    "Number of officials trained": "150",
    "Share of trained officials applying the guidelines": "45",
}
SEX_PARTS = {"Number of migrants assisted": {"parts": {"sex": {"female": "312", "male": "280", "other": "8"}}}}


@pytest.fixture
def programme(make_programme):
    return make_programme(lead="IOM", partners=("UNHCR",))


def test_the_lead_agency_saves_a_draft_with_values_and_parts(programme, lead_of):
    lead = lead_of(programme)
    report = ops.save_report(programme.periods[0], entries_for(programme, VALUES, **SEX_PARTS), actor=lead)
    assist, train, share = programme.indicators
    assert report.state is ReportState.draft
    assert report.value_for(assist.id).actual == Decimal(600)  # the total worked out from the parts
    assert report.value_for(assist.id).breakdown == {"sex": {"female": "312", "male": "280", "other": "8"}}
    assert report.value_for(train.id).actual == Decimal(150)
    assert report.value_for(share.id).status is IndicatorStatus.on_track
    assert report.narrative_for(programme.outcomes[0].id) == "Progress on outcome 1."
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "progress_report.saved"))
    assert entry.before is None
    assert entry.after["values"][str(train.id)]["actual"] == "150"


def test_bad_values_are_all_listed_and_nothing_is_written(programme, lead_of):
    values = VALUES | {"Number of officials trained": "N/A", "Share of trained officials applying the guidelines": "-5"}
    parts = {"Number of migrants assisted": {"parts": {"sex": {"female": "10", "male": "10", "other": "1"}}}}
    data = entries_for(programme, values | {"Number of migrants assisted": "20"}, **parts)
    with pytest.raises(ValidationFailed) as refused:
        ops.save_report(programme.periods[0], data, actor=lead_of(programme))
    assert refused.value.problems == [
        "Number of migrants assisted: the parts by sex add up to 21, not to the total 20.",
        "Number of officials trained: Enter a number, such as 1,250.",
        "Share of trained officials applying the guidelines: Negative numbers are not accepted here.",
    ]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_a_draft_can_be_saved_incomplete_but_not_submitted(programme, lead_of):
    lead = lead_of(programme)
    data = entries_for(programme, {"Number of officials trained": "150"})
    data.narratives = {}
    for entry in data.entries.values():
        entry.status = ""
    report = ops.save_report(programme.periods[0], data, actor=lead)
    with pytest.raises(ValidationFailed) as refused:
        ops.submit_report(report, actor=lead)
    assert refused.value.problems == [
        "Number of migrants assisted: choose a status.",
        "Number of migrants assisted: give the value reached, or explain in the comment why there is none.",
        "Number of officials trained: choose a status.",
        "Share of trained officials applying the guidelines: choose a status.",
        "Share of trained officials applying the guidelines: give the value reached, or explain in the comment why"
        " there is none.",
        "Outcome 1: describe the progress made.",
    ]
    assert report.state is ReportState.draft


def test_a_missing_value_with_a_reason_may_be_submitted(programme, lead_of):
    lead = lead_of(programme)
    reason = {"Share of trained officials applying the guidelines": {"comment": "The survey runs in year 2."}}
    values = VALUES | {"Number of migrants assisted": "600", "Share of trained officials applying the guidelines": ""}
    report = ops.save_report(programme.periods[0], entries_for(programme, values, **reason), actor=lead)
    ops.submit_report(report, actor=lead)
    assert report.state is ReportState.submitted


def test_a_report_is_submitted_only_after_its_period_ends(make_programme, lead_of):
    programme = make_programme(start=date(2026, 1, 1))
    lead = lead_of(programme)
    values = VALUES | {"Number of migrants assisted": "5"}
    report = ops.save_report(programme.periods[0], entries_for(programme, values), actor=lead)
    with pytest.raises(ValidationFailed, match=r"The period ends on 2026-12-31; submit the report after that."):
        ops.submit_report(report, actor=lead)
    with pytest.raises(
        InvalidTransition, match=r"This period starts on 2027-01-01: its report can be written from then on."
    ):
        ops.save_report(programme.periods[1], entries_for(programme, {}), actor=lead)


@pytest.mark.parametrize(
    ("role", "org"),
    [(Role.agency, "UNHCR"), (Role.agency, "ILO"), (Role.fmu, "IOM"), (Role.admin, "IOM"), (Role.sc_member, "IOM")],
)
def test_only_agency_staff_of_the_lead_organization_write_reports(programme, make_user, role, org):
    """A partner agency (UNHCR), another agency, the FMU: none of them may write or submit the lead's report."""
    someone = make_user(role, org=org)
    with pytest.raises(NotAllowed):
        ops.save_report(programme.periods[0], entries_for(programme, VALUES), actor=someone)


def test_the_full_review_cycle_is_audited(programme, lead_of, make_user):
    """Draft, submitted, returned with comments, submitted again, accepted: each move checked and logged."""
    lead, fmu = lead_of(programme), make_user(Role.fmu)
    values = VALUES | {"Number of migrants assisted": "600"}
    report = submitted_report(programme, 1, values, lead)
    with pytest.raises(ValidationFailed, match=r"Say what the lead agency should change."):
        ops.return_report(report, "  ", actor=fmu)
    ops.return_report(report, "Please split the migrants assisted by sex.", actor=fmu)
    assert report.state is ReportState.returned
    ops.save_report(report.period, entries_for(programme, values, **SEX_PARTS), actor=lead)
    ops.submit_report(report, actor=lead)
    ops.accept_report(report, "Thank you.", actor=fmu)
    assert report.state is ReportState.accepted
    assert [(r.decision.value, r.comment) for r in report.reviews] == [
        ("returned", "Please split the migrants assisted by sex."),
        ("accepted", "Thank you."),
    ]
    moves = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.object_type == "progress_report", AuditEntry.action != "progress_report.saved")
        .order_by(AuditEntry.id)
    ).all()
    assert [(action, before["state"], after["state"]) for action, before, after in moves] == [
        ("progress_report.submitted", "draft", "submitted"),
        ("progress_report.returned", "submitted", "returned"),
        ("progress_report.submitted", "returned", "submitted"),
        ("progress_report.accepted", "submitted", "accepted"),
    ]


@pytest.mark.both_engines
def test_the_reports_waiting_are_counted_as_listed_through_the_review_cycle(
    programme, make_programme, lead_of, make_user, fund
):
    """The count the FMU's queue and home card show follows each move of a report: the reports the queue lists."""
    lead, fmu = lead_of(programme), make_user(Role.fmu)

    def assert_counted(n):
        assert q.reports_waiting(fund) == len(db.session.scalars(q.reports_to_review(fund)).all()) == n

    assert_counted(0)
    report = submitted_report(programme, 1, VALUES | {"Number of migrants assisted": "600"}, lead)
    assert_counted(1)
    other = make_programme(start=date(2025, 1, 1), duration_months=12)
    submitted_report(other, 1, VALUES | {"Number of migrants assisted": "5"}, lead_of(other))
    assert_counted(2)
    ops.return_report(report, "Please split the migrants assisted by sex.", actor=fmu)
    assert_counted(1)
    ops.submit_report(report, actor=lead)
    assert_counted(2)
    ops.accept_report(report, "Thank you.", actor=fmu)
    assert_counted(1)


def test_an_accepted_report_is_final(programme, accepted_report, lead_of, make_user):
    report = accepted_report(programme, 1, VALUES | {"Number of migrants assisted": "600"})
    with pytest.raises(NotAllowed):
        ops.save_report(report.period, entries_for(programme, VALUES), actor=lead_of(programme))
    with pytest.raises(NotAllowed):  # the FMU reviews submitted reports only
        ops.return_report(report, "Reopen", actor=make_user(Role.fmu))


def test_a_draft_cannot_be_accepted(programme, lead_of, make_user):
    lead = lead_of(programme)
    report = ops.save_report(programme.periods[0], entries_for(programme, VALUES), actor=lead)
    with pytest.raises(NotAllowed):
        ops.accept_report(report, actor=make_user(Role.fmu))
    report.state = ReportState.accepted  # even when the rights check is passed, the table refuses
    with pytest.raises(InvalidTransition):
        ops.submit_report(report, actor=lead_of(programme))


def test_overdue_reports_are_listed_and_counted_for_the_fmu(make_programme, lead_of, fund):
    """Periods past their due date without a report handed in: none, a draft, or a returned report."""
    late = make_programme(start=date(2024, 1, 1))  # periods due 2025-03-31 and 2026-04-30: both overdue on TODAY
    on_time = make_programme(start=date(2025, 1, 1), duration_months=12)  # due 2026-04-30, report submitted
    running = make_programme(start=date(2026, 1, 1), duration_months=5)  # ends 2026-05-31, final report due 2026-09-30
    submitted_report(on_time, 1, VALUES | {"Number of migrants assisted": "5"}, lead_of(on_time))
    ops.save_report(late.periods[1], entries_for(late, VALUES), actor=lead_of(late))
    overdue = db.session.scalars(q.overdue_periods(fund, RESULTS_DAY)).all()
    assert [(p.programme_id, p.number) for p in overdue] == [(late.id, 1), (late.id, 2)]
    assert q.count(q.overdue_periods(fund, RESULTS_DAY)) == 2
    assert late.periods[1].is_overdue(RESULTS_DAY)
    outstanding = db.session.scalars(q.outstanding_periods(fund, RESULTS_DAY)).all()
    assert (running.id, 1) in [(p.programme_id, p.number) for p in outstanding]  # ended, not yet due


def test_a_lead_agency_sees_the_reports_it_owes(make_programme, lead_of, make_user, fund):
    ours = make_programme(start=date(2025, 1, 1), duration_months=12, lead="UNODC", partners=("IOM",))
    make_programme(start=date(2025, 1, 1), duration_months=12, lead="IOM", partners=("UNODC",))
    staff = make_user(Role.agency, org="UNODC")
    assert [(p.programme_id, p.number) for p in q.due_for_lead(fund, staff, RESULTS_DAY)] == [(ours.id, 1)]
    assert q.due_for_lead(fund, make_user(Role.fmu), RESULTS_DAY) == []
