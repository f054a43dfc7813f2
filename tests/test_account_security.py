"""Sign-in throttling, session expiry and CSRF protection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.extensions import limiter
from tests.factories import PASSWORD, sign_in


@pytest.fixture
def rate_limited(app, monkeypatch):
    """The app with the production sign-in limit (the tests' default limit is very high)."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "10 per minute")
    limiter.reset()
    yield app
    limiter.reset()


def test_sign_in_is_throttled_after_ten_attempts(rate_limited, client, make_user):
    """After 10 attempts a minute from one address, is the 11th refused, even with the right password?"""
    make_user(Role.fmu, email="officer@example.org")
    for _ in range(10):
        assert (
            client.post("/account/login", data={"email": "officer@example.org", "password": "wrong"}).status_code == 200
        )
    response = client.post("/account/login", data={"email": "officer@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/fund/").status_code == 302  # not signed in


def test_reading_the_login_page_is_not_throttled(rate_limited, client):
    for _ in range(15):
        assert client.get("/account/login").status_code == 200


def test_sessions_expire(app, client, make_user, frozen_clock):
    """Is a session idle for longer than the configured lifetime refused by the server?"""
    signed_in_at = clock.now()
    frozen_clock(signed_in_at)
    make_user(Role.fmu, email="officer@example.org")
    client.post("/account/login", data={"email": "officer@example.org", "password": PASSWORD})
    assert client.get("/fund/").status_code == 200
    # the server's clock moves on (the browser's cookie, dated by the real time, is still sent)
    frozen_clock(signed_in_at + app.permanent_session_lifetime + timedelta(seconds=1))
    assert client.get("/fund/").status_code == 302


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_wrong_csrf_token_changes_nothing(csrf_on, client, make_user, token):
    """Is a state change without a valid CSRF token refused, with nothing written?"""
    user = make_user(Role.agency, locale="en")
    sign_in(client, user)
    data = {"locale": "fr"} | ({"csrf_token": token} if token else {})
    response = client.post("/language", data=data)
    assert response.status_code == 400
    assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"


def test_valid_csrf_token_is_accepted(csrf_on, client, make_user):
    user = make_user(Role.agency, locale="en")
    sign_in(client, user)
    html = client.get("/account/").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/language", data={"locale": "fr", "csrf_token": token}).status_code == 302
    db.session.refresh(user)
    assert user.locale == "fr"
