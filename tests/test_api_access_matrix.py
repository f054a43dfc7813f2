"""The JSON API's access matrix: every route of /api/v1 answers every role's token as tests/access/api_routes.py
says, on the access world. A refusal writes nothing; an allowed write changed data and left an audit entry by
the token's owner; every answer is JSON (errors with a code and a message); a revoked token gets 401 everywhere;
guessing an id one may not know answers as an id that does not exist."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from fundmgr.accounts import operations as account_ops
from fundmgr.accounts.models import ApiToken
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from tests.access import harness
from tests.access.api_routes import API_CASES, UNAUTHORIZED, ApiCase
from tests.access.harness import recording_writes, tables_changed_since
from tests.access.routes import DONE, FORBIDDEN, HIDDEN, KEPT, OK, UNKNOWN
from tests.access.world import ROLES, World
from tests.support import sampled_pairs, sampled_rows

app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

REFUSALS = (FORBIDDEN, HIDDEN, UNAUTHORIZED)
# Bookkeeping every request may write: a token's last use, the rate-limit counters
BOOKKEEPING = ("audit_entries", "api_tokens", "rate_limit_counters")
NO_SUCH_ID = 2_000_000_000


def headers_for(world: World, role: str) -> dict[str, str]:
    secret = world.extra["api_tokens"].get(role)
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def send(app, world: World, case: ApiCase, role: str, params=None):
    client = app.test_client()
    with app.test_request_context():
        url = url_for(case.endpoint, **(params if params is not None else case.params(world)))
    body = case.body(world) if case.body else None
    return client.open(url, method=case.method, json=body, headers=headers_for(world, role))


def category(response, method: str, changed: bool) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return str(status)
    if 200 <= status < 300 or status in (409, 422):
        return OK if method == "GET" else (DONE if changed else KEPT)
    return str(status)


def last_audit_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.id), 0)))


def changes_of(state: harness.WorldState, app, world: World, case: ApiCase, role: str):
    """The answer to the role's request, and the tables it changed (bookkeeping aside: compared with what they were
    before it, then rolled back) besides the audit entries it left."""
    mark = harness.savepoint(state)
    audit_before = last_audit_id()
    with recording_writes() as writes:
        response = send(app, world, case, role)
    db.session.expire_all()
    entries = [(e.actor_id, bool(e.before or e.after)) for e in
               db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > audit_before))]  # fmt: skip
    return response, tables_changed_since(mark, writes.tables, exclude=BOOKKEEPING), entries


@pytest.mark.parametrize(("case", "role"), sampled_pairs(API_CASES, ROLES, lambda case: case.id))
def test_api_route_answers_role_as_expected(app, world, world_state, case: ApiCase, role: str):
    """Does the API route answer this role's token as the matrix says, writing nothing it should not?"""
    expected = case.expect[role]
    response, changed, entries = changes_of(world_state, app, world, case, role)
    answer = category(response, case.method, bool(changed))

    assert response.status_code < 500, response.get_data(as_text=True)[-2000:]
    assert answer == expected, f"{case.id} as {role}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        assert response.json["code"]
        assert response.json["message"]
    if expected in REFUSALS or case.method == "GET":
        assert not changed, f"{case.id} as {role} changed {changed}"
        assert not entries
    if expected == DONE:
        assert any(actor == world.users[role] and recorded for actor, recorded in entries)


def test_every_api_route_has_an_answer_for_every_role(app):
    """Does the matrix cover every (endpoint, method) of the API, for every role, and nothing else?"""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {(case.endpoint, case.method) for case in API_CASES} == routes
    assert all(set(case.expect) == set(ROLES) for case in API_CASES)


@pytest.mark.parametrize("case", sampled_rows(API_CASES, lambda case: case.id))
def test_a_revoked_token_gets_nothing(app, world, world_state, case: ApiCase):
    """Does a revoked token (of the FMU, who may do most) get 401 JSON from every route, writing nothing?
    (Every route on PostgreSQL, a third of them on SQLite: the token is checked before any route runs.)"""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == world.users["fmu"]))
    account_ops.revoke_api_token(token, actor=token.user)
    db.session.commit()
    response, changed, entries = changes_of(world_state, app, world, case, "fmu")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"
    assert changed == set()
    assert not entries


GUESSES = [
    (case, role)
    for case in API_CASES
    for role in ("agency_other", "viewer", "sc_member")
    if case.expect[role] == HIDDEN and role in UNKNOWN
]


@pytest.mark.parametrize(("case", "role"), GUESSES, ids=[f"{c.id}-{r}" for c, r in GUESSES])
def test_guessing_an_api_id_tells_nothing(app, world, case: ApiCase, role: str):
    """Does an object one may not know answer exactly as an id that does not exist?"""
    real = case.params(world)
    fake = {name: NO_SUCH_ID if isinstance(value, int) else value for name, value in real.items()}
    known, unknown = send(app, world, case, role), send(app, world, case, role, fake)
    assert (known.status_code, known.json) == (unknown.status_code, unknown.json)


HOSTILE_VALUES = [
    {"actual": "1e999"},
    {"actual": "NaN"},
    {"actual": "9" * 39},
    {"actual": 12.5},
    {"actual": ["1"]},
    {"status": "excellent"},
    {"parts": {"sex": {"female": "abc"}}},
    {"parts": "sex"},
    {"indicator_id": "one"},
    {"indicator_id": 2**40},
]
HOSTILE_REPORTS = [
    {"values": "all"},
    {"narratives": [{"outcome_id": 1}]},
    {"lessons_learned": 42},
    {"lessons_learned": "x" * 20_001},
    [],
]


@pytest.mark.parametrize("body", [*({"value": v} for v in HOSTILE_VALUES), *HOSTILE_REPORTS], ids=repr)
def test_hostile_report_input_is_refused_as_json_and_writes_nothing(app, world, world_state, body):
    """Are bad decimals, huge numbers and wrong types in a progress report refused 4xx JSON, nothing written?"""
    case = next(case for case in API_CASES if case.endpoint == "api.save_report")
    good = case.body(world)
    if isinstance(body, dict) and "value" in body:
        body = good | {"values": [good["values"][0] | body["value"], *good["values"][1:]]}
    elif isinstance(body, dict):
        body = good | body
    hostile = ApiCase(case.endpoint, case.method, case.params, case.expect, body=lambda _w: body)
    response, changed, entries = changes_of(world_state, app, world, hostile, "agency_lead")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.json["code"]
    assert response.json["message"]
    assert changed == set()
    assert not entries
