"""Writes to proposals. Every state change goes through `move_proposal`, checked and audited.

Each operation checks the acting user's rights and the proposal's state itself, flushes and
never commits; a refused rule raises a DomainError before anything is written. One module per part
of a proposal; import the operations from this package.
"""

from fundmgr.proposals.operations.attachments import add_attachment, remove_attachment
from fundmgr.proposals.operations.budgets import save_budget
from fundmgr.proposals.operations.drafts import (
    ProposalDetails,
    create_proposal,
    delete_draft,
    save_markers,
    set_participants,
    update_details,
)
from fundmgr.proposals.operations.lifecycle import (
    activate_programme,
    approve_proposal,
    close_programme,
    defer_proposal,
    endorse_proposal,
    lock_proposal,
    move_proposal,
    reject_proposal,
)
from fundmgr.proposals.operations.matrix import (
    IndicatorValues,
    add_indicator,
    add_outcome,
    add_output,
    remove_matrix_item,
    restore_matrix_item,
    update_indicator,
    update_statement,
)
from fundmgr.proposals.operations.restore import restore_removed
from fundmgr.proposals.operations.stages import (
    ConceptContent,
    PartnerEntry,
    ProgrammeSections,
    RiskEntry,
    invite_to_develop,
    open_programme_document,
    save_concept_content,
    save_programme_sections,
    select_concept_note,
    selection_problems,
)
from fundmgr.proposals.operations.submission import (
    forward_to_review,
    record_screening,
    return_for_revision,
    start_screening,
    submit_proposal,
    withdraw_proposal,
)
from fundmgr.proposals.operations.technical_review import comment_on, invite_reviewer, withdraw_invitation

__all__ = [
    "ConceptContent",
    "IndicatorValues",
    "PartnerEntry",
    "ProgrammeSections",
    "ProposalDetails",
    "RiskEntry",
    "activate_programme",
    "add_attachment",
    "add_indicator",
    "add_outcome",
    "add_output",
    "approve_proposal",
    "close_programme",
    "comment_on",
    "create_proposal",
    "defer_proposal",
    "delete_draft",
    "endorse_proposal",
    "forward_to_review",
    "invite_reviewer",
    "invite_to_develop",
    "lock_proposal",
    "move_proposal",
    "open_programme_document",
    "record_screening",
    "reject_proposal",
    "remove_attachment",
    "remove_matrix_item",
    "restore_matrix_item",
    "restore_removed",
    "return_for_revision",
    "save_budget",
    "save_concept_content",
    "save_markers",
    "save_programme_sections",
    "select_concept_note",
    "selection_problems",
    "set_participants",
    "start_screening",
    "submit_proposal",
    "update_details",
    "update_indicator",
    "update_statement",
    "withdraw_invitation",
    "withdraw_proposal",
]
