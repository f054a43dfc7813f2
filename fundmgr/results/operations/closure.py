"""Operational closure of a programme: its activities ended and its final narrative report accepted."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import require_fund_manager
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.closure import closure_date_problems
from fundmgr.proposals.models import ProposalState
from fundmgr.results.models import Programme, ReportState


def closure_checklist(programme: Programme) -> dict[str, bool]:
    """What operational closure asks for, each item met or not (the activities' end is the FMU's confirmation)."""
    final = programme.periods[-1] if programme.periods else None
    return {"final_report_accepted": bool(final and final.report and final.report.state is ReportState.accepted)}


def operational_closure_problems(programme: Programme, closed_on: Any, activities_ended: Any) -> list[str]:
    """Everything that stands in the way of closing the programme operationally, all at once."""
    proposal = programme.proposal
    problems = []
    if proposal.state is not ProposalState.active:
        problems.append(_("Only an active programme can be closed."))
    if activities_ended is not True:
        problems.append(_("Confirm that the programme's activities have ended."))
    if not closure_checklist(programme)["final_report_accepted"]:
        problems.append(_("The final narrative report (the report on the last period) must be accepted first."))
    return problems + closure_date_problems(proposal, closed_on, programme.start_date)


def close_operationally(programme: Programme, *, closed_on: date, activities_ended: bool, actor: User | None) -> None:
    """Close a programme operationally (FMU): it becomes read-only but for its final expenditure and refunds."""
    proposal = programme.proposal
    require_fund_manager(actor, proposal.fund)
    # checked after the proposal's lock: two closures at the same moment, the second sees the first
    proposal_ops.lock_proposal(proposal)
    problems = operational_closure_problems(programme, closed_on, activities_ended)
    if problems:
        raise ValidationFailed(problems)
    proposal_ops.close_programme(
        proposal,
        actor=actor,
        summary=_("Operationally closed on %(date)s.", date=closed_on.isoformat()),
        details={"operationally_closed_on": closed_on},
    )
    proposal.operationally_closed_on = closed_on
    db.session.flush()
