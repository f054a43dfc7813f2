"""The fund's money: donor contributions, the ledger every balance is summed from, allocations, transfers.

The ledger is append-only. A balance is never stored: it is the SUM of the ledger entries of
its kinds, so it reconciles to the cent by construction (see fundmgr.finance.queries.balances).
Mistakes are corrected by new entries (a reversal and a replacement), never by edits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from fundmgr import clock
from fundmgr.accounts.models import Organization, User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, Money, Rate, apportion
from fundmgr.funds.models import BudgetCategory, Fund, ThematicArea
from fundmgr.funds.rights import is_agency_staff, is_fmu, is_fund_manager, is_sc_member
from fundmgr.proposals.models import Proposal, ProposalMarker, ProposalVersion
from fundmgr.proposals.queries import area_shares_of


class ContributionKind(TitledEnum):
    """A donor's signed agreement (commitment) or the cash that arrived (deposit)."""

    commitment = "commitment"
    deposit = "deposit"


CONTRIBUTION_KIND_TITLES = {
    ContributionKind.commitment: _l("Commitment (signed agreement)"),
    ContributionKind.deposit: _l("Deposit (cash received)"),
}
ContributionKind.set_titles(CONTRIBUTION_KIND_TITLES)


class Contribution(Base):
    """A donor's commitment or deposit, in the donor's currency and in the fund's currency.

    A correction is a reversal (the same amounts, negative, `corrects_id` set) and, unless the
    entry is cancelled, a replacement (positive, `corrects_id` set): history is never edited.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.CheckConstraint("rate_to_usd > 0", name="rate_positive"),
        sa.CheckConstraint("(amount > 0) = (usd_amount > 0)", name="usd_same_sign"),
        sa.Index("ix_contributions_fund_date", "fund_id", "on_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"))
    donor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    kind: so.Mapped[ContributionKind]
    on_date: so.Mapped[date]
    currency: so.Mapped[str] = so.mapped_column(sa.String(3))
    amount: so.Mapped[Decimal] = so.mapped_column(Money())
    rate_to_usd: so.Mapped[Decimal] = so.mapped_column(Rate())
    usd_amount: so.Mapped[Decimal] = so.mapped_column(Money())
    # A soft earmark: the net amount may fund only programmes of this thematic area.
    area_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("thematic_areas.id"))
    # The donor agreement (e.g. "SAA-2021-DEU-02"); a commitment and its deposits share it.
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    corrects_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contributions.id"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    fund: so.Mapped[Fund] = so.relationship()
    donor: so.Mapped[Organization] = so.relationship(lazy="joined")
    area: so.Mapped[ThematicArea | None] = so.relationship(lazy="joined")
    corrects: so.Mapped[Contribution | None] = so.relationship(remote_side=[id], back_populates="corrections")
    corrections: so.Mapped[list[Contribution]] = so.relationship(back_populates="corrects", order_by="Contribution.id")
    created_by: so.Mapped[User | None] = so.relationship()

    audit_type = "contribution"

    @property
    def is_reversal(self) -> bool:
        return self.amount < 0

    @property
    def is_superseded(self) -> bool:
        """Whether a later entry reversed this one (it then counts no more, but stays visible)."""
        return any(c.is_reversal for c in self.corrections)

    @property
    def is_current(self) -> bool:
        """A live entry: neither a reversal nor reversed."""
        return not self.is_reversal and not self.is_superseded

    def can_correct(self, user: User) -> bool:
        """The FMU corrects a live entry (by reversal and replacement, never by an edit)."""
        return is_fmu(user, self.fund) and self.is_current

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.kind.value} {self.usd_amount}>"


class EntryKind(TitledEnum):
    """The lines of the fund's ledger, with the Gateway's names; amounts are signed."""

    deposit = "deposit"  # + cash from a donor (a reversal is -)
    aa_fee = "aa_fee"  # - the Administrative Agent's fee on a deposit
    interest = "interest"  # + interest and other income
    allocation = "allocation"  # - approved for a programme: no longer available
    allocation_release = "allocation_release"  # + an allocation given back (not transferred, or refunded)
    transfer = "transfer"  # - cash sent to a participating organization
    refund = "refund"  # + cash returned by a participating organization
    direct_costs = "direct_costs"  # - the FMU's and secretariat's budget the Steering Committee approved


ENTRY_KIND_TITLES = {
    EntryKind.deposit: _l("Donor deposit"),
    EntryKind.aa_fee: _l("Administrative Agent fee"),
    EntryKind.interest: _l("Interest and other income"),
    EntryKind.allocation: _l("Allocation"),
    EntryKind.allocation_release: _l("Allocation released"),
    # Fund-neutral: the titles are shared by every fund's ledger, its filter and its export (the programme column
    # names who received or returned the money).
    EntryKind.transfer: _l("Transfer to a funded organization"),
    EntryKind.refund: _l("Refund from a funded organization"),
    EntryKind.direct_costs: _l("Direct costs (Fund Management Unit and secretariat)"),
}
EntryKind.set_titles(ENTRY_KIND_TITLES)
# What can still be allocated moves with these kinds; transfers and refunds move cash only
# (the money was already allocated when it leaves or comes back).
AVAILABLE_KINDS = frozenset(
    {EntryKind.deposit, EntryKind.aa_fee, EntryKind.interest, EntryKind.allocation, EntryKind.allocation_release,
     EntryKind.direct_costs}
)  # fmt: skip
CASH_KINDS = frozenset({EntryKind.deposit, EntryKind.aa_fee, EntryKind.interest, EntryKind.transfer, EntryKind.refund})


class LedgerEntry(Base):
    """One signed movement of the fund's money. Entries are only ever added."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_ledger_entries_fund_kind", "fund_id", "kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"))
    on_date: so.Mapped[date] = so.mapped_column(index=True)
    kind: so.Mapped[EntryKind]
    amount: so.Mapped[Decimal] = so.mapped_column(Money())
    # The earmark the money belongs to; empty for unearmarked money.
    area_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("thematic_areas.id"), index=True)
    contribution_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("contributions.id"), index=True)
    allocation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("allocations.id"), index=True)
    transfer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("transfers.id"), index=True)
    proposal_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    # The Steering Committee's decision the entry carries out (direct costs: the decision approving them).
    decision_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id"), index=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    area: so.Mapped[ThematicArea | None] = so.relationship()
    contribution: so.Mapped[Contribution | None] = so.relationship()
    allocation: so.Mapped[Allocation | None] = so.relationship()
    proposal: so.Mapped[Proposal | None] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    audit_type = "ledger_entry"


