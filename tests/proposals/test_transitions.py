"""The one transition table: every move it does not list is refused with a message, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from fundmgr.db import db
from fundmgr.errors import InvalidTransition
from fundmgr.proposals.models import TRANSITIONS, ProposalState
from fundmgr.proposals.models import ProposalState as S
from fundmgr.proposals.operations import move_proposal

ILLEGAL = [(a, b) for a in ProposalState for b in ProposalState if b not in TRANSITIONS[a]]
# Submission freezes a version first (tested with submit_proposal); the database refuses a bare move.
LEGAL = [(a, b) for a in S for b in S if b in TRANSITIONS[a] and (a, b) != (S.draft, S.submitted)]


@pytest.mark.split  # the refusal is the operation's, before any statement: each pair runs on one database
@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=lambda s: s.value)
def test_illegal_moves_are_refused_with_a_message(make_proposal, current, target):
    proposal = make_proposal(current)
    with pytest.raises(InvalidTransition) as refused:
        move_proposal(proposal, target, actor=proposal.created_by, action="test.move")
    assert f"from “{current.title}” to “{target.title}”" in refused.value.message
    assert proposal.state is current


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=lambda s: s.value)
def test_moves_in_the_table_are_made(make_proposal, current, target):
    proposal = make_proposal(current)
    move_proposal(proposal, target, actor=None, action="test.move")
    assert proposal.state is target


def test_the_end_states_lead_nowhere():
    """A selected concept note ends there too: its programme document carries the cycle on."""
    assert {s for s, targets in TRANSITIONS.items() if not targets} == {
        ProposalState.selected,
        ProposalState.closed,
        ProposalState.rejected,
        ProposalState.withdrawn,
    }


def test_the_database_refuses_a_submitted_proposal_without_a_version(make_proposal):
    proposal = make_proposal()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        move_proposal(proposal, S.submitted, actor=None, action="test.move")
