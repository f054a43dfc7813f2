"""The FMU's deadlines page: who has done their part and who has not; "send a reminder now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.deadlines import operations as ops
from fundmgr.deadlines.models import DeadlineKind, ReminderSent
from fundmgr.steering import operations as steering_ops
from tests.factories import sign_in
from tests.support import TODAY
from tests.support.deadlines import DUE
from tests.support.mail import notifications_of


@pytest.fixture
def fmu_client(client, committee):
    return sign_in(client, committee.fmu)


def test_the_page_lists_who_has_scored_and_who_has_not(fmu_client, committee, scoring, submit_review):
    proposal, _members = scoring
    submit_review(proposal, committee.ilo, 4)
    html = fmu_client.get("/deadlines/").get_data(as_text=True)
    card = html.split(f'id="deadline-scoring-{proposal.latest_version.id}"')[1].split("</article>")[0]
    assert proposal.reference in card
    assert proposal.title in card
    assert "1 of 5 done." in card
    assert DUE.isoformat() in card
    assert "30 days left" in card
    rows = {name: card.split(name)[1].split("</tr>")[0] for name in ("Ingrid ILO", "Jonas Germany")}
    assert "Done" in rows["Ingrid ILO"]
    assert TODAY.isoformat() in rows["Ingrid ILO"]
    assert "Not done" in rows["Jonas Germany"]
    assert "<td>Germany</td>" in rows["Jonas Germany"]
    assert "Helena Chair" not in card  # recused from the start: never assigned
    assert f'action="/deadlines/scoring/{proposal.id}/remind"' in card


def test_the_page_shows_procedures_and_overdue_reports(fmu_client, committee, procedure, make_programme, lead_of):
    programme = make_programme(lead="IOM", partners=("UNHCR",))
    lead = lead_of(programme)
    html = fmu_client.get("/deadlines/").get_data(as_text=True)
    card = html.split(f'id="deadline-procedure-{procedure.id}"')[1].split("</article>")[0]
    assert "0 of 5 done." in card
    assert "Recused" in card
    assert "Helena Chair" in card
    overdue = html.split(f'id="deadline-report-{programme.periods[0].id}"')[1].split("</article>")[0]
    assert "Overdue" in overdue
    assert lead.name in overdue
    assert "No report started" in overdue
    assert f'action="/deadlines/reports/{programme.id}/1/remind"' in overdue


def test_the_page_filters_by_kind_due_date_and_text(fmu_client, committee, scoring, procedure):
    proposal, _members = scoring
    only_scoring = fmu_client.get("/deadlines/?kind=scoring").get_data(as_text=True)
    assert f"deadline-scoring-{proposal.latest_version.id}" in only_scoring
    assert "deadline-procedure-" not in only_scoring
    assert "deadline-scoring-" not in fmu_client.get("/deadlines/?when=overdue").get_data(as_text=True)
    found = fmu_client.get(f"/deadlines/?q={procedure.reference.lower()}").get_data(as_text=True)
    assert f"deadline-procedure-{procedure.id}" in found
    assert "deadline-scoring-" not in found
    by_person = fmu_client.get("/deadlines/?q=carmen").get_data(as_text=True)
    assert "deadline-scoring-" in by_person
    assert "deadline-procedure-" in by_person
    for nonsense in ("?kind=everything", "?when=%E2%80%AE", "?show=1", "?q=" + "x" * 500):
        assert fmu_client.get("/deadlines/" + nonsense).status_code == 200


def test_a_finished_deadline_shows_only_when_asked(fmu_client, committee, procedure):
    for member in (committee.ilo, committee.germany, committee.spain, committee.morocco, committee.stakeholder):
        steering_ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    db.session.commit()
    assert f"deadline-procedure-{procedure.id}" not in fmu_client.get("/deadlines/").get_data(as_text=True)
    done = fmu_client.get("/deadlines/?show=all").get_data(as_text=True)
    card = done.split(f'id="deadline-procedure-{procedure.id}"')[1].split("</article>")[0]
    assert "5 of 5 done." in card
    assert "/remind" not in card


@pytest.mark.parametrize("role", [Role.agency, Role.sc_member, Role.viewer])
def test_only_the_fmu_and_administrators_see_the_page(client, make_user, role):
    sign_in(client, make_user(role, org="GOV-DEU" if role is not Role.agency else "IOM"))
    assert client.get("/deadlines/").status_code == 403
    assert "/deadlines/" not in client.get("/").get_data(as_text=True)


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/deadlines/").headers["Location"].startswith("/account/login")


def test_the_fmu_finds_the_page_in_the_navigation(client, make_user):
    sign_in(client, make_user(Role.admin))
    assert 'href="/deadlines/"' in client.get("/").get_data(as_text=True)


def test_send_now_reminds_those_who_have_not_scored_and_is_audited(fmu_client, committee, scoring, submit_review,
                                                                   outbox):  # fmt: skip
    proposal, _members = scoring
    submit_review(proposal, committee.ilo, 4)
    response = fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind", data={"next": "/deadlines/?kind=scoring"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/deadlines/?kind=scoring"
    waiting = [committee.germany, committee.spain, committee.morocco, committee.stakeholder]
    assert sorted(m.recipients[0] for m in outbox) == sorted(u.email for u in waiting)
    assert outbox[0].subject == f"Scoring due in 30 days: {proposal.reference}"
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ReminderSent)).all()
    assert {(r.kind, r.offset_days, r.sent_by_id) for r in rows} == {(DeadlineKind.scoring, None, committee.fmu.id)}
    assert not notifications_of(committee.ilo, "scoring_reminder")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reminder.sent_now"))
    assert entry.actor_id == committee.fmu.id
    assert entry.object_type == "proposal"
    assert entry.object_id == str(proposal.id)
    assert entry.after["recipients"] == sorted(u.id for u in waiting)
    page = fmu_client.get("/deadlines/").get_data(as_text=True)
    assert "A reminder was sent to 4 people." in page


def test_a_second_click_within_the_hour_sends_nothing(fmu_client, scoring, outbox):
    proposal, _members = scoring
    fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind")
    again = fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind", follow_redirects=True)
    assert len(outbox) == 5
    assert "reminded less than an hour ago" in again.get_data(as_text=True)


def test_send_now_is_refused_when_nobody_can_act_any_more(fmu_client, committee, procedure, outbox):
    """A closed deadline (past, not concluded yet): members can no longer answer, so nobody is reminded."""
    procedure.deadline = TODAY - timedelta(days=1)
    db.session.commit()
    response = fmu_client.post(f"/deadlines/procedures/{procedure.id}/remind", follow_redirects=True)
    assert "has passed: nobody can act on it any more" in response.get_data(as_text=True)
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 0


def test_a_failure_while_sending_sends_nothing_and_records_nothing(app, fmu_client, scoring, outbox, monkeypatch):
    """The e-mails leave only once the reminders are recorded (committed): a failure in between sends none."""
    proposal, _members = scoring

    def fail(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ops, "record_audit", fail)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind").status_code == 500
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 0


def test_send_now_for_an_overdue_report(fmu_client, make_programme, lead_of, outbox):
    programme = make_programme(lead="IOM", partners=("UNHCR",))
    lead = lead_of(programme)
    fmu_client.post(f"/deadlines/reports/{programme.id}/1/remind")
    assert lead.email in [m.recipients[0] for m in outbox]
    assert {m.subject for m in outbox} == {f"Progress report overdue: {programme.proposal.reference}, period 1"}


def test_send_now_without_a_deadline_or_to_others_is_refused(fmu_client, client, make_user, make_proposal, outbox):
    draft = make_proposal()
    response = fmu_client.post(f"/deadlines/scoring/{draft.id}/remind", follow_redirects=True)
    assert "Nobody has a part left to do before this deadline." in response.get_data(as_text=True)
    assert fmu_client.post("/deadlines/scoring/999999/remind").status_code == 404
    assert fmu_client.post("/deadlines/reports/999999/1/remind").status_code == 404
    assert fmu_client.get("/deadlines/scoring/1/remind").status_code == 405
    member = sign_in(client, make_user(Role.sc_member, org="GOV-DEU"))
    assert member.post(f"/deadlines/scoring/{draft.id}/remind").status_code == 403
    assert outbox == []


def test_send_now_needs_the_pages_csrf_token(app, fmu_client, scoring, outbox, monkeypatch):
    proposal, _members = scoring
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind")
    assert response.status_code == 400
    assert outbox == []
    html = fmu_client.get("/deadlines/").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    assert fmu_client.post(f"/deadlines/scoring/{proposal.id}/remind", data={"csrf_token": token}).status_code == 302
    assert len(outbox) == 5


def test_the_review_procedure_and_report_pages_link_to_their_deadline(fmu_client, scoring, procedure,
                                                                      make_programme):  # fmt: skip
    proposal, _members = scoring
    html = fmu_client.get(f"/steering/proposals/{proposal.id}").get_data(as_text=True)
    assert f"/deadlines/?kind=scoring&amp;show=all#deadline-scoring-{proposal.latest_version.id}" in html
    html = fmu_client.get(f"/steering/written-procedures/{procedure.id}").get_data(as_text=True)
    assert f"#deadline-procedure-{procedure.id}" in html
    programme = make_programme(lead="IOM", partners=("UNHCR",))
    html = fmu_client.get(f"/results/programmes/{programme.id}/periods/1").get_data(as_text=True)
    assert f"#deadline-report-{programme.periods[0].id}" in html
