"""API tokens and who the JSON API answers: only a live bearer token, acting with its owner's role on each fund."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts import operations as ops
from fundmgr.accounts.models import ApiToken, Role, TokenScope
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.i18n import LANGUAGES
from tests.factories import sign_in


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_token(user, scope=TokenScope.read, days=30) -> str:
    _token, secret = ops.create_api_token(user, name="ci", scope=scope, days=days, actor=user)
    db.session.commit()
    return secret


def test_a_token_is_stored_only_as_its_hash_and_its_creation_audited(make_user):
    """Is the secret kept nowhere but in the answer, and is making a token audited without its hash?"""
    user = make_user(Role.agency)
    token, secret = ops.create_api_token(user, name="ERP", scope=TokenScope.read_write, days=90, actor=user)
    db.session.flush()
    assert secret.startswith("fmk_")
    assert secret not in (token.token_hash, token.prefix)
    assert len(token.token_hash) == 64
    assert secret.startswith(token.prefix)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "api_token.created"))
    assert entry.actor_id == user.id
    assert token.token_hash not in str(entry.after)


def test_bad_token_settings_are_refused_all_at_once(make_user):
    """Are an empty name, an unknown scope and a lifetime not offered refused together?"""
    user = make_user(Role.agency)
    with pytest.raises(ValidationFailed) as refused:
        ops.create_api_token(user, name=" ", scope="root", days=10_000, actor=user)
    assert len(refused.value.problems) == 3


def test_nobody_makes_or_revokes_another_persons_token(make_user):
    """May an administrator make or revoke a token in someone else's name? (No: tokens are personal.)"""
    user, admin = make_user(Role.agency), make_user(Role.admin)
    with pytest.raises(NotAllowed):
        ops.create_api_token(user, name="x", scope=TokenScope.read, days=30, actor=admin)
    token, _secret = ops.create_api_token(user, name="x", scope=TokenScope.read, days=30, actor=user)
    with pytest.raises(NotAllowed):
        ops.revoke_api_token(token, actor=admin)


def test_without_a_live_token_the_api_answers_401_json(app, make_user):
    """Do no token, a wrong one, a revoked one and an expired one all get 401 JSON with a code?"""
    user = make_user(Role.fmu)
    client = app.test_client()
    revoked = make_token(user)
    ops.revoke_api_token(db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc())), actor=user)
    db.session.commit()
    expired = make_token(user)
    db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc())).expires_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    for headers in ({}, bearer("fmk_nope"), bearer(revoked), bearer(expired), {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/funds", headers=headers)
        assert response.status_code == 401
        assert response.json["code"] == "unauthorized"
        assert response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_cookie_session_does_not_open_the_api(app, make_user):
    """Does a signed-in browser without a token get nothing from the API (so no cross-site request can use it)?"""
    user = make_user(Role.fmu)
    client = app.test_client()
    sign_in(client, user)
    assert client.get("/api/v1/funds").status_code == 401


def test_a_token_acts_with_its_owners_role_on_each_fund(app, make_user, fund):
    """Does a token list the funds its owner holds a role on, and get nothing from a fund they hold none on?"""
    user = make_user(Role.viewer)
    client = app.test_client()
    secret = make_token(user)
    listed = client.get("/api/v1/funds", headers=bearer(secret)).json
    assert [(f["code"], f["role"]) for f in listed["items"]] == [(fund.code, "viewer")]
    outsider = make_user(Role.viewer, funds=[])
    answer = client.get(f"/api/v1/funds/{fund.code}", headers=bearer(make_token(outsider)))
    assert answer.status_code == 403
    assert answer.json["code"] == "no_role_on_fund"
    assert client.get("/api/v1/funds/NOPE", headers=bearer(secret)).status_code == 404


def test_a_read_only_token_cannot_write(app, make_user, fund):
    """Is a write with a read-only token refused (403 JSON) before anything is read from the body?"""
    user = make_user(Role.agency)
    response = app.test_client().post(
        f"/api/v1/funds/{fund.code}/allocations/1/expenditure", headers=bearer(make_token(user)), json={}
    )
    assert response.status_code == 403
    assert response.json["code"] == "read_only_token"


def test_a_use_is_noted_on_the_token(app, make_user):
    """Does the account page learn when a token was last used?"""
    user = make_user(Role.agency)
    secret = make_token(user)
    app.test_client().get("/api/v1/funds", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id)).last_used_at is not None


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_errors_are_translated_and_keep_their_code(app, language):
    """Is an error's message in the language asked for, its code the same in every language?"""
    english = app.test_client().get("/api/v1/funds", headers={"Accept-Language": "en"}).json
    other = app.test_client().get("/api/v1/funds", headers={"Accept-Language": language}).json
    assert other["code"] == english["code"] == "unauthorized"
    assert other["message"] != english["message"]


def test_the_account_page_makes_a_token_shown_once_and_revokes_it(app, make_user):
    """Does the account page show a new token's secret once, list it, and revoke it?"""
    user = make_user(Role.agency)
    client = app.test_client()
    sign_in(client, user)
    page = client.get("/account/")
    assert "API tokens" in page.text
    made = client.post("/account/tokens", data={"name": "ERP link", "scope": "read_write", "days": "90"})
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert made.status_code == 200
    assert 'id="new-token"' in made.text
    assert "ERP link" in client.get("/account/").text
    assert 'id="new-token"' not in client.get("/account/").text
    client.post(f"/account/tokens/{token.id}/revoke", data={"confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_every_use_of_a_token_is_rate_limited(app, make_user, monkeypatch):
    """Past the API's limit, is a token answered 429 JSON, while another token still gets through?"""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    client = app.test_client()
    busy, other = bearer(make_token(make_user(Role.viewer))), bearer(make_token(make_user(Role.viewer)))
    answers = [client.get("/api/v1/funds", headers=busy).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/funds", headers=busy)
    assert refused.json["code"] == "too_many_requests"
    assert client.get("/api/v1/funds", headers=other).status_code == 200
