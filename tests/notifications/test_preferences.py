"""Each user's channel per kind (e-mail, in the app only, daily digest) and the daily digest itself."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.extensions import mail
from fundmgr.notifications import Channel, kinds_for, notify, preferences_of
from fundmgr.notifications import operations as ops
from fundmgr.notifications.models import Notification
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import Meeting, MeetingMode
from tests.factories import sign_in
from tests.support import TODAY
from tests.support.mail import kind_of, notifications_of, sent_to


def test_each_role_chooses_among_the_kinds_it_receives(cast):
    """Are agencies, the FMU and the Steering Committee offered their own kinds, viewers and admins none?"""
    codes = {name: {k.code for k in kinds_for(getattr(cast, name))} for name in ("iom", "fmu", "sc", "viewer", "admin")}
    assert {"proposal_returned", "decision_taken", "report_due", "report_accepted"} <= codes["iom"]
    assert "scoring_assigned" not in codes["iom"]
    assert "proposal_returned" not in codes["fmu"]
    assert {"scoring_assigned", "scoring_reminder", "procedure_reminder", "meeting_pack_ready"} <= codes["sc"]
    assert {"proposal_submitted", "report_submitted", "report_overdue"} <= codes["fmu"]
    assert codes["viewer"] == codes["admin"] == set()
    assert preferences_of(cast.sc)["scoring_assigned"] is Channel.email  # the default


def test_in_app_only_keeps_the_bell_but_sends_no_email(cast, geneva_meeting, iom_in_review, outbox):
    """Does a member who chose 'in the app only' get the notification without an e-mail, others by e-mail?"""
    ops.set_preferences(cast.sc, {"meeting_pack_ready": Channel.in_app}, actor=cast.sc)
    db.session.commit()
    steering_ops.add_agenda_items(geneva_meeting, [iom_in_review()], actor=cast.fmu)
    db.session.commit()

    assert not sent_to(outbox, cast.sc)
    assert sent_to(outbox, cast.chair, "meeting_pack_ready")
    (notification,) = notifications_of(cast.sc, "meeting_pack_ready")
    assert notification.channel is Channel.in_app
    assert notification.emailed_at is None


def test_saving_preferences_is_audited_and_refuses_what_the_role_does_not_receive(cast):
    """Is a change of channel audited (before and after), and a kind of another role refused?"""
    changed = ops.set_preferences(cast.iom, {"decision_taken": Channel.digest, "transfer_made": Channel.email},
                                  actor=cast.iom)  # fmt: skip
    db.session.commit()
    assert changed == {"decision_taken": Channel.digest}  # transfer_made was e-mail already
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "notification.preferences_changed"))
    assert entry.actor_id == cast.iom.id
    assert entry.before == {"decision_taken": "email"}
    assert entry.after == {"decision_taken": "digest"}
    with pytest.raises(ValidationFailed):
        ops.set_preferences(cast.iom, {"scoring_assigned": Channel.in_app}, actor=cast.iom)
    with pytest.raises(NotAllowed):
        ops.set_preferences(cast.iom, {"decision_taken": Channel.email}, actor=cast.iom_colleague)


def test_the_preferences_page_saves_a_choice_per_kind(client, cast):
    """Does the page show the user's kinds with their channels, and save what is chosen?"""
    sign_in(client, cast.sc)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Proposal to score" in page
    assert 'name="scoring_assigned"' in page
    assert 'name="decision_taken"' not in page  # not a Steering Committee member's kind
    response = client.post(
        "/notifications/preferences", data={"scoring_assigned": "digest", "meeting_scheduled": "in_app"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    chosen = preferences_of(db.session.get(User, cast.sc.id))
    assert chosen["scoring_assigned"] is Channel.digest
    assert chosen["meeting_scheduled"] is Channel.in_app
    assert chosen["meeting_pack_ready"] is Channel.email  # left out of the POST: unchanged
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'<input[^>]*\bchecked\b[^>]*name="scoring_assigned"[^>]*value="digest"', page)


def schedule(fund, fmu, title: str) -> Meeting:
    geneva_meeting = steering_ops.schedule_meeting(
        fund, steering_ops.MeetingData(title, TODAY + timedelta(days=30), MeetingMode.virtual), actor=fmu
    )
    db.session.commit()
    return geneva_meeting


def test_the_daily_digest_lists_each_item_once_in_one_email(app, cast, fund, outbox):
    """Are digest items held back, then sent in one e-mail per user listing them all, and never again?"""
    ops.set_preferences(cast.chair, {"meeting_scheduled": Channel.digest}, actor=cast.chair)
    ops.set_preferences(cast.sc, {"meeting_scheduled": Channel.digest}, actor=cast.sc)
    db.session.commit()
    first, second = schedule(fund, cast.fmu, "Spring meeting"), schedule(fund, cast.fmu, "Autumn meeting")
    schedule(fund, cast.fmu, "Winter meeting")
    assert not sent_to(outbox, cast.chair)
    assert not sent_to(outbox, cast.sc)
    assert sent_to(outbox, cast.sc_unhcr, "meeting_scheduled")  # e-mail, the default
    read = notifications_of(cast.sc)[-1]  # read in the app before the digest: not listed again
    read.read_at = read.created_at
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["send-digests"])
    assert "2 digests sent, 5 notifications listed." in result.output

    (chair_digest,) = sent_to(outbox, cast.chair, "digest")
    assert "Spring meeting" in chair_digest.body
    assert "Autumn meeting" in chair_digest.body
    assert "Winter meeting" in chair_digest.body
    assert '<html lang="es">' in chair_digest.html
    assert f"/steering/meetings/{first.id}" in chair_digest.body
    assert f"/steering/meetings/{second.id}" in chair_digest.html
    (sc_digest,) = sent_to(outbox, cast.sc, "digest")
    assert "Winter meeting" not in sc_digest.body
    assert "Autumn meeting" in sc_digest.body
    assert all(n.digested_at is not None for n in notifications_of(cast.chair))

    again = app.test_cli_runner().invoke(args=["send-digests"])
    assert "0 digests sent" in again.output
    assert len([m for m in outbox if kind_of(m) == "digest"]) == 2


