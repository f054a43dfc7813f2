"""Every move of a proposal's state, and the named moves the Steering Committee and the money side make."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.proposals.models import TRANSITIONS, Proposal, ProposalState
from fundmgr.signals import proposal_state_changed
from fundmgr.workflow import require_transition


def lock_proposal(proposal: Proposal) -> Proposal:
    """Re-read the proposal under its row lock, held to the end of the transaction; check its state after this.

    Two acts on one proposal at the same moment (two decisions, a decision and a withdrawal, a double
    submission) then run one after the other, and the second sees what the first did. PostgreSQL locks the
    row (SELECT ... FOR UPDATE); SQLite has no row locks but serializes writers: of two transactions that
    read and then write, the second writer fails ("database is locked") and is refused by the web layer.
    """
    query = sa.select(Proposal).where(Proposal.id == proposal.id).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def move_proposal(
    proposal: Proposal,
    target: ProposalState,
    *,
    actor: User | None,
    action: str,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Move a proposal to another state if the transition table allows it (checked under the proposal's lock),
    and audit the move."""
    lock_proposal(proposal)
    before = require_transition(proposal, target, TRANSITIONS)
    proposal.state = target
    db.session.flush()
    record_audit(
        action,
        proposal,
        actor=actor,
        before={"state": before},
        after={"state": target} | (details or {}),
        summary=summary,
    )
    proposal_state_changed.send(proposal, before=before, after=target, actor=actor)


def endorse_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC endorses the proposal: it enters the pipeline and waits for funds."""
    move_proposal(proposal, ProposalState.endorsed, actor=actor, action="proposal.endorsed", summary=summary)


def approve_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC approves the proposal for funding (allocations are created by the caller)."""
    move_proposal(proposal, ProposalState.approved, actor=actor, action="proposal.approved", summary=summary)


def defer_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC defers the proposal back to the agencies for revision; they may resubmit."""
    move_proposal(proposal, ProposalState.deferred, actor=actor, action="proposal.deferred", summary=summary)


def reject_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC rejects the proposal (or drops it from the pipeline)."""
    move_proposal(proposal, ProposalState.rejected, actor=actor, action="proposal.rejected", summary=summary)


def activate_programme(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """An approved programme becomes active when its first transfer is made."""
    move_proposal(proposal, ProposalState.active, actor=actor, action="programme.activated", summary=summary)


def close_programme(
    proposal: Proposal, *, actor: User | None, summary: str = "", details: dict[str, Any] | None = None
) -> None:
    """An active programme is operationally closed (fundmgr.results.operations.close_operationally checks when)."""
    move_proposal(
        proposal, ProposalState.closed, actor=actor, action="programme.closed", summary=summary, details=details
    )
