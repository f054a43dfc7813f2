"""Read side of the fund's money: balances summed from the ledger, and the figures of the dashboards.

Every function returns plain figures (dataclasses of Decimals and strings) so that pages, Excel
exports and PDFs (the results package's annual report) show the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization
from fundmgr.audit import AuditEntry
from fundmgr.db import Money, apportion, db, to_cents
from fundmgr.finance.models import (
    ALLOCATION_KINDS,
    AVAILABLE_KINDS,
    Allocation,
    AllocationMarkerTotal,
    AllocationTotal,
    Contribution,
    ContributionKind,
    EntryKind,
    Expenditure,
    ExpenditureKind,
    ExpenditureTotal,
    LedgerEntry,
    LedgerTotal,
    ProgrammeAllocation,
    TopUp,
    TopUpState,
    reported_total,
)
from fundmgr.funds.models import Country, Fund, Marker, Region, RegionLevel, ThematicArea
from fundmgr.funds.rights import is_agency_staff
from fundmgr.i18n import localize, territory_name
from fundmgr.proposals.models import (
    FUNDED_STATES,
    Participant,
    Proposal,
    ProposalArea,
    ProposalMarker,
    ProposalStage,
    ProposalState,
    ProposalVersion,
)
from fundmgr.proposals.queries import AreaShares, area_shares_among, area_shares_of, split_by_area
from fundmgr.proposals.visibility import visible_to

ZERO = Decimal("0.00")


# --- Balances ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    """The fund's balances, each the sum of its ledger entries, as positive amounts.

    received - fees + interest - allocated - direct_costs = available, and available is the sum of
    unearmarked_available and of available_by_area (the earmarked balance of each area).
    """

    received: Decimal = ZERO  # donor deposits
    fees: Decimal = ZERO  # the Administrative Agent's fee
    interest: Decimal = ZERO  # interest and other income
    allocated: Decimal = ZERO  # approved allocations, less what was released
    direct_costs: Decimal = ZERO  # the FMU's and secretariat's budget the Steering Committee approved
    transferred: Decimal = ZERO  # sent to participating organizations
    refunded: Decimal = ZERO  # returned by participating organizations
    available: Decimal = ZERO  # what the Steering Committee can still allocate
    available_by_area: dict[str, Decimal] = field(default_factory=dict)
    unearmarked_available: Decimal = ZERO
    expenditure: Decimal = ZERO  # reported by participating organizations (see expenditure_by_allocation)

    @property
    def sources(self) -> Decimal:
        """Gateway "total source of funds": contributions plus interest."""
        return self.received + self.interest

    @property
    def uses(self) -> Decimal:
        """Gateway "total use of funds": transfers less refunds, plus the fee."""
        return self.transferred - self.refunded + self.fees

    @property
    def cash_with_agent(self) -> Decimal:
        """Gateway "balance with the Administrative Agent"."""
        return self.sources - self.uses

    @property
    def net_transferred(self) -> Decimal:
        """Gateway "net funded amount": transfers to participating organizations less their refunds."""
        return self.transferred - self.refunded

    @property
    def with_organizations(self) -> Decimal:
        """Gateway "balance with participating organizations": net transfers less their expenditure."""
        return self.net_transferred - self.expenditure

    @property
    def share_with_organizations(self) -> Decimal | None:
        """That balance as a share of the net transfers (None before any transfer)."""
        return self.with_organizations / self.net_transferred if self.net_transferred else None

    @property
    def undisbursed(self) -> Decimal:
        """Allocated but not yet transferred (held by the Administrative Agent for programmes)."""
        return self.allocated - (self.transferred - self.refunded)


def ledger_until(fund: Fund, as_at: date | None) -> list[sa.ColumnElement[bool]]:
    """Ledger conditions: the fund's entries, those dated up to `as_at` when one is given."""
    conditions = [LedgerEntry.fund_id == fund.id]
    if as_at is not None:
        conditions.append(LedgerEntry.on_date <= as_at)
    return conditions


def expenditure_until(as_at: date | None) -> list[sa.ColumnElement[bool]]:
    """Expenditure conditions: the years reported by `as_at` (a year counts once it is over: as at 31 December)."""
    if as_at is None:
        return []
    last_year = as_at.year if (as_at.month, as_at.day) == (12, 31) else as_at.year - 1
    return [Expenditure.year <= last_year]


def ledger_sums(
    fund: Fund, as_at: date | None = None, kinds: Iterable[EntryKind] | None = None
) -> dict[tuple[EntryKind, int | None], Decimal]:
    """The sum of the fund's ledger entries per (kind, earmarked area id), up to a date when one is given (of these
    kinds only, when they are given)."""
    wanted = sorted(kinds, key=lambda kind: kind.value) if kinds is not None else None
    if as_at is None:  # everything recorded: the totals kept up to date as entries are added (LedgerTotal)
        kept = (
            sa.select(LedgerTotal.kind, LedgerTotal.area_key, sa.func.sum(LedgerTotal.amount))
            .where(LedgerTotal.fund_id == fund.id)
            .group_by(LedgerTotal.kind, LedgerTotal.area_key)
        )
        if wanted is not None:
            kept = kept.where(LedgerTotal.kind.in_(wanted))
        return {(kind, area_key or None): total for kind, area_key, total in db.session.execute(kept)}
    query = sa.select(LedgerEntry.kind, LedgerEntry.area_id, sa.func.sum(LedgerEntry.amount)).where(
        *ledger_until(fund, as_at)
    )
    if wanted is not None:
        query = query.where(LedgerEntry.kind.in_(wanted))
    rows = db.session.execute(query.group_by(LedgerEntry.kind, LedgerEntry.area_id))
    return {(kind, area_id): total for kind, area_id, total in rows}


@dataclass(frozen=True)
class Available:
    """What the Steering Committee can still allocate: in all, unearmarked, and earmarked per thematic area code."""

    available: Decimal
    unearmarked_available: Decimal
    available_by_area: dict[str, Decimal]


