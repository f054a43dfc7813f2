"""Every POST route refuses a request without a valid CSRF token, and changes nothing.

For each state-changing case of the access matrix, the user it is meant for fills in the form with
CSRF protection on (as in production): without the token, or with a forged one, the answer is 400 and
nothing is written; with the token the page gave them, the same request does what the matrix says.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests.access import harness
from tests.access.harness import client_as, fingerprint, payload, recording_writes
from tests.access.routes import CASES, DONE, KEPT, Case, doer

pytestmark = pytest.mark.once  # the token check comes before any query: the database engine does not change it

# The module's world (tests/access/harness.py): built once per database, each test in a savepoint of it.
world_state, isolated, world = harness.world_state, harness.isolated, harness.world

POSTS = [case for case in CASES if case.method == "POST"]


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.mark.parametrize("token", ["missing", "forged", "valid"])
@pytest.mark.parametrize("case", POSTS, ids=lambda c: c.id)
def test_post_needs_the_pages_csrf_token(csrf_on, world, case: Case, token: str):
    """Is a POST without the token the page gave (none, or a forged one) refused with 400 and nothing written?"""
    role = doer(case)
    client = client_as(csrf_on, world, role)
    url = url_for(case.endpoint, **case.params(world)) + (f"?{case.query}" if case.query else "")
    data = payload(csrf_on, world, case)
    html = client.get("/").get_data(as_text=True)  # the session gets its CSRF secret, the page a token
    valid_token = html.split('name="csrf_token" value="')[1].split('"')[0]
    data.poplist("csrf_token")
    if token == "forged":
        data["csrf_token"] = "IjQ2ZjM5YmQ0In0.forged.token"
    elif token == "valid":
        data["csrf_token"] = valid_token
    before = fingerprint() if token == "valid" else None  # a refusal is proven by its writing nothing at all
    with recording_writes() as writes, client.post(url, data=data) as response:
        text = response.get_data(as_text=True)
    changed = fingerprint() != before if before else bool(writes.statements)

    if token == "valid":
        assert response.status_code != 400, text[-1500:]
        assert changed == (case.expect[role] == DONE)
        assert case.expect[role] in (DONE, KEPT)
    else:
        assert response.status_code == 400
        assert "The form expired or was not sent from this site" in text
        assert not writes.statements
        assert not changed
