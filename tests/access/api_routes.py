"""The JSON API's access matrix: what every route of /api/v1 answers each role's token, written down.

The answers are those of tests/access/routes.py (ok, done, kept, 403, 404), and for anonymous (no token) 401.
A role's token is a read-write token of the world's person in that role (tests/access/world.build_api_tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.access.routes import (
    CALL_DRAFT_READ,
    DONE,
    DRAFT_READ,
    EXPENDITURE_WRITE,
    FMU_ADMIN,
    FORBIDDEN,
    FUNDED_READ,
    HIDDEN,
    OK,
    UNPUBLISHED_READ,
    answers,
)
from tests.access.world import World

UNAUTHORIZED = "401"
FUND = "MIG"


def with_token(table: dict[str, str]) -> dict[str, str]:
    """A role table where anonymous (no token) is answered 401, as every API route answers it."""
    return table | {"anonymous": UNAUTHORIZED}


EVERY_TOKEN = with_token(answers(OK))


@dataclass(frozen=True)
class ApiCase:
    """One API route with its URL parameters from the world, what is sent, and every role's answer."""

    endpoint: str
    method: str
    params: Callable[[World], dict[str, Any]]
    expect: dict[str, str]
    body: Callable[[World], Any] | None = None
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.endpoint}:{self.method}" + (f":{self.variant}" if self.variant else "")


def fund_only(_w: World) -> dict[str, Any]:
    return {"fund_code": FUND}


def with_ids(**names: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"fund_code": FUND} | {param: w.ids[key] for param, key in names.items()}


def proposal_of(key: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"fund_code": FUND, "proposal_id": w.proposals[key]}


def expenditure_body(w: World) -> dict[str, Any]:
    from fundmgr.db import db
    from fundmgr.finance.models import Allocation

    allocation = db.session.get(Allocation, w.ids["allocation"])
    category = allocation.proposal.fund.budget_categories[0].code
    return {"year": allocation.decided_on.year, "category": category, "kind": "interim", "amount": "1.00"}


def report_body(w: World) -> dict[str, Any]:
    from fundmgr.db import db
    from fundmgr.results.models import ReportingPeriod

    programme = db.session.get(ReportingPeriod, w.ids["draft_period_id"]).programme
    return {
        "values": [{"indicator_id": i.id, "actual": "130", "status": "on_track"} for i in programme.indicators],
        "narratives": [{"outcome_id": o.id, "text": f"Outcome {o.position} moved on."} for o in programme.outcomes],
        "lessons_learned": "Ask the municipalities first.",
    }


def get(endpoint: str, params=fund_only, expect=EVERY_TOKEN, **kw: Any) -> ApiCase:
    return ApiCase(f"api.{endpoint}", "GET", params, expect, **kw)


PROGRAMME_WRITE = with_token(answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=DONE))

API_CASES: list[ApiCase] = [
    get("list_funds", lambda w: {}),
    get("get_fund"),
    get("funding_status", expect=with_token(answers(FORBIDDEN, sc=OK, fmu=OK, admin=OK, viewer=OK))),
    get("list_calls"),
    get("get_call", with_ids(call_id="open_call"), variant="open"),
    get("get_call", with_ids(call_id="draft_call"), with_token(CALL_DRAFT_READ), variant="draft"),
    get("list_proposals"),
    get("get_proposal", proposal_of("active"), with_token(FUNDED_READ), variant="programme"),
    get("get_proposal", proposal_of("draft"), with_token(DRAFT_READ), variant="draft"),
    get("list_decisions"),
    get("get_decision", with_ids(decision_id="decision"), with_token(FUNDED_READ)),
    get("list_allocations"),
    get("list_transfers"),
    get("list_contributions", expect=with_token(FMU_ADMIN)),
    get("list_expenditure"),
    get("results_framework"),
    get("list_programmes"),
    get("programme_matrix", with_ids(programme_id="programme"), with_token(FUNDED_READ)),
    get("list_reports", with_ids(programme_id="programme"), with_token(FUNDED_READ)),
    get("get_report", with_ids(report_id="accepted_report"), with_token(FUNDED_READ), variant="accepted"),
    get("get_report", with_ids(report_id="draft_report"), with_token(UNPUBLISHED_READ), variant="draft"),
    ApiCase(
        "api.submit_expenditure",
        "POST",
        with_ids(allocation_id="allocation"),
        with_token(EXPENDITURE_WRITE),
        body=expenditure_body,
    ),
    ApiCase("api.save_report", "PUT", with_ids(period_id="draft_period_id"), PROGRAMME_WRITE, body=report_body),
    ApiCase(
        "api.submit_report",
        "POST",
        with_ids(report_id="draft_report"),
        with_token(answers(HIDDEN, agency_lead=DONE, fmu=FORBIDDEN, admin=FORBIDDEN)),
    ),
]
