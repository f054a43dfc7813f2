"""Signals let a package react to another's events without importing upward.

Each is sent by the operation named below, inside its transaction, once the event's own writing is
done: receivers (fundmgr.results: programmes; fundmgr.notifications: who is told) run inside the same
transaction, so what they write commits or rolls back with it. The sender is the main object; every
signal carries the `actor` (a User, or None for the system).

- `proposal_state_changed`: fundmgr.proposals.operations.move_proposal, after every move; sender the
  proposal, with `before` and `after` (ProposalState).
- `reviewers_assigned`: fundmgr.steering.operations.assign_reviewers; sender the proposal, with
  `members` (the Users assigned), `due_on` and `before` ({"members": ids assigned before, "due_on": ...}).
- `meeting_scheduled`: fundmgr.steering.operations.schedule_meeting; sender the meeting.
- `agenda_added`: fundmgr.steering.operations.add_agenda_items; sender the meeting, with `proposals`.
- `item_opened`: fundmgr.steering.operations.open_item (opened or reopened in a meeting under way); sender
  the agenda item.
- `procedure_circulated`: fundmgr.steering.operations.circulate_written_procedure; sender the procedure.
- `decision_taken`: fundmgr.steering.operations.take_decision (in a meeting or by written procedure),
  once the decision is carried out; sender the decision.
- `allocations_approved`: fundmgr.finance.operations.allocate_approved; sender the proposal, with
  `allocations` (one per organization).
- `transfer_recorded`: fundmgr.finance.operations.record_transfer; sender the transfer.
- `report_submitted`: fundmgr.results.operations.submit_report; sender the progress report.
- `report_reviewed`: fundmgr.results.operations.review_report; sender the progress report, with
  `review` (its ReportReview: decision returned or accepted, comment).
"""

from blinker import Namespace

fundmgr_signals = Namespace()

proposal_state_changed = fundmgr_signals.signal("proposal-state-changed")
reviewers_assigned = fundmgr_signals.signal("reviewers-assigned")
meeting_scheduled = fundmgr_signals.signal("meeting-scheduled")
agenda_added = fundmgr_signals.signal("agenda-added")
item_opened = fundmgr_signals.signal("item-opened")
procedure_circulated = fundmgr_signals.signal("procedure-circulated")
decision_taken = fundmgr_signals.signal("decision-taken")
allocations_approved = fundmgr_signals.signal("allocations-approved")
transfer_recorded = fundmgr_signals.signal("transfer-recorded")
report_submitted = fundmgr_signals.signal("report-submitted")
report_reviewed = fundmgr_signals.signal("report-reviewed")
