"""Sign-in throttling holds in production: counted in a store every worker shares, per address and per account.

The helper `attempts` serves the attack suite as well. Several workers are tested against the production server
itself (gunicorn, 2 workers): app instances in one process would share Flask-Limiter's one store.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from bench.client import Client, csrf_token
from bench.server import Server
from fundmgr import create_app
from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.extensions import limiter
from fundmgr.ratelimits import DatabaseStorage

LIMIT = "10 per minute"  # the production sign-in limit


def attempts(client: FlaskClient, email: str, *, address: str = "203.0.113.7", **headers) -> int:
    """One wrong sign-in; its status."""
    environ = {"REMOTE_ADDR": address}
    data = {"email": email, "password": "wrong password"}
    return client.post("/account/login", data=data, environ_base=environ, headers=headers).status_code


@pytest.fixture
def rate_limited(app, monkeypatch):
    """The tests' app with the production sign-in limit (its in-memory store: one worker)."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", LIMIT)
    limiter.reset()
    yield app
    limiter.reset()


def test_the_default_store_is_the_database():
    """Does the app count rate limits in the database unless told otherwise?"""
    from fundmgr.config import DEFAULTS

    assert DEFAULTS["RATELIMIT_STORAGE_URI"] == "fundmgr://"


def test_the_sign_in_limit_holds_in_total_against_the_production_server(committed, tmp_path, make_user):
    """Against `gunicorn --workers 2 fundmgr.wsgi:app`, do 40 wrong passwords get 10 answers in all, not 10 per
    worker? (Each request is a new connection: the workers share them as they come.)"""
    email = make_user(Role.fmu).email
    db.session.remove()  # nothing of the test's own left open (SQLite: it would hold the server's writes back)
    server = Server(committed.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "storage", log=tmp_path / "gunicorn.log")
    server.env["FUNDMGR_LOGIN_RATE_LIMIT"] = LIMIT
    with server:
        client = Client(server.url)
        token = csrf_token(client.get("/account/login").text)
        form = {"csrf_token": token, "email": email, "password": "wrong password", "next": ""}
        answers = [client.post("/account/login", form).status for _ in range(40)]
    assert answers.count(200) == 10, answers
    assert set(answers[10:]) == {429}
    failed = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.sign_in_failed")
    assert db.session.scalar(failed) == 10


def test_the_database_store_counts_atomically_and_windows_expire(committed, frozen_clock):
    """Does the fixed window count every hit, then start again from one once it has expired?"""
    from datetime import timedelta

    from fundmgr import clock

    storage = DatabaseStorage("fundmgr://")
    start = clock.now()
    frozen_clock(start)
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == pytest.approx(start.timestamp() + 60)
    assert storage.incr("x" * 400, 60) == 1  # a long key (a long e-mail address) is stored by its hash
    frozen_clock(start + timedelta(seconds=61))
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check()


def test_sign_in_is_throttled_per_account_from_any_address(rate_limited, client, make_user):
    """Are 10 wrong passwords for one account a minute, each from another address, followed by a refusal?"""
    user = make_user(Role.agency)
    answers = [attempts(client, user.email, address=f"198.51.100.{n}") for n in range(11)]
    assert answers == [200] * 10 + [429]
    assert attempts(client, "someone.else@example.org", address="198.51.100.99") == 200  # others are not locked out


def test_a_forged_forwarding_header_does_not_escape_the_limit(rate_limited, client):
    """Without a configured proxy, is X-Forwarded-For ignored, so changing it does not reset the count?"""
    answers = [attempts(client, f"user{n}@example.org", **{"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(11)]
    assert answers[-1] == 429


def test_behind_one_proxy_the_forwarded_address_is_the_clients(committed, worker):
    """With FUNDMGR_PROXY_COUNT=1, are clients behind the proxy counted each on their own address?"""
    client = worker(committed, PROXY_COUNT=1, LOGIN_RATE_LIMIT=LIMIT, RATELIMIT_STORAGE_URI="memory://").test_client()
    proxy = "10.0.0.2"
    first = [
        attempts(client, f"a{n}@example.org", address=proxy, **{"X-Forwarded-For": "192.0.2.1"}) for n in range(11)
    ]
    other = attempts(client, "b@example.org", address=proxy, **{"X-Forwarded-For": "192.0.2.2"})
    assert first[-1] == 429
    assert other == 200


def test_a_failed_sign_in_is_audited_without_the_password(client, make_user):
    """Is a wrong password recorded in the audit log against the account, with the address and no password?"""
    user = make_user(Role.fmu)
    assert attempts(client, user.email, address="203.0.113.9") == 200
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.sign_in_failed"))
    assert entry.object_id == str(user.id)
    assert entry.actor_id is None
    assert entry.after == {"address": "203.0.113.9"}
    assert "wrong password" not in repr((entry.before, entry.after, entry.summary))


def test_production_refuses_a_rate_limit_store_in_one_workers_memory(tmp_path):
    """Does the app refuse to start in production with a memory:// rate-limit store?"""
    config = {"SECRET_KEY": "x" * 32, "BASE_URL": "https://mptf.example.org",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}  # fmt: skip
    with pytest.raises(RuntimeError, match="memory://"):
        create_app(config | {"RATELIMIT_STORAGE_URL": "memory://"})
    production = create_app(config)
    assert production.config["RATELIMIT_STORAGE_URI"] == "fundmgr://"
    with production.app_context():
        db.engine.dispose()