class LedgerTotal(Base):
    """The sum of a fund's ledger entries of one kind, earmark, year and organization (of their allocation), kept up
    to date in the transaction that adds each entry (`count_in_totals`, the one place every entry passes through):
    the balances, the capitalization per year and the money per organization read these few rows instead of the
    fund's whole ledger, so their cost does not grow with the fund's history."""

    __tablename__ = "ledger_totals"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    kind: so.Mapped[EntryKind] = so.mapped_column(primary_key=True)
    area_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the earmarked area's id; 0: unearmarked money
    year: so.Mapped[int] = so.mapped_column(primary_key=True)  # of the entries' dates (on_date)
    # the organization of the entries' allocation (allocations, releases, transfers, refunds); 0: no allocation
    organization_key: so.Mapped[int] = so.mapped_column(primary_key=True)
    amount: so.Mapped[Decimal] = so.mapped_column(Money())


@sa.event.listens_for(LedgerEntry, "after_insert")
def count_in_totals(_mapper: so.Mapper, connection: sa.Connection, entry: LedgerEntry) -> None:
    """Add a new ledger entry's amount to its fund's total of its kind, earmark, year and allocation's organization,
    in the entry's transaction (the row of the total stays locked until it ends, so concurrent entries add up)."""
    organization: Any = 0
    if entry.allocation_id is not None:  # read in the same statement
        owner = sa.select(Allocation.organization_id).where(Allocation.id == entry.allocation_id)
        organization = owner.scalar_subquery()
    add_to(connection, LedgerTotal.__table__, entry.amount, fund_id=entry.fund_id, kind=entry.kind,
           area_key=entry.area_id or 0, year=entry.on_date.year, organization_key=organization)  # fmt: skip


def upsert(
    connection: sa.Connection,
    table: Any,
    amount: Decimal | int,
    *,
    also: Mapping[str, Any] = {},
    column: str = "amount",
    **keys: Any,
) -> Any:
    """INSERT of a kept total's row (its keys, `also` its other columns) at the amount that, on a row already there,
    adds the amount to it instead; `column` names the total's column (a count's, say)."""
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    insert = insert.values(**keys, **also, **{column: amount})
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + insert.excluded[column]}
    )


