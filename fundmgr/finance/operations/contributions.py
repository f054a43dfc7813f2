"""Donors' contributions: pledges, deposits, corrections, and interest earned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization, OrganizationKind, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db, to_cents
from fundmgr.errors import InsufficientFunds, ValidationFailed
from fundmgr.finance.models import Contribution, ContributionKind, EntryKind, LedgerEntry
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
from fundmgr.finance.queries import money_available
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.numbers import EXCHANGE_RATE


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
    assert data.donor is not None  # asked only once contribution_problems found nothing else
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
    require_bookkeeper(actor, fund)
    # checked under the fund's lock: two entries of one new agreement sent at once must not give it two donors
    lock_fund(fund)
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
    assert data.donor is not None  # contribution_problems refuses a contribution without one
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
        assert corrects is not None  # a reversal is written only by correct_contribution, naming the original
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
    require_bookkeeper(actor, original.fund)
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
    after = money_available(fund)
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
    require_bookkeeper(actor, fund)
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
