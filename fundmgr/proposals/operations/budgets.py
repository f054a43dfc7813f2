"""A proposal's budget lines and its total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.errors import ValidationFailed
from fundmgr.i18n import format_percent
from fundmgr.numbers import MONEY, number_text
from fundmgr.proposals.budget import budget_totals, requested_total
from fundmgr.proposals.models import BudgetLine, Proposal
from fundmgr.proposals.operations.rights import require_editor


def refresh_total(proposal: Proposal) -> None:
    """Keep the list's denormalized total in step with the budget (a concept note's: its indicative amounts)."""
    proposal.total_amount = requested_total(proposal)


def budget_problems(
    proposal: Proposal, amounts: dict[tuple[int, int, int], Decimal], rates: dict[int, Decimal]
) -> list[str]:
    """What makes a budget ill-formed: unknown cells, negative or absurd amounts, rates above the cap."""
    fund = proposal.fund
    participants = {p.organization_id: p for p in proposal.participants}
    categories = {c.id for c in fund.budget_categories}
    problems = []
    for (org_id, category_id, year), amount in amounts.items():
        if org_id not in participants or category_id not in categories or not 1 <= year <= 100:
            problems.append(_("The budget names an organization, category or year the proposal does not have."))
            break
        if amount < 0 or amount > MONEY.largest:
            problems.append(
                _("Amounts must be zero or more, and at most %(largest)s.", largest=number_text(MONEY.largest, MONEY))
            )
            break
    for org_id, rate in rates.items():
        if org_id not in participants:
            problems.append(_("The budget names an organization, category or year the proposal does not have."))
        elif rate < 0 or rate > fund.indirect_cost_rate:
            problems.append(
                _(
                    "The indirect cost rate of %(org)s must lie between 0 and the fund’s cap of %(cap)s.",
                    org=participants[org_id].organization.label,
                    cap=format_percent(fund.indirect_cost_rate, 0),
                )
            )
    return problems


def save_budget(
    proposal: Proposal,
    *,
    amounts: dict[tuple[int, int, int], Decimal],
    rates: dict[int, Decimal] | None = None,
    actor: User,
) -> dict[str, Any] | None:
    """Save the budget grid: (organization id, category id, year) -> direct cost; organization id -> rate.
    Returns the lines it cleared, for `restore_removed` to put back (None if it cleared none)."""
    require_editor(proposal, actor)
    rates = rates or {}
    problems = budget_problems(proposal, amounts, rates)
    if problems:
        raise ValidationFailed(problems)
    before_totals = budget_totals(proposal)
    lines = {(ln.organization_id, ln.category_id, ln.year): ln for ln in proposal.budget_lines}
    changed = {}
    cleared = []
    for key, amount in amounts.items():
        line = lines.get(key)
        if (line.amount if line else Decimal("0.00")) == amount:
            continue
        changed["/".join(map(str, key))] = amount
        if line is None:
            proposal.budget_lines.append(
                BudgetLine(organization_id=key[0], category_id=key[1], year=key[2], amount=amount)
            )
        elif amount == 0:
            cleared.append([*key, str(line.amount)])
            proposal.budget_lines.remove(line)
        else:
            line.amount = amount
    for participant in proposal.participants:
        if participant.organization_id in rates:
            participant.indirect_rate = rates[participant.organization_id]
    refresh_total(proposal)
    totals = budget_totals(proposal)
    record_audit(
        "proposal.budget_updated",
        proposal,
        actor=actor,
        before={"direct": before_totals.direct, "indirect": before_totals.indirect, "total": before_totals.total},
        after={"direct": totals.direct, "indirect": totals.indirect, "total": totals.total, "cells": changed},
    )
    return {"kind": "budget", "cells": cleared} if cleared else None
