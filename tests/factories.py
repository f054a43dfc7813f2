"""Fixture factories: each fixture returns a callable that creates one kind of object."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from fundmgr.accounts.models import Constituency, Organization, Role, User
from fundmgr.accounts.operations import hasher
from fundmgr.db import db
from fundmgr.funds.models import Fund

PASSWORD = "correct horse battery"
# Hashing is deliberately slow; tests share one hash instead of computing one per user.
PASSWORD_HASH = hasher.hash(PASSWORD)
_counter = itertools.count(1)


@pytest.fixture
def fund() -> Fund:
    """The bundled Migration MPTF, loaded once per test database."""
    return db.session.scalar(sa.select(Fund).where(Fund.code == "MIG"))


def organization(code: str) -> Organization:
    return db.session.scalar(sa.select(Organization).where(Organization.code == code))


@pytest.fixture
def make_user() -> Callable[..., User]:
    """Create a user: make_user(Role.agency, org="IOM", constituency=None, name=None)."""

    def _make(role: Role = Role.agency, org: str = "IOM", constituency: Constituency | None = None, **kw) -> User:
        n = next(_counter)
        if role is Role.sc_member and constituency is None:
            constituency = Constituency.un_network
        user = User(
            email=kw.pop("email", f"user{n}-{secrets.token_hex(3)}@example.org"),
            name=kw.pop("name", f"{role.value.title()} User {n}"),
            role=role,
            organization=organization(org),
            constituency=constituency,
            password_hash=PASSWORD_HASH,
            session_token=secrets.token_hex(16),
            **kw,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return _make


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Sign a test client in as user without going through the (slow) password check."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
