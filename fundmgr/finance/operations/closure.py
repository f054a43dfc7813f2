"""Financial closure of a programme: the final certified expenditure, the unspent balance refunded to the fund."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance.models import Allocation, Expenditure, ExpenditureKind
from fundmgr.finance.operations.checks import lock_fund, money, reference_problems, require_bookkeeper
from fundmgr.finance.operations.transfers import record_refund, release_allocation
from fundmgr.finance.queries import ZERO, allocation_money, expenditure_by_allocation
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.closure import closure_date_problems, money_closed_problems
from fundmgr.proposals.models import Proposal, ProposalState


def programme_allocations(proposal: Proposal) -> list[Allocation]:
    return list(
        db.session.scalars(sa.select(Allocation).where(Allocation.proposal_id == proposal.id).order_by(Allocation.id))
    )


def uncertified_years(allocation: Allocation, final_year: int) -> list[int]:
    """The years of an organization's expenditure still without certified (annual) figures, the final year included."""
    rows = db.session.execute(
        sa.select(Expenditure.year, Expenditure.kind).where(Expenditure.allocation_id == allocation.id)
    ).all()
    certified = {year for year, kind in rows if kind is ExpenditureKind.annual}
    reported = {year for year, _kind in rows} | {final_year}
    return sorted(reported - certified)


def financial_closure_problems(proposal: Proposal, closed_on: Any, reference: Any) -> list[str]:
    """Everything that stands in the way of the financial closure, all at once."""
    return (
        financial_closure_outstanding(proposal)
        + closure_date_problems(proposal, closed_on, proposal.operationally_closed_on)
        + reference_problems(reference, _("The reference of the refunds"))
    )


def financial_closure_outstanding(proposal: Proposal) -> list[str]:
    """What the programme still lacks for its financial closure (the page lists it before the form)."""
    problems = money_closed_problems(proposal)
    if not problems and proposal.state is not ProposalState.closed:
        problems.append(_("The programme must be closed operationally before its financial closure."))
    if not problems and proposal.operationally_closed_on is not None:
        final_year = proposal.operationally_closed_on.year
        for figures in allocation_money(programme_allocations(proposal)):
            missing = uncertified_years(figures.allocation, final_year) if figures.transferred else []
            if missing:
                problems.append(
                    _(
                        "%(org)s has not certified its expenditure for %(years)s.",
                        org=figures.allocation.organization.label,
                        years=", ".join(str(year) for year in missing),
                    )
                )
    return problems


def close_financially(proposal: Proposal, *, closed_on: date, reference: str, actor: User | None) -> dict[int, Decimal]:
    """Close a programme financially (FMU): each organization's unspent balance is refunded to the fund and
    whatever was never transferred is released; returns the refund per allocation."""
    fund = proposal.fund
    require_bookkeeper(actor, fund)
    lock_fund(fund)
    # after the locks (the fund's, as every money operation, then the programme's): a closure or a money
    # movement committed meanwhile counts
    proposal_ops.lock_proposal(proposal)
    problems = financial_closure_problems(proposal, closed_on, reference)
    if problems:
        raise ValidationFailed(problems)
    allocations = programme_allocations(proposal)
    spent = expenditure_by_allocation(fund, [a.id for a in allocations])
    refunds = {}
    for figures in allocation_money(allocations):
        allocation = figures.allocation
        unspent = figures.net_transferred - spent.get(allocation.id, ZERO)
        if unspent > 0:
            record_refund(allocation, amount=unspent, on_date=closed_on, reference=reference, actor=actor)
        if figures.to_transfer > 0:
            release_allocation(
                allocation, amount=figures.to_transfer, on_date=closed_on, reference=reference, actor=actor
            )
        refunds[allocation.id] = max(unspent, ZERO)
    proposal.financially_closed_on = closed_on
    db.session.flush()
    record_audit(
        "programme.financially_closed",
        proposal,
        actor=actor,
        before={"financially_closed_on": None},
        after={"financially_closed_on": closed_on, "refunded": sum(refunds.values(), ZERO)},
        summary=_(
            "Financially closed on %(date)s; %(amount)s refunded.",
            date=closed_on.isoformat(),
            amount=money(sum(refunds.values(), ZERO), fund),
        ),
        fund_id=fund.id,
    )
    return refunds