def add_to(
    connection: sa.Connection, table: Any, amount: Decimal | int, *, column: str = "amount", **keys: Any
) -> None:
    """Add an amount to the row of a kept total (created at the amount when there is none)."""
    connection.execute(upsert(connection, table, amount, column=column, **keys))


ALLOCATION_KINDS = (EntryKind.allocation, EntryKind.allocation_release)


class ProgrammeAllocation(Base):
    """A programme's net allocation (its allocation entries less its releases), kept up to date as entries are added
    (`count_in_allocation_totals`): what the change of each of its areas' parts is computed from."""

    __tablename__ = "programme_allocations"

    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    amount: so.Mapped[Decimal] = so.mapped_column(Money())


class AllocationTotal(Base):
    """A fund's net allocations (entries of ALLOCATION_KINDS, signed as in the ledger) per thematic area and place of
    the programmes they fund, kept up to date as entries are added (`count_in_allocation_totals`): the dashboard's
    allocations by area and by region read these few rows (areas x places), not every allocation entry. A programme
    in several areas counts in each for its part of its net allocation, split to the cent as
    `finance.queries.by_area` splits it."""

    __tablename__ = "allocation_totals"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    area_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the thematic area's id; 0: no area
    country_key: so.Mapped[int] = so.mapped_column(primary_key=True)  # the programme's country's id; 0: none
    region_key: so.Mapped[str] = so.mapped_column(sa.String(3), primary_key=True)  # its region's code; "": none
    amount: so.Mapped[Decimal] = so.mapped_column(Money())


class AllocationMarkerTotal(Base):
    """A fund's net allocations per marker and level the programmes they fund rated themselves at (programmes not
    rated on a marker count in none of its rows), kept up to date as entries are added."""

    __tablename__ = "allocation_marker_totals"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    marker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markers.id"), primary_key=True)
    level: so.Mapped[int] = so.mapped_column(primary_key=True)
    amount: so.Mapped[Decimal] = so.mapped_column(Money())


def area_parts(amount: Decimal, shares: list[tuple[int | None, Decimal]]) -> dict[int | None, Decimal]:
    """An amount of one programme split over its areas' shares to the cent (apportion; nothing to split: zeros)."""
    if not amount:
        return {area_id: Decimal("0.00") for area_id, _share in shares}
    return dict(zip([area_id for area_id, _share in shares], apportion(amount, [s for _a, s in shares]), strict=True))


@sa.event.listens_for(LedgerEntry, "after_insert")
def count_in_allocation_totals(_mapper: so.Mapper, connection: sa.Connection, entry: LedgerEntry) -> None:
    """Add a new allocation or release entry to its programme's net allocation, then the change of each of the
    programme's areas' parts (split from the net allocation before and after the entry) to the fund's totals per
    area and place, and the entry to its totals per marker level; in the entry's transaction, on its connection."""
    if entry.kind not in ALLOCATION_KINDS or entry.proposal_id is None:
        return
    programme = ProgrammeAllocation.__table__
    running = upsert(
        connection, programme, entry.amount, also={"fund_id": entry.fund_id}, proposal_id=entry.proposal_id
    )
    after = connection.execute(running.returning(programme.c.amount)).scalar_one()  # with this entry
    shares = area_shares_of([entry.proposal_id], connection)[entry.proposal_id]
    before_parts = area_parts(after - entry.amount, shares)
    country_id, region_code = connection.execute(
        sa.select(Proposal.country_id, Proposal.region_code).where(Proposal.id == entry.proposal_id)
    ).one()
    place = {"country_key": country_id or 0, "region_key": region_code or ""}
    for area_id, part in area_parts(after, shares).items():
        if part != before_parts[area_id]:
            add_to(connection, AllocationTotal.__table__, part - before_parts[area_id], fund_id=entry.fund_id,
                   area_key=area_id or 0, **place)  # fmt: skip
    ratings = connection.execute(
        sa.select(ProposalMarker.marker_id, ProposalMarker.level).where(
            ProposalMarker.proposal_id == entry.proposal_id, ProposalMarker.level.is_not(None)
        )
    )
    for marker_id, level in ratings.all():
        add_to(connection, AllocationMarkerTotal.__table__, entry.amount, fund_id=entry.fund_id, marker_id=marker_id,
               level=level)  # fmt: skip


