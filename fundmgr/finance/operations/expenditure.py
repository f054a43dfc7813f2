"""Expenditure reported by each participating organization of a programme: recorded and corrected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db, to_cents
from fundmgr.errors import InsufficientFunds, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, Expenditure, ExpenditureKind, count_expenditure, reported_total
from fundmgr.finance.operations.checks import actor_id, lock_fund, money
from fundmgr.finance.queries import allocation_money
from fundmgr.funds.models import BudgetCategory
from fundmgr.funds.rights import is_agency_staff, is_fmu
from fundmgr.i18n import format_money
from fundmgr.numbers import MONEY
from fundmgr.proposals.closure import money_closed_problems
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.proposals.visibility import may_see

# A closed programme's organizations still certify their final expenditure, until its financial closure.
REPORTING_STATES = frozenset({ProposalState.approved, ProposalState.active, ProposalState.closed})


def may_report_expenditure(user: Any, allocation: Allocation) -> bool:
    """The FMU, or staff of the allocation's own organization who may see the programme."""
    fund = allocation.proposal.fund
    if is_fmu(user, fund):
        return True
    return (
        is_agency_staff(user, fund)
        and user.organization_id == allocation.organization_id
        and may_see(user, allocation.proposal)
    )


def reporting_years(proposal: Proposal, allocation: Allocation) -> list[int]:
    """The years an organization may report for: from the year of the decision (or the start) to the current one."""
    first = allocation.decided_on.year
    if proposal.start_date is not None:
        first = min(first, proposal.start_date.year)
    return list(range(first, clock.today(proposal.fund).year + 1))


def expenditure_problems(allocation: Allocation, year: Any, category: Any, amount: Any) -> list[str]:
    """Everything wrong with a reported figure, all at once."""
    proposal = allocation.proposal
    problems = money_closed_problems(proposal)
    if proposal.state not in REPORTING_STATES:
        problems.append(_("Expenditure is reported for approved or active programmes only."))
    years = reporting_years(proposal, allocation)
    if not isinstance(year, int) or year not in years:
        problems.append(
            _(
                "The year must be between %(first)d and %(last)d, the years of the programme.",
                first=years[0],
                last=years[-1],
            )
        )
    if not isinstance(category, BudgetCategory) or category.fund_id != proposal.fund_id or category.retired:
        problems.append(_("Choose one of the fund's budget categories."))
    if not isinstance(amount, Decimal) or not amount.is_finite():
        problems.append(_("The amount must be a number."))
    elif amount < 0:
        problems.append(_("The amount cannot be negative."))
    elif amount > MONEY.largest:
        problems.append(_("The amount must be at most %(max)s.", max=format_money(MONEY.largest)))
    elif amount != to_cents(amount):
        problems.append(_("The amount can have at most two decimals."))
    return problems


def record_expenditure(
    allocation: Allocation,
    *,
    year: int,
    category: BudgetCategory,
    kind: ExpenditureKind,
    amount: Decimal,
    actor: User | None,
) -> Expenditure:
    """Record (or correct) what the organization spent in a year and budget category, never above its net transfers."""
    proposal = allocation.proposal
    fund = proposal.fund
    if actor is not None and not may_report_expenditure(actor, allocation):
        raise NotAllowed(_("Only the Fund Management Unit or the organization's own staff may report its expenditure."))
    problems = expenditure_problems(allocation, year, category, amount)
    if not isinstance(kind, ExpenditureKind):
        problems.append(_("Choose interim or annual expenditure."))
    if problems:
        raise ValidationFailed(problems)
    lock_fund(fund)
    # read after the lock: another report or a refund committed meanwhile counts
    db.session.refresh(proposal, attribute_names=["state", "financially_closed_on"])
    if proposal.state not in REPORTING_STATES or money_closed_problems(proposal):
        raise ValidationFailed(expenditure_problems(allocation, year, category, amount))
    rows = db.session.scalars(sa.select(Expenditure).where(Expenditure.allocation_id == allocation.id)).all()
    existing = next((e for e in rows if (e.year, e.category_id, e.kind) == (year, category.id, kind)), None)
    figures = [(e.year, e.kind, e.amount) for e in rows if e is not existing] + [(year, kind, amount)]
    total = reported_total(figures)
    total_before = reported_total((e.year, e.kind, e.amount) for e in rows)
    limit = allocation_money([allocation])[0].net_transferred
    if total > limit:
        raise InsufficientFunds(
            _(
                "%(org)s has received %(limit)s (transfers less refunds); its expenditure cannot total %(amount)s.",
                org=allocation.organization.label,
                limit=money(limit, fund),
                amount=money(total, fund),
            )
        )
    before = snapshot(existing) if existing is not None else None
    if existing is None:
        existing = Expenditure(
            fund_id=fund.id, allocation=allocation, year=year, category=category, kind=kind, amount=amount
        )
        db.session.add(existing)
    existing.amount = amount
    existing.updated_by_id = actor_id(actor)
    existing.updated_at = clock.now()
    db.session.flush()
    count_expenditure(db.session.connection(), fund.id, allocation.organization_id, total - total_before)
    record_audit(
        "expenditure.corrected" if before else "expenditure.recorded",
        existing,
        actor=actor,
        before=before,
        after=snapshot(existing),
        summary=f"{proposal.reference} {allocation.organization.code} {year} {category.code} {kind.value} "
        f"{money(amount, fund)}",
        fund_id=fund.id,
    )
    return existing
