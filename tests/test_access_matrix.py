"""The access matrix: every route of the app answers every role as written in tests/access/routes.py.

One realistic world (tests/access/world.py) is built once per process and database; each case runs in a savepoint,
so POSTs really act and are rolled back. For every answer: no 5xx, the security headers, no inline
script; a refusal writes nothing and shows no title of the object; no page shows a role a title it may
not know or a recused member a proposal's content. An allowed POST that changed data left an audit
entry by its user in that request. Guessing the id of an object one may not know answers exactly as
a non-existent id does.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from tests.access import harness
from tests.access.harness import (
    client_as,
    formula_cells,
    inline_script_problems,
    is_login_redirect,
    payload,
    recording_writes,
    response_text,
    security_header_problems,
    spreadsheet_cells,
    tables_changed_since,
    url_of,
)
from tests.access.routes import (
    CASES,
    DONE,
    FORBIDDEN,
    HIDDEN,
    IGNORED_ENDPOINTS,
    KEPT,
    LOGIN,
    NEVER_SHOWN,
    OK,
    RECUSED_FROM,
    UNKNOWN,
    Case,
)
from tests.access.world import RAW_MARKUP, ROLES, World
from tests.support import sampled_pairs

REFUSALS = (FORBIDDEN, HIDDEN, LOGIN)
NO_SUCH_ID = 2_000_000_000

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world
# The matrix searches a PDF's words, never its pages: each PDF rendered from its template with its text, not laid out
# by WeasyPrint (seconds a document, for every role; tests/support/text_pdfs.py). Real PDFs: tests/test_pdf_*.py.
text_only_pdfs = harness.text_only_pdfs
pytestmark = pytest.mark.usefixtures("text_only_pdfs")


def category(response, method: str, changed: bool) -> str:
    """The answer, in the matrix's terms."""
    status = response.status_code
    if is_login_redirect(response):
        return LOGIN
    if status in (403, 404):
        return str(status)
    if 200 <= status < 400 or status in (409, 422):
        if method == "GET":
            return OK
        return DONE if changed else KEPT
    return str(status)


def leaks(text: str, world: World, role: str) -> list[str]:
    """Titles the role may not know, and content of proposals the role is recused from, found in the text."""
    found = [world.code(k) for k in NEVER_SHOWN[role] if world.code(k) in text]
    found += [f"summary of {k}" for k in RECUSED_FROM.get(role, ()) if f"SUMMARY-{k.upper()}" in text]
    return found


def html_of(response, body: str) -> str:
    """The HTML an answer carries: a page, or the fragment a JSON answer gives a script to insert."""
    if response.mimetype == "text/html":
        return body
    if response.mimetype == "application/json":
        return str((json.loads(body) or {}).get("html", ""))
    return ""


def new_audit_entries(after_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)))


def last_audit_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.id), 0)))


@pytest.mark.parametrize(("case", "role"), sampled_pairs(CASES, ROLES, lambda case: case.id))
def test_route_answers_role_as_expected(app, world, world_state, case: Case, role: str):
    """Does the route answer this role as the matrix says, writing nothing it should not and leaking nothing?"""
    url = url_of(case, world)
    data = payload(app, world, case)
    expected = case.expect[role]
    client = client_as(app, world, role)
    # a refusal must not even try to write (checked below); only an answered POST is compared table by table, with
    # the tables as they were at this savepoint
    mark = harness.savepoint(world_state) if case.method == "POST" and expected not in REFUSALS else None
    audit_before = last_audit_id()
    with recording_writes() as writes:
        response = client.open(url, method=case.method, data=data)
        body = response_text(response)
        cells = spreadsheet_cells(response)
        response.close()
    db.session.expire_all()
    entries = [(e.actor_id, e.created_at, e.before, e.after, e.action) for e in new_audit_entries(audit_before)]
    changed = tables_changed_since(mark, writes.tables) if mark is not None else writes.tables
    answer = category(response, case.method, bool(changed))

    assert response.status_code < 500, body[-3000:]
    assert answer == expected, f"{case.id} as {role}: {response.status_code} {response.headers.get('Location')}"
    assert not security_header_problems(response)
    if response.mimetype == "text/html":
        assert not inline_script_problems(body)
    assert not leaks(body, world, role)
    assert not RAW_MARKUP.search(html_of(response, body)), "text typed by people reached a page unescaped"
    assert not formula_cells(cells), "a spreadsheet cell would run as a formula"
    if expected in REFUSALS or case.method == "GET":  # a GET writes nothing, but a cache the system keeps
        assert not writes.tables - set(case.extra.get("cache_writes", ())), (
            f"{case.id} as {role} wrote: {writes.tables}"
        )
    if expected in REFUSALS:
        assert not [k for k in case.secrets if world.code(k) in body], "a refusal showed the object's title"
    if expected == DONE:
        assert entries, f"{case.id} as {role} changed {changed} without an audit entry"
        actor = world.users[case.extra.get("actor", role)]
        assert any(actor_id == actor for actor_id, *_rest in entries), f"no entry by {case.extra.get('actor', role)}"
        assert all(created_at is not None for _actor, created_at, *_rest in entries)
        # what changed is recorded (the account's own sign-in and password changes keep no values, by design)
        assert any(before is not None or after is not None for _a, _c, before, after, _x in entries) or (
            case.endpoint.startswith("accounts.")
        ), f"{case.id}: no before/after in {[action for *_rest, action in entries]}"


GUESSES = [
    (case, role)
    for case in CASES
    for role in ("agency_lead", "agency_other", "viewer", "sc_member")
    if case.guessable and set(case.secrets) & UNKNOWN[role] and case.expect[role] in (FORBIDDEN, HIDDEN)
]


@pytest.mark.parametrize(("case", "role"), GUESSES, ids=[f"{c.id}-{r}" for c, r in GUESSES])
def test_guessing_an_id_tells_nothing(app, world, case: Case, role: str):
    """Does an object one may not know answer exactly as an id that does not exist (no existence oracle)?"""
    real = case.params(world)
    fake = {name: NO_SUCH_ID if isinstance(value, int) else value for name, value in real.items()}
    client = client_as(app, world, role)
    data = payload(app, world, case)
    with client.open(url_of(case, world), method=case.method, data=data) as known:
        pass
    with client.open(url_of(case, world, fake), method=case.method, data=payload(app, world, case)) as unknown:
        pass
    assert (known.status_code, known.headers.get("Location")) == (unknown.status_code, unknown.headers.get("Location"))


def test_every_route_has_an_answer_for_every_role(app):
    """Does the matrix cover every (endpoint, method) of the URL map, for every role, and nothing else?"""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS
        and not rule.endpoint.startswith("api.")  # the JSON API's own matrix: tests/access/api_routes.py
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(case.endpoint, case.method) for case in CASES}
    assert routes - covered == set(), "routes without expected answers"
    assert covered - routes == set(), "answers for routes that do not exist"
    incomplete = [case.id for case in CASES if set(case.expect) != set(ROLES)]
    assert not incomplete
    assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"
