"""The registry of final and destructive actions: each asks first (fundmgr/confirmation.py), on its page through the
dialog (data-confirm) and on a page of its own without script; nothing acts until the request is confirmed.

The registry is compared with the views both ways (a view that asks is registered, a registered one asks), and
every POST route whose name sounds final is either registered or says here why it need not ask.
"""

from __future__ import annotations

import inspect
import re

import pytest

from tests.access import harness
from tests.access.harness import changed_tables, client_as, find_form, fingerprint, payload, url_of
from tests.access.routes import CASES, Case

ASK_FIRST = {
    "accounts.end_sessions", "accounts.revoke_api_token", "calls.close", "funds.end_role", "opendata.withdraw",
    "proposals.delete_draft", "proposals.matrix_remove", "proposals.remove_attachment",
    "proposals.withdraw_invitation", "results.evidence_remove", "results.indicator_retire", "results.period_remove",
    "results.report_review", "steering.approve_minutes", "steering.cancel_meeting", "steering.close_item",
    "steering.conclude_procedure", "steering.end_meeting", "steering.end_term", "steering.remove_item",
    "steering.withdraw_procedure",
}  # fmt: skip
# POST routes whose names sound final but that need not ask, and why.
NEED_NOT_ASK = {
    "api.submit_expenditure": "the JSON API: a program, not a person, sends it",
    "finance.report_expenditure": "a form page of its own, with the figures to check before sending",
    "finance.close": "a form page of its own (the financial closure's figures and its declaration)",
    "results.close": "a form page of its own (the operational closure's report and its declaration)",
    "opendata.decision_summary": "writes the public summary's text; it can be changed again",
    "opendata.dossier": "builds a download",
    "opendata.publications": "publishes a document; it can be withdrawn",
    "proposals.restore": "the undo itself",
    "proposals.withdraw": "a page of its own that asks for the reason",
    "steering.add_agenda": "adds an item; it can be taken off",
    "steering.attendance": "records who attends; it can be changed",
}
FINAL_SOUNDING = re.compile(r"remove|delete|end|cancel|withdraw|retire|close|revoke|reject|conclude|approve|discard|"
                            r"archive|clear|drop|terminate|suspend|reverse|void|purge|restore")  # fmt: skip

app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world


def view_source(app, endpoint: str) -> str:
    """The source of the view class and of the classes it builds on, but for the shared bases."""
    view_class = getattr(app.view_functions[endpoint], "view_class", None)
    if view_class is None:
        return inspect.getsource(app.view_functions[endpoint])
    return "".join(inspect.getsource(k) for k in view_class.__mro__
                   if k.__module__.startswith("fundmgr.") and k.__name__ not in ("ActionView", "FundView"))  # fmt: skip


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def asks_first(source: str) -> bool:
    return "unconfirmed(" in source or "def question(" in source


def test_the_registry_matches_the_views(app):
    """Does every registered action ask first, and is every view that asks registered?"""
    asking = {e for e in post_endpoints(app) if not e.startswith("api.") and asks_first(view_source(app, e))}
    assert ASK_FIRST - asking == set(), "registered but not asking"
    assert asking - ASK_FIRST == set(), "asking but not registered"


def test_every_final_sounding_action_is_registered_or_says_why_not(app):
    unexplained = {e for e in post_endpoints(app) if FINAL_SOUNDING.search(e.split(".", 1)[1])}
    assert unexplained - ASK_FIRST - set(NEED_NOT_ASK) == set()
    assert set(NEED_NOT_ASK) <= post_endpoints(app)


ASKING_CASES = [c for c in CASES if c.endpoint in ASK_FIRST and c.method == "POST" and c.owner]


def test_every_registered_action_has_a_case_with_its_form():
    assert {c.endpoint for c in ASKING_CASES} >= ASK_FIRST  # fmt: skip


@pytest.mark.parametrize("case", ASKING_CASES, ids=[c.id for c in ASKING_CASES])
def test_a_final_action_asks_on_its_page_and_acts_only_once_confirmed(app, world, case: Case):
    """Does the button's form carry the dialog's question, and does a request without confirmed=yes answer the
    page that asks (with the same fields) and change nothing?"""
    url = url_of(case, world)
    client = client_as(app, world, case.owner)
    form_page = case.form_page(world) if case.form_page else url
    form = find_form(client.get(form_page).get_data(as_text=True), url, form_page)
    assert form.asks, f"the form of {case.endpoint} on {form_page} does not ask first"
    data = payload(app, world, case)
    data.pop("confirmed", None)
    before = fingerprint()
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, response.headers.get("Location")
    assert 'name="confirmed" value="yes"' in page
    assert 'id="confirm-yes"' in page
    assert changed_tables(before, fingerprint()) == set()
