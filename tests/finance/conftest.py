"""Helpers of the finance tests: money in the fund, approved programmes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.finance.operations import allocate_approved
from fundmgr.proposals.models import Proposal, ProposalState

D = Decimal


@pytest.fixture
def fmu(make_user) -> User:
    return make_user(Role.fmu)


@pytest.fixture
def approve(make_proposal) -> Callable[..., tuple[Proposal, list[Allocation]]]:
    """An approved programme with its allocations: approve(amount=None, state=approved, **make_proposal args).

    The proposal is put in the state directly (the Steering Committee's move is not under test here).
    """

    def _approve(amount: str | None = None, *, state: ProposalState = ProposalState.approved, **kw):
        proposal = make_proposal(ProposalState.in_review, **kw)
        version = proposal.latest_version
        allocations = allocate_approved(
            proposal,
            version,
            approved_amount=D(amount) if amount else version.total,
            decided_on=date(2024, 6, 1),
            reference=f"SC-DEC-{proposal.id}",
            actor=None,
        )
        proposal.state = state
        db.session.commit()
        return proposal, allocations

    return _approve
