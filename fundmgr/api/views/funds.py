"""The API's funds: those the token's owner holds a role on, and each fund's funding status."""

from __future__ import annotations

from typing import Any

from flask import g

from fundmgr.api.core import bp, fund_named, refuse
from fundmgr.api.schemas import FundingStatusSchema, FundListSchema, FundSchema
from fundmgr.finance import queries as finance_queries
from fundmgr.finance.views import DASHBOARD_ROLES
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import all_funds
from fundmgr.funds.rights import funds_of, has_role, role_on
from fundmgr.i18n import localize
from fundmgr.web import ERROR_MESSAGES


def fund_item(fund: Fund) -> dict[str, Any]:
    role = role_on(g.api_token.user, fund)
    return {
        "code": fund.code,
        "name": localize(fund.name),
        "currency": fund.currency,
        "role": role.value if role else None,
    }


@bp.route("/funds")
@bp.response(200, FundListSchema)
def list_funds() -> dict[str, Any]:
    """The funds the token's owner holds a role on."""
    funds = funds_of(g.api_token.user, all_funds())
    return {"items": [fund_item(fund) for fund in funds], "next_cursor": None}


@bp.route("/funds/<fund_code>")
@bp.response(200, FundSchema)
def get_fund(fund_code: str) -> dict[str, Any]:
    """One fund: its code, name, currency, and the caller's role on it."""
    return fund_item(fund_named(fund_code))


@bp.route("/funds/<fund_code>/funding-status")
@bp.response(200, FundingStatusSchema)
def funding_status(fund_code: str) -> dict[str, Any]:
    """The funding-status table of the fund's dashboard (sources, uses, balance), for those who read dashboards."""
    fund = fund_named(fund_code)
    if not has_role(g.api_token.user, fund, *DASHBOARD_ROLES):
        refuse(403, "forbidden", str(ERROR_MESSAGES[403]))
    rows = finance_queries.funding_status_rows(finance_queries.balances(fund), fund)
    return {"currency": fund.currency, "lines": [{"label": label, "amount": amount, "style": style}
                                                for label, amount, style in rows]}  # fmt: skip