def rebuild_allocation_totals(connection: sa.Connection) -> None:
    """Sum every fund's allocation totals afresh from its entries (after entries were written in bulk, bypassing
    `count_in_allocation_totals`): each programme's net allocation, split over its areas' shares."""
    entries, proposals = LedgerEntry.__table__, Proposal.__table__
    for table in (ProgrammeAllocation, AllocationTotal, AllocationMarkerTotal):
        connection.execute(table.__table__.delete())
    of_allocations = [entries.c.kind.in_(ALLOCATION_KINDS), entries.c.proposal_id.is_not(None)]
    nets = connection.execute(
        sa.select(entries.c.proposal_id, entries.c.fund_id, sa.func.sum(entries.c.amount))
        .where(*of_allocations)
        .group_by(entries.c.proposal_id, entries.c.fund_id)
    ).all()
    if not nets:
        return
    connection.execute(
        sa.insert(ProgrammeAllocation),
        [{"proposal_id": p, "fund_id": f, "amount": amount} for p, f, amount in nets],
    )
    shares = area_shares_of([p for p, _f, _a in nets], connection)
    places = {
        p: (country_id or 0, region_code or "")
        for p, country_id, region_code in connection.execute(
            sa.select(proposals.c.id, proposals.c.country_id, proposals.c.region_code).where(
                proposals.c.id.in_(sa.select(ProgrammeAllocation.proposal_id))
            )
        )
    }
    totals: dict[tuple[int, int, int, str], Decimal] = {}
    for proposal_id, fund_id, amount in nets:
        for area_id, part in area_parts(amount, shares[proposal_id]).items():
            key = (fund_id, area_id or 0, *places[proposal_id])
            totals[key] = totals.get(key, Decimal("0.00")) + part
    connection.execute(
        sa.insert(AllocationTotal),
        [dict(zip(("fund_id", "area_key", "country_key", "region_key", "amount"), (*k, a), strict=True))
         for k, a in totals.items()],
    )  # fmt: skip
    programme_allocations = ProgrammeAllocation.__table__
    markers = (
        sa.select(programme_allocations.c.fund_id, ProposalMarker.marker_id, ProposalMarker.level,
                  sa.func.sum(programme_allocations.c.amount))
        .join(ProposalMarker, ProposalMarker.proposal_id == programme_allocations.c.proposal_id)
        .where(ProposalMarker.level.is_not(None))
        .group_by(programme_allocations.c.fund_id, ProposalMarker.marker_id, ProposalMarker.level)
    )  # fmt: skip
    connection.execute(
        AllocationMarkerTotal.__table__.insert().from_select(["fund_id", "marker_id", "level", "amount"], markers)
    )


def rebuild_ledger_totals(connection: sa.Connection) -> None:
    """Sum every fund's ledger totals afresh from its entries (after entries were written in bulk, bypassing
    `count_in_totals`; the migration that added the years and organizations sums them the same way)."""
    entries, allocations, table = LedgerEntry.__table__, Allocation.__table__, LedgerTotal.__table__
    keys = [entries.c.fund_id, entries.c.kind, sa.func.coalesce(entries.c.area_id, 0),
            sa.cast(sa.extract("year", entries.c.on_date), sa.Integer),
            sa.func.coalesce(allocations.c.organization_id, 0)]  # fmt: skip
    sums = (
        sa.select(*keys, sa.func.sum(entries.c.amount))
        .select_from(entries.outerjoin(allocations, allocations.c.id == entries.c.allocation_id))
        .group_by(*keys)
    )
    connection.execute(table.delete())
    connection.execute(
        table.insert().from_select(["fund_id", "kind", "area_key", "year", "organization_key", "amount"], sums)
    )


