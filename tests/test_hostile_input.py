"""Hostile input typed into every field of every form: escaped when shown, refused when too long.

Every state-changing form of the access matrix is filled in by the person it is for, as their browser
shows it, with one field at a time replaced: by markup, script and a spreadsheet formula (it must come
back escaped, on the answer and wherever the saved text is shown), then by 100,001 characters (refused
with a message, nothing saved). Each try runs in its own savepoint, starting from the same world.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from fundmgr.db import db
from tests.access import harness
from tests.access.harness import (
    REFUSAL_SHOWN,
    client_as,
    copy_of,
    form_of,
    formula_cells,
    fresh_state,
    last_audit_id,
    payload,
    recording_writes,
    spreadsheet_cells,
    typed_fields,
    url_of,
)
from tests.access.routes import CASES, Case, doer
from tests.access.world import RAW_MARKUP, World, hostile
from tests.support import sampled_rows

OVERSIZED = 100_001

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world


FORMS = [case for case in CASES if case.method == "POST" and case.owner is not None]


def code_for(n: int) -> str:
    """A code word for the n-th try: letters only, ending in 7 (what RAW_MARKUP looks for)."""
    return "FIELD" + "".join(chr(ord("A") + int(d)) for d in str(n)) + "7"


def shown_escaped(text: str, code: str) -> bool:
    return f"&lt;b&gt;{code}&lt;/b&gt;" in text


def latest_decision_page(world: World) -> list[str]:
    from fundmgr.steering.models import Decision

    return [url_for("steering.decision", decision_id=db.session.scalar(sa.select(sa.func.max(Decision.id))))]


# Where a saved text shows when neither the answer nor the form shows it.
SHOWN_ON = {
    "steering.decide": latest_decision_page,  # the board moves on; the decision's page states its conditions
    "steering.decide_matter": latest_decision_page,  # back on the meeting; the decision's page states its wording
    "finance.new_interest": lambda w: [url_for("finance.ledger_xlsx")],  # the ledger's Excel export has notes
}
# A reason is kept and shown with an objection (an answer without objection needs none).
TYPED = {"steering.answer_procedure": {"objects": "yes"}}


def shown_on_pages(client, world: World, case: Case, code: str) -> bool:
    for url in SHOWN_ON.get(case.endpoint, lambda w: [])(world):
        with client.get(url) as response:
            text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            cells = spreadsheet_cells(response)
        assert not RAW_MARKUP.search(text)
        assert not formula_cells(cells)
        if shown_escaped(text, code) or any(f"<b>{code}</b>" in str(c) for c in cells):
            return True
    return False


@pytest.mark.parametrize("case", sampled_rows(FORMS, lambda c: c.id))
def test_markup_typed_into_any_field_comes_back_escaped(app, world, world_state, case: Case):
    """Is markup or script typed into any field shown as text (never as markup), wherever it comes back?"""
    _url, page, form = form_of(app, world, case)
    base = payload(app, world, case)
    stored, shown = [], []
    for n, name in enumerate(typed_fields(form)):
        code = code_for(n)
        with fresh_state(world_state), recording_writes() as writes:
            data = copy_of(base)
            for key, value in TYPED.get(case.endpoint, {}).items():
                data[key] = value
            data[name] = hostile(code) + "\nsecond line"
            client = client_as(app, world, doer(case))
            response = client.post(url_of(case, world), data=data, follow_redirects=True)
            answer = response.get_data(as_text=True)
            assert response.status_code < 500, (name, answer[-2000:])
            assert not RAW_MARKUP.search(answer), f"{name}: markup came back unescaped"
            if writes.stored(code) and form.kinds.get(name) != "password":
                stored.append(name)
                again = client.get(page).get_data(as_text=True)
                assert not RAW_MARKUP.search(again), f"{name}: markup came back unescaped in the form"
                if (
                    shown_escaped(answer, code)
                    or shown_escaped(again, code)
                    or shown_on_pages(client, world, case, code)
                ):
                    shown.append(name)
    # the saved texts come back (on the page the form leads to, or in the form opened again), as text
    assert shown or not stored, f"{case.id}: {stored} saved, none shown back"


@pytest.mark.parametrize("case", sampled_rows(FORMS, lambda c: c.id))
def test_every_field_has_a_length_limit_on_the_server(app, world, world_state, case: Case):
    """Is 100,001 characters in any field refused with a message, and never stored (nor a part of it)?"""
    _url, _page, form = form_of(app, world, case)
    base = payload(app, world, case)
    for name in typed_fields(form):
        with fresh_state(world_state), recording_writes() as writes:
            data = copy_of(base)
            data[name] = "x" * OVERSIZED
            before = last_audit_id()
            response = client_as(app, world, doer(case)).post(url_of(case, world), data=data, follow_redirects=True)
            answer = response.get_data(as_text=True)
            assert response.status_code < 500, (name, answer[-2000:])
            assert not writes.stored("x" * 1000, besides=()), f"{name}: 100,001 characters saved"
            if last_audit_id() == before:  # refused; a hidden flag with a value it does not know is simply not set
                assert REFUSAL_SHOWN.search(answer) or form.kinds.get(name) == "hidden", f"{name}: no message"


@pytest.mark.parametrize("case", sampled_rows(FORMS, lambda c: c.id))
def test_a_nul_character_in_a_field_is_refused(app, world, case: Case):
    """Is a NUL character (which no database stores) in a field refused as a bad request, nothing written?"""
    _url, _page, form = form_of(app, world, case)
    data = payload(app, world, case)
    data[(typed_fields(form) or ["anything"])[0]] = "before\x00after"
    # signing in opens a server session, as may the URL's parameters (someone signed in elsewhere): not the request
    client, url = client_as(app, world, doer(case)), url_of(case, world)
    with recording_writes() as writes:
        response = client.post(url, data=data)
    assert response.status_code == 400
    assert not writes.statements
