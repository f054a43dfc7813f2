"""The committee's decisions on matters of the fund that are not about one proposal: adopting the allocation targets,
opening a call, approving the direct costs (the FMU's and secretariat's budget).

Between meetings a written procedure may decide them too (steering.operations.procedures); its conclusion records
the decision through the same `record_matter_decision`, the procedure's reference its own. A meeting in session
decides them as a whole, like approving minutes: under the quorum of every voting seat, run by
whoever may run the meeting and signed by whoever presides over it; each is a decision of the register, with its
reference (the meeting's, "/M" and its number), its link in the decision record, and its place in the minutes.
Approved direct costs are charged to the fund in the same transaction, the ledger entry naming the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.calls.models import Call, CallState
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.operations import charge_direct_costs
from fundmgr.funds.models import Fund
from fundmgr.steering.models import (
    AMOUNT_SUBJECTS,
    MATTER_OUTCOMES,
    MATTER_SUBJECTS,
    Decision,
    DecisionOutcome,
    DecisionSubject,
    Meeting,
    MeetingState,
    WrittenProcedure,
)
from fundmgr.steering.operations.locks import lock
from fundmgr.steering.operations.presiding import meeting_signer_and_quorum
from fundmgr.steering.operations.records import lock_chain, record_decision_link
from fundmgr.steering.operations.rights import text_problems
from fundmgr.steering.presiding import may_run_meeting


@dataclass
class MatterData:
    """A matter the committee decides: what about, the outcome, its wording, and (direct costs) the amount or (a
    call) the call opened."""

    subject: DecisionSubject | None
    outcome: DecisionOutcome | None
    matter: str = ""
    amount: Decimal | None = None
    call: Call | None = None


def matter_problems(fund: Fund, data: MatterData) -> list[str]:
    """Every reason the matter cannot be decided as given, at once."""
    problems = []
    if data.subject not in MATTER_SUBJECTS:
        problems.append(_("Choose what the committee decides."))
    if data.outcome not in MATTER_OUTCOMES:
        problems.append(_("Choose the decision."))
    if not data.matter.strip():
        problems.append(_("State the decision as the committee words it."))
    problems += text_problems(data.matter, _("The decision"))
    approves_costs = data.subject is DecisionSubject.direct_costs and data.outcome is DecisionOutcome.approve
    if approves_costs and (data.amount is None or data.amount <= 0):
        problems.append(_("The approved amount is required and must be more than zero."))
    elif not approves_costs and data.amount is not None:
        problems.append(_("Only an approval of direct costs carries an amount."))
    if data.subject is DecisionSubject.call:
        if data.call is None or data.call.fund_id != fund.id:
            problems.append(_("Choose the call the committee opens."))
        elif data.call.state is not CallState.draft:
            problems.append(_("The call is already published."))
    elif data.call is not None:
        problems.append(_("Only a decision opening a call names a call."))
    return problems


def decide_matter(meeting: Meeting, data: MatterData, *, actor: User | None) -> Decision:
    """The meeting in session decides a matter of the fund as a whole (quorate, someone presiding, who signs); an
    approval of direct costs charges them to the fund. The decision is fixed in the fund's decision record."""
    if actor is not None and not may_run_meeting(actor, meeting):
        raise NotAllowed(_("Only the chair, the vice-chair or the Fund Management Unit may run the meeting."))
    lock_chain(meeting.fund)
    meeting = lock(Meeting, meeting.id)
    if meeting.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Decisions are recorded while the meeting is in progress."))
    problems = matter_problems(meeting.fund, data)
    if problems:
        raise ValidationFailed(problems)
    presiding, quorum = meeting_signer_and_quorum(meeting)
    number = len(meeting.matters_decided) + 1
    return record_matter_decision(
        meeting.fund, data, reference=f"{meeting.reference}/M{number}", decided_on=meeting.held_on, actor=actor,
        meeting=meeting, presided_by=presiding, quorum_record=quorum.as_record(),
    )  # fmt: skip


def record_matter_decision(fund: Fund, data: MatterData, *, reference: str, decided_on: date, actor: User | None,
                           meeting: Meeting | None = None, procedure: WrittenProcedure | None = None,
                           presided_by: User | None = None, quorum_record: dict[str, Any] | None = None,
                           ) -> Decision:  # fmt: skip
    """Record the committee's decision on a matter of the fund, taken by a meeting as a whole or by written
    procedure (the caller has checked the matter and holds the fund's chain: `lock_chain`): an approval of direct
    costs charges them to the fund; the decision is fixed in the fund's decision record."""
    assert data.subject is not None  # refused by matter_problems when missing
    assert data.outcome is not None
    decision = Decision(
        fund_id=fund.id, reference=reference, subject=data.subject, matter=data.matter.strip(), outcome=data.outcome,
        call=data.call, decided_on=decided_on,
        approved_amount=data.amount if data.subject in AMOUNT_SUBJECTS else None, meeting=meeting,
        procedure=procedure, presided_by=presided_by, quorum_record=quorum_record, recorded_by_id=actor and actor.id,
    )  # fmt: skip
    db.session.add(decision)
    db.session.flush()
    if decision.approved_amount is not None:
        # raises InsufficientFunds when the money is not there: nothing of the decision stays
        charge_direct_costs(fund, decision.approved_amount, decision_id=decision.id, reference=decision.reference,
                            on_date=decided_on, actor=actor)  # fmt: skip
    record_decision_link(decision, actor=actor)
    record_audit("decision.recorded", decision, actor=actor, after=snapshot(decision), fund_id=fund.id,
                 summary=f"{decision.reference} {data.subject.title}: {data.outcome.title}")  # fmt: skip
    return decision
