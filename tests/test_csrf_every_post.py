"""Every POST route refuses a request without a valid CSRF token, and changes nothing.

For each state-changing case of the access matrix, the user it is meant for fills in the form with
CSRF protection on (as in production): without the token, then with a forged one, the answer is 400 and
nothing is written; with the token the page gave them, the same request does what the matrix says.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests.access import harness
from tests.access.harness import client_as, copy_of, payload, recording_writes, tables_changed_since
from tests.access.routes import CASES, DONE, KEPT, Case, doer

pytestmark = pytest.mark.once  # the token check comes before any query: the database engine does not change it

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

POSTS = [case for case in CASES if case.method == "POST"]


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def signed_in_with_token(app, world, case: Case):
    """The case's user, signed in, with the URL, what they type into the form, and the CSRF token the page gave."""
    client = client_as(app, world, doer(case))
    url = url_for(case.endpoint, **case.params(world)) + (f"?{case.query}" if case.query else "")
    data = payload(app, world, case)
    html = client.get("/").get_data(as_text=True)  # the session gets its CSRF secret, the page a token
    data.poplist("csrf_token")
    return client, url, data, html.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize("case", POSTS, ids=lambda c: c.id)
def test_post_without_the_pages_csrf_token_is_refused(csrf_on, world, case: Case):
    """Is a POST without the token the page gave (none, or a forged one) refused with 400 and nothing written?"""
    client, url, data, _valid = signed_in_with_token(csrf_on, world, case)
    for forged in (None, "IjQ2ZjM5YmQ0In0.forged.token"):
        sent = copy_of(data)
        if forged is not None:
            sent["csrf_token"] = forged
        with recording_writes() as writes, client.post(url, data=sent) as response:
            text = response.get_data(as_text=True)
        assert response.status_code == 400, forged
        assert "The form expired or was not sent from this site" in text
        assert not writes.statements  # a refusal is proven by its writing nothing at all


@pytest.mark.parametrize("case", POSTS, ids=lambda c: c.id)
def test_post_with_the_pages_csrf_token_does_what_the_matrix_says(csrf_on, world, world_state, case: Case):
    """With the token the page gave, does the same POST do what the access matrix says?"""
    client, url, data, valid = signed_in_with_token(csrf_on, world, case)
    data["csrf_token"] = valid
    mark = harness.savepoint(world_state)  # the tables as they were, compared with what the POST left
    with recording_writes() as writes, client.post(url, data=data) as response:
        text = response.get_data(as_text=True)
    changed = tables_changed_since(mark, writes.tables)

    assert response.status_code != 400, text[-1500:]
    assert bool(changed) == (case.expect[doer(case)] == DONE)
    assert case.expect[doer(case)] in (DONE, KEPT)
