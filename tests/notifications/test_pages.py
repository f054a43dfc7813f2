"""The bell, the list of one's notifications, opening one, marking all read; the decision letter's download."""

from __future__ import annotations

import re

import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.notifications.models import Notification
from fundmgr.steering.models import DecisionOutcome
from tests.factories import sign_in
from tests.support.mail import notifications_of


def bell(page: str) -> str:
    """The bell's link in the navigation."""
    return re.search(r'<a class="nav-link notification-bell.*?</a>', page, re.S).group(0)


def test_the_bell_shows_the_unread_count_to_screen_readers_too(client, cast, submitted_by_iom):
    """Does the bell show how many notifications are unread, in words for screen readers?"""
    submitted_by_iom()
    submitted_by_iom()
    page = sign_in(client, cast.fmu).get("/").get_data(as_text=True)
    assert "2 unread notifications" in bell(page)
    assert '<span class="badge rounded-pill bg-warning text-dark" aria-hidden="true">2</span>' in bell(page)
    quiet = sign_in(client, cast.undp).get("/").get_data(as_text=True)
    assert "unread" not in bell(quiet)
    assert 'href="/notifications/"' in bell(quiet)


def test_the_list_shows_ones_own_notifications_newest_first_unread_marked(client, cast, submitted_by_iom):
    """Does the list show the user's notifications, newest first, unread ones as buttons that open them?"""
    first, second = submitted_by_iom(title="First corridor"), submitted_by_iom(title="Second corridor")
    page = sign_in(client, cast.fmu).get("/notifications/").get_data(as_text=True)
    assert page.index("Second corridor") < page.index("First corridor")
    assert page.count(' notification-open">') == 2  # unread: buttons that open them
    assert "2 unread notifications." in page
    assert f"/notifications/{notifications_of(cast.fmu)[0].id}/open" in page
    assert "First corridor" not in sign_in(client, cast.undp).get("/notifications/").get_data(as_text=True)
    assert first.reference in page
    assert second.reference in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, cast, submitted_by_iom):
    """Does opening a notification (POST) mark it read, audited, and lead to the proposal?"""
    proposal = submitted_by_iom()
    (notification,) = notifications_of(cast.fmu)
    response = sign_in(client, cast.fmu).post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{proposal.id}"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "notification.read"))
    assert entry.actor_id == cast.fmu.id
    page = client.get("/notifications/").get_data(as_text=True)
    assert f'<a href="/proposals/{proposal.id}">' in page  # read: a plain link now
    assert "unread" not in bell(page)


def test_another_users_notification_is_not_found(client, cast, submitted_by_iom):
    """Is someone else's notification, or one that does not exist, answered 404 (and left unread)?"""
    submitted_by_iom()
    (notification,) = notifications_of(cast.fmu)
    assert sign_in(client, cast.fmu_es).post(f"/notifications/{notification.id}/open").status_code == 404
    assert client.post("/notifications/2000000000/open").status_code == 404
    assert client.get(f"/notifications/{notification.id}/open").status_code == 405
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_mark_all_read_clears_the_bell_of_that_user_only(client, cast, submitted_by_iom):
    """Does 'mark all as read' mark every notification of the user read, and nobody else's?"""
    submitted_by_iom()
    submitted_by_iom()
    response = sign_in(client, cast.fmu).post("/notifications/read-all")
    assert response.status_code == 302
    db.session.expire_all()
    assert all(n.read_at is not None for n in notifications_of(cast.fmu))
    assert all(n.read_at is None for n in notifications_of(cast.fmu_es))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have read all your notifications." in page
    assert "Mark all as read" not in page


def test_the_decision_letter_downloads_for_those_who_see_the_decision(client, cast, decide):
    """Does the decision page offer its letter as a PDF to the proposal's agencies, and nobody else may know it?"""
    decision = decide(DecisionOutcome.reject)
    page = sign_in(client, cast.unhcr).get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    assert f"/steering/decisions/{decision.id}/letter.pdf" in page
    response = client.get(f"/steering/decisions/{decision.id}/letter.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert sign_in(client, cast.undp).get(f"/steering/decisions/{decision.id}/letter.pdf").status_code == 404
