"""The API's proposals and decisions: those the caller may know about, as on the pages (visibility, recusal)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, g

from fundmgr.api.core import DEFAULT_LIMIT, bp, found, fund_named, page_of
from fundmgr.api.schemas import (
    DecisionFilters,
    DecisionPage,
    DecisionSchema,
    ProposalFilters,
    ProposalPage,
    ProposalSchema,
)
from fundmgr.db import db
from fundmgr.proposals import queries as pq
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.proposals.visibility import may_see, visible_to
from fundmgr.steering.models import Decision


@bp.route("/funds/<fund_code>/proposals")
@bp.arguments(ProposalFilters, location="query", as_kwargs=True)
@bp.response(200, ProposalPage)
def list_proposals(fund_code: str, state: str = "", call_id: int | None = None, cursor: str | None = None,
                   limit: int = DEFAULT_LIMIT, **filters: str) -> dict[str, Any]:  # fmt: skip
    """The fund's proposals (concept notes and programmes) the caller may know about (the same rule as the pages),
    filtered as the proposals page filters them."""
    fund = fund_named(fund_code)
    if state and state not in ProposalState._value2member_map_:
        return {"items": [], "next_cursor": None}  # as the page: a state that does not exist matches nothing
    chosen = pq.PROPOSALS.read({"status": state, **filters})
    query = pq.apply_filters(pq.visible_proposals(g.api_token.user, fund), fund, chosen)
    if call_id is not None:
        query = query.where(Proposal.call_id == call_id)
    # each proposal's lead organization with the page (not one organization at a time)
    query = query.options(so.joinedload(Proposal.lead_organization))
    return page_of(query, Proposal.id, {"cursor": cursor, "limit": limit})


@bp.route("/funds/<fund_code>/proposals/<int:proposal_id>")
@bp.response(200, ProposalSchema)
def get_proposal(fund_code: str, proposal_id: int) -> Proposal:
    """One proposal, if the caller may know it exists (else 404, exactly as an unknown id)."""
    fund = fund_named(fund_code)
    proposal = found(db.session.get(Proposal, proposal_id), fund)
    if not may_see(g.api_token.user, proposal):
        abort(404)
    return proposal


@bp.route("/funds/<fund_code>/decisions")
@bp.arguments(DecisionFilters, location="query", as_kwargs=True)
@bp.response(200, DecisionPage)
def list_decisions(fund_code: str, proposal_id: int | None = None, **page: Any) -> dict[str, Any]:
    """The Steering Committee's decisions on the proposals the caller may know about."""
    fund = fund_named(fund_code)
    query = sa.select(Decision).join(Decision.proposal).where(visible_to(g.api_token.user, fund))
    if proposal_id is not None:
        query = query.where(Decision.proposal_id == proposal_id)
    return page_of(query, Decision.id, page)


@bp.route("/funds/<fund_code>/decisions/<int:decision_id>")
@bp.response(200, DecisionSchema)
def get_decision(fund_code: str, decision_id: int) -> Decision:
    """One decision on a proposal, if the caller may know the proposal (the API serves no matter of the fund)."""
    fund = fund_named(fund_code)
    decision = found(db.session.get(Decision, decision_id), fund)
    if decision.proposal is None or not may_see(g.api_token.user, decision.proposal):
        abort(404)
    return decision
