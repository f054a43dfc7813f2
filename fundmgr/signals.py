"""Signals let a package react to another's events without importing upward.

`proposal_state_changed` is sent by fundmgr.proposals.operations.move_proposal after every
move, with sender=proposal and keyword arguments before, after (ProposalState) and actor.
Receivers run inside the same transaction: what they write commits or rolls back with it.
"""

from blinker import Namespace

fundmgr_signals = Namespace()

proposal_state_changed = fundmgr_signals.signal("proposal-state-changed")
