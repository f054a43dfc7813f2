"""The certified final financial statements each participating organization sends after a programme's financial
closure: the FMU records their receipt (on a date, with the document's reference, file name or link), once per
organization; until then they are due and the organization is reminded (see fundmgr.deadlines.queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Organization, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance.models import Allocation, FinalStatement, Transfer
from fundmgr.finance.operations.checks import require_bookkeeper
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations.rights import text_problem

DOCUMENT_MAX = 300


def owing_organizations(proposal: Proposal) -> list[Organization]:
    """The organizations that received money on the programme: each owes its certified final statements."""
    paid = (
        sa.select(Allocation.organization_id)
        .where(Allocation.proposal_id == proposal.id)
        .where(sa.exists().where(Transfer.allocation_id == Allocation.id))
    )
    query = sa.select(Organization).where(Organization.id.in_(paid)).order_by(Organization.code)
    return list(db.session.scalars(query))


def final_statements_of(proposal: Proposal) -> dict[int, FinalStatement]:
    """The statements received on the programme, by organization."""
    rows = db.session.scalars(sa.select(FinalStatement).where(FinalStatement.proposal_id == proposal.id))
    return {s.organization_id: s for s in rows}


def final_statement_problems(proposal: Proposal, organization_id: Any, received_on: Any, document: Any) -> list[str]:
    """Everything wrong with recording an organization's final statements, all at once."""
    problems = []
    closed_on = proposal.financially_closed_on
    if closed_on is None:
        return [_("The certified final financial statements are received after the financial closure.")]
    if organization_id not in {o.id for o in owing_organizations(proposal)}:
        problems.append(_("Choose an organization that received money on the programme."))
    elif organization_id in final_statements_of(proposal):
        problems.append(_("The statements of this organization are already recorded."))
    if not isinstance(received_on, date):
        problems.append(_("The date of receipt is required."))
    elif received_on > clock.today(proposal.fund):
        problems.append(_("The date of receipt cannot be in the future."))
    elif received_on < closed_on:
        problems.append(_("The date of receipt cannot be before the financial closure (%(date)s).",
                          date=closed_on.isoformat()))  # fmt: skip
    if not isinstance(document, str) or not document.strip():
        problems.append(_("Give the document's reference, file name or link."))
    else:
        problems += text_problem(document, _("The document"), DOCUMENT_MAX)
    return problems


def record_final_statement(
    proposal: Proposal, *, organization_id: int, received_on: date, document: str, actor: User | None
) -> FinalStatement:
    """Record (FMU) that an organization's certified final financial statements on the programme were received."""
    require_bookkeeper(actor, proposal.fund)
    # after the programme's lock: a second recording at the same moment sees the first
    proposal_ops.lock_proposal(proposal)
    problems = final_statement_problems(proposal, organization_id, received_on, document)
    if problems:
        raise ValidationFailed(problems)
    statement = FinalStatement(
        fund_id=proposal.fund_id,
        proposal_id=proposal.id,
        organization_id=organization_id,
        received_on=received_on,
        document=document.strip(),
        received_by_id=actor.id if actor else None,
    )
    db.session.add(statement)
    db.session.flush()
    record_audit(
        "final_statement.received",
        statement,
        actor=actor,
        after=snapshot(statement),
        summary=_("Certified final financial statements received on %(date)s.", date=received_on.isoformat()),
        fund_id=proposal.fund_id,
    )
    return statement
