"""`flask send-reminders`: the right reminders on the right days, to the right people, each once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.deadlines.models import DeadlineKind, ReminderSent
from fundmgr.deadlines.operations import remind_now
from fundmgr.deadlines.queries import procedure_deadlines, scoring_deadlines
from fundmgr.results import operations as results_ops
from fundmgr.steering import operations as steering_ops
from tests.deadlines.test_who import FULL
from tests.support.deadlines import DUE
from tests.support.mail import notifications_of
from tests.support.results import submitted_report

pytestmark = pytest.mark.usefixtures("yearly_from_the_start")


def before(days: int, due: date = DUE) -> date:
    return due - timedelta(days=days)


def emails(users) -> list[str]:
    return sorted(u.email for u in users)


# --- Scoring --------------------------------------------------------------------------------------


def test_scoring_reminders_go_out_14_and_3_days_before_and_on_the_last_day(scoring, run_reminders):
    """Only on those days (a run every day in between sends nothing), to every member who has not scored."""
    proposal, members = scoring
    sent = {day: run_reminders(before(day)) for day in range(16, -3, -1)}
    assert {day: s.counts for day, s in sent.items() if s.messages} == {
        14: {"scoring_reminder": 5}, 3: {"scoring_reminder": 5}, 0: {"scoring_reminder": 5}}  # fmt: skip
    assert sent[14].recipients == sent[3].recipients == sent[0].recipients == emails(members)
    ref = proposal.reference
    assert set(sent[14].subjects) == {f"Scoring due in 14 days: {ref}"}
    assert set(sent[3].subjects) == {f"Scoring due in 3 days: {ref}"}
    assert set(sent[0].subjects) == {f"Last day to score {ref}"}
    body = sent[3].messages[0].body
    assert f"version {proposal.latest_version.number}" in body
    assert format_date(DUE, "long", locale="en") in body
    assert "3 days remain." in body
    assert f"/steering/proposals/{proposal.id}/review" in body
    assert "scoring closes at the end of the day" in sent[0].messages[0].body
    assert 'href="http' in sent[3].messages[0].html  # the HTML part links to the scoring page too
    # in the app as well: three reminders each, linking to the scoring page
    bell = notifications_of(members[0], "scoring_reminder")
    assert len(bell) == 3
    assert bell[0].link_endpoint == "steering.review"


def test_running_twice_sends_nothing_twice(scoring, run_reminders):
    _proposal, members = scoring
    assert len(run_reminders(before(14)).messages) == 5
    assert run_reminders(before(14)).messages == []
    assert run_reminders(before(13)).messages == []
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 5
    assert [len(notifications_of(m, "scoring_reminder")) for m in members] == [1] * 5


def test_those_who_scored_or_are_recused_are_not_reminded(committee, scoring, submit_review, run_reminders):
    proposal, _members = scoring
    submit_review(proposal, committee.ilo, 4)
    steering_ops.declare_conflict(proposal, committee.morocco, "My ministry co-finances it.", actor=committee.morocco)
    steering_ops.save_review(proposal, committee.spain, steering_ops.ReviewInput(), actor=committee.spain)
    db.session.commit()
    sent = run_reminders(before(3))
    assert sent.recipients == emails([committee.germany, committee.spain, committee.stakeholder])  # a draft is not done


def test_a_run_that_missed_days_sends_the_latest_reminder_due_once_never_an_earlier_one(scoring, run_reminders):
    """No run from 14 days before until 12: the 12th sends the 14-day reminder (saying 12 days), once. No run from
    then until 2 days before: that run sends the 3-day reminder only. A backfill of an earlier day sends nothing."""
    proposal, _members = scoring
    late = run_reminders(before(12))
    assert set(late.subjects) == {f"Scoring due in 12 days: {proposal.reference}"}
    assert len(late.messages) == 5
    assert run_reminders(before(11)).messages == []
    last_but_one = run_reminders(before(2))
    assert set(last_but_one.subjects) == {f"Scoring due in 2 days: {proposal.reference}"}
    offsets = db.session.scalars(sa.select(ReminderSent.offset_days).distinct().order_by(ReminderSent.offset_days))
    assert list(offsets) == [3, 14]
    assert run_reminders(before(14)).messages == []
    assert run_reminders(before(3)).messages == []
    assert len(run_reminders(before(0)).messages) == 5  # the last day's reminder still goes out


def test_a_first_run_a_week_after_a_reminder_day_does_not_send_it(scoring, run_reminders):
    """A reminder more than a week late is not sent (the FMU can send one by hand); the next one comes in time."""
    assert run_reminders(before(6)).messages == []
    assert len(run_reminders(before(3)).messages) == 5


def test_no_reminder_once_scoring_has_closed(scoring, run_reminders):
    assert run_reminders(DUE + timedelta(days=1)).messages == []


def test_moving_the_deadline_starts_its_reminders_afresh(committee, scoring, run_reminders):
    """Ten more days: the new date's reminders go out as if it were a new deadline."""
    proposal, members = scoring
    assert len(run_reminders(before(3)).messages) == 5
    later = DUE + timedelta(days=10)
    steering_ops.assign_reviewers(proposal, members, later, actor=committee.fmu)
    db.session.commit()
    again = run_reminders(before(3))  # 13 days before the new date: its 14-day reminder
    assert set(again.subjects) == {f"Scoring due in 13 days: {proposal.reference}"}
    sent = run_reminders(before(3, later))
    assert len(sent.messages) == 5
    assert format_date(later, "long", locale="en") in sent.messages[0].body


