"""Password reset by e-mailed token, without telling who has an account."""

from __future__ import annotations

import re

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.accounts.operations import authenticate
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.extensions import mail


def reset_link(outbox) -> str:
    (message,) = outbox
    return re.search(r"http://127\.0\.0\.1:5000(/account/reset/\S+)", message.body).group(1)  # the tests' BASE_URL


def test_reset_by_emailed_link(client, make_user):
    """Does the e-mailed link let the user set a new password, once, and sign in with it?"""
    user = make_user(Role.agency, email="staff@example.org", locale="es")
    with mail.record_messages() as outbox:
        response = client.post("/account/reset", data={"email": "Staff@example.org"})
    assert response.status_code == 302
    assert outbox[0].recipients == ["staff@example.org"]
    assert "restablecimiento de la contraseña" in outbox[0].body  # in the user's language
    link = reset_link(outbox)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    db.session.expire_all()
    assert authenticate("staff@example.org", "brand new password") == user
    # the link works only once
    again = client.post(link, data={"new": "another password 2", "confirm": "another password 2"})
    assert again.headers["Location"] == "/account/reset"
    db.session.expire_all()
    assert authenticate("staff@example.org", "another password 2") is None
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))))
    assert {"user.password_reset_requested", "user.password_reset"} <= actions


def test_reset_request_says_the_same_for_unknown_addresses(client, make_user):
    """Is an unknown address answered exactly like a known one (no account enumeration)?"""
    make_user(Role.agency, email="known@example.org")
    with mail.record_messages() as outbox:
        known = client.post("/account/reset", data={"email": "known@example.org"}, follow_redirects=True)
        unknown = client.post("/account/reset", data={"email": "unknown@example.org"}, follow_redirects=True)
    assert len(outbox) == 1
    message = "If an account exists for this address"
    assert message in known.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert known.status_code == unknown.status_code == 200


def test_forged_or_tampered_token_is_refused(client, make_user):
    make_user(Role.agency, email="staff@example.org")
    with mail.record_messages() as outbox:
        client.post("/account/reset", data={"email": "staff@example.org"})
    link = reset_link(outbox)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.post(tampered, data={"new": "brand new password", "confirm": "brand new password"})
    assert response.headers["Location"] == "/account/reset"
    db.session.expire_all()
    assert authenticate("staff@example.org", "brand new password") is None


def test_expired_token_is_refused(client, make_user, app, monkeypatch):
    make_user(Role.agency, email="staff@example.org")
    with mail.record_messages() as outbox:
        client.post("/account/reset", data={"email": "staff@example.org"})
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    assert client.get(reset_link(outbox)).headers["Location"] == "/account/reset"


def test_a_reset_asked_for_another_host_links_only_to_the_configured_address(app, client, make_user, monkeypatch):
    """Does a reset requested with a forged Host header still e-mail a link to the configured address only?"""
    monkeypatch.setitem(app.config, "BASE_URL", "https://mptf.example.org")
    make_user(Role.agency, email="staff@example.org")
    with mail.record_messages() as outbox:
        client.post("/account/reset", data={"email": "staff@example.org"}, headers={"Host": "evil.example"})
    (message,) = outbox
    assert "evil.example" not in message.body
    assert re.search(r"https://mptf\.example\.org/account/reset/\S+", message.body)


def test_requests_for_a_host_that_is_not_configured_are_refused(app, tmp_path):
    """Does the app answer 400 to a Host that is neither BASE_URL's nor in FUNDMGR_TRUSTED_HOSTS?"""
    from fundmgr import create_app
    from tests.support.database import app_config

    config = app_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path) | {
        "BASE_URL": "https://mptf.example.org",
        "TRUSTED_HOSTS": "fundmgr.internal, 10.0.0.5",
    }
    other = create_app(config)
    assert other.config["TRUSTED_HOSTS"] == ["mptf.example.org", "fundmgr.internal", "10.0.0.5"]
    client = other.test_client()
    assert client.get("/health", headers={"Host": "evil.example"}).status_code == 400
    assert client.post("/account/reset", data={"email": "a@b.org"}, headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/health", headers={"Host": "mptf.example.org"}).status_code == 200
    assert client.get("/health", headers={"Host": "fundmgr.internal:8000"}).status_code == 200


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    """Does the app refuse to start in production when FUNDMGR_BASE_URL is not set?"""
    import pytest

    from fundmgr import create_app

    with pytest.raises(RuntimeError, match="FUNDMGR_BASE_URL"):
        create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
