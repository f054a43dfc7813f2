"""Writes to the fund's money. Every operation checks its rules, writes ledger entries and audits.

Operations that spend or move money lock the fund's row first (`SELECT ... FOR UPDATE` on
PostgreSQL), so that two of them running at once cannot both spend the last dollars: the
second waits, then reads the balances the first one committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization, OrganizationKind, Role, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db, to_cents, utcnow
from fundmgr.errors import InsufficientFunds, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, Contribution, ContributionKind, EntryKind, LedgerEntry, Transfer
from fundmgr.finance.queries import ZERO, AllocationMoney, allocation_money, balances
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.i18n import format_money
from fundmgr.numbers import EXCHANGE_RATE, MONEY
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.signals import allocations_approved, transfer_recorded

# A proposal may receive its allocations while the Steering Committee decides (before or after
# the approval move, in the same transaction).
ALLOCATABLE_STATES = frozenset({ProposalState.in_review, ProposalState.endorsed, ProposalState.approved})
TRANSFERABLE_STATES = frozenset({ProposalState.approved, ProposalState.active})


# --- Rights and shared checks --------------------------------------------------------------------


def require_role(actor: User | None, *roles: Role) -> None:
    """Refuse unless the actor (None: the system or the command line) has one of the roles."""
    if actor is not None and actor.role not in roles:
        raise NotAllowed(_("Only the Fund Management Unit may record the fund's money."))


def lock_fund(fund: Fund) -> None:
    """Take the fund's row lock until the transaction ends (a no-op where the database has none)."""
    db.session.execute(sa.select(Fund.id).where(Fund.id == fund.id).with_for_update())


def amount_problems(amount: Any, label: str) -> list[str]:
    """What is wrong with an amount of money, if anything: it must be a finite, positive Decimal in cents."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [_("%(field)s must be a number.", field=label)]
    if amount <= 0:
        return [_("%(field)s must be more than zero.", field=label)]
    if amount > MONEY.largest:  # before rounding: a number of thousands of digits cannot be rounded to cents
        return [_("%(field)s must be at most %(max)s.", field=label, max=format_money(MONEY.largest))]
    if amount != to_cents(amount):
        return [_("%(field)s can have at most two decimals.", field=label)]
    return []


def date_problems(on_date: Any, label: str, fund: Fund) -> list[str]:
    """Dates of money movements: known, not in the future, not before the fund existed."""
    if not isinstance(on_date, date):
        return [_("%(field)s is required.", field=label)]
    if on_date > utcnow().date():
        return [_("%(field)s cannot be in the future.", field=label)]
    if fund.established and on_date < fund.established:
        return [
            _("%(field)s cannot be before the fund was established (%(date)s).", field=label, date=fund.established)
        ]
    return []


def reference_problems(reference: Any, label: str) -> list[str]:
    if not isinstance(reference, str) or not reference.strip():
        return [_("%(field)s is required.", field=label)]
    if len(reference.strip()) > 60:
        return [_("%(field)s can have at most 60 characters.", field=label)]
    return []


def add_entry(fund: Fund, kind: EntryKind, amount: Decimal, on_date: date, *, actor: User | None, **links: Any) -> None:
    """Append a ledger entry (nothing for a zero amount, e.g. the fee on a few cents)."""
    if amount == 0:
        return
    db.session.add(
        LedgerEntry(fund_id=fund.id, kind=kind, amount=amount, on_date=on_date, created_by_id=actor_id(actor), **links)
    )


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def money(amount: Decimal, fund: Fund) -> str:
    return f"{fund.currency} {format_money(amount)}"


# --- Contributions --------------------------------------------------------------------------------


@dataclass
class ContributionData:
    """What the FMU enters for a contribution (also the corrected values of a correction)."""

    donor: Organization | None
    kind: ContributionKind
    on_date: date | None
    currency: str
    amount: Decimal
    rate_to_usd: Decimal
    area: ThematicArea | None = None
    reference: str = ""
    note: str = ""

    @property
    def usd_amount(self) -> Decimal:
        return to_cents(self.amount * self.rate_to_usd)


def contribution_problems(fund: Fund, data: ContributionData) -> list[str]:
    """Every problem of a contribution at once."""
    problems = []
    if data.donor is None or data.donor.kind is not OrganizationKind.donor:
        problems.append(_("Choose the donor."))
    problems += date_problems(data.on_date, _("The date"), fund)
    if not (isinstance(data.currency, str) and len(data.currency) == 3 and data.currency.isalpha()):
        problems.append(_("The currency must be a three-letter ISO code."))
    problems += amount_problems(data.amount, _("The amount"))
    rate_ok = isinstance(data.rate_to_usd, Decimal) and data.rate_to_usd.is_finite()
    if not rate_ok or not (EXCHANGE_RATE.smallest <= data.rate_to_usd <= EXCHANGE_RATE.largest):
        problems.append(_("The exchange rate must be a number between 0.000001 and 100000."))
    elif data.rate_to_usd != data.rate_to_usd.quantize(EXCHANGE_RATE.smallest):
        problems.append(_("The exchange rate can have at most six decimals."))
    elif data.currency == fund.currency and data.rate_to_usd != 1:
        problems.append(_("An amount in %(currency)s has an exchange rate of 1.", currency=fund.currency))
    elif not amount_problems(data.amount, "") and data.usd_amount <= 0:
        problems.append(_("The amount in %(currency)s would be zero.", currency=fund.currency))
    if data.area is not None and data.area.fund_id != fund.id:
        problems.append(_("The earmark must be a thematic area of this fund."))
    problems += reference_problems(data.reference, _("The agreement reference"))
    if not problems:
        problems += agreement_problems(fund, data)
    return problems


def agreement_problems(fund: Fund, data: ContributionData) -> list[str]:
    """Entries under one donor agreement share its donor and currency."""
    other = db.session.scalar(
        sa.select(Contribution)
        .where(Contribution.fund_id == fund.id, Contribution.reference == data.reference.strip())
        .where(sa.or_(Contribution.donor_id != data.donor.id, Contribution.currency != data.currency))
        .limit(1)
    )
    if other is None:
        return []
    return [
        _(
            "The agreement %(reference)s is recorded for %(donor)s in %(currency)s.",
            reference=other.reference,
            donor=other.donor.label,
            currency=other.currency,
        )
    ]


def record_contribution(fund: Fund, data: ContributionData, *, actor: User | None) -> Contribution:
    """Record a donor's commitment or deposit; a deposit's net of the Administrative Agent's fee becomes available."""
    require_role(actor, Role.fmu)
    problems = contribution_problems(fund, data)
    if problems:
        raise ValidationFailed(problems)
    contribution = add_contribution(fund, data, actor=actor)
    record_audit(
        "contribution.recorded",
        contribution,
        actor=actor,
        after=snapshot(contribution),
        summary=f"{data.kind.value} {data.reference} {money(contribution.usd_amount, fund)}",
    )
    return contribution


