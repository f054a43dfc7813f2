"""Changes to a programme after approval (top-ups, budget revisions): what every request and decision shares.

The lead agency asks, with a reason; the FMU approves, refuses or, above the fund's threshold, forwards the request
to the Steering Committee, whose member then records the committee's decision. One request of a kind waits at a
time; the programme is locked while a request is written or decided.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance.models import OPEN_TOP_UP_STATES, TOP_UP_TRANSITIONS, BudgetRevision, TopUp, TopUpState
from fundmgr.finance.operations.checks import date_problems, reference_problems
from fundmgr.funds.rights import (
    is_agency_staff,
    is_fund_manager,
    is_sc_member,
    require_fund_manager,
    require_person_with_role,
)
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.closure import money_closed_problems
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.proposals.operations.rights import text_problem
from fundmgr.workflow import require_transition

REASON_MAX = 4000
CHANGEABLE_STATES = frozenset({ProposalState.approved, ProposalState.active})
DECISIONS = {"approve": TopUpState.approved, "refuse": TopUpState.refused, "forward": TopUpState.forwarded}
Change = TopUp | BudgetRevision
T = TypeVar("T")


def open_problems(proposal: Proposal) -> list[str]:
    """The refusal of a change to a programme not approved or active, or closed."""
    if proposal.state not in CHANGEABLE_STATES:
        return [_("Only an approved or active programme can be changed.")]
    return money_closed_problems(proposal)


def may_ask(user: Any, proposal: Proposal) -> bool:
    """The lead organization's staff ask for changes to an approved or active programme."""
    return proposal.is_lead(user) and not open_problems(proposal)


def may_know(user: Any, proposal: Proposal) -> bool:
    """The FMU, the Steering Committee and the programme's own organizations see its changes (a recused member
    does not: the caller checks that the user may read the proposal's content)."""
    fund = proposal.fund
    return (
        is_fund_manager(user, fund)
        or is_sc_member(user, fund)
        or (is_agency_staff(user, fund) and proposal.takes_part(user))
    )


def may_decide(user: Any, change: Change) -> bool:
    """The FMU decides (or forwards) a request; once forwarded, a member of the Steering Committee records the
    committee's decision."""
    fund = change.proposal.fund
    if change.state is TopUpState.forwarded:
        return is_sc_member(user, fund)
    return change.state is TopUpState.requested and is_fund_manager(user, fund)


def changes_of(model: type[Change], proposal: Proposal) -> list[Any]:
    """The programme's requests of a kind, latest first."""
    query = sa.select(model).where(model.proposal_id == proposal.id).order_by(model.number.desc())
    return list(db.session.scalars(query))


def request_problems(model: type[Change], proposal: Proposal, reason: Any, missing_reason: str) -> list[str]:
    """What every request checks: the programme open to changes, a reason, no other request of the kind waiting."""
    problems = open_problems(proposal)
    if not isinstance(reason, str) or not reason.strip():
        problems.append(missing_reason)
    else:
        problems += text_problem(reason, _("The reason"), REASON_MAX)
    pending = db.session.scalar(
        sa.select(model.id).where(model.proposal_id == proposal.id, model.state.in_(OPEN_TOP_UP_STATES)).limit(1)
    )
    if pending is not None:
        problems.append(_("A request of this kind is already waiting for a decision on this programme."))
    return problems


def next_number(model: type[Change], proposal: Proposal) -> int:
    last = db.session.scalar(sa.select(sa.func.max(model.number)).where(model.proposal_id == proposal.id))
    return (last or 0) + 1


def decide_change(
    change: Change, *, decision: str, note: str, actor: User | None, reference: str, decided_on: date | None,
    for_committee: str, for_fmu: str, carry_out: Callable[[date], T],
) -> T | None:  # fmt: skip
    """Record the FMU's or the committee's decision on a request (`for_committee`: the refusal of an FMU approval
    above the threshold; `for_fmu`: of forwarding one below it); an approval runs `carry_out(decided_on)` under the
    programme's lock, and its result is returned."""
    proposal = change.proposal
    fund = proposal.fund
    proposal_ops.lock_proposal(proposal)
    db.session.refresh(change, attribute_names=["state"])
    target = DECISIONS.get(decision)
    if target is None:
        raise ValidationFailed([_("Choose approve, refuse or forward to the Steering Committee.")])
    if change.state is TopUpState.forwarded:
        require_person_with_role(actor, fund, Role.sc_member)
    else:
        require_fund_manager(actor, fund)
    before = require_transition(change, target, TOP_UP_TRANSITIONS)
    problems = text_problem(note or "", _("The note"), REASON_MAX)
    if target is TopUpState.approved and before is TopUpState.requested and change.for_committee():
        problems.append(for_committee)
    if target is TopUpState.forwarded and not change.for_committee():
        problems.append(for_fmu)
    if target is not TopUpState.approved and not (note or "").strip():
        problems.append(_("Give the reason in the note."))
    if target is TopUpState.approved:
        problems += reference_problems(reference, _("The decision reference"))
        problems += date_problems(decided_on, _("The decision date"), fund)
        problems += open_problems(proposal)
    if problems:
        raise ValidationFailed(problems)
    result = None
    if target is TopUpState.approved:
        assert decided_on is not None  # required above
        result = carry_out(decided_on)
        change.reference = reference.strip()
        change.decided_on = decided_on
    change.state = target
    change.review_note = (note or "").strip()
    if target is not TopUpState.forwarded:
        change.decided_by_id = actor.id if actor else None
        change.decided_at = clock.now()
    db.session.flush()
    record_audit(
        f"{change.audit_type}.{target.value}",
        change,
        actor=actor,
        before={"state": before},
        after={"state": target, "note": change.review_note, "reference": change.reference},
        fund_id=fund.id,
    )
    return result
