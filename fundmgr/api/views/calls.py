"""The API's calls for proposals: those the caller may see (drafts: the fund's managers only), as on the pages."""

from __future__ import annotations

from typing import Any

from flask import abort, g

from fundmgr.api.core import bp, found, fund_named, page_of
from fundmgr.api.schemas import CallFilters, CallPage, CallSchema
from fundmgr.calls import queries as q
from fundmgr.calls.models import Call, CallState
from fundmgr.db import db


@bp.route("/funds/<fund_code>/calls")
@bp.arguments(CallFilters, location="query", as_kwargs=True)
@bp.response(200, CallPage)
def list_calls(fund_code: str, state: str | None = None, **page: Any) -> dict[str, Any]:
    """The fund's calls the caller may see (the calls page's rule), optionally in one state."""
    fund = fund_named(fund_code)
    query = q.calls_of(fund, g.api_token.user).order_by(None)
    if state is not None:
        query = query.where(Call.state == CallState(state))
    return page_of(query, Call.id, page)


@bp.route("/funds/<fund_code>/calls/<int:call_id>")
@bp.response(200, CallSchema)
def get_call(fund_code: str, call_id: int) -> Call:
    """One call, if the caller may see it (a draft is 404 to those who may not know it exists)."""
    call = found(db.session.get(Call, call_id), fund_named(fund_code))
    if not call.can_view(g.api_token.user):
        abort(404)
    return call
