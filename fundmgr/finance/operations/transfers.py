"""Transfers to organizations, refunds from them and releases of unspent allocations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, ValidationFailed
from fundmgr.finance.models import Allocation, EntryKind, LedgerEntry, Transfer
from fundmgr.finance.operations.checks import (
    actor_id,
    add_entry,
    amount_problems,
    date_problems,
    lock_fund,
    money,
    reference_problems,
    require_bookkeeper,
)
from fundmgr.finance.queries import AllocationMoney, allocation_money, expenditure_by_allocation
from fundmgr.funds.models import Fund
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.closure import content_closed_problems, money_closed_problems
from fundmgr.proposals.models import ProposalState
from fundmgr.signals import transfer_recorded

TRANSFERABLE_STATES = frozenset({ProposalState.approved, ProposalState.active})


def money_problems(fund: Fund, amount: Any, on_date: Any, reference: str) -> list[str]:
    return (
        amount_problems(amount, _("The amount"))
        + date_problems(on_date, _("The date"), fund)
        + reference_problems(reference, _("The reference"))
    )


def begin_money_move(
    allocation: Allocation, amount: Any, on_date: Any, reference: str, *, actor: User | None, problems: list[str]
) -> AllocationMoney:
    """Checks shared by transfers, refunds and releases; then the fund's lock, and the allocation's figures after it."""
    fund = allocation.proposal.fund
    require_bookkeeper(actor, fund)
    problems = money_problems(fund, amount, on_date, reference) + problems
    if problems:
        raise ValidationFailed(problems)
    lock_fund(fund)
    # read after the lock: a financial closure committed meanwhile freezes the programme's money
    db.session.refresh(allocation.proposal, attribute_names=["state", "financially_closed_on"])
    closed = money_closed_problems(allocation.proposal)
    if closed:
        raise ValidationFailed(closed)
    return allocation_money([allocation])[0]


def refuse_above(limit: Decimal, amount: Decimal, fund: Fund, message: str) -> None:
    """InsufficientFunds when amount exceeds limit; the message names both (%(limit)s, %(amount)s)."""
    if amount > limit:
        raise InsufficientFunds(message % {"limit": money(limit, fund), "amount": money(amount, fund)})


def record_transfer(
    allocation: Allocation, *, amount: Decimal, on_date: date, reference: str, actor: User | None
) -> Transfer:
    """Transfer a tranche of an allocation, never more than is left of it; the first one activates the programme."""
    proposal = allocation.proposal
    fund = proposal.fund
    early = isinstance(on_date, date) and on_date < allocation.decided_on
    problems = [_("A transfer cannot precede the decision that allocated the money.")] if early else []
    figures = begin_money_move(allocation, amount, on_date, reference, actor=actor, problems=problems)
    # read after the lock: a transfer committed meanwhile may have activated the programme
    db.session.refresh(proposal, attribute_names=["state"])
    if proposal.state not in TRANSFERABLE_STATES:
        raise ValidationFailed(
            content_closed_problems(proposal) or [_("Transfers are made to approved or active programmes only.")]
        )
    refuse_above(
        figures.to_transfer,
        amount,
        fund,
        _("Only %(limit)s of this allocation is left to transfer; %(amount)s is too much."),
    )
    # after the lock: the same form sent twice (a double click, a retry) must not send the money twice
    same = (
        sa.select(Transfer.id)
        .where(Transfer.allocation_id == allocation.id)
        .where(Transfer.reference == reference.strip())
    )
    if db.session.scalar(same.limit(1)) is not None:
        raise ValidationFailed(
            [_("Transfer %(reference)s is already recorded for this allocation.", reference=reference.strip())]
        )
    # counted after the lock (the allocation's loaded transfers may be stale)
    last = db.session.scalar(sa.select(sa.func.max(Transfer.tranche)).where(Transfer.allocation_id == allocation.id))
    tranche = (last or 0) + 1
    transfer = Transfer(
        allocation=allocation,
        tranche=tranche,
        amount=amount,
        on_date=on_date,
        reference=reference.strip(),
        created_by_id=actor_id(actor),
    )
    db.session.add(transfer)
    db.session.flush()
    add_entry(
        fund,
        EntryKind.transfer,
        -amount,
        on_date,
        actor=actor,
        allocation_id=allocation.id,
        transfer_id=transfer.id,
        proposal_id=proposal.id,
        reference=transfer.reference,
    )
    record_audit(
        "transfer.recorded",
        transfer,
        actor=actor,
        after=snapshot(transfer),
        summary=f"{proposal.reference} {allocation.organization.code} #{tranche} {money(amount, fund)}",
        fund_id=fund.id,
    )
    if proposal.state is ProposalState.approved:
        proposal_ops.activate_programme(proposal, actor=actor, summary=_("First transfer made."))
    transfer_recorded.send(transfer, actor=actor)
    return transfer


def record_refund(
    allocation: Allocation, *, amount: Decimal, on_date: date, reference: str, actor: User | None
) -> LedgerEntry:
    """An organization returns transferred money it will not spend; it becomes available again."""
    fund = allocation.proposal.fund
    figures = begin_money_move(allocation, amount, on_date, reference, actor=actor, problems=[])
    refuse_above(
        figures.net_transferred,
        amount,
        fund,
        _("Only %(limit)s of this allocation has been transferred; a refund of %(amount)s is too much."),
    )
    # what the organization reports having spent can no longer come back
    spent = expenditure_by_allocation(fund, [allocation.id]).get(allocation.id, Decimal(0))
    refuse_above(
        figures.net_transferred - spent,
        amount,
        fund,
        _("The organization holds only %(limit)s unspent of this allocation; a refund of %(amount)s is too much."),
    )
    entry = LedgerEntry(
        fund_id=fund.id,
        kind=EntryKind.refund,
        amount=amount,
        on_date=on_date,
        created_by_id=actor_id(actor),
        **allocation_links(allocation, reference),
    )
    db.session.add(entry)
    give_back(allocation, amount, on_date, reference, actor=actor)
    record_audit("refund.recorded", entry, actor=actor, after=snapshot(entry), summary=money(amount, fund))
    return entry


def release_allocation(
    allocation: Allocation, *, amount: Decimal, on_date: date, reference: str, actor: User | None
) -> Allocation:
    """Give back part of an allocation that will not be transferred (e.g. a programme closed under budget)."""
    fund = allocation.proposal.fund
    figures = begin_money_move(allocation, amount, on_date, reference, actor=actor, problems=[])
    refuse_above(
        figures.to_transfer,
        amount,
        fund,
        _("Only %(limit)s of this allocation is not transferred yet; %(amount)s cannot be released."),
    )
    give_back(allocation, amount, on_date, reference, actor=actor)
    record_audit(
        "allocation.released",
        allocation,
        actor=actor,
        after={"released": amount, "reference": reference.strip()},
        summary=money(amount, fund),
    )
    return allocation


def allocation_links(allocation: Allocation, reference: str) -> dict[str, Any]:
    """What ledger entries about an allocation point to."""
    return {"allocation_id": allocation.id, "proposal_id": allocation.proposal_id, "reference": reference.strip()}


def give_back(allocation: Allocation, amount: Decimal, on_date: date, reference: str, *, actor: User | None) -> None:
    """Return allocated money to where it came from: the area's earmark first (the donor's intent), then unearmarked."""
    fund = allocation.proposal.fund
    drawn = dict(
        db.session.execute(
            sa.select(LedgerEntry.area_id, sa.func.sum(LedgerEntry.amount))
            .where(LedgerEntry.allocation_id == allocation.id)
            .where(LedgerEntry.kind.in_([EntryKind.allocation, EntryKind.allocation_release]))
            .group_by(LedgerEntry.area_id)
        )
        .tuples()
        .all()
    )
    for area_id in sorted(drawn, key=lambda a: a is None):
        part = min(amount, -drawn[area_id])
        links = allocation_links(allocation, reference)
        add_entry(fund, EntryKind.allocation_release, part, on_date, actor=actor, area_id=area_id, **links)
        amount -= part
    db.session.flush()
