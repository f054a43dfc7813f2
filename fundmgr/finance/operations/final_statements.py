"""The certified final financial statements each participating organization sends after a programme's financial
closure: the organization's staff upload them (a PDF, kept by fundmgr.storage) with their certified total, or the FMU
records them on the organization's behalf, once per organization; until then they are due and the organization is
reminded (see fundmgr.deadlines.queries). The certified total must agree to the cent with the expenditure the
organization certified on the programme, on which the financial closure refunded the unspent balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from fundmgr import clock
from fundmgr.accounts.models import Organization, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, FinalStatement, Transfer
from fundmgr.finance.operations.checks import amount_problems, money
from fundmgr.finance.queries import ZERO, expenditure_by_allocation
from fundmgr.funds.rights import is_agency_staff, is_fmu
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations.rights import text_problem
from fundmgr.proposals.visibility import may_see
from fundmgr.storage import StoredFile, store_upload

DOCUMENT_MAX = 300
STATEMENT_TYPES = frozenset({"pdf"})


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


def statement_organizations(user: Any, proposal: Proposal) -> list[Organization]:
    """The owing organizations whose statements the user submits: all of them for the FMU, their own for its staff
    (none for anyone else)."""
    owing = owing_organizations(proposal)
    if is_fmu(user, proposal.fund):
        return owing
    if is_agency_staff(user, proposal.fund) and may_see(user, proposal):
        return [o for o in owing if o.id == user.organization_id]
    return []


def may_submit_statements(user: Any, proposal: Proposal) -> bool:
    """The FMU, or staff of an organization paid on the programme (their own organization's statements)."""
    return bool(statement_organizations(user, proposal))


def certified_expenditure(proposal: Proposal, organization_id: int) -> Decimal:
    """What the organization reported spending on the programme (each year's certified figures), all allocations."""
    ids = db.session.scalars(
        sa.select(Allocation.id).where(Allocation.proposal_id == proposal.id,
                                       Allocation.organization_id == organization_id)
    ).all()  # fmt: skip
    return sum(expenditure_by_allocation(proposal.fund, ids).values(), ZERO)


def total_problems(proposal: Proposal, organization_id: Any, total: Any) -> list[str]:
    """What is wrong with the certified total: a sum of money in cents, equal to the certified expenditure."""
    problems = amount_problems(total, _("The certified total"), zero_allowed=True)
    if problems or not isinstance(organization_id, int):
        return problems
    spent = certified_expenditure(proposal, organization_id)
    if total != spent:
        return [
            _("The certified total (%(total)s) differs from the expenditure the organization certified on the "
              "programme (%(spent)s): the statements must agree with it to the cent.",
              total=money(total, proposal.fund), spent=money(spent, proposal.fund))
        ]  # fmt: skip
    return []


def final_statement_problems(
    proposal: Proposal, organization_id: Any, received_on: Any, document: Any, total: Any = None
) -> list[str]:
    """Everything wrong with recording an organization's final statements (the file aside), all at once."""
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
    if document is not None and not isinstance(document, str):
        problems.append(_("The reference must be text."))
    elif document:
        problems += text_problem(document, _("The reference"), DOCUMENT_MAX)
    problems += total_problems(proposal, organization_id, total)
    return problems


def record_final_statement(
    proposal: Proposal, *, organization_id: int, document: str, certified_total: Decimal | None,
    upload: FileStorage | None, actor: User | None, received_on: date | None = None,
) -> FinalStatement:  # fmt: skip
    """Submit an organization's certified final financial statements on the programme: its staff upload the PDF and
    the certified total (received today), or the FMU records them on its behalf (received on the day it says)."""
    fund = proposal.fund
    if actor is not None and not is_fmu(actor, fund):
        if not (is_agency_staff(actor, fund) and actor.organization_id == organization_id and may_see(actor, proposal)):
            raise NotAllowed(_("Only the Fund Management Unit, or the organization's own staff, submit its certified "
                               "final financial statements."))  # fmt: skip
        received_on = clock.today(fund)  # an organization submits them today
    # after the programme's lock: a second recording at the same moment sees the first
    proposal_ops.lock_proposal(proposal)
    problems = final_statement_problems(proposal, organization_id, received_on, document or "", certified_total)
    stored: StoredFile | None = None
    try:
        stored = store_upload(upload, allowed=STATEMENT_TYPES)
    except ValidationFailed as refused:  # listed with the other problems, all at once
        problems += refused.problems
    if problems:
        raise ValidationFailed(problems)
    assert stored is not None  # refused above
    assert received_on is not None  # refused above
    statement = FinalStatement(
        fund_id=proposal.fund_id,
        proposal_id=proposal.id,
        organization_id=organization_id,
        received_on=received_on,
        document=(document or "").strip(),
        certified_total=certified_total,
        received_by_id=actor.id if actor else None,
        **stored.columns(),
    )
    db.session.add(statement)
    db.session.flush()
    record_audit(
        "final_statement.received",
        statement,
        actor=actor,
        after=snapshot(statement),
        summary=_(
            "Certified final financial statements received on %(date)s (%(total)s).",
            date=received_on.isoformat(),
            total=money(certified_total or ZERO, fund),
        ),
        fund_id=proposal.fund_id,
    )
    return statement
