"""Allocations of the approved amount to the participating organizations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, ValidationFailed
from fundmgr.finance.models import Allocation, EntryKind
from fundmgr.finance.operations.checks import (
    actor_id,
    add_entry,
    amount_problems,
    lock_fund,
    money,
    reference_problems,
)
from fundmgr.finance.queries import ZERO, earmark_draw, money_available
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.funds.rights import require_role_or_system
from fundmgr.i18n import format_money
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.signals import allocations_approved

# A proposal may receive its allocations while the Steering Committee decides (before or after
# the approval move, in the same transaction).
ALLOCATABLE_STATES = frozenset({ProposalState.in_review, ProposalState.endorsed, ProposalState.approved})


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
    return [Share(p.organization_id, p.direct, p.indirect) for p in version.snapshot.participants if p.total > 0]


def pro_rata_amounts(version: ProposalVersion, approved_amount: Decimal) -> dict[int, Decimal]:
    """Each organization's part of an approved amount, pro rata of its budget in the version (by organization id)."""
    return {s.organization_id: s.total for s in scale_to(version_shares(version), approved_amount)}


def split_problems(version: ProposalVersion, approved_amount: Any, amounts: dict[int, Decimal]) -> list[str]:
    """What is wrong with the amounts per organization the committee set: one for each of the version's
    organizations with a budget, none above what it asked, summing exactly to the approved amount."""
    shares = {s.organization_id: s.total for s in version_shares(version)}
    problems = []
    if set(amounts) != set(shares):
        problems.append(
            _("Give an amount for each %(organization)s of the approved version.",
              organization=version.proposal.fund.participant_label)
        )  # fmt: skip
        return problems
    for organization_id, amount in amounts.items():
        problems += [] if amount == 0 else amount_problems(amount, _("Each organization's amount"))
        if isinstance(amount, Decimal) and amount.is_finite() and amount > shares[organization_id]:
            problems.append(
                _("An organization's amount cannot exceed its budget in the version (%(total)s).",
                  total=format_money(shares[organization_id]))
            )  # fmt: skip
    total = sum((a for a in amounts.values() if isinstance(a, Decimal) and a.is_finite()), ZERO)
    if not problems and total != approved_amount:
        problems.append(
            _("The organizations' amounts add up to %(total)s, not the approved amount (%(approved)s).",
              total=format_money(total), approved=format_money(approved_amount))
        )  # fmt: skip
    return problems


def committee_shares(version: ProposalVersion, amounts: dict[int, Decimal]) -> list[Share]:
    """Each organization's amount as the committee set it, split between direct and indirect costs in the
    proportion of its budget (an organization given nothing gets no allocation)."""
    return [
        scale_to([share], amounts[share.organization_id])[0]
        for share in version_shares(version)
        if amounts[share.organization_id] > 0
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
        problems.append(
            _(
                "The approved version has no %(organization)s with a budget.",
                organization=proposal.fund.participant_label,
            )
        )
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
    amounts: dict[int, Decimal] | None = None,
) -> list[Allocation]:
    """Allocate an approved amount to the version's organizations, refused when the money is not there.

    Below the version's total, each organization's direct and indirect costs are scaled down
    proportionally, unless the committee set each organization's amount (`amounts`, by organization id:
    they must add up to the approved amount). The money comes from its thematic areas' earmarks first, each for its
    area's share of the amount (`earmarked_available`), then unearmarked.
    Does not move the proposal (the Steering Committee's decision does, in the same transaction).
    """
    fund = proposal.fund
    # Whoever may record the decision that allocates: the FMU, the chair (in a meeting), the system
    # (a written procedure concluded by `flask`); administrators as the FMU's stand-in.
    require_role_or_system(actor, fund, Role.fmu, Role.admin, Role.sc_member)
    problems = allocation_problems(proposal, version, approved_amount, reference)
    problems += [] if isinstance(decided_on, date) else [_("The decision date is required.")]
    if not problems and amounts is not None:
        problems += split_problems(version, approved_amount, amounts)
    if problems:
        raise ValidationFailed(problems)
    lock_fund(fund)
    # checked after the lock, so that two decisions on one proposal cannot both allocate
    if db.session.scalar(sa.select(Allocation.id).where(Allocation.proposal_id == proposal.id).limit(1)):
        raise ValidationFailed([_("This proposal already has its allocations.")])
    from_earmarks = earmarked_available(proposal, approved_amount)
    allocations = []
    shares = (
        scale_to(version_shares(version), approved_amount) if amounts is None else committee_shares(version, amounts)
    )
    for share in shares:
        # each organization's allocation takes what is left of the earmarks, area by area, before unearmarked money
        earmarked: dict[int, Decimal] = {}
        needed = share.total
        for area_id, left in from_earmarks.items():
            part = min(left, needed)
            if part:
                earmarked[area_id] = part
                from_earmarks[area_id] = left - part
                needed -= part
        allocation = add_allocation(
            proposal, version.id, share, earmarked, decided_on=decided_on, reference=reference, actor=actor
        )
        allocations.append(allocation)
    db.session.flush()
    allocations_approved.send(proposal, allocations=allocations, actor=actor)
    return allocations


