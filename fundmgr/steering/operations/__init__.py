"""Writes of the Steering Committee. Each checks the actor's rights and the rules itself, flushes and audits.

Lifecycle moves of proposals go through fundmgr.proposals.operations; money through
fundmgr.finance.operations.allocate_approved, in the same transaction as the decision. One module per part
of the committee's work; import the operations from this package.
"""

from fundmgr.steering.operations.assignments import assign_reviewers, declare_conflict, waive_conflict
from fundmgr.steering.operations.criteria import CriterionData, update_criteria
from fundmgr.steering.operations.decisions import LIFECYCLE_MOVES, DecisionData, record_decision, take_decision
from fundmgr.steering.operations.matters import MatterData, decide_matter, matter_problems, record_matter_decision
from fundmgr.steering.operations.meetings import (
    MeetingData,
    PositionData,
    add_agenda_items,
    cancel_meeting,
    cast_vote,
    close_item,
    end_meeting,
    move_meeting,
    open_item,
    position_problems,
    record_attendance,
    remove_agenda_item,
    schedule_meeting,
    start_meeting,
    state_position,
)
from fundmgr.steering.operations.minutes import approve_minutes, draft_minutes, edit_minutes
from fundmgr.steering.operations.portfolio_runs import PortfolioRequest, ShareLimits, propose_portfolio
from fundmgr.steering.operations.presiding import designate_presiding
from fundmgr.steering.operations.procedures import (
    circulate_matter_procedure,
    circulate_minutes_procedure,
    circulate_written_procedure,
    conclude_written_procedure,
    due_procedures,
    eligible_for_procedure,
    respond_to_procedure,
    withdraw_written_procedure,
)
from fundmgr.steering.operations.reviews import ReviewInput, save_review, scoring_problems
from fundmgr.steering.operations.routes import (
    open_items_of,
    open_minutes_procedure,
    open_procedure_on,
    open_route_problems,
)
from fundmgr.steering.operations.seats import TermData, appoint_term, change_alternate, end_term, term_problems

__all__ = [
    "LIFECYCLE_MOVES",
    "CriterionData",
    "DecisionData",
    "MatterData",
    "MeetingData",
    "PortfolioRequest",
    "PositionData",
    "ReviewInput",
    "ShareLimits",
    "TermData",
    "add_agenda_items",
    "appoint_term",
    "approve_minutes",
    "assign_reviewers",
    "cancel_meeting",
    "cast_vote",
    "change_alternate",
    "circulate_matter_procedure",
    "circulate_minutes_procedure",
    "circulate_written_procedure",
    "close_item",
    "conclude_written_procedure",
    "decide_matter",
    "declare_conflict",
    "designate_presiding",
    "draft_minutes",
    "due_procedures",
    "edit_minutes",
    "eligible_for_procedure",
    "end_meeting",
    "end_term",
    "matter_problems",
    "move_meeting",
    "open_item",
    "open_items_of",
    "open_minutes_procedure",
    "open_procedure_on",
    "open_route_problems",
    "position_problems",
    "propose_portfolio",
    "record_attendance",
    "record_decision",
    "record_matter_decision",
    "remove_agenda_item",
    "respond_to_procedure",
    "save_review",
    "schedule_meeting",
    "scoring_problems",
    "start_meeting",
    "state_position",
    "take_decision",
    "term_problems",
    "update_criteria",
    "waive_conflict",
    "withdraw_written_procedure",
]
