"""The API's money: allocations, transfers, contributions, expenditure; organizations submit their expenditure."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import abort, g

from fundmgr.accounts.models import Organization
from fundmgr.api.core import bp, found, fund_named, page_of, refuse
from fundmgr.api.schemas import (
    AllocationPage,
    ContributionFilters,
    ContributionPage,
    ExpenditureFilters,
    ExpenditureInput,
    ExpenditurePage,
    ExpenditureSchema,
    ProgrammeMoneyFilters,
    TransferPage,
)
from fundmgr.db import db
from fundmgr.finance import operations as ops
from fundmgr.finance.models import Allocation, Contribution, Expenditure, ExpenditureKind, Transfer
from fundmgr.finance.views import expenditure_seen_by, visible_programmes
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager
from fundmgr.proposals.models import Proposal
from fundmgr.web import ERROR_MESSAGES


def seen_allocations(fund: Fund, proposal_id: int | None, organization: str | None) -> sa.Select:
    """The allocations of the funded programmes the caller may see (as the finance pages), filtered like them."""
    programmes = visible_programmes(fund, g.api_token.user).with_only_columns(Proposal.id)
    query = sa.select(Allocation).where(Allocation.fund_id == fund.id, Allocation.proposal_id.in_(programmes))
    if proposal_id is not None:
        query = query.where(Allocation.proposal_id == proposal_id)
    if organization is not None:
        query = query.join(Allocation.organization).where(Organization.code == organization)
    return query


@bp.route("/funds/<fund_code>/allocations")
@bp.arguments(ProgrammeMoneyFilters, location="query", as_kwargs=True)
@bp.response(200, AllocationPage)
def list_allocations(fund_code: str, proposal_id: int | None = None, organization: str | None = None,
                     **page: Any) -> dict[str, Any]:  # fmt: skip
    """The money approved for each organization of the programmes the caller may see."""
    fund = fund_named(fund_code)
    return page_of(seen_allocations(fund, proposal_id, organization), Allocation.id, page)


@bp.route("/funds/<fund_code>/transfers")
@bp.arguments(ProgrammeMoneyFilters, location="query", as_kwargs=True)
@bp.response(200, TransferPage)
def list_transfers(fund_code: str, proposal_id: int | None = None, organization: str | None = None,
                   **page: Any) -> dict[str, Any]:  # fmt: skip
    """The tranches sent to organizations, for the allocations the caller may see."""
    fund = fund_named(fund_code)
    allocations = seen_allocations(fund, proposal_id, organization).with_only_columns(Allocation.id)
    return page_of(sa.select(Transfer).where(Transfer.allocation_id.in_(allocations)), Transfer.id, page)


@bp.route("/funds/<fund_code>/contributions")
@bp.arguments(ContributionFilters, location="query", as_kwargs=True)
@bp.response(200, ContributionPage)
def list_contributions(fund_code: str, donor: str | None = None, **page: Any) -> dict[str, Any]:
    """Donors' commitments and deposits, corrections included (the books are the fund managers')."""
    fund = fund_named(fund_code)
    if not is_fund_manager(g.api_token.user, fund):
        refuse(403, "forbidden", str(ERROR_MESSAGES[403]))
    query = sa.select(Contribution).where(Contribution.fund_id == fund.id)
    if donor is not None:
        query = query.join(Contribution.donor).where(Organization.code == donor)
    return page_of(query, Contribution.id, page)


@bp.route("/funds/<fund_code>/expenditure")
@bp.arguments(ExpenditureFilters, location="query", as_kwargs=True)
@bp.response(200, ExpenditurePage)
def list_expenditure(fund_code: str, proposal_id: int | None = None, organization: str | None = None,
                     year: int | None = None, **page: Any) -> dict[str, Any]:  # fmt: skip
    """Reported expenditure: agency staff their own organization's, others every organization's they may see."""
    fund = fund_named(fund_code)
    allocations = (
        seen_allocations(fund, proposal_id, organization)
        .where(expenditure_seen_by(fund, g.api_token.user))
        .with_only_columns(Allocation.id)
    )
    query = sa.select(Expenditure).where(Expenditure.allocation_id.in_(allocations))
    if year is not None:
        query = query.where(Expenditure.year == year)
    return page_of(query, Expenditure.id, page)


def exact_amount(text: str) -> Decimal | None:
    """The amount sent, exactly: the schema let only plain decimals ("1250.50") through, at most 40 characters."""
    try:
        return Decimal(text)  # a program's plain "1250.50", checked by the schema: not text typed by a person
    except InvalidOperation:
        return None


@bp.route("/funds/<fund_code>/allocations/<int:allocation_id>/expenditure", methods=["POST"])
@bp.arguments(ExpenditureInput)
@bp.response(201, ExpenditureSchema)
def submit_expenditure(data: dict[str, Any], fund_code: str, allocation_id: int) -> Expenditure:
    """Record (or correct) what the organization spent in a year and budget category (the page's operation)."""
    fund = fund_named(fund_code)
    allocation = found(db.session.get(Allocation, allocation_id), fund)
    if not db.session.scalar(
        seen_allocations(fund, None, None).where(Allocation.id == allocation.id).exists().select()
    ):
        abort(404)  # a programme the caller may not know
    user = g.api_token.user
    if not ops.may_report_expenditure(user, allocation):
        refuse(403, "forbidden", str(ERROR_MESSAGES[403]))
    category = next((c for c in fund.budget_categories if c.code == data["category"]), None)
    expenditure = ops.record_expenditure(
        allocation,
        year=data["year"],
        category=category,  # type: ignore[arg-type]  # None: the operation lists it among the problems
        kind=ExpenditureKind(data["kind"]),
        amount=exact_amount(data["amount"]),  # type: ignore[arg-type]  # None: refused as not a number
        actor=user,
    )
    db.session.commit()
    return expenditure
