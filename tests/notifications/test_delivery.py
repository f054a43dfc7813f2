"""Delivery: e-mails leave only when the change commits (never after a rollback), where they should go.

The failures are forced through the pages, as tests/test_nothing_lost.py does: something the operation
calls fails once the notification was made, and the request rolls back.
"""

from __future__ import annotations

import email
import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for
from flask_mail import Message

from fundmgr import create_app
from fundmgr.db import db
from fundmgr.emails import deliver, queue_mail, queued_messages
from fundmgr.i18n import LANGUAGES
from fundmgr.notifications import events
from fundmgr.notifications.mail import absolute_url
from fundmgr.notifications.models import Notification
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import AttachmentKind, ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import Decision, MeetingMode
from fundmgr.steering.operations import decisions
from tests.factories import sign_in
from tests.support import TODAY
from tests.support.database import app_config
from tests.support.files import upload
from tests.support.mail import notifications_of, sent_to


class ForcedFailure(RuntimeError):
    """The failure a test forces once the notification is made."""


def fail_after(function, n: int = 1):
    """The n-th call does its work (notifications made, e-mails queued), then fails."""
    calls = []

    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        calls.append(1)
        if len(calls) == n:
            db.session.flush()
            assert queued_messages(), "nothing was queued: the failure would prove nothing"
            raise ForcedFailure("the disk is full")
        return result

    wrapper.calls = calls
    return wrapper


def test_a_submission_that_fails_after_notifying_sends_nothing(app, client, cast, make_proposal, outbox, monkeypatch):
    """Does a submission that fails once its notifications are made leave no e-mail and no notification?"""
    proposal = make_proposal(ProposalState.draft, lead="IOM", creator=cast.iom)
    proposal_ops.add_attachment(proposal, AttachmentKind.endorsement_letter, upload(), actor=cast.iom)
    db.session.commit()
    failing = fail_after(events.notify)
    monkeypatch.setattr(events, "notify", failing)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    response = sign_in(client, cast.iom).post(url_for("proposals.submit", proposal_id=proposal.id))

    assert failing.calls
    assert response.status_code == 500
    db.session.expire_all()
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    assert proposal.state is ProposalState.draft


def test_a_decision_that_fails_after_its_letter_is_queued_sends_nothing(app, client, cast, fund, iom_in_review,
                                                                        make_deposit, outbox, monkeypatch,
                                                                        third_seat):  # fmt: skip
    """Does a decision whose last step fails (the letters already queued) send no e-mail and leave no trace?"""
    make_deposit("20000000.00")
    proposal = iom_in_review()
    live = steering_ops.schedule_meeting(
        fund, steering_ops.MeetingData("Extraordinary meeting", TODAY, MeetingMode.virtual), actor=cast.fmu
    )
    (item,) = steering_ops.add_agenda_items(live, [proposal], actor=cast.fmu)
    steering_ops.record_attendance(live, {cast.sc.id, cast.chair.id, third_seat.id}, actor=cast.fmu)
    steering_ops.start_meeting(live, actor=cast.fmu)
    steering_ops.open_item(item, actor=cast.fmu)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    outbox.clear()
    # take_decision notifies (decision_taken) after its own audit entry; record_decision's next entry fails
    failing = fail_after(decisions.record_audit, n=2)  # decision.recorded, item.decided
    monkeypatch.setattr(decisions, "record_audit", failing)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    response = sign_in(client, cast.fmu).post(
        url_for("steering.decide", meeting_id=live.id, item_id=item.id),
        data={"outcome": "approve", "approved_amount": str(proposal.latest_version.total)},
    )

    assert len(failing.calls) == 2
    assert response.status_code == 500
    db.session.expire_all()
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == before
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0


def test_a_rolled_back_savepoint_drops_only_its_own_emails(app, cast, geneva_meeting, outbox):
    """Inside one transaction, is an e-mail queued in a savepoint that rolls back dropped, the others kept?"""
    queue_mail(cast.sc.email, "Before the savepoint", "kept")
    savepoint = db.session.begin_nested()
    queue_mail(cast.chair.email, "Inside the savepoint", "dropped")
    savepoint.rollback()
    queue_mail(cast.fmu.email, "After the savepoint", "kept")
    assert outbox == []  # nothing before the commit
    db.session.commit()
    assert sorted(m.subject for m in outbox) == ["After the savepoint", "Before the savepoint"]


