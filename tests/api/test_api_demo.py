"""The JSON API on the demo data: the OpenAPI document, lists and pages, money as strings, writes through the
pages' operations, and hostile input refused with JSON and nothing written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts import operations as ops
from fundmgr.accounts.models import TokenScope, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.finance.models import Allocation, Expenditure

FUND = "MIG"


def token_of(email: str, scope: TokenScope = TokenScope.read_write) -> dict[str, str]:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    _token, secret = ops.create_api_token(user, name="tests", scope=scope, days=30, actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_openapi_document_is_3_1_and_documents_every_route(demo_app):
    """Is the document OpenAPI 3.1, built from the code, naming every API route and the bearer scheme?"""
    document = demo_app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    routes = {
        rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for rule in demo_app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(document["paths"])


def test_the_docs_page_shows_every_route_without_a_token(demo_app):
    """Can someone read the API's reference before making a token?"""
    page = demo_app.test_client().get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/funds/{fund_code}/allocations/{allocation_id}/expenditure" in page.text


def test_lists_page_with_an_opaque_cursor_to_the_end(demo_app):
    """Does following next_cursor give every proposal once, then stop?"""
    client, headers = demo_app.test_client(), token_of("fatou.diallo@fundmgr.example", TokenScope.read)
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/api/v1/funds/{FUND}/proposals", query_string=query, headers=headers).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) > 2
    everything = client.get(f"/api/v1/funds/{FUND}/proposals", query_string={"limit": 100}, headers=headers).json
    assert sorted(seen) == sorted(p["id"] for p in everything["items"])
    bad = client.get(f"/api/v1/funds/{FUND}/proposals", query_string={"cursor": "garbage"}, headers=headers)
    assert bad.status_code == 400
    assert bad.json["code"] == "invalid_cursor"


def test_money_is_a_string_of_its_exact_value(demo_app):
    """Are amounts strings of Decimals (never JSON numbers), to the cent?"""
    client, headers = demo_app.test_client(), token_of("fatou.diallo@fundmgr.example", TokenScope.read)
    allocations = client.get(f"/api/v1/funds/{FUND}/allocations", headers=headers).json["items"]
    assert allocations
    assert all(isinstance(a["total"], str) for a in allocations)
    row = db.session.get(Allocation, allocations[0]["id"])
    assert allocations[0]["total"] == str(row.total)
    status = client.get(f"/api/v1/funds/{FUND}/funding-status", headers=headers).json
    assert all(isinstance(line["amount"], str) for line in status["lines"])


def test_an_agency_sees_only_what_its_pages_show(demo_app):
    """Does an agency's token list only the proposals its pages list, and no contributions (the FMU's books)?"""
    from fundmgr.funds.models import Fund
    from fundmgr.proposals.models import Proposal
    from fundmgr.proposals.visibility import visible_to

    client, headers = demo_app.test_client(), token_of("sofia.mendoza@fundmgr.example", TokenScope.read)
    listed = client.get(f"/api/v1/funds/{FUND}/proposals", query_string={"limit": 100}, headers=headers).json
    user = db.session.scalar(sa.select(User).where(User.email == "sofia.mendoza@fundmgr.example"))
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == FUND))
    expected = set(db.session.scalars(sa.select(Proposal.id).where(visible_to(user, fund))))
    assert {p["id"] for p in listed["items"]} == expected
    assert client.get(f"/api/v1/funds/{FUND}/contributions", headers=headers).status_code == 403


def test_proposals_filter_as_the_page_and_calls_list_what_the_page_shows(demo_app):
    """Do the proposal filters give what the proposals page gives for the same filters, and the calls list the
    calls page's calls (a viewer: no draft)?"""
    from fundmgr.calls.queries import calls_of
    from fundmgr.funds.models import Fund
    from fundmgr.proposals import queries as pq

    email = "fatou.diallo@fundmgr.example"
    client, headers = demo_app.test_client(), token_of(email, TokenScope.read)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == FUND))
    area = fund.thematic_areas[0].code
    for args in ({"state": "active"}, {"area": area}, {"organization": "IOM", "q": "a"}, {"country": "XXX"}):
        listed = client.get(f"/api/v1/funds/{FUND}/proposals", query_string=args | {"limit": 100}, headers=headers)
        page = pq.PROPOSALS.read({"status": args.get("state", "")} | args)
        expected = set(db.session.scalars(pq.apply_filters(pq.visible_proposals(user, fund), fund, page)).all())
        assert {p["id"] for p in listed.json["items"]} == {p.id for p in expected}, args
    calls = client.get(f"/api/v1/funds/{FUND}/calls", headers=headers).json["items"]
    assert {c["id"] for c in calls} == {c.id for c in db.session.scalars(calls_of(fund, user))}
    assert calls
    answered = client.get(f"/api/v1/funds/{FUND}/proposals", query_string={"call_id": calls[0]["id"]}, headers=headers)
    assert answered.json["items"]
    assert all(p["call_id"] == calls[0]["id"] for p in answered.json["items"])
    bad = client.get(f"/api/v1/funds/{FUND}/calls", query_string={"state": "secret"}, headers=headers)
    assert (bad.status_code, bad.json["code"]) == (422, "invalid_input")


