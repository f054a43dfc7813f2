"""Canary pair: what one test writes and commits is gone for the next one.

Each writes its own marker and checks that the other's is absent; whichever runs
second proves the first one's commit was rolled back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from tests.factories import sign_in

pytestmark = [pytest.mark.both_engines, pytest.mark.xdist_group("canary")]


def canary_count(name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.name == name))


def test_canary_a_commits_through_a_request(client, make_user):
    """A commit made by a view (a language change) stays inside this test."""
    user = make_user(Role.viewer, name="canary-a")
    sign_in(client, user)
    client.post("/language", data={"locale": "fr"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "fr"
    assert canary_count("canary-b") == 0


def test_canary_b_sees_nothing_of_a(make_user):
    """Nothing committed by canary A is visible here, and vice versa."""
    make_user(Role.viewer, name="canary-b")
    assert canary_count("canary-a") == 0
    assert canary_count("canary-b") == 1
