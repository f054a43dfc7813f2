"""Budget arithmetic: totals per organization, category, year; indirect costs at each rate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from fundmgr.db import to_cents
from fundmgr.proposals.models import Proposal

ZERO = Decimal("0.00")


@dataclass
class ParticipantTotals:
    """One organization's share of a budget."""

    organization_id: int
    indirect_rate: Decimal
    direct: Decimal = ZERO
    by_year: dict[int, Decimal] = field(default_factory=dict)

    @property
    def indirect(self) -> Decimal:
        """Indirect support costs: the organization's rate on its direct costs, rounded to the cent."""
        return to_cents(self.direct * self.indirect_rate)

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


@dataclass
class BudgetTotals:
    """Every total the budget grid shows, computed once from the lines."""

    years: int
    participants: dict[int, ParticipantTotals]
    by_category: dict[int, Decimal]
    by_year: dict[int, Decimal]
    cells: dict[tuple[int, int, int], Decimal]  # (organization_id, category_id, year) -> amount

    @property
    def direct(self) -> Decimal:
        return sum((p.direct for p in self.participants.values()), ZERO)

    @property
    def indirect(self) -> Decimal:
        return sum((p.indirect for p in self.participants.values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect


def programme_years(duration_months: int | None) -> int:
    """The number of programme years a duration spans (a started year counts)."""
    return max(1, -(-(duration_months or 12) // 12))


def budget_totals(proposal: Proposal) -> BudgetTotals:
    """Totals of a proposal's current (draft) budget."""
    participants = {
        p.organization_id: ParticipantTotals(p.organization_id, p.indirect_rate) for p in proposal.participants
    }
    by_category: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    cells = {}
    for line in proposal.budget_lines:
        cells[(line.organization_id, line.category_id, line.year)] = line.amount
        owner = participants.get(line.organization_id)
        if owner is None:  # lines of an organization that left the proposal do not count
            continue
        owner.direct += line.amount
        owner.by_year[line.year] = owner.by_year.get(line.year, ZERO) + line.amount
        by_category[line.category_id] += line.amount
        by_year[line.year] += line.amount
    return BudgetTotals(
        years=programme_years(proposal.duration_months),
        participants=participants,
        by_category=dict(by_category),
        by_year=dict(by_year),
        cells=cells,
    )


def requested_total(proposal: Proposal) -> Decimal:
    """What the proposal asks of the fund: a concept note's indicative total, a programme document's budget."""
    return proposal.indicative_total if proposal.is_concept_note else budget_totals(proposal).total