class Allocation(Base):
    """Money the Steering Committee approved for one participating organization of a programme.

    The approval gives each organization one allocation; a top-up approved later (`top_up_id`) adds another.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        sa.CheckConstraint("direct >= 0 AND indirect >= 0", name="parts_not_negative"),
        sa.CheckConstraint("total = direct + indirect", name="total_is_sum"),
        sa.CheckConstraint("total > 0", name="total_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    direct: so.Mapped[Decimal] = so.mapped_column(Money())
    indirect: so.Mapped[Decimal] = so.mapped_column(Money())
    total: so.Mapped[Decimal] = so.mapped_column(Money())
    decided_on: so.Mapped[date]
    reference: so.Mapped[str] = so.mapped_column(sa.String(60))
    # The top-up (cost extension) this allocation carries out; empty for the approval's own allocations.
    top_up_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("top_ups.id"), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    proposal: so.Mapped[Proposal] = so.relationship()
    version: so.Mapped[ProposalVersion] = so.relationship()
    top_up: so.Mapped[TopUp | None] = so.relationship()
    organization: so.Mapped[Organization] = so.relationship(lazy="joined")
    transfers: so.Mapped[list[Transfer]] = so.relationship(back_populates="allocation", order_by="Transfer.tranche")

    audit_type = "allocation"

    def __repr__(self) -> str:
        return f"<Allocation {self.id} proposal={self.proposal_id} org={self.organization_id} {self.total}>"


class Transfer(Base):
    """A tranche of an allocation sent to the participating organization."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.UniqueConstraint("allocation_id", "tranche"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("tranche >= 1", name="tranche_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    allocation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("allocations.id"), index=True)
    tranche: so.Mapped[int]
    amount: so.Mapped[Decimal] = so.mapped_column(Money())
    on_date: so.Mapped[date]
    reference: so.Mapped[str] = so.mapped_column(sa.String(60))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    allocation: so.Mapped[Allocation] = so.relationship(back_populates="transfers")

    audit_type = "transfer"


class ExpenditureKind(TitledEnum):
    """Expenditure an organization reports during the year (interim) or certifies after it (annual)."""

    interim = "interim"
    annual = "annual"


EXPENDITURE_KIND_TITLES = {
    ExpenditureKind.interim: _l("Interim (voluntary)"),
    ExpenditureKind.annual: _l("Annual (certified)"),
}
ExpenditureKind.set_titles(EXPENDITURE_KIND_TITLES)


class Expenditure(Base):
    """What one participating organization spent of its allocation in one year and budget category.

    One row per (allocation, year, category, kind): a correction changes the amount (audited with
    before and after). A year's certified annual figures, once any is reported, replace its interim ones
    (see fundmgr.finance.queries.expenditure_by_allocation).
    """

    __tablename__ = "expenditures"
    __table_args__ = (
        sa.UniqueConstraint("allocation_id", "year", "category_id", "kind"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    allocation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("allocations.id"), index=True)
    year: so.Mapped[int]
    category_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("budget_categories.id"))
    kind: so.Mapped[ExpenditureKind]
    amount: so.Mapped[Decimal] = so.mapped_column(Money())
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    allocation: so.Mapped[Allocation] = so.relationship()
    category: so.Mapped[BudgetCategory] = so.relationship(lazy="joined")

    audit_type = "expenditure"


def reported_total(figures: Iterable[tuple[int, ExpenditureKind, Decimal]]) -> Decimal:
    """One organization's expenditure from its (year, kind, amount) figures: a year's annual ones, else its interim."""
    by_year: dict[int, dict[ExpenditureKind, Decimal]] = defaultdict(dict)
    for year, kind, amount in figures:
        by_year[year][kind] = by_year[year].get(kind, Decimal("0.00")) + amount
    return sum(
        (kinds.get(ExpenditureKind.annual, kinds.get(ExpenditureKind.interim, Decimal("0.00")))
         for kinds in by_year.values()),
        Decimal("0.00"),
    )  # fmt: skip


class ExpenditureTotal(Base):
    """A fund's reported expenditure per participating organization (the sum of `reported_total` over the
    organization's allocations), kept up to date by `record_expenditure`, the one operation that writes expenditure,
    in its transaction and under the fund's lock: the balances and the dashboard's money per organization read these
    few rows instead of every figure every organization ever reported."""

    __tablename__ = "expenditure_totals"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    amount: so.Mapped[Decimal] = so.mapped_column(Money())


def count_expenditure(connection: sa.Connection, fund_id: int, organization_id: int, change: Decimal) -> None:
    """Add the change of one allocation's reported total to its organization's kept total (in the caller's
    transaction, under the fund's lock)."""
    if change:
        add_to(connection, ExpenditureTotal.__table__, change, fund_id=fund_id, organization_id=organization_id)


