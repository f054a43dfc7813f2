"""Sessions live on the server: sign-out, a password change or reset, or an administrator ends them for good.

A session cookie is only a key to a row of `user_sessions`; a copy of the cookie (stolen, or kept in a
shared computer's browser) stops working as soon as its session is ended. The helpers here sign in
through the real form and copy cookies as an attacker would, so the attack suite can use them too.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.accounts.sessions import UserSession
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.extensions import mail
from tests.factories import PASSWORD, sign_in

COOKIE = "fundmgr_session"


def signed_in_browser(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    """A browser signed in through the sign-in form."""
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, "the sign-in failed"
    return browser


def copied(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this browser's session cookie, as someone who stole it."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value, domain="localhost")
    return thief


def is_signed_in(browser: FlaskClient) -> bool:
    """Whether the browser may open a page that needs signing in (else it is sent to the sign-in page)."""
    return browser.get("/account/").status_code == 200


def audit_actions(user: User) -> list[str]:
    query = sa.select(AuditEntry.action).where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, make_user):
    """After signing out, does a copy of the session cookie taken before sign-out open nothing?"""
    user = make_user(Role.fmu)
    browser = signed_in_browser(app, user.email)
    thief = copied(app, browser)
    assert is_signed_in(thief)  # the copy worked while the session lived
    assert browser.post("/account/logout").status_code == 302
    assert not is_signed_in(thief)
    assert not is_signed_in(browser)
    db.session.expire_all()
    assert audit_actions(user)[-1] == "user.signed_out"
    (ended,) = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert ended.ended_at is not None
    assert ended.end_reason == "signed_out"


def test_signing_out_ends_only_that_session(app, make_user):
    """Does signing out in one browser leave the user's other browsers signed in?"""
    user = make_user(Role.agency)
    office, phone = signed_in_browser(app, user.email), signed_in_browser(app, user.email)
    office.post("/account/logout")
    assert not is_signed_in(office)
    assert is_signed_in(phone)


def test_a_password_change_ends_every_other_session_but_not_this_one(app, make_user):
    """Does changing one's password sign out every other browser (and copies of their cookies), not this one?"""
    user = make_user(Role.agency)
    here, elsewhere = signed_in_browser(app, user.email), signed_in_browser(app, user.email)
    thief = copied(app, elsewhere)
    new = "a brand new passphrase"
    response = here.post("/account/", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(thief)


def test_a_password_reset_ends_every_session(app, client, make_user):
    """Does resetting a forgotten password sign out every browser of the account?"""
    user = make_user(Role.agency)
    browsers = [signed_in_browser(app, user.email) for _ in range(2)]
    with mail.record_messages() as outbox:
        client.post("/account/reset", data={"email": user.email})
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+)", outbox[0].body).group(1)
    new = "a brand new passphrase"
    assert client.post(link, data={"new": new, "confirm": new}).status_code == 302
    assert not any(is_signed_in(browser) for browser in browsers)


def test_an_administrator_ends_a_users_sessions_from_the_users_page(app, make_user):
    """Can an administrator sign a user out of every browser from the Users page, in an audited step?"""
    admin, user = make_user(Role.admin), make_user(Role.sc_member, name="Departing Member")
    browsers = [signed_in_browser(app, user.email) for _ in range(2)]
    administrator = sign_in(app.test_client(), admin)
    assert 'href="/account/users"' in administrator.get("/").get_data(as_text=True)  # reachable from the menu
    page = administrator.get("/account/users").get_data(as_text=True)
    assert "Departing Member" in page
    action = f"/account/users/{user.id}/end-sessions"
    assert f'action="{action}"' in page
    response = administrator.post(action, data={"confirmed": "yes"}, follow_redirects=True)
    assert "2 sessions of Departing Member ended." in response.get_data(as_text=True)
    assert not any(is_signed_in(browser) for browser in browsers)
    assert is_signed_in(administrator)
    db.session.expire_all()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.sessions_ended"))
    assert (entry.actor_id, entry.object_id, entry.after) == (admin.id, str(user.id), {"sessions_ended": 2})


def test_only_an_administrator_may_end_someone_elses_sessions(app, make_user):
    """Is the Users page and its action refused to everyone but administrators, with nothing ended?"""
    user = make_user(Role.agency)
    browser = signed_in_browser(app, user.email)
    for role in (Role.fmu, Role.sc_member, Role.agency, Role.viewer):
        other = sign_in(app.test_client(), make_user(role))
        assert other.get("/account/users").status_code == 403
        assert other.post(f"/account/users/{user.id}/end-sessions").status_code == 403
    assert is_signed_in(browser)


def test_an_idle_session_ends_on_the_server(app, make_user, frozen_clock):
    """Is a session unused for longer than the session lifetime refused, even with a cookie that still holds?"""
    start = clock.now()
    frozen_clock(start)
    user = make_user(Role.viewer)
    browser = signed_in_browser(app, user.email)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    frozen_clock(start + lifetime - timedelta(minutes=1))
    assert is_signed_in(browser)  # in use: seen again, so it lives on
    frozen_clock(start + 2 * lifetime - timedelta(minutes=2))
    assert is_signed_in(browser)
    frozen_clock(start + 3 * lifetime)
    assert not is_signed_in(browser)


def test_a_request_notes_when_the_session_was_last_seen_without_writing_on_every_request(app, make_user, frozen_clock):
    """Is the session's last-seen time moved when it is minutes old, and left alone on a request seconds later?"""
    start = clock.now()
    frozen_clock(start)
    user = make_user(Role.viewer)
    browser = signed_in_browser(app, user.email)
    session_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    first_seen = session_row.last_seen_at
    frozen_clock(start + timedelta(seconds=30))
    assert is_signed_in(browser)
    db.session.expire_all()
    assert session_row.last_seen_at == first_seen
    frozen_clock(start + timedelta(minutes=10))
    assert is_signed_in(browser)
    db.session.expire_all()
    assert session_row.last_seen_at > first_seen


def test_the_session_cookie_is_sent_again_only_when_the_session_is_noted_as_seen(app, make_user, frozen_clock):
    """Does a browser in use keep its session cookie a whole lifetime ahead, without a new cookie on every answer?"""
    start = clock.now()
    frozen_clock(start)
    user = make_user(Role.viewer)
    browser = signed_in_browser(app, user.email)
    assert is_signed_in(browser)  # the first page keeps its form token in the session
    frozen_clock(start + timedelta(seconds=30))
    assert "Set-Cookie" not in browser.get("/account/").headers  # nothing changed: no cookie to sign and send
    frozen_clock(start + timedelta(minutes=10))
    answer = browser.get("/account/")
    assert answer.status_code == 200
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    assert "Expires=" in cookie  # the session seen again: its cookie lives a lifetime from now