def reportable(email: str) -> Allocation:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    from fundmgr.finance.operations import may_report_expenditure
    from fundmgr.finance.operations.expenditure import REPORTING_STATES

    allocations = db.session.scalars(sa.select(Allocation).order_by(Allocation.id))
    return next(
        a
        for a in allocations
        if a.proposal.state in REPORTING_STATES
        and a.proposal.financially_closed_on is None  # a financially closed programme's money is read-only
        and may_report_expenditure(user, a)
    )


def test_an_organization_submits_its_expenditure_audited(demo_app):
    """Does a read-write token record expenditure through the page's operation, audited as its owner?"""
    email = "nadia.rahman@fundmgr.example"
    allocation = reportable(email)
    headers = token_of(email)
    category = allocation.proposal.fund.budget_categories[0].code
    year = allocation.decided_on.year
    response = demo_app.test_client().post(
        f"/api/v1/funds/{FUND}/allocations/{allocation.id}/expenditure",
        json={"year": year, "category": category, "kind": "interim", "amount": "0.01"},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["amount"] == "0.01"
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action in ("expenditure.recorded", "expenditure.corrected")
    assert entry.actor.email == email


HOSTILE_AMOUNTS = ["1e999", "NaN", "-1", "0.001", "99999999999999999999999999", "12,50", " 1", "", "１２"]
HOSTILE_BODIES = [
    {"year": "2024", "category": "x", "kind": "interim", "amount": "1"},
    {"year": 2024.5, "category": "x", "kind": "interim", "amount": "1"},
    {"year": 2**40, "category": "x", "kind": "interim", "amount": "1"},
    {"year": 2024, "category": ["x"], "kind": "interim", "amount": "1"},
    {"year": 2024, "category": "x", "kind": "weekly", "amount": "1"},
    {"year": 2024, "category": "x", "kind": "interim", "amount": 1.1},
    {"year": 2024, "category": "x", "kind": "interim", "amount": None},
    {"year": 2024},
    [],
    "amount",
]


@pytest.mark.parametrize("body", [{"amount": a} for a in HOSTILE_AMOUNTS] + HOSTILE_BODIES)
def test_hostile_expenditure_is_refused_as_json_and_writes_nothing(demo_app, body):
    """Are bad decimals, huge numbers and wrong types refused 4xx with a JSON code, nothing written?"""
    email = "nadia.rahman@fundmgr.example"
    allocation = reportable(email)
    if isinstance(body, dict) and set(body) == {"amount"}:
        category = allocation.proposal.fund.budget_categories[0].code
        body = {"year": allocation.decided_on.year, "category": category, "kind": "annual"} | body
    headers = token_of(email)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Expenditure))
    audit_before = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    response = demo_app.test_client().post(
        f"/api/v1/funds/{FUND}/allocations/{allocation.id}/expenditure", json=body, headers=headers
    )
    assert 400 <= response.status_code < 500, response.json
    assert response.json["code"]
    assert response.json["message"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expenditure)) == before
    assert db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) == audit_before


@pytest.mark.parametrize("body", ['{"year":' * 100_000 + "1" + "}" * 100_000, "[" * 100_000 + "]" * 100_000])
def test_a_json_body_nested_too_deeply_is_refused_as_bad_json(demo_app, body):
    """Is a body nested deeper than the JSON parser reaches answered 400 with a JSON reason, not a server error?"""
    email = "nadia.rahman@fundmgr.example"
    allocation = reportable(email)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Expenditure))
    response = demo_app.test_client().post(
        f"/api/v1/funds/{FUND}/allocations/{allocation.id}/expenditure", data=body,
        content_type="application/json", headers=token_of(email),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json["code"] == "bad_request"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expenditure)) == before