def rebuild_expenditure_totals(connection: sa.Connection) -> None:
    """Sum every fund's expenditure totals afresh from the reported figures (after figures were written in bulk,
    bypassing `record_expenditure`): each allocation's `reported_total`, added to its organization's."""
    expenditures, allocations = Expenditure.__table__, Allocation.__table__
    rows = connection.execute(
        sa.select(allocations.c.fund_id, allocations.c.organization_id, expenditures.c.allocation_id,
                  expenditures.c.year, expenditures.c.kind, sa.func.sum(expenditures.c.amount))
        .join(allocations, allocations.c.id == expenditures.c.allocation_id)
        .group_by(allocations.c.fund_id, allocations.c.organization_id, expenditures.c.allocation_id,
                  expenditures.c.year, expenditures.c.kind)
    )  # fmt: skip
    figures: dict[tuple[int, int, int], list[tuple[int, ExpenditureKind, Decimal]]] = defaultdict(list)
    for fund_id, organization_id, allocation_id, year, kind, amount in rows:
        figures[(fund_id, organization_id, allocation_id)].append((year, kind, amount))
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for (fund_id, organization_id, _allocation_id), reported in figures.items():
        totals[(fund_id, organization_id)] += reported_total(reported)
    connection.execute(ExpenditureTotal.__table__.delete())
    if totals:
        connection.execute(
            sa.insert(ExpenditureTotal),
            [{"fund_id": f, "organization_id": o, "amount": amount} for (f, o), amount in totals.items()],
        )


class FinalStatement(Base):
    """The certified final financial statements of one participating organization on a programme closed
    financially: the organization's staff upload the certified document (a PDF, kept by fundmgr.storage) with its
    certified total, or the FMU records the receipt on its behalf; received on a date. One per organization and
    programme; until it is recorded the statements are due (`final_financial_due` of the year after the financial
    closure) and the organization is reminded. Statements recorded before uploads existed have no file (their
    `document` names it) and no total."""

    __tablename__ = "final_statements"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "organization_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"))
    received_on: so.Mapped[date]
    # the statements' reference in the organization's records (optional with a file)
    document: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    certified_total: so.Mapped[Decimal | None] = so.mapped_column(Money())
    filename: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    size: so.Mapped[int | None]
    sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str | None] = so.mapped_column(sa.String(80), index=True)  # shared by same content
    received_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    proposal: so.Mapped[Proposal] = so.relationship()
    organization: so.Mapped[Organization] = so.relationship(lazy="joined")
    received_by: so.Mapped[User | None] = so.relationship()

    audit_type = "final_statement"

    @property
    def display_name(self) -> str:
        return f"{self.proposal.reference} {self.organization.code}"

    def can_download(self, user: User) -> bool:
        """The FMU and administrators, the Steering Committee (who may read the programme), and the organization's own
        staff read the uploaded statements."""
        fund = self.proposal.fund
        if is_fund_manager(user, fund):
            return True
        if not self.proposal.can_see_content(user):
            return False
        return is_sc_member(user, fund) or (
            is_agency_staff(user, fund) and user.organization_id == self.organization_id
        )


class TopUpState(TitledEnum):
    """Where a request for a change after approval (a top-up, a budget revision) is: asked, forwarded by the FMU to
    the committee, decided."""

    requested = "requested"
    forwarded = "forwarded"
    approved = "approved"
    refused = "refused"


TopUpState.set_titles(
    {
        TopUpState.requested: _l("Requested"),
        TopUpState.forwarded: _l("Forwarded to the Steering Committee"),
        TopUpState.approved: _l("Approved"),
        TopUpState.refused: _l("Refused"),
    }
)
TOP_UP_TRANSITIONS: dict[TopUpState, frozenset[TopUpState]] = {
    TopUpState.requested: frozenset({TopUpState.approved, TopUpState.refused, TopUpState.forwarded}),
    TopUpState.forwarded: frozenset({TopUpState.approved, TopUpState.refused}),
    TopUpState.approved: frozenset(),
    TopUpState.refused: frozenset(),
}
OPEN_TOP_UP_STATES = frozenset({TopUpState.requested, TopUpState.forwarded})