def available_of(sums: Mapping[tuple[EntryKind, int | None], Decimal], codes: Mapping[int, str]) -> Available:
    """The money available, from the ledger's sums per (kind, earmarked area id)."""
    by_area: dict[str, Decimal] = {}
    unearmarked = ZERO
    for (kind, area_id), total in sums.items():
        if kind not in AVAILABLE_KINDS:
            continue
        if area_id is None:
            unearmarked += total
        else:
            by_area[codes[area_id]] = by_area.get(codes[area_id], ZERO) + total
    return Available(unearmarked + sum(by_area.values(), ZERO), unearmarked, dict(sorted(by_area.items())))


def money_available(fund: Fund) -> Available:
    """The money available now (the part of `balances` the pipeline, portfolio and allocations read): the ledger's
    sums only, without the organizations' reported expenditure that `balances` also adds up."""
    return available_of(ledger_sums(fund, kinds=AVAILABLE_KINDS), area_codes(fund))


def balances(fund: Fund, as_at: date | None = None, spent: Mapping[int, Decimal] | None = None) -> Balances:
    """All the fund's balances, from one grouped query over its ledger (as at a date when one is given); `spent`:
    `expenditure_by_organization` as at that date, when the caller has read it already."""
    sums = ledger_sums(fund, as_at)
    available = available_of(sums, area_codes(fund))
    if spent is None:
        spent = expenditure_by_organization(fund, as_at)

    def of(*kinds: EntryKind) -> Decimal:
        return sum((total for (kind, _area), total in sums.items() if kind in kinds), ZERO)

    return Balances(
        received=of(EntryKind.deposit),
        fees=-of(EntryKind.aa_fee),
        interest=of(EntryKind.interest),
        allocated=-of(*ALLOCATION_KINDS),
        direct_costs=-of(EntryKind.direct_costs),
        transferred=-of(EntryKind.transfer),
        refunded=of(EntryKind.refund),
        available=available.available,
        available_by_area=available.available_by_area,
        unearmarked_available=available.unearmarked_available,
        expenditure=sum(spent.values(), ZERO),
    )


def area_codes(fund: Fund) -> dict[int, str]:
    return {area.id: area.code for area in fund.thematic_areas}


def available_for(fund: Fund, area_code: str | None) -> Decimal:
    """What a programme of this thematic area can draw on: unearmarked money plus the area's earmark."""
    result = money_available(fund)
    return result.unearmarked_available + result.available_by_area.get(area_code or "", ZERO)


def funding_status_rows(result: Balances, fund: Fund) -> list[tuple[str, Decimal, str]]:
    """The Gateway's funding-status table: (label, amount, style) per line; style is line, total or detail; the
    organizations the fund finances named as the fund calls them."""
    organizations = fund.participants_label
    # the balance's parts add up to it: the direct costs the committee approved stay with the Administrative Agent
    direct_costs = (
        [(_("of which approved for direct costs"), result.direct_costs, "detail")] if result.direct_costs else []
    )
    return [
        (_("Contributions from donors (deposits)"), result.received, "line"),
        (_("Interest and other income"), result.interest, "line"),
        (_("Total source of funds"), result.sources, "total"),
        (_("Transfers to %(organizations)s", organizations=organizations), result.transferred, "line"),
        (_("Refunds from %(organizations)s", organizations=organizations), -result.refunded, "line"),
        (_("Administrative Agent fee"), result.fees, "line"),
        (_("Total use of funds"), result.uses, "total"),
        (_("Balance with the Administrative Agent"), result.cash_with_agent, "total"),
        (_("of which allocated, not yet transferred"), result.undisbursed, "detail"),
        *direct_costs,
        (_("of which available for allocation"), result.available, "detail"),
    ]


def organization_status_rows(result: Balances, fund: Fund) -> list[tuple[str, Decimal, str]]:
    """The lower half of the Gateway's table, funds with the organizations the fund finances (label, amount,
    style), named as the fund calls them."""
    organizations = fund.participants_label
    return [
        (_("Transfers to %(organizations)s, less refunds", organizations=organizations), result.net_transferred,
         "line"),
        (_("Expenditure by %(organizations)s", organizations=organizations), result.expenditure, "line"),
        (_("Balance with %(organizations)s", organizations=organizations), result.with_organizations, "total"),
    ]  # fmt: skip


@dataclass
class OrganizationMoney:
    """One participating organization's money as at a date: transfers, refunds, expenditure, and what it holds."""

    code: str
    label: str
    transferred: Decimal = ZERO
    refunded: Decimal = ZERO
    expenditure: Decimal = ZERO

    @property
    def net_transferred(self) -> Decimal:
        return self.transferred - self.refunded

    @property
    def balance(self) -> Decimal:
        return self.net_transferred - self.expenditure

    @property
    def rate(self) -> Decimal | None:
        """Delivery rate: expenditure / net transfers (None before any transfer)."""
        return self.expenditure / self.net_transferred if self.net_transferred else None

    def add(self, other: OrganizationMoney) -> None:
        """Count another allocation's money of the same organization in this one (a top-up's)."""
        self.transferred += other.transferred
        self.refunded += other.refunded
        self.expenditure += other.expenditure