def test_a_rolled_back_transaction_outside_a_request_sends_nothing(app, cast, iom_in_review, outbox):
    """In a CLI command (no request), is what was queued sent on commit and dropped on rollback?"""
    proposal = iom_in_review()
    steering_ops.assign_reviewers(proposal, [cast.sc], TODAY + timedelta(days=9), actor=cast.fmu)
    db.session.rollback()
    assert outbox == []
    assert not notifications_of(cast.sc)
    steering_ops.assign_reviewers(proposal, [cast.sc], TODAY + timedelta(days=9), actor=cast.fmu)
    db.session.commit()
    assert len(sent_to(outbox, cast.sc, "scoring_assigned")) == 1


def test_without_a_mail_server_development_writes_eml_files(app, cast, decide, tmp_path, monkeypatch, caplog):
    """In development without MAIL_SERVER, is each e-mail an .eml file in instance/outbox (never sent)?"""
    monkeypatch.setattr(app.extensions["mail"], "suppress", False)  # as in development
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setattr(smtplib, "SMTP", None)  # any attempt to reach a server would fail loudly
    decision = decide()

    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert files
    assert "written to" in caplog.text
    to_iom = [f for f in files if cast.iom.email in f.name and "decision" in f.read_text(errors="ignore").lower()]
    parsed = email.message_from_bytes(next(f for f in to_iom if b"application/pdf" in f.read_bytes()).read_bytes())
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert {"text/plain", "text/html", "application/pdf"} <= set(kinds)
    letter = next(part for part in parsed.walk() if part.get_content_type() == "application/pdf")
    assert letter.get_payload(decode=True).startswith(b"%PDF")
    assert decision.reference in parsed["Subject"] or decision.proposal.reference in parsed["Subject"]


def test_with_a_mail_server_from_the_environment_it_sends(tmp_path, monkeypatch):
    """With FUNDMGR_MAIL_SERVER and friends in the environment, does an e-mail go to that SMTP server?"""
    sent = []

    class FakeSMTP:
        def __init__(self, host, port):
            sent.append(("connect", host, port))

        def set_debuglevel(self, level):
            pass

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def sendmail(self, sender, recipients, message, *options):
            sent.append(("sendmail", sender, recipients, message))

        def quit(self):
            pass

    for name, value in {"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": "2525", "MAIL_USERNAME": "fundmgr",
                        "MAIL_PASSWORD": "s3cret", "MAIL_DEFAULT_SENDER": "mptf@example.org"}.items():  # fmt: skip
        monkeypatch.setenv(f"FUNDMGR_{name}", value)
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    config = app_config(f"sqlite:///{tmp_path / 'mail.sqlite3'}", tmp_path) | {"TESTING": False}
    other = create_app(config)
    with other.app_context():
        deliver(Message("Hello", recipients=["someone@example.org"], body="Body"))
    assert sent[0] == ("connect", "smtp.example.org", 2525)
    assert ("login", "fundmgr", "s3cret") in sent
    assert ("starttls",) in sent
    (_verb, sender, recipients, _message) = next(s for s in sent if s[0] == "sendmail")
    assert sender == "mptf@example.org"
    assert recipients == ["someone@example.org"]


def test_links_are_absolute_on_the_configured_base_url(app, monkeypatch):
    """Do e-mail links start with FUNDMGR_BASE_URL, in a request or not?"""
    monkeypatch.setitem(app.config, "BASE_URL", "https://mptf.example.org/fundmgr/")
    assert absolute_url("proposals.detail", proposal_id=7) == "https://mptf.example.org/fundmgr/proposals/7"
    with app.test_request_context("/", base_url="http://internal:8000"):
        assert absolute_url("notifications.list") == "https://mptf.example.org/fundmgr/notifications/"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_password_reset_still_arrives_once_committed(client, make_user, outbox, locale):
    """Does the password-reset e-mail (queued in the request) still leave once the request commits?"""
    user = make_user(locale=locale)
    client.post("/account/reset", data={"email": user.email})
    assert [m.recipients for m in outbox] == [[user.email]]