def test_a_reminder_sent_by_hand_does_not_stand_in_for_the_scheduled_one(
    committee, fund, scoring, run_reminders, frozen_clock
):
    (deadline,) = scoring_deadlines(fund)
    frozen_clock(before(20))
    assert len(remind_now(deadline, actor=committee.fmu)) == 5
    db.session.commit()
    assert len(run_reminders(before(14)).messages) == 5


def test_reminders_are_in_each_recipients_language(committee, scoring, run_reminders):
    """Each member reads the reminder in their own language: the date, and the whole message once translated."""
    committee.germany.locale, committee.spain.locale = "fr", "es"
    db.session.commit()
    by_person = {m.recipients[0]: m for m in run_reminders(before(3)).messages}
    assert format_date(DUE, "long", locale="fr") in by_person[committee.germany.email].body
    assert format_date(DUE, "long", locale="es") in by_person[committee.spain.email].body
    assert format_date(DUE, "long", locale="en") in by_person[committee.ilo.email].body
    assert 'lang="fr"' in by_person[committee.germany.email].html
    assert 'lang="es"' in by_person[committee.spain.email].html


# --- Written procedures ------------------------------------------------------------------------------


def test_written_procedure_reminders_go_to_the_eligible_members_who_have_not_answered(
    committee, procedure, run_reminders
):
    steering_ops.respond_to_procedure(procedure, committee.ilo, objects=False, reason="", actor=committee.ilo)
    db.session.commit()
    waiting = [committee.germany, committee.spain, committee.morocco, committee.stakeholder]  # chair, UNHCR: recused
    sent = {day: run_reminders(before(day)) for day in (15, 14, 13, 3, 1, 0, -1)}
    assert {day: s.counts for day, s in sent.items() if s.messages} == {
        14: {"procedure_reminder": 4}, 3: {"procedure_reminder": 4}, 0: {"procedure_reminder": 4}}  # fmt: skip
    assert sent[14].recipients == emails(waiting)
    assert set(sent[14].subjects) == {f"Written procedure {procedure.reference} closes in 14 days"}
    assert set(sent[0].subjects) == {f"Written procedure {procedure.reference} closes today"}
    assert f"/steering/written-procedures/{procedure.id}" in sent[3].messages[0].body


# --- Progress reports ------------------------------------------------------------------------------

REPORT_DUE = date(2025, 3, 1)  # period 1 of a programme started on 2024-01-01: ends 2024-12-31, due 60 days later


@pytest.fixture
def programme(make_programme):
    return make_programme(lead="IOM", partners=("UNHCR",))