def add_contribution(
    fund: Fund, data: ContributionData, *, actor: User | None, corrects: Contribution | None = None
) -> Contribution:
    """Write a (checked) contribution and, for a deposit, its ledger lines (a reversal's mirror the original's)."""
    contribution = Contribution(
        fund_id=fund.id,
        donor_id=data.donor.id,
        kind=data.kind,
        on_date=data.on_date,
        currency=data.currency,
        amount=data.amount,
        rate_to_usd=data.rate_to_usd,
        usd_amount=data.usd_amount,
        area_id=data.area.id if data.area else None,
        reference=data.reference.strip(),
        note=data.note.strip(),
        corrects=corrects,
        created_by_id=actor_id(actor),
    )
    db.session.add(contribution)
    db.session.flush()
    if contribution.kind is ContributionKind.deposit and contribution.is_reversal:
        mirror_entries(fund, corrects, contribution, actor=actor)
    elif contribution.kind is ContributionKind.deposit:
        post_deposit(fund, contribution, actor=actor)
    return contribution


def mirror_entries(fund: Fund, original: Contribution, reversal: Contribution, *, actor: User | None) -> None:
    """The original's ledger lines with the opposite sign: exact even if the fee rate has changed since."""
    entries = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.contribution_id == original.id))
    for entry in entries:
        add_entry(
            fund,
            entry.kind,
            -entry.amount,
            entry.on_date,
            actor=actor,
            contribution_id=reversal.id,
            area_id=entry.area_id,
            reference=entry.reference,
        )


def post_deposit(fund: Fund, contribution: Contribution, *, actor: User | None) -> None:
    """A deposit's two ledger lines: the cash in, and the fee (rounded half up to the cent) out."""
    fee = to_cents(contribution.usd_amount * fund.aa_fee_rate)
    links = {
        "contribution_id": contribution.id,
        "area_id": contribution.area_id,
        "reference": contribution.reference,
    }
    add_entry(fund, EntryKind.deposit, contribution.usd_amount, contribution.on_date, actor=actor, **links)
    add_entry(fund, EntryKind.aa_fee, -fee, contribution.on_date, actor=actor, **links)