def money_by_allocation(fund: Fund, as_at: date | None = None) -> dict[int, tuple[int, int, OrganizationMoney]]:
    """Per allocation (one organization of one programme): (proposal id, organization id, its money) up to a date."""
    allocations = db.session.execute(
        sa.select(Allocation.id, Allocation.proposal_id, Organization)
        .join(Organization, Organization.id == Allocation.organization_id)
        .where(Allocation.fund_id == fund.id)
    ).all()
    result = {
        allocation_id: (proposal_id, org.id, OrganizationMoney(org.code, org.label))
        for allocation_id, proposal_id, org in allocations
    }
    rows = db.session.execute(
        sa.select(LedgerEntry.allocation_id, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(*ledger_until(fund, as_at), LedgerEntry.kind.in_([EntryKind.transfer, EntryKind.refund]))
        .group_by(LedgerEntry.allocation_id, LedgerEntry.kind)
    )
    for allocation_id, kind, total in rows:
        money = result[allocation_id][2]
        if kind is EntryKind.transfer:
            money.transferred -= total
        else:
            money.refunded += total
    for allocation_id, amount in expenditure_by_allocation(fund, as_at=as_at).items():
        result[allocation_id][2].expenditure += amount
    return result


def top_ups_approved(fund: Fund, first: date, last: date) -> dict[int, list[TopUp]]:
    """Per programme (proposal id): the top-ups approved between two days, in their order."""
    query = (
        sa.select(TopUp)
        .where(TopUp.fund_id == fund.id, TopUp.state == TopUpState.approved)
        .where(TopUp.decided_on >= first, TopUp.decided_on <= last)
        .order_by(TopUp.proposal_id, TopUp.number)
    )
    result: dict[int, list[TopUp]] = {}
    for top_up in db.session.scalars(query):
        result.setdefault(top_up.proposal_id, []).append(top_up)
    return result


def money_by_organization(
    fund: Fund, as_at: date | None = None, spent: Mapping[int, Decimal] | None = None
) -> list[OrganizationMoney]:
    """Per participating organization: transfers, refunds and expenditure up to a date (the same sums as balances;
    `spent`: `expenditure_by_organization` as at that date, when the caller has read it already).

    The transfers and refunds are summed per organization in the database (a few rows, however many allocations the
    fund made), and so is the expenditure (kept per organization; as at a date, summed per allocation and year).
    """
    cash = [EntryKind.transfer, EntryKind.refund]
    if as_at is None:  # everything recorded: the totals per organization kept up to date as entries are added
        per_organization = (
            sa.select(LedgerTotal.organization_key, LedgerTotal.kind, sa.func.sum(LedgerTotal.amount))
            .where(LedgerTotal.fund_id == fund.id, LedgerTotal.kind.in_(cash), LedgerTotal.organization_key != 0)
            .group_by(LedgerTotal.organization_key, LedgerTotal.kind)
        )
    else:
        per_organization = (
            sa.select(Allocation.organization_id, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
            .join(Allocation, Allocation.id == LedgerEntry.allocation_id)
            .where(*ledger_until(fund, as_at), LedgerEntry.kind.in_(cash))
            .group_by(Allocation.organization_id, LedgerEntry.kind)
        )
    moves = db.session.execute(per_organization).all()
    if spent is None:
        spent = expenditure_by_organization(fund, as_at)
    organization_ids = {org_id for org_id, _kind, _total in moves} | set(spent)
    organizations = {
        org.id: org
        for org in db.session.scalars(sa.select(Organization).where(Organization.id.in_(list(organization_ids))))
    } if organization_ids else {}  # fmt: skip
    totals: dict[int, OrganizationMoney] = {}

    def of(org_id: int) -> OrganizationMoney:
        if org_id not in totals:
            totals[org_id] = OrganizationMoney(organizations[org_id].code, organizations[org_id].label)
        return totals[org_id]

    for org_id, kind, total in moves:
        if kind is EntryKind.transfer:
            of(org_id).transferred -= total
        else:
            of(org_id).refunded += total
    for org_id, amount in spent.items():
        of(org_id).expenditure += amount
    return sorted((m for m in totals.values() if m.transferred or m.expenditure), key=lambda m: m.code)


# --- Expenditure by participating organizations ----------------------------------------------------


def expenditure_by_allocation(
    fund: Fund, allocation_ids: Iterable[int] | None = None, *, as_at: date | None = None
) -> dict[int, Decimal]:
    """Each allocation's reported expenditure: per year, its certified annual figures, or its interim ones if none."""
    query = (
        sa.select(Expenditure.allocation_id, Expenditure.year, Expenditure.kind, sa.func.sum(Expenditure.amount))
        .where(Expenditure.fund_id == fund.id, *expenditure_until(as_at))
        .group_by(Expenditure.allocation_id, Expenditure.year, Expenditure.kind)
    )
    if allocation_ids is not None:
        query = query.where(Expenditure.allocation_id.in_(list(allocation_ids)))
    figures: dict[int, list[tuple[int, ExpenditureKind, Decimal]]] = defaultdict(list)
    for allocation_id, year, kind, total in db.session.execute(query):
        figures[allocation_id].append((year, kind, total))
    return {allocation_id: reported_total(rows) for allocation_id, rows in figures.items()}


def expenditure_by_organization(fund: Fund, as_at: date | None = None) -> dict[int, Decimal]:
    """Each participating organization's reported expenditure (organization id: amount) as at a date: with no date,
    the totals kept as figures are reported (`ExpenditureTotal`), a few rows however long the fund's history."""
    if as_at is None:
        kept = sa.select(ExpenditureTotal.organization_id, ExpenditureTotal.amount).where(
            ExpenditureTotal.fund_id == fund.id
        )
        return {org_id: amount for org_id, amount in db.session.execute(kept).tuples() if amount}
    spent = expenditure_by_allocation(fund, as_at=as_at)
    if not spent:
        return {}
    owners = sa.select(Allocation.id, Allocation.organization_id).where(Allocation.id.in_(list(spent)))
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation_id, org_id in db.session.execute(owners).tuples():
        result[org_id] += spent[allocation_id]
    return {org_id: amount for org_id, amount in result.items() if amount}


@dataclass
class Delivery:
    """Money with an organization (or a programme): net transfers, expenditure, balance and delivery rate."""

    label: str
    net_transferred: Decimal
    expenditure: Decimal

    @property
    def balance(self) -> Decimal:
        return self.net_transferred - self.expenditure

    @property
    def rate(self) -> Decimal | None:
        """Delivery rate: expenditure / net transfers (None before any transfer)."""
        return self.expenditure / self.net_transferred if self.net_transferred else None


def delivery_by_organization(
    fund: Fund, allocations: Sequence[Allocation], money: Sequence[AllocationMoney] | None = None
) -> list[Delivery]:
    """One row per allocation (one organization of a programme), in the order given; `money`: their
    `allocation_money`, when the caller has read it already."""
    spent = expenditure_by_allocation(fund, [a.id for a in allocations])
    return [
        Delivery(m.allocation.organization.label, m.net_transferred, spent.get(m.allocation.id, ZERO))
        for m in (allocation_money(allocations) if money is None else money)
    ]


def programme_delivery(fund: Fund, label: str, allocations: Sequence[Allocation]) -> Delivery:
    """The programme's totals over the given allocations."""
    return delivery_total(label, delivery_by_organization(fund, allocations))


def delivery_total(label: str, rows: Sequence[Delivery]) -> Delivery:
    """The total of delivery rows (a programme's, over its organizations' rows)."""
    return Delivery(label, sum((r.net_transferred for r in rows), ZERO), sum((r.expenditure for r in rows), ZERO))


def expenditure_by_programme(fund: Fund, proposal_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each programme's reported expenditure: the sum over its organizations (only programmes that have any)."""
    allocations = dict(
        db.session.execute(
            sa.select(Allocation.id, Allocation.proposal_id).where(Allocation.proposal_id.in_(list(proposal_ids)))
        )
        .tuples()
        .all()
    )
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation_id, amount in expenditure_by_allocation(fund, allocations).items():
        result[allocations[allocation_id]] += amount
    return dict(result)


def expenditure_table(allocations: Sequence[Allocation]) -> dict[tuple[int, int, int, ExpenditureKind], Decimal]:
    """Reported amounts keyed by (allocation id, year, category id, kind)."""
    if not allocations:
        return {}
    rows = db.session.scalars(sa.select(Expenditure).where(Expenditure.allocation_id.in_([a.id for a in allocations])))
    return {(e.allocation_id, e.year, e.category_id, e.kind): e.amount for e in rows}


# --- Per programme and per allocation ------------------------------------------------------------


@dataclass
class AllocationMoney:
    """What happened to one allocation: released, transferred, refunded, still to transfer."""

    allocation: Allocation
    released: Decimal = ZERO
    transferred: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """The allocation less what was released."""
        return self.allocation.total - self.released

    @property
    def net_transferred(self) -> Decimal:
        return self.transferred - self.refunded

    @property
    def to_transfer(self) -> Decimal:
        return self.net - self.net_transferred


def allocation_money(allocations: Sequence[Allocation]) -> list[AllocationMoney]:
    """Released, transferred and refunded amounts of each allocation, from one grouped query."""
    if not allocations:
        return []
    rows = db.session.execute(
        sa.select(LedgerEntry.allocation_id, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.allocation_id.in_([a.id for a in allocations]))
        .where(LedgerEntry.kind.in_([EntryKind.allocation_release, EntryKind.transfer, EntryKind.refund]))
        .group_by(LedgerEntry.allocation_id, LedgerEntry.kind)
    )
    sums = {(allocation_id, kind): total for allocation_id, kind, total in rows}
    return [
        AllocationMoney(
            allocation=a,
            released=sums.get((a.id, EntryKind.allocation_release), ZERO),
            transferred=-sums.get((a.id, EntryKind.transfer), ZERO),
            refunded=sums.get((a.id, EntryKind.refund), ZERO),
        )
        for a in allocations
    ]


@dataclass
class ProgrammeMoney:
    """A funded programme's totals: allocated (net of releases) and transferred (net of refunds)."""

    proposal: Proposal
    allocated: Decimal
    transferred: Decimal

    @property
    def to_transfer(self) -> Decimal:
        return self.allocated - self.transferred

    @property
    def transferred_share(self) -> Decimal | None:
        return self.transferred / self.allocated if self.allocated else None


def programme_totals(proposals: Sequence[Proposal]) -> list[ProgrammeMoney]:
    """Allocated and transferred per programme, from one grouped query over the ledger."""
    if not proposals:
        return []
    rows = db.session.execute(
        sa.select(LedgerEntry.proposal_id, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.proposal_id.in_([p.id for p in proposals]))
        .where(LedgerEntry.kind.in_([*ALLOCATION_KINDS, EntryKind.transfer, EntryKind.refund]))
        .group_by(LedgerEntry.proposal_id, LedgerEntry.kind)
    )
    sums: dict[int, dict[EntryKind, Decimal]] = defaultdict(dict)
    for proposal_id, kind, total in rows:
        sums[proposal_id][kind] = total
    result = []
    for proposal in proposals:
        s = sums.get(proposal.id, {})
        allocated = -(s.get(EntryKind.allocation, ZERO) + s.get(EntryKind.allocation_release, ZERO))
        transferred = -(s.get(EntryKind.transfer, ZERO) + s.get(EntryKind.refund, ZERO))
        result.append(ProgrammeMoney(proposal, allocated, transferred))
    return result


def allocated_to(proposal_ids: Iterable[int]) -> dict[int, Decimal]:
    """Net allocated per proposal (only proposals that have any)."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(LedgerEntry.proposal_id, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.proposal_id.in_(ids), LedgerEntry.kind.in_(ALLOCATION_KINDS))
        .group_by(LedgerEntry.proposal_id)
    )
    return {proposal_id: -total for proposal_id, total in rows}


# --- The pipeline: which waiting proposals could the money fund? ----------------------------------


class Fundability(NamedTuple):
    """One pipeline proposal: whether the money left after those before it funds it, and its funding gap."""

    proposal: Proposal
    fundable: bool
    gap: Decimal  # what it still needs: its latest version's total less what is allocated to it


def amount_requested(proposal: Proposal) -> Decimal:
    """A proposal's request: its latest submitted version's total (the draft total before submission); a concept
    note's indicative total, which its organizations hold (it has no budget grid, and is frozen once submitted)."""
    if proposal.is_concept_note:
        return proposal.indicative_total
    version = proposal.latest_version
    return version.total if version is not None else proposal.total_amount


def amount_requested_sql() -> sa.ColumnElement[Decimal]:
    """`amount_requested` as a SQL expression on Proposal (correlated subqueries), for a list of many proposals."""
    indicative = (
        sa.select(sa.func.coalesce(sa.func.sum(Participant.indicative_amount), 0))
        .where(Participant.proposal_id == Proposal.id)
        .scalar_subquery()
    )
    latest_total = (
        sa.select(ProposalVersion.total)
        .where(ProposalVersion.proposal_id == Proposal.id)
        .order_by(ProposalVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    requested = sa.case(
        (Proposal.stage == ProposalStage.concept_note, indicative),
        else_=sa.func.coalesce(latest_total, Proposal.total_amount),
    )
    return sa.type_coerce(requested, Money())


def fundable(
    fund: Fund,
    proposals_in_order: Sequence[Proposal],
    *,
    extra_unearmarked: Decimal = ZERO,
    available: Available | None = None,
) -> list[Fundability]:
    """Greedy in the given order (`fits_in_order`), from loaded proposals.

    `extra_unearmarked` adds money that is expected (a what-if for an announced deposit); `available` is the money
    available when the caller has read it already.
    """
    allocated = allocated_to(p.id for p in proposals_in_order)
    gaps = [max(amount_requested(p) - allocated.get(p.id, ZERO), ZERO) for p in proposals_in_order]
    shares = [[(area.code, share) for area, share in p.area_shares] for p in proposals_in_order]
    fits = fits_in_order(available or money_available(fund), zip(gaps, shares, strict=True), extra_unearmarked)
    return [Fundability(p, f, gap) for p, f, gap in zip(proposals_in_order, fits, gaps, strict=True)]


def fits_in_order(
    available: Available,
    needs: Iterable[tuple[Decimal, Sequence[tuple[str, Decimal]]]],
    extra_unearmarked: Decimal = ZERO,
) -> list[bool]:
    """The pipeline's greedy rule on plain data: each need (its funding gap, its areas' codes with their shares), in
    order, draws on its areas' earmarks (each for its share), then on unearmarked money. A proposal the remaining
    money cannot fund is passed over; later, smaller ones may still fit."""
    unearmarked = available.unearmarked_available + extra_unearmarked
    earmarks = dict(available.available_by_area)
    result = []
    for gap, shares in needs:
        # a programme in several areas draws on each area's earmark for that area's share only (as allocating does)
        drawn = earmark_draw(gap, shares, earmarks)
        from_earmarks = sum(drawn.values(), ZERO)
        fits = gap <= unearmarked + from_earmarks
        if fits:
            for code, part in drawn.items():
                earmarks[code] = earmarks.get(code, ZERO) - part
            unearmarked -= gap - from_earmarks
        result.append(fits)
    return result


def needs_of(
    fund: Fund, proposal_ids: Sequence[int], among: sa.ColumnElement[bool] | None = None
) -> dict[int, tuple[Decimal, list[tuple[str, Decimal]]]]:
    """`fits_in_order`'s needs of many proposals as plain rows, by id, in two statements however many: what each
    still needs (its request less what is allocated to it) and its areas' codes with their shares. `among`: a
    condition on Proposal that every one of the ids meets (the fund's proposals in some states): the rows are read by
    it, not by a list of the ids, which costs more to send than the rows to read."""
    return needs_and_shares(fund, proposal_ids, among)[0]


def needs_and_shares(
    fund: Fund, proposal_ids: Sequence[int], among: sa.ColumnElement[bool] | None = None
) -> tuple[dict[int, tuple[Decimal, list[tuple[str, Decimal]]]], dict[int, AreaShares]]:
    """`needs_of`, and each proposal's shares by area id as `area_shares_of` gives them (the primary area's share
    for a proposal without shares, its id None when it has no area), read once for both."""
    if not proposal_ids:
        return {}, {}
    condition = Proposal.id.in_(list(proposal_ids)) if among is None else among
    rows = db.session.execute(
        # the net allocation kept per programme (signed as in the ledger: allocating is negative)
        sa.select(Proposal.id, Proposal.primary_area_id, amount_requested_sql(), ProgrammeAllocation.amount)
        .outerjoin(ProgrammeAllocation, ProgrammeAllocation.proposal_id == Proposal.id)
        .where(condition)
    ).all()
    primary = {pid: area_id for pid, area_id, _requested, _allocated in rows}
    gaps = {pid: max(requested + (allocated or ZERO), ZERO) for pid, _area, requested, allocated in rows}
    codes = area_codes(fund)
    shares = area_shares_among(primary, condition)
    needs = {
        pid: (gaps[pid], [(codes[area_id], share) for area_id, share in shares[pid] if area_id is not None])
        for pid in proposal_ids
    }
    return needs, shares


def earmark_draw(
    amount: Decimal, area_shares: Sequence[tuple[str, Decimal]], earmarks: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    """What `amount` of a programme may take from each of its areas' earmarks (by area code, in the areas' order):
    the area's share of the amount, split to the cent by `apportion`, or the earmark when it holds less."""
    if not area_shares or amount <= 0 or all(earmarks.get(code, ZERO) <= 0 for code, _share in area_shares):
        return {code: ZERO for code, _share in area_shares}  # nothing to take (most, once the earmarks are spent)
    parts = apportion(amount, [share for _code, share in area_shares])
    return {
        code: min(max(earmarks.get(code, ZERO), ZERO), part)
        for (code, _share), part in zip(area_shares, parts, strict=True)
    }


def endorsed_at() -> sa.ScalarSelect[Any]:
    """When the Steering Committee endorsed each proposal (None if never), as a correlated subquery."""
    # each endorsed proposal's own audit entries (their index), not every endorsement in the fund's history
    return (
        sa.select(sa.func.max(AuditEntry.created_at))
        .where(
            AuditEntry.object_type == "proposal",
            AuditEntry.object_id == sa.cast(Proposal.id, sa.String),
            AuditEntry.action == "proposal.endorsed",
        )
        .correlate(Proposal)
        .scalar_subquery()
    )


def endorsement_order() -> tuple[sa.ColumnElement[Any] | so.InstrumentedAttribute[int], ...]:
    """The pipeline's order: when the Steering Committee endorsed each proposal (then its id)."""
    return endorsed_at().nulls_last(), Proposal.id


def endorsed_query(fund: Fund) -> sa.Select:
    """The fund's endorsed proposals, in the pipeline's order."""
    return (
        sa.select(Proposal)
        .where(Proposal.fund_id == fund.id, Proposal.state == ProposalState.endorsed)
        .order_by(*endorsement_order())
    )


def pipeline_loading() -> list[Any]:
    """Eager loading for a list of pipeline proposals as the public reads them (opendata.pipeline's entries)."""
    return [
        # the versions' totals only: their frozen content is large and read through its model
        so.selectinload(Proposal.versions).defer(ProposalVersion.snapshot),
        so.joinedload(Proposal.primary_area),
        so.joinedload(Proposal.country),  # the place each entry names (not one country at a time)
        so.selectinload(Proposal.area_rows),
        so.selectinload(Proposal.participants),
        so.selectinload(Proposal.countries),
        so.selectinload(Proposal.corridors),  # their stops and countries load with them (selectin, joined)
    ]


def endorsed_by_endorsement_date(fund: Fund) -> list[Proposal]:
    """The pipeline (endorsed proposals) in the order the Steering Committee endorsed them."""
    return list(db.session.scalars(endorsed_query(fund).options(*pipeline_loading())))


def pipeline_total(fund: Fund) -> Decimal:
    """What the pipeline's proposals request together (`amount_requested`), summed in the database."""
    total = sa.select(sa.func.sum(amount_requested_sql())).where(
        Proposal.fund_id == fund.id, Proposal.state == ProposalState.endorsed
    )
    return db.session.scalar(total) or ZERO


class PipelineTitle(NamedTuple):
    reference: str
    title: str


def pipeline_titles(fund: Fund) -> list[PipelineTitle]:
    """The pipeline's references and titles in its order: what a list naming its proposals needs, without loading
    each proposal with its versions, areas, organizations and places."""
    query = endorsed_query(fund).with_only_columns(Proposal.reference, Proposal.title)
    return [PipelineTitle(reference, title) for reference, title in db.session.execute(query)]


# --- Dashboards -------------------------------------------------------------------------------------


@dataclass
class YearFigures:
    """One year of the fund's capitalization."""

    year: int
    committed: Decimal = ZERO  # commitments signed that year (USD at the recorded rates)
    deposited: Decimal = ZERO  # deposits received that year
    interest: Decimal = ZERO
    allocated: Decimal = ZERO  # allocations approved that year (less releases)
    cumulative_deposited: Decimal = ZERO
    cumulative_allocated: Decimal = ZERO


def capitalization_by_year(fund: Fund, as_at: date | None = None) -> list[YearFigures]:
    """Commitments, deposits, interest and allocations per year, and cumulated; no year skipped."""
    kinds = [EntryKind.deposit, EntryKind.interest, *ALLOCATION_KINDS]
    dated = [Contribution.on_date <= as_at] if as_at is not None else []
    if as_at is None:  # everything recorded: the totals per year kept up to date as entries are added
        ledger_rows = db.session.execute(
            sa.select(LedgerTotal.year, LedgerTotal.kind, sa.func.sum(LedgerTotal.amount))
            .where(LedgerTotal.fund_id == fund.id, LedgerTotal.kind.in_(kinds))
            .group_by(LedgerTotal.year, LedgerTotal.kind)
        )
    else:
        year = sa.extract("year", LedgerEntry.on_date)
        ledger_rows = db.session.execute(
            sa.select(year, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
            .where(*ledger_until(fund, as_at), LedgerEntry.kind.in_(kinds))
            .group_by(year, LedgerEntry.kind)
        )
    c_year = sa.extract("year", Contribution.on_date)
    commitment_rows = db.session.execute(
        sa.select(c_year, sa.func.sum(Contribution.usd_amount))
        .where(Contribution.fund_id == fund.id, Contribution.kind == ContributionKind.commitment, *dated)
        .group_by(c_year)
    )
    years: dict[int, YearFigures] = {}

    def at(y: Any) -> YearFigures:
        return years.setdefault(int(y), YearFigures(int(y)))

    for y, kind, total in ledger_rows:
        figures = at(y)
        if kind is EntryKind.deposit:
            figures.deposited += total
        elif kind is EntryKind.interest:
            figures.interest += total
        else:
            figures.allocated -= total
    for y, total in commitment_rows:
        at(y).committed += total
    if not years:
        return []
    rows, deposited, allocated = [], ZERO, ZERO
    for y in range(min(years), max(years) + 1):
        figures = years.get(y, YearFigures(y))
        deposited += figures.deposited
        allocated += figures.allocated
        figures.cumulative_deposited, figures.cumulative_allocated = deposited, allocated
        rows.append(figures)
    return rows


@dataclass
class ShareRow:
    """One slice of the allocations (an area, a region, an organization, a marker level) against its target."""

    key: str
    label: str
    amount: Decimal
    share: Decimal | None = None  # of all allocations, 0..1
    target: Decimal | None = None  # the fund's target share, when it sets one
    short_label: str = ""  # for chart axes, when the label is long

    @property
    def axis_label(self) -> str:
        return self.short_label or self.label

    @property
    def gap_to_target(self) -> Decimal | None:
        """Share minus target (negative: below target)."""
        if self.target is None or self.share is None:
            return None
        return self.share - self.target


def with_shares(rows: list[ShareRow]) -> list[ShareRow]:
    total = sum((row.amount for row in rows), ZERO)
    for row in rows:
        row.share = (row.amount / total) if total else None
    return rows


def allocated_in(fund: Fund, as_of: date | None) -> list[sa.ColumnElement[bool]]:
    """Ledger conditions for the fund's allocations (releases included), up to a date when one is given."""
    conditions = [LedgerEntry.fund_id == fund.id, LedgerEntry.kind.in_(ALLOCATION_KINDS)]
    if as_of is not None:
        conditions.append(LedgerEntry.on_date <= as_of)
    return conditions


def allocated_by_proposal(fund: Fund, as_of: date | None = None) -> dict[int, Decimal]:
    """Net allocations per programme of the fund (releases deducted)."""
    rows = db.session.execute(
        sa.select(LedgerEntry.proposal_id, sa.func.sum(LedgerEntry.amount))
        .where(*allocated_in(fund, as_of))
        .group_by(LedgerEntry.proposal_id)
    )
    return {proposal_id: -total for proposal_id, total in rows if total}


def by_area(amounts: Mapping[int, Decimal]) -> dict[int | None, Decimal]:
    """Amounts per proposal summed per thematic area id, each split over its areas' shares to the cent."""
    shares = area_shares_of(amounts)
    result: dict[int | None, Decimal] = {}
    for proposal_id, amount in amounts.items():
        for area_id, part in split_by_area(amount, shares[proposal_id]):
            result[area_id] = result.get(area_id, ZERO) + part
    return result


def allocated_by_area(fund: Fund, as_of: date | None = None) -> dict[int | None, Decimal]:
    """Net allocations per thematic area id, summed in the database per area for the programmes wholly in their
    primary area (most: their money is not split) and per programme for those in several areas, whose money is then
    split over their areas' shares to the cent (`by_area`)."""
    if as_of is None:  # everything recorded: the totals per area kept up to date as entries are added
        kept = db.session.execute(
            sa.select(AllocationTotal.area_key, sa.func.sum(AllocationTotal.amount))
            .where(AllocationTotal.fund_id == fund.id)
            .group_by(AllocationTotal.area_key)
        )
        return {area_key or None: -total for area_key, total in kept if total}
    several = sa.exists().where(ProposalArea.proposal_id == LedgerEntry.proposal_id)
    whole = db.session.execute(
        sa.select(Proposal.primary_area_id, sa.func.sum(LedgerEntry.amount))
        .join(Proposal, Proposal.id == LedgerEntry.proposal_id)
        .where(*allocated_in(fund, as_of), ~several)
        .group_by(Proposal.primary_area_id)
    )
    split = db.session.execute(
        sa.select(LedgerEntry.proposal_id, sa.func.sum(LedgerEntry.amount))
        .where(*allocated_in(fund, as_of), several)
        .group_by(LedgerEntry.proposal_id)
    )
    result = by_area({proposal_id: -total for proposal_id, total in split if total})
    for area_id, total in whole:
        if total:
            result[area_id] = result.get(area_id, ZERO) - total
    return result


def allocations_by_area(fund: Fund, as_of: date | None = None) -> list[ShareRow]:
    """Allocations per thematic area of the programmes (split by the areas' shares), against the area targets."""
    amounts = allocated_by_area(fund, as_of)
    areas = db.session.scalars(
        sa.select(ThematicArea).where(ThematicArea.fund_id == fund.id).order_by(ThematicArea.number)
    )
    return with_shares(
        [
            ShareRow(
                key=area.code,
                label=f"{area.number}. {area.label}",
                amount=amounts.get(area.id, ZERO),
                target=fund.target_share("thematic_area_share", area.code),
                short_label=_("Area %(number)d", number=area.number),
            )
            for area in areas
            if not area.retired or area.id in amounts
        ]
    )


def region_parents() -> dict[str, tuple[RegionLevel, str | None]]:
    """Each UN M49 region's level and parent region, by code: reference data, read once per request (a page may
    place money by region more than once: the portfolio, its funded and its selected programmes)."""
    if has_request_context() and "region_parents" in g:
        return dict(g.region_parents)
    rows = db.session.execute(sa.select(Region.code, Region.level, Region.parent_code))
    parents = {code: (level, parent) for code, level, parent in rows}
    if has_request_context():
        g.region_parents = parents
    return dict(parents)


def top_region(code: str | None, parents: dict[str, tuple[RegionLevel, str | None]]) -> str | None:
    """The UN M49 region (Africa, Americas, Asia, Europe, Oceania) a region or sub-region belongs to."""
    while code is not None and code in parents:
        level, parent = parents[code]
        if level is RegionLevel.region:
            return code
        code = parent
    return None


def allocated_by_region(fund: Fund, as_of: date | None = None) -> dict[str, Decimal]:
    """Net allocations per UN M49 region (of the programme's country, else of its region; "" for global or
    several-region programmes)."""
    parents = region_parents()
    # summed per place in the database: a fund with thousands of programmes has a few dozen places
    if as_of is None:  # everything recorded: the totals per place kept up to date as entries are added
        places = db.session.execute(
            sa.select(Country.region_code, AllocationTotal.region_key, sa.func.sum(AllocationTotal.amount))
            .outerjoin(Country, Country.id == AllocationTotal.country_key)
            .where(AllocationTotal.fund_id == fund.id)
            .group_by(Country.region_code, AllocationTotal.region_key)
        )
    else:
        places = db.session.execute(
            sa.select(Country.region_code, Proposal.region_code, sa.func.sum(LedgerEntry.amount))
            .join(Proposal, Proposal.id == LedgerEntry.proposal_id)
            .outerjoin(Country, Country.id == Proposal.country_id)
            .where(*allocated_in(fund, as_of))
            .group_by(Country.region_code, Proposal.region_code)
        )
    by_region: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for country_region, region, total in places:
        if total:
            by_region[top_region(country_region or region, parents) or ""] -= total
    return dict(by_region)


def allocations_by_region(fund: Fund, as_of: date | None = None) -> list[ShareRow]:
    """Allocations per UN M49 region (of the programme's country, else of its region), against the targets."""
    by_region = allocated_by_region(fund, as_of)
    targets = (fund.targets or {}).get("region_share", {})
    codes = list(targets) + sorted(code for code in by_region if code not in targets and code)
    rows = [
        ShareRow(code, territory_name(code), by_region.get(code, ZERO), target=fund.target_share("region_share", code))
        for code in codes
    ]
    if by_region.get(""):
        rows.append(ShareRow("", _("Global or several regions"), by_region[""]))
    return with_shares(rows)


def allocations_by_organization(fund: Fund, as_of: date | None = None) -> list[ShareRow]:
    """Allocations per participating organization, largest first."""
    if as_of is None:  # everything recorded: the totals per organization kept up to date as entries are added
        query = (
            sa.select(Organization, sa.func.sum(LedgerTotal.amount))
            .join(LedgerTotal, LedgerTotal.organization_key == Organization.id)
            .where(LedgerTotal.fund_id == fund.id, LedgerTotal.kind.in_(ALLOCATION_KINDS))
            .group_by(Organization.id)
        )
    else:
        query = (
            sa.select(Organization, sa.func.sum(LedgerEntry.amount))
            .join(Allocation, Allocation.organization_id == Organization.id)
            .join(LedgerEntry, LedgerEntry.allocation_id == Allocation.id)
            .where(*allocated_in(fund, as_of))
            .group_by(Organization.id)
        )
    rows = db.session.execute(query)
    result = [ShareRow(org.code, org.label, -total) for org, total in rows if total]
    result.sort(key=lambda row: (-row.amount, row.label))
    return with_shares(result)


@dataclass
class MarkerFigures:
    """Allocations per level of the fund's target marker, and the share at or above the target level."""

    marker_name: str
    rows: list[ShareRow]
    min_level: int | None
    share_at_min_level: Decimal | None
    target: Decimal | None


def target_marker(fund: Fund) -> Marker | None:
    """The marker the fund's share target is about (`targets.marker_share.marker` in its definition)."""
    target = fund.marker_share
    if target is None:
        return None
    return db.session.scalar(sa.select(Marker).where(Marker.fund_id == fund.id, Marker.code == target["marker"]))


def allocated_by_marker_level(fund: Fund, marker: Marker, as_of: date | None = None) -> dict[int | None, Decimal]:
    """Net allocations per level the programmes rated themselves at on the marker (None: not rated)."""
    by_level: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    if as_of is None:  # everything recorded: the totals per level kept up to date, the rest is not rated
        for level, total in db.session.execute(
            sa.select(AllocationMarkerTotal.level, AllocationMarkerTotal.amount).where(
                AllocationMarkerTotal.fund_id == fund.id, AllocationMarkerTotal.marker_id == marker.id
            )
        ):
            by_level[level] -= total
        allocated = -sum(ledger_sums(fund, kinds=ALLOCATION_KINDS).values(), ZERO)
        by_level[None] = allocated - sum(by_level.values(), ZERO)
    else:
        rated = sa.and_(ProposalMarker.proposal_id == LedgerEntry.proposal_id, ProposalMarker.marker_id == marker.id)
        for level, total in db.session.execute(
            sa.select(ProposalMarker.level, sa.func.sum(LedgerEntry.amount))
            .outerjoin(ProposalMarker, rated)
            .where(*allocated_in(fund, as_of))
            .group_by(ProposalMarker.level)
        ):
            by_level[level] -= total
    return dict(by_level)


def allocations_by_target_marker(fund: Fund, as_of: date | None = None) -> MarkerFigures:
    """Allocations per level of the fund's target marker (the Migration MPTF: gender), against its target."""
    marker = target_marker(fund)
    spec = fund.marker_share or {}
    min_level = spec.get("min_level")
    target = Decimal(spec["share"]) if spec.get("share") is not None else None
    if marker is None:
        return MarkerFigures("", [], min_level, None, target)
    by_level = allocated_by_marker_level(fund, marker, as_of)
    rows = [
        ShareRow(str(value), marker.level_label(value), by_level.get(value, ZERO), short_label=str(value))
        for value in marker.values
    ]
    if by_level.get(None):
        rows.append(ShareRow("", _("Not rated"), by_level[None]))
    with_shares(rows)
    total = sum(by_level.values(), ZERO)
    at_min = None
    if min_level is not None and total:
        at_min = sum((a for level, a in by_level.items() if level is not None and level >= min_level), ZERO) / total
    return MarkerFigures(localize(marker.name), rows, min_level, at_min, target)


@dataclass
class DonorFigures:
    """One donor's commitments and deposits (at the recorded rates) and what is still to come."""

    code: str
    label: str  # the acronym or short name, in the user's language
    name: str
    committed: Decimal = ZERO
    deposited: Decimal = ZERO
    outstanding: Decimal = ZERO  # signed but not yet deposited


def contributions_by_donor(fund: Fund, as_at: date | None = None) -> list[DonorFigures]:
    """Per donor: committed, deposited, and outstanding commitments (per agreement, in its currency), as at a date."""
    dated = [Contribution.on_date <= as_at] if as_at is not None else []
    rows = db.session.execute(
        sa.select(
            Contribution.donor_id,
            Contribution.reference,
            Contribution.kind,
            sa.func.sum(Contribution.amount),
            sa.func.sum(Contribution.usd_amount),
        )
        .where(Contribution.fund_id == fund.id, *dated)
        .group_by(Contribution.donor_id, Contribution.reference, Contribution.kind)
    ).all()
    donors = db.session.scalars(sa.select(Organization).where(Organization.id.in_({row[0] for row in rows})))
    figures = {d.id: DonorFigures(d.code, d.label, d.full_name) for d in donors}
    agreements: dict[tuple[int, str], dict[ContributionKind, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for donor_id, reference, kind, amount, usd in rows:
        if kind is ContributionKind.commitment:
            figures[donor_id].committed += usd
        else:
            figures[donor_id].deposited += usd
        agreements[(donor_id, reference)][kind] = (amount, usd)
    for (donor_id, _reference), kinds in agreements.items():
        if ContributionKind.commitment not in kinds:
            continue
        committed_amount, committed_usd = kinds[ContributionKind.commitment]
        deposited_amount = kinds.get(ContributionKind.deposit, (ZERO, ZERO))[0]
        if committed_amount > deposited_amount:
            # the unpaid part of the agreement, valued at the rate recorded with the commitment
            unpaid = committed_usd * (committed_amount - deposited_amount) / committed_amount
            figures[donor_id].outstanding += to_cents(unpaid)
    return sorted(figures.values(), key=lambda f: (-(f.deposited + f.outstanding), f.code))


# --- A programme's money as its page shows it ------------------------------------------------------


@dataclass
class ProgrammeSummary:
    """A funded programme's money for one reader: each organization's allocation and transfers, and the delivery
    the reader may see (agency staff: their own organization's only; everyone else: every one and the total)."""

    money: list[AllocationMoney]
    delivery: list[Delivery]
    total: Delivery | None

    @property
    def allocated(self) -> Decimal:
        return sum((m.net for m in self.money), ZERO)

    @property
    def transferred(self) -> Decimal:
        return sum((m.net_transferred for m in self.money), ZERO)


def programme_summary(proposal: Proposal, user: Any) -> ProgrammeSummary:
    """What the programme's page shows of its money to this reader (see ProgrammeSummary)."""
    fund = proposal.fund
    allocations = list(
        db.session.scalars(
            sa.select(Allocation)
            .where(Allocation.proposal_id == proposal.id)
            .options(so.selectinload(Allocation.transfers))
            .order_by(Allocation.id)
        )
    )
    own_only = is_agency_staff(user, fund)
    seen = [a for a in allocations if not own_only or a.organization_id == user.organization_id]
    money = allocation_money(allocations)
    delivery = delivery_by_organization(fund, seen, [m for m in money if m.allocation in seen])
    # everyone but agency staff sees every allocation: the programme's total is that of the rows already read
    total = None if own_only else delivery_total(proposal.reference, delivery)
    return ProgrammeSummary(money, delivery, total)


def funded_programmes_of(fund: Fund, user: Any) -> list[ProgrammeMoney]:
    """The funded programmes the user may see, with their money: an agency's own programmes on its home page."""
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(visible_to(user, fund), Proposal.state.in_(FUNDED_STATES))
        .order_by(Proposal.reference)
    ).all()
    return programme_totals(list(proposals))