def test_report_reminders_go_14_and_3_days_before_then_the_day_after_the_due_date(programme, lead_of, run_reminders):
    lead = lead_of(programme)
    staff = [lead, programme.proposal.created_by]
    sent = {day: run_reminders(before(day, REPORT_DUE)) for day in range(15, -10, -1)}
    assert {day: s.counts for day, s in sent.items() if s.messages} == {
        14: {"report_due": 2}, 3: {"report_due": 2}, -1: {"report_overdue": 2}}  # fmt: skip
    assert sent[14].recipients == emails(staff)
    ref = programme.proposal.reference
    assert set(sent[14].subjects) == {f"Progress report due in 14 days: {ref}, period 1"}
    assert set(sent[-1].subjects) == {f"Progress report overdue: {ref}, period 1"}
    body = sent[-1].messages[0].body
    assert "It is 1 day late." in body
    assert format_date(REPORT_DUE, "long", locale="en") in body
    assert f"/results/programmes/{programme.id}/periods/1" in body


def test_a_report_handed_in_is_not_chased_a_returned_one_is_again(programme, lead_of, make_user, run_reminders):
    lead = lead_of(programme)
    report = submitted_report(programme, 1, FULL, lead)
    assert run_reminders(before(3, REPORT_DUE)).messages == []
    results_ops.return_report(report, "Add the sex breakdown.", actor=make_user(Role.fmu))
    db.session.commit()
    overdue = run_reminders(REPORT_DUE + timedelta(days=1))
    assert len(overdue.messages) == 2
    assert "It was returned for revision" in overdue.messages[0].body


def test_the_command_prints_what_it_sent_per_kind(app, scoring, procedure, programme, lead_of, outbox):
    lead = lead_of(programme)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders", "--today", before(14).isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Reminders for {before(14).isoformat()}: 10 sent (scoring_reminder 5, procedure_reminder 5)."
    )
    again = runner.invoke(args=["send-reminders", "--today", before(14).isoformat()])
    assert again.output.strip() == f"Reminders for {before(14).isoformat()}: 0 sent."
    report = runner.invoke(args=["send-reminders", "--today", (REPORT_DUE + timedelta(days=1)).isoformat()])
    iom_staff = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.role == Role.agency, User.organization_id == lead.organization_id)
    )  # every IOM agency account: IOM leads the programme
    assert report.output.strip().endswith(f": {iom_staff} sent (report_overdue {iom_staff}).")
    assert runner.invoke(args=["send-reminders", "--today", "2025-02-30"]).exit_code == 2


def test_deadline_queries_agree_with_what_the_command_sends(fund, procedure, run_reminders):
    """The page's list of who has not answered is who the reminders go to."""
    (deadline,) = procedure_deadlines(fund)
    assert run_reminders(before(14)).recipients == emails(p.user for p in deadline.waiting)
    assert DeadlineKind.procedure is deadline.kind


def test_a_deadline_whose_sending_fails_is_sent_by_the_next_run_the_others_at_once(
    scoring, procedure, outbox, monkeypatch, frozen_clock
):
    """One deadline's failure rolls back its claims and e-mails only: the next run sends them, once."""
    from fundmgr.deadlines import cli
    from fundmgr.deadlines import operations as ops

    real = ops.notify

    def broken_for_procedures(kind, *args, **kwargs):
        if kind == "procedure_reminder":
            raise RuntimeError("the template is broken")
        return real(kind, *args, **kwargs)

    monkeypatch.setattr(ops, "notify", broken_for_procedures)
    frozen_clock(before(14))
    sent, failures = cli.send_reminders()
    assert dict(sent) == {"scoring_reminder": 5}
    assert len(failures) == 1
    assert procedure.reference in failures[0]
    assert {m.subject.split(" ")[0] for m in outbox} == {"Scoring"}
    monkeypatch.setattr(ops, "notify", real)
    again, failures = cli.send_reminders()
    assert dict(again) == {"procedure_reminder": 5}
    assert failures == []
