"""The budget grid as a form: one input per organization x category x year, one rate per organization.

Inputs are text in the user's locale ("1 234,56" in French); every cell is read, every
problem is reported next to its cell, and nothing is saved while one remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from fundmgr.funds.models import BudgetCategory
from fundmgr.numbers import MONEY, PERCENTAGE, NumberRefused, number_text, parse_number
from fundmgr.proposals.budget import ZERO, BudgetTotals, budget_totals
from fundmgr.proposals.models import Participant, Proposal


def cell_name(org_id: int, category_id: int, year: int) -> str:
    return f"amount-{org_id}-{category_id}-{year}"


def rate_name(org_id: int) -> str:
    return f"rate-{org_id}"


@dataclass
class BudgetGrid:
    """What the budget page shows and reads back."""

    proposal: Proposal
    participants: list[Participant]
    categories: list[BudgetCategory]
    years: list[int]
    late_years: list[int]
    totals: BudgetTotals
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, proposal: Proposal) -> BudgetGrid:
        """The grid of a proposal's saved budget."""
        totals = budget_totals(proposal)
        used = {line.category_id for line in proposal.budget_lines}
        last_year = max([totals.years, *(line.year for line in proposal.budget_lines)])
        grid = cls(
            proposal=proposal,
            participants=sorted(
                proposal.participants,
                key=lambda p: (p.organization_id != proposal.lead_organization_id, p.organization.label),
            ),
            categories=[c for c in proposal.fund.budget_categories if not c.retired or c.id in used],
            years=list(range(1, last_year + 1)),
            late_years=list(range(totals.years + 1, last_year + 1)),
            totals=totals,
        )
        for participant in grid.participants:
            org_id = participant.organization_id
            grid.values[rate_name(org_id)] = number_text(participant.indirect_rate, PERCENTAGE)
            for category in grid.categories:
                for year in grid.years:
                    amount = totals.cells.get((org_id, category.id, year))
                    grid.values[cell_name(org_id, category.id, year)] = number_text(amount or None, MONEY)
        return grid

    def row_total(self, org_id: int, category_id: int) -> Decimal:
        """Saved direct costs of one organization in one category, all years."""
        return sum((self.totals.cells.get((org_id, category_id, y), ZERO) for y in self.years), ZERO)

    def category_year_total(self, category_id: int, year: int) -> Decimal:
        """Saved direct costs of one category in one year, all organizations."""
        return sum(
            (self.totals.cells.get((p.organization_id, category_id, year), ZERO) for p in self.participants), ZERO
        )

    def read(self, form: Mapping[str, str]) -> tuple[dict[tuple[int, int, int], Decimal], dict[int, Decimal]]:
        """Parse the posted grid; keeps what was typed and a message for each cell that is not an amount."""
        amounts: dict[tuple[int, int, int], Decimal] = {}
        rates: dict[int, Decimal] = {}
        for participant in self.participants:
            org_id = participant.organization_id
            name = rate_name(org_id)
            self.values[name] = (form.get(name) or "").strip()
            try:
                rate = parse_number(self.values[name], PERCENTAGE)
            except NumberRefused as exc:
                self.errors[name] = str(exc)
            else:
                rates[org_id] = participant.proposal.fund.indirect_cost_rate if rate is None else rate
            for category in self.categories:
                for year in self.years:
                    name = cell_name(org_id, category.id, year)
                    self.values[name] = (form.get(name) or "").strip()[:40]
                    try:
                        amounts[(org_id, category.id, year)] = parse_number(self.values[name], MONEY) or ZERO
                    except NumberRefused as exc:
                        self.errors[name] = str(exc)
        return amounts, rates

    def error_list(self) -> list[str]:
        """Each cell's problem, named by organization, category and year, for the summary at the top."""
        labels = {}
        for participant in self.participants:
            org = participant.organization.label
            labels[rate_name(participant.organization_id)] = _("%(org)s, indirect cost rate", org=org)
            for category in self.categories:
                for year in self.years:
                    labels[cell_name(participant.organization_id, category.id, year)] = _(
                        "%(org)s, %(category)s, year %(year)d", org=org, category=category.label, year=year
                    )
        return [f"{labels.get(name, name)}: {message}" for name, message in self.errors.items()]