def correct_contribution(
    original: Contribution, *, replacement: ContributionData | None, reason: str, actor: User | None
) -> tuple[Contribution, Contribution | None]:
    """Correct an entry: reverse it, and (unless it is cancelled) record the corrected one. Nothing is edited."""
    require_role(actor, Role.fmu)
    fund = original.fund
    problems = [] if reason.strip() else [_("Give the reason for the correction.")]
    if replacement is not None:
        problems += contribution_problems(fund, replacement)
    lock_fund(fund)
    # read after the lock: a correction committed meanwhile may have reversed the entry already
    db.session.refresh(original, attribute_names=["corrections"])
    if not original.is_current:
        problems.insert(0, _("This entry was already corrected or is itself a reversal."))
    if problems:
        raise ValidationFailed(problems)
    reversal = add_contribution(fund, reversal_of(original), actor=actor, corrects=original)
    reversal.note = reason.strip()
    corrected = add_contribution(fund, replacement, actor=actor, corrects=original) if replacement else None
    db.session.flush()
    refuse_if_overdrawn(fund)
    record_audit(
        "contribution.corrected",
        original,
        actor=actor,
        before=snapshot(original),
        after={"reversal_id": reversal.id, "replacement": snapshot(corrected) if corrected else None},
        summary=reason.strip(),
    )
    return reversal, corrected


def reversal_of(original: Contribution) -> ContributionData:
    """The same entry with a negative amount, dated as the original so that its year's figures are right."""
    return ContributionData(
        donor=original.donor,
        kind=original.kind,
        on_date=original.on_date,
        currency=original.currency,
        amount=-original.amount,
        rate_to_usd=original.rate_to_usd,
        area=original.area,
        reference=original.reference,
    )


def refuse_if_overdrawn(fund: Fund) -> None:
    """A correction may not take back money that was already allocated (overall or from an earmark)."""
    after = balances(fund)
    lowest = min([after.unearmarked_available, *after.available_by_area.values()])
    if lowest < 0:
        raise InsufficientFunds(
            _(
                "This correction would take back money that is already allocated: the available balance "
                "would fall to %(amount)s. Release allocations first, or correct by a smaller amount.",
                amount=money(lowest, fund),
            )
        )


def record_interest(
    fund: Fund, *, amount: Decimal, on_date: date, reference: str, actor: User | None, note: str = ""
) -> LedgerEntry:
    """Record interest or other income the Administrative Agent credited to the fund (unearmarked)."""
    require_role(actor, Role.fmu)
    problems = amount_problems(amount, _("The amount")) + date_problems(on_date, _("The date"), fund)
    problems += reference_problems(reference, _("The reference"))
    if problems:
        raise ValidationFailed(problems)
    entry = LedgerEntry(
        fund_id=fund.id,
        kind=EntryKind.interest,
        amount=amount,
        on_date=on_date,
        reference=reference.strip(),
        note=note.strip()[:500],
        created_by_id=actor_id(actor),
    )
    db.session.add(entry)
    record_audit("interest.recorded", entry, actor=actor, after=snapshot(entry), summary=money(amount, fund))
    return entry


# --- Allocations ----------------------------------------------------------------------------------


@dataclass
class Share:
    """One organization's part of an approved amount."""

    organization_id: int
    direct: Decimal
    indirect: Decimal

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


def scale_to(shares: list[Share], approved: Decimal) -> list[Share]:
    """Scale direct and indirect costs proportionally so that they sum exactly to `approved`.

    Each part is rounded down to the cent; the cents left over go to the parts with the
    largest remainders (largest-remainder method), earlier parts first on a tie.
    """
    total = sum((s.total for s in shares), ZERO)
    if approved == total:
        return shares
    parts = [value for s in shares for value in (s.direct, s.indirect)]
    exact = [value * approved / total for value in parts]
    floored = [to_cents_down(value) for value in exact]
    leftover = int((approved - sum(floored, ZERO)) / Decimal("0.01"))
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - floored[i]), i))
    for i in by_remainder[:leftover]:
        floored[i] += Decimal("0.01")
    return [Share(s.organization_id, floored[2 * i], floored[2 * i + 1]) for i, s in enumerate(shares)]


def to_cents_down(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding="ROUND_DOWN")


def version_shares(version: ProposalVersion) -> list[Share]:
    """Each participating organization's direct and indirect costs in the approved version."""
    return [
        Share(int(p["organization_id"]), Decimal(p["direct"]), Decimal(p["indirect"]))
        for p in version.snapshot.get("participants", [])
        if Decimal(p["total"]) > 0
    ]


def allocation_problems(
    proposal: Proposal, version: ProposalVersion, approved_amount: Any, reference: str
) -> list[str]:
    problems = []
    if version.proposal_id != proposal.id:
        problems.append(_("The version does not belong to this proposal."))
    if proposal.state not in ALLOCATABLE_STATES:
        problems.append(_("Only a proposal the Steering Committee is deciding on can receive allocations."))
    problems += amount_problems(approved_amount, _("The approved amount"))
    if not problems and approved_amount > version.total:
        problems.append(
            _(
                "The approved amount (%(approved)s) cannot exceed the budget of the approved version (%(total)s).",
                approved=money(approved_amount, proposal.fund),
                total=money(version.total, proposal.fund),
            )
        )
    if not version_shares(version):
        problems.append(_("The approved version has no participating organization with a budget."))
    problems += reference_problems(reference, _("The decision reference"))
    return problems


