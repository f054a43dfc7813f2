"""Signing in and out, sessions, passwords, creating accounts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.accounts.operations import authenticate, change_password, create_user
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import has_role
from tests.factories import PASSWORD, organization, sign_in


def test_sign_in_with_the_right_password(client, make_user):
    """Does the login form sign a user in and send them home?"""
    user = make_user(Role.fmu, email="officer@example.org")
    response = client.post("/account/login", data={"email": "Officer@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/fund/").status_code == 200
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.signed_in")).actor_id == user.id


def test_sign_in_welcomes_people_in_their_own_language(client, make_user):
    """Is a French user welcomed in French after signing in on a browser that asks for English?"""
    make_user(Role.fmu, email="agent@example.org", name="Amina", locale="fr")
    client.post("/account/login", data={"email": "agent@example.org", "password": PASSWORD},
                headers={"Accept-Language": "en"})  # fmt: skip
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Bienvenue, Amina." in page


@pytest.mark.parametrize(
    ("email", "password"),
    [("officer@example.org", "wrong password"), ("nobody@example.org", PASSWORD)],
)
def test_wrong_credentials_get_one_answer(client, make_user, email, password):
    """Is a wrong password answered exactly like an unknown e-mail (no user enumeration)?"""
    make_user(Role.fmu, email="officer@example.org")
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert b"The e-mail address or the password is not correct." in response.data
    assert client.get("/fund/").status_code == 302


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, make_user):
    """Does `next` bring the user back to their page, and refuse other sites?"""
    make_user(Role.fmu, email="officer@example.org")
    ok = client.post(
        "/account/login", data={"email": "officer@example.org", "password": PASSWORD, "next": "/fund/markers"}
    )
    assert ok.headers["Location"] == "/fund/markers"
    client.post("/account/logout")
    evil = client.post(
        "/account/login",
        data={"email": "officer@example.org", "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert evil.headers["Location"] == "/"


def test_inactive_account_cannot_sign_in(client, make_user):
    """Is a deactivated account refused even with the right password?"""
    make_user(Role.fmu, email="gone@example.org", is_active_account=False)
    response = client.post("/account/login", data={"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/fund/").status_code == 302


def test_sign_out(client, make_user):
    """After signing out, are pages closed again?"""
    sign_in(client, make_user(Role.viewer))
    assert client.get("/fund/").status_code == 200
    assert client.post("/account/logout").status_code == 302
    assert client.get("/fund/").status_code == 302


def test_sign_out_needs_post(client, make_user):
    """Can a link (GET) not sign anyone out?"""
    sign_in(client, make_user(Role.viewer))
    assert client.get("/account/logout").status_code == 405


def test_password_change_ends_other_sessions(app, make_user):
    """After a password change, is a session opened before it no longer valid?"""
    user = make_user(Role.agency)
    old_session, this_session = app.test_client(), app.test_client()
    sign_in(old_session, user)
    sign_in(this_session, user)
    response = this_session.post(
        "/account/",
        data={"current": PASSWORD, "new": "a new long password", "confirm": "a new long password"},
    )
    assert response.status_code == 302
    assert this_session.get("/fund/").status_code == 200
    assert old_session.get("/fund/").status_code == 302
    db.session.expire_all()
    assert authenticate(user.email, "a new long password") == user


def test_password_change_refuses_a_wrong_current_password(client, make_user):
    """Is the change refused, with a message, when the current password is wrong?"""
    user = make_user(Role.agency)
    sign_in(client, user)
    hash_before = user.password_hash
    response = client.post(
        "/account/", data={"current": "nope", "new": "a new long password", "confirm": "a new long password"}
    )
    assert response.status_code == 200
    assert b"The current password is not correct." in response.data
    db.session.refresh(user)
    assert user.password_hash == hash_before


def test_change_password_operation_lists_every_problem(make_user):
    user = make_user(Role.agency)
    with pytest.raises(ValidationFailed) as info:
        change_password(user, "wrong", "short", actor=user)
    assert len(info.value.problems) == 2


def test_create_user_hashes_with_argon2_and_audits(fund):
    """Is the password stored as an Argon2id hash, and the creation audited?"""
    user = create_user(
        email="New.Person@Example.org", name="New Person", role=Role.viewer,
        organization=organization("IOM"), password="long enough pass", actor=None,
    )  # fmt: skip
    assert user.email == "new.person@example.org"
    assert user.password_hash.startswith("$argon2id$")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.created"))
    assert entry.after["role"] == "viewer"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"email": "not-an-email"}, "The e-mail address is not valid."),
        ({"password": "short"}, "The password must have at least 10 characters."),
        ({"name": "  "}, "The name is required."),
    ],
)
def test_create_user_refuses_bad_input(fund, changes, problem):
    values = {"email": "x@example.org", "name": "X", "role": Role.viewer, "organization": organization("IOM"),
              "password": "long enough pass", "actor": None} | changes  # fmt: skip
    with pytest.raises(ValidationFailed) as info:
        create_user(**values)
    assert problem in info.value.problems
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.org")) is None


def test_create_user_command(app, fund):
    """Does `flask create-user` create an account, and refuse a duplicate e-mail?"""
    runner = app.test_cli_runner()
    args = [
        "create-user", "--email", "sc@example.org", "--name", "SC Member", "--role", "sc_member",
        "--organization", "GOV-DEU", "--password", "long enough pass",
    ]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "sc@example.org"))
    assert has_role(user, fund, Role.sc_member)
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_session_cookie_flags(client, make_user):
    """Is the session cookie HttpOnly and SameSite (and Secure in production)?"""
    make_user(Role.fmu, email="officer@example.org")
    response = client.post("/account/login", data={"email": "officer@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path):
    from fundmgr import create_app

    app = create_app(
        {
            "SECRET_KEY": "x" * 32,
            "BASE_URL": "https://mptf.example.org",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_no_secret_key_fallback_in_production(tmp_path, monkeypatch):
    """Does the app refuse to start in production without a secret key?"""
    from fundmgr import create_app

    monkeypatch.delenv("FUNDMGR_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FUNDMGR_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_my_account_shows_the_seat_i_hold_and_its_constituency(client, make_user):
    """A committee member reads the constituency of the seat they hold; agency staff, who hold none, read neither."""
    member = make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-2")
    page = sign_in(client, member).get("/account/").get_data(as_text=True)
    assert "Member States" in page
    assert "Contributing donor 2" in page
    staff = make_user(Role.agency, org="IOM")
    page = sign_in(client, staff).get("/account/").get_data(as_text=True)
    assert "Constituency" not in page