class ChangeRequest:
    """What every change after approval (a top-up, a budget revision) records: the programme, its number, the lead
    agency's request with its reason, the FMU's review and the decision (its reference and date, who recorded it and
    when). The columns are the mapped classes' own: this mixin only writes them once."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), index=True)
    number: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    state: so.Mapped[TopUpState] = so.mapped_column(default=TopUpState.requested)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    review_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reference: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    decided_on: so.Mapped[date | None]
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]

    @so.declared_attr
    def proposal(cls) -> so.Mapped[Proposal]:  # noqa: N805
        return so.relationship(Proposal)

    @so.declared_attr
    def requested_by(cls) -> so.Mapped[User]:  # noqa: N805
        return so.relationship(User, foreign_keys=[cls.requested_by_id])

    @so.declared_attr
    def decided_by(cls) -> so.Mapped[User | None]:  # noqa: N805
        return so.relationship(User, foreign_keys=[cls.decided_by_id])


class TopUp(ChangeRequest, Base):
    """A cost extension: the lead agency asks, with a reason, for more money for one organization of its programme;
    the FMU reviews it and decides or, above the fund's threshold (`top_up_committee_above`), forwards it to the
    Steering Committee. An approval is a new allocation to the same programme (numbered: top-up 1, 2, ...)."""

    __tablename__ = "top_ups"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "number"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"))
    amount: so.Mapped[Decimal] = so.mapped_column(Money())

    organization: so.Mapped[Organization] = so.relationship(lazy="joined")

    audit_type = "top_up"

    @property
    def display_name(self) -> str:
        return f"{self.proposal.reference} +{self.number}"

    def for_committee(self) -> bool:
        """Larger than the fund lets the FMU decide alone."""
        return self.amount > self.proposal.fund.top_up_committee_above


class BudgetRevision(ChangeRequest, Base):
    """The lead agency asks, with a reason, to move direct costs between budget lines (organization, category and
    programme year) of its programme, several at once, never changing the approved total; the FMU reviews it and
    decides or, when the share of the budget the request moves in all is above the fund's threshold
    (`revision_committee_share`), forwards it to the Steering Committee. An approval freezes the revised budget as
    the proposal's next version (compared with the one before like any two versions) and, between organizations,
    moves the allocations with it."""

    __tablename__ = "budget_revisions"
    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    # the version revised, and the version the approval froze
    base_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))

    base_version: so.Mapped[ProposalVersion] = so.relationship(foreign_keys=[base_version_id])
    version: so.Mapped[ProposalVersion | None] = so.relationship(foreign_keys=[version_id])
    lines: so.Mapped[list[BudgetRevisionLine]] = so.relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="BudgetRevisionLine.id", lazy="selectin"
    )

    audit_type = "budget_revision"

    @property
    def display_name(self) -> str:
        return f"{self.proposal.reference} R{self.number}"

    @property
    def amount(self) -> Decimal:
        """The direct costs the request moves in all: what its lines add (equal to what they take away)."""
        return sum((line.amount for line in self.lines if line.amount > 0), Decimal("0.00"))

    @property
    def share(self) -> Decimal:
        """The share of the revised version's direct costs the request moves."""
        direct = self.base_version.direct_total
        return self.amount / direct if direct else Decimal(1)

    def category_label(self, code: str) -> str:
        """A budget category's name in the reader's language (the code of one the fund no longer has)."""
        return next((c.label for c in self.proposal.fund.budget_categories if c.code == code), code)

    def for_committee(self) -> bool:
        """Moving more of the budget than the fund lets the FMU decide alone."""
        return self.share > self.proposal.fund.revision_committee_share


class BudgetRevisionLine(Base):
    """One budget line a revision changes: the direct costs of an organization, category and programme year go up
    (a positive amount) or down (a negative one); a request's lines add up to zero."""

    __tablename__ = "budget_revision_lines"
    __table_args__ = (
        sa.UniqueConstraint("revision_id", "organization_id", "category", "year"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    revision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("budget_revisions.id", ondelete="CASCADE"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"))
    category: so.Mapped[str] = so.mapped_column(sa.String(40))
    year: so.Mapped[int]
    amount: so.Mapped[Decimal] = so.mapped_column(Money())

    revision: so.Mapped[BudgetRevision] = so.relationship(back_populates="lines")
    organization: so.Mapped[Organization] = so.relationship(lazy="joined")