def allocate_approved(
    proposal: Proposal,
    version: ProposalVersion,
    *,
    approved_amount: Decimal,
    decided_on: date,
    reference: str,
    actor: User | None,
) -> list[Allocation]:
    """Allocate an approved amount to the version's organizations, refused when the money is not there.

    Below the version's total, each organization's direct and indirect costs are scaled down
    proportionally. The money comes from the proposal's area earmark first, then unearmarked.
    Does not move the proposal (the Steering Committee's decision does, in the same transaction).
    """
    require_role(actor, Role.fmu, Role.sc_member, Role.admin)
    fund = proposal.fund
    problems = allocation_problems(proposal, version, approved_amount, reference)
    problems += [] if isinstance(decided_on, date) else [_("The decision date is required.")]
    if problems:
        raise ValidationFailed(problems)
    lock_fund(fund)
    # checked after the lock, so that two decisions on one proposal cannot both allocate
    if db.session.scalar(sa.select(Allocation.id).where(Allocation.proposal_id == proposal.id).limit(1)):
        raise ValidationFailed([_("This proposal already has its allocations.")])
    area = proposal.primary_area
    result = balances(fund)
    earmark = result.available_by_area.get(area.code, ZERO) if area else ZERO
    if result.unearmarked_available + earmark < approved_amount:
        raise InsufficientFunds(short_message(fund, approved_amount, result.unearmarked_available, earmark, area))
    allocations = []
    from_earmark = min(earmark, approved_amount)
    for share in scale_to(version_shares(version), approved_amount):
        allocation = Allocation(
            fund_id=fund.id,
            proposal_id=proposal.id,
            version_id=version.id,
            organization_id=share.organization_id,
            direct=share.direct,
            indirect=share.indirect,
            total=share.total,
            decided_on=decided_on,
            reference=reference.strip(),
            created_by_id=actor_id(actor),
        )
        db.session.add(allocation)
        db.session.flush()
        earmarked_part = min(from_earmark, share.total)
        from_earmark -= earmarked_part
        links = {"allocation_id": allocation.id, "proposal_id": proposal.id, "reference": allocation.reference}
        add_entry(
            fund, EntryKind.allocation, -earmarked_part, decided_on, actor=actor, area_id=area and area.id, **links
        )
        add_entry(fund, EntryKind.allocation, earmarked_part - share.total, decided_on, actor=actor, **links)
        record_audit(
            "allocation.created",
            allocation,
            actor=actor,
            after=snapshot(allocation),
            summary=f"{proposal.reference} {money(allocation.total, fund)}",
        )
        allocations.append(allocation)
    db.session.flush()
    allocations_approved.send(proposal, allocations=allocations, actor=actor)
    return allocations


def short_message(
    fund: Fund, needed: Decimal, unearmarked: Decimal, earmark: Decimal, area: ThematicArea | None
) -> str:
    if area is not None and earmark:
        return _(
            "The fund cannot cover %(needed)s: only %(available)s is available for this thematic area "
            "(%(unearmarked)s unearmarked and %(earmark)s earmarked to it).",
            needed=money(needed, fund),
            available=money(unearmarked + earmark, fund),
            unearmarked=money(unearmarked, fund),
            earmark=money(earmark, fund),
        )
    return _(
        "The fund cannot cover %(needed)s: only %(available)s is available.",
        needed=money(needed, fund),
        available=money(unearmarked + earmark, fund),
    )


# --- Transfers, refunds, releases ---------------------------------------------------------------


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
    require_role(actor, Role.fmu)
    fund = allocation.proposal.fund
    problems = money_problems(fund, amount, on_date, reference) + problems
    if problems:
        raise ValidationFailed(problems)
    lock_fund(fund)
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
        raise ValidationFailed([_("Transfers are made to approved or active programmes only.")])
    refuse_above(
        figures.to_transfer,
        amount,
        fund,
        _("Only %(limit)s of this allocation is left to transfer; %(amount)s is too much."),
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
        ).all()
    )
    for area_id in sorted(drawn, key=lambda a: a is None):
        part = min(amount, -drawn[area_id])
        links = allocation_links(allocation, reference)
        add_entry(fund, EntryKind.allocation_release, part, on_date, actor=actor, area_id=area_id, **links)
        amount -= part
    db.session.flush()
