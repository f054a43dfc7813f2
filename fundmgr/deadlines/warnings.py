"""The early warning on the FMU's deadlines page: programmes whose delivery lags their time, whose reports are
overdue, or whose next tranche's release condition (reports accepted, delivery above the fund's threshold) is not
met. The thresholds come from the fund's definition file (`after_approval:`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.finance.queries import ZERO, allocation_money, expenditure_by_allocation
from fundmgr.funds.models import Fund
from fundmgr.i18n import format_percent
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results.models import Programme, ReportState


@dataclass(frozen=True)
class EarlyWarning:
    """One thing the FMU should look at on one programme."""

    programme: Programme
    kind: str  # "delivery", "reports" or "tranche"
    message: str


def time_elapsed(programme: Programme, today: date) -> Decimal:
    """The share of the programme's time gone by today, 0 to 1."""
    span = (programme.end_date - programme.start_date).days + 1
    gone = (min(today, programme.end_date) - programme.start_date).days + 1
    return max(ZERO, min(Decimal(1), Decimal(gone) / Decimal(span))) if span > 0 else Decimal(1)


def early_warnings(fund: Fund, today: date) -> list[EarlyWarning]:
    """Every warning on the fund's active programmes, by programme reference."""
    programmes = db.session.scalars(
        sa.select(Programme)
        .join(Programme.proposal)
        .where(Proposal.fund_id == fund.id, Proposal.state == ProposalState.active)
        .options(so.selectinload(Programme.periods), so.joinedload(Programme.proposal))
        .order_by(Proposal.reference)
    ).all()
    allocations = db.session.scalars(
        sa.select(Allocation)
        .where(Allocation.proposal_id.in_([p.proposal_id for p in programmes]))
        .order_by(Allocation.id)
    ).all()
    spent = expenditure_by_allocation(fund, [a.id for a in allocations])
    money_of = defaultdict(list)
    for figures in allocation_money(allocations):
        money_of[figures.allocation.proposal_id].append(figures)
    warnings = []
    for programme in programmes:
        money = money_of[programme.proposal_id]
        warnings += delivery_warning(fund, programme, money, spent, today)
        overdue = [p.number for p in programme.periods if p.is_overdue(today)]
        if overdue:
            warnings.append(
                EarlyWarning(
                    programme,
                    "reports",
                    _("Progress reports overdue: period %(periods)s.", periods=", ".join(map(str, overdue))),
                )
            )
        warnings += tranche_warnings(fund, programme, money, spent, today)
    return warnings


def delivery_warning(fund: Fund, programme: Programme, money: list, spent: dict[int, Decimal], today: date) -> list:
    """Delivery (expenditure over the allocated budget) lagging the time elapsed by more than the fund's gap."""
    budget = sum((m.net for m in money), ZERO)
    if not budget:
        return []
    delivery = sum((spent.get(m.allocation.id, ZERO) for m in money), ZERO) / budget
    elapsed = time_elapsed(programme, today)
    if elapsed - delivery <= fund.delivery_warning_gap:
        return []
    return [
        EarlyWarning(
            programme,
            "delivery",
            _(
                "Delivery far behind time: %(delivery)s of the budget spent after %(elapsed)s of the programme's time.",
                delivery=format_percent(delivery),
                elapsed=format_percent(elapsed),
            ),
        )
    ]


def tranche_warnings(fund: Fund, programme: Programme, money: list, spent: dict[int, Decimal], today: date) -> list:
    """Each organization whose next tranche waits, with the release condition it does not meet."""
    pending = [p.number for p in programme.periods if p.has_ended(today) and not accepted(p)]
    warnings = []
    for figures in money:
        if figures.to_transfer <= 0 or figures.net_transferred <= 0:
            continue  # all transferred, or the first tranche (released on the decision)
        unmet = []
        if pending:
            unmet.append(_("reports of period %(periods)s not accepted", periods=", ".join(map(str, pending))))
        rate = spent.get(figures.allocation.id, ZERO) / figures.net_transferred
        if rate < fund.tranche_min_delivery:
            unmet.append(
                _(
                    "delivery %(rate)s below %(threshold)s",
                    rate=format_percent(rate),
                    threshold=format_percent(fund.tranche_min_delivery),
                )
            )
        if unmet:
            warnings.append(
                EarlyWarning(
                    programme,
                    "tranche",
                    _(
                        "The next tranche to %(org)s is not due for release: %(unmet)s.",
                        org=figures.allocation.organization.label,
                        unmet="; ".join(unmet),
                    ),
                )
            )
    return warnings


def accepted(period) -> bool:
    return period.report is not None and period.report.state is ReportState.accepted
