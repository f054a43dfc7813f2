"""The API's proposals and decisions: those the caller may know about, as on the pages (visibility, recusal)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g

from fundmgr.api.core import bp, found, fund_named, page_of
from fundmgr.api.schemas import (
    DecisionFilters,
    DecisionPage,
    DecisionSchema,
    ProposalFilters,
    ProposalPage,
    ProposalSchema,
)
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.proposals.visibility import may_see, visible_to
from fundmgr.steering.models import Decision


@bp.route("/funds/<fund_code>/proposals")
@bp.arguments(ProposalFilters, location="query", as_kwargs=True)
@bp.response(200, ProposalPage)
def list_proposals(fund_code: str, state: str | None = None, **page: Any) -> dict[str, Any]:
    """The fund's proposals the caller may know about (the same rule as the pages), optionally in one state."""
    fund = fund_named(fund_code)
    query = sa.select(Proposal).where(visible_to(g.api_token.user, fund))
    if state is not None:
        if state not in ProposalState._value2member_map_:
            return {"items": [], "next_cursor": None}
        query = query.where(Proposal.state == ProposalState(state))
    return page_of(query, Proposal.id, page)


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
    """One decision, if the caller may know its proposal."""
    fund = fund_named(fund_code)
    decision = found(db.session.get(Decision, decision_id), fund)
    if not may_see(g.api_token.user, decision.proposal):
        abort(404)
    return decision