def test_notify_skips_the_actor_the_inactive_and_those_who_may_not_see(cast, iom_in_review, outbox):
    """Are the actor, closed accounts and people a filter rules out left out of a notification?"""
    proposal = iom_in_review()
    context = {"proposal": proposal, "version": proposal.latest_version, "due_on": TODAY, "days_left": 3}
    made = notify(
        "scoring_reminder",
        [cast.sc, cast.chair, cast.sc_unhcr, cast.sc, None],
        actor=cast.chair,
        context=context,
        link=("steering.review", {"proposal_id": proposal.id}),
        visible_to=proposal.can_see_content,
    )
    db.session.commit()
    assert [n.user_id for n in made] == [cast.sc.id]
    (message,) = outbox
    assert message.html
    assert message.body


# --- Two digest runs at once (PostgreSQL) ----------------------------------------------------------------

RUNS = 4


@pytest.mark.postgres_only
def test_overlapping_digest_runs_send_each_item_once(committed, make_user):
    """Do digest runs started at the same moment claim each user's items once between them (row locks)?"""
    members = [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(6)]
    for member in members:
        ops.set_preferences(member, {"meeting_scheduled": Channel.digest}, actor=member)
    db.session.commit()
    for n in range(5):
        for member in members:
            db.session.add(Notification(user_id=member.id, kind="meeting_scheduled", title=f"Meeting {n}",
                                        channel=Channel.digest))  # fmt: skip
    db.session.commit()
    emails = sorted(m.email for m in members)
    db.session.remove()
    start = threading.Barrier(RUNS)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        with committed.app_context():
            try:
                start.wait()
                results.append(ops.send_digests())
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    with mail.record_messages() as outbox:
        threads = [threading.Thread(target=run) for _ in range(RUNS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors
    assert sum(sent for sent, _listed in results) == len(members)
    assert sum(listed for _sent, listed in results) == 5 * len(members)
    assert sorted(m.recipients[0] for m in outbox) == emails
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.digested_at.is_(None))) == 0
