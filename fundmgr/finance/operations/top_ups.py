"""Top-ups (cost extensions): the lead agency asks, the FMU decides or forwards to the Steering Committee, and an
approval is a new allocation to the same programme, which transfers then follow (see changes.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, TopUp
from fundmgr.finance.operations.allocations import (
    Share,
    add_allocation,
    earmarked_available,
    scale_to,
    version_shares,
)
from fundmgr.finance.operations.changes import decide_change, next_number, request_problems
from fundmgr.finance.operations.checks import amount_problems, lock_fund, money
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal, ProposalVersion


def approved_version(proposal: Proposal) -> ProposalVersion | None:
    """The version the approval allocated from (None before any allocation)."""
    first = db.session.scalar(
        sa.select(Allocation).where(Allocation.proposal_id == proposal.id).order_by(Allocation.id).limit(1)
    )
    return first.version if first else None


def top_up_organizations(proposal: Proposal) -> list[Organization]:
    """The organizations a top-up may go to: the participating organizations of the approved version."""
    version = approved_version(proposal)
    if version is None:
        return []
    ids = [p.organization_id for p in version.snapshot.participants]
    return [p.organization for p in proposal.participants if p.organization_id in ids]


def top_up_problems(proposal: Proposal, organization_id: Any, amount: Any, reason: Any) -> list[str]:
    """Everything wrong with a request for a top-up, all at once."""
    problems = request_problems(TopUp, proposal, reason, _("Give the reason for the top-up."))
    if organization_id not in {o.id for o in top_up_organizations(proposal)}:
        problems.append(
            _("Choose one of the programme's %(organizations)s.", organizations=proposal.fund.participants_label)
        )
    problems += amount_problems(amount, _("The amount"))
    return problems


def request_top_up(proposal: Proposal, *, organization_id: int, amount: Decimal, reason: str, actor: User) -> TopUp:
    """The lead agency asks for a top-up of its programme: an amount for one organization, with its reason."""
    if not proposal.is_lead(actor):
        raise NotAllowed(_("Only the lead organization's staff ask for a top-up."))
    # under the programme's lock: two requests at the same moment, the second sees the first
    proposal_ops.lock_proposal(proposal)
    problems = top_up_problems(proposal, organization_id, amount, reason)
    if problems:
        raise ValidationFailed(problems)
    top_up = TopUp(
        fund_id=proposal.fund_id,
        proposal_id=proposal.id,
        number=next_number(TopUp, proposal),
        organization_id=organization_id,
        amount=amount,
        reason=reason.strip(),
        requested_by_id=actor.id,
    )
    db.session.add(top_up)
    db.session.flush()
    record_audit("top_up.requested", top_up, actor=actor, after=snapshot(top_up), fund_id=proposal.fund_id,
                 summary=f"{top_up.display_name} {money(amount, proposal.fund)}")  # fmt: skip
    return top_up


def decide_top_up(
    top_up: TopUp, *, decision: str, note: str, actor: User | None, reference: str = "",
    decided_on: date | None = None,
) -> Allocation | None:  # fmt: skip
    """The FMU approves, refuses or (above the fund's threshold, where it must) forwards the request to the
    Steering Committee, whose member records the committee's decision; an approval allocates the amount to the
    organization (refused when the fund cannot cover it) and returns the new allocation."""
    fund = top_up.proposal.fund
    return decide_change(
        top_up, decision=decision, note=note, actor=actor, reference=reference, decided_on=decided_on,
        for_committee=_("A top-up above %(limit)s is decided by the Steering Committee: forward it.",
                        limit=money(fund.top_up_committee_above, fund)),
        for_fmu=_("The FMU decides a top-up this small itself."),
        carry_out=lambda day: allocate_top_up(top_up, day, reference, actor),
    )  # fmt: skip


def allocate_top_up(top_up: TopUp, decided_on: date, reference: str, actor: User | None) -> Allocation:
    """The top-up's allocation, split between direct and indirect costs as the organization's approved budget."""
    proposal = top_up.proposal
    lock_fund(proposal.fund)
    version = approved_version(proposal)
    assert version is not None  # a top-up is asked of a programme with allocations
    own = [s for s in version_shares(version) if s.organization_id == top_up.organization_id]
    share = scale_to(own, top_up.amount)[0] if own else Share(top_up.organization_id, top_up.amount, Decimal(0))
    return add_allocation(
        proposal, version.id, share, earmarked_available(proposal, top_up.amount), decided_on=decided_on,
        reference=reference, actor=actor, top_up_id=top_up.id,
    )  # fmt: skip
