"""Finding the demo's objects for browser tests (run inside the live server's app context)."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.accounts.models import Organization
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results.models import Programme


def proposal(state: ProposalState, lead: str | None = None) -> Proposal:
    """The demo's first proposal in this state (led by this organization)."""
    query = sa.select(Proposal).where(Proposal.state == state).order_by(Proposal.id)
    if lead:
        query = query.join(Proposal.lead_organization).where(Organization.code == lead)
    return db.session.scalars(query).first()


def programme_of(funded: Proposal) -> Programme:
    return db.session.scalar(sa.select(Programme).where(Programme.proposal_id == funded.id))


def first(model, *where) -> int:
    """The id of the first object of the model (matching the conditions)."""
    return db.session.scalars(sa.select(model.id).where(*where).order_by(model.id)).first()