def earmarked_available(proposal: Proposal, amount: Decimal) -> dict[int, Decimal]:
    """How much of `amount` comes from each of the proposal's areas' earmarks, by area id (the rest is unearmarked);
    InsufficientFunds when the earmarks and unearmarked money together cannot cover it. Call under the fund's lock.

    A programme in several thematic areas draws on each area's earmark for that area's share of the amount only
    (a 60/40 programme: at most 60% from the first area's earmark, 40% from the second's, split to the cent by
    `apportion`), as the dashboards and the portfolio balance count it."""
    fund = proposal.fund
    result = money_available(fund)
    drawn = earmark_draw(amount, [(area.code, share) for area, share in proposal.area_shares], result.available_by_area)
    earmark = sum(drawn.values(), ZERO)
    if result.unearmarked_available + earmark < amount:
        areas = [area for area, _share in proposal.area_shares]
        raise InsufficientFunds(short_message(fund, amount, result.unearmarked_available, earmark, areas))
    return {area.id: part for (area, _share), part in zip(proposal.area_shares, drawn.values(), strict=True)}


def add_allocation(
    proposal: Proposal, version_id: int, share: Share, earmarked: Mapping[int, Decimal], *, decided_on: date,
    reference: str, actor: User | None, top_up_id: int | None = None,
) -> Allocation:  # fmt: skip
    """Write one organization's allocation and its ledger entries (`earmarked`: what comes from each area's earmark,
    by area id; the rest is unearmarked)."""
    fund = proposal.fund
    allocation = Allocation(
        fund_id=fund.id,
        proposal_id=proposal.id,
        version_id=version_id,
        organization_id=share.organization_id,
        direct=share.direct,
        indirect=share.indirect,
        total=share.total,
        decided_on=decided_on,
        reference=reference.strip(),
        top_up_id=top_up_id,
        created_by_id=actor_id(actor),
    )
    db.session.add(allocation)
    db.session.flush()
    links = {"allocation_id": allocation.id, "proposal_id": proposal.id, "reference": allocation.reference}
    for area_id, part in earmarked.items():
        add_entry(fund, EntryKind.allocation, -part, decided_on, actor=actor, area_id=area_id, **links)
    from_earmarks = sum(earmarked.values(), ZERO)
    add_entry(fund, EntryKind.allocation, from_earmarks - share.total, decided_on, actor=actor, **links)
    record_audit(
        "allocation.created",
        allocation,
        actor=actor,
        after=snapshot(allocation),
        summary=f"{proposal.reference} {money(allocation.total, fund)}",
    )
    return allocation


def short_message(
    fund: Fund, needed: Decimal, unearmarked: Decimal, earmark: Decimal, areas: Sequence[ThematicArea]
) -> str:
    if len(areas) > 1 and earmark:
        return _(
            "The fund cannot cover %(needed)s: only %(available)s is available for this programme's thematic areas "
            "(%(unearmarked)s unearmarked and %(earmark)s earmarked to their shares of it).",
            needed=money(needed, fund),
            available=money(unearmarked + earmark, fund),
            unearmarked=money(unearmarked, fund),
            earmark=money(earmark, fund),
        )
    if areas and earmark:
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
