"""A member with a conflict on a proposal sees no other member's scores or positions on it, under every conflict
policy of the fund: whether their organization takes part (no scoring, no decision, or recusal) or they declared a
conflict. Only the member presiding over the item sees its positions, to run it; scores stay hidden from them too."""

from __future__ import annotations

import pytest

from fundmgr.db import db
from fundmgr.funds.seats import ConflictRule
from fundmgr.steering import operations as ops
from fundmgr.steering.models import Stance
from fundmgr.steering.queries import can_see_scores
from tests.factories import sign_in
from tests.steering.test_presiding import set_rules

RESERVATION = "Costs of the screening component to be verified (visibility test)."


@pytest.fixture
def conflicted_item(fund, committee, live_item, in_review, assign, submit_review):
    """An IOM-UNHCR proposal scored by Spain, its item open with Germany's reservation stated; Morocco declared a
    conflict on it (UNHCR's member and the chair take part through their organizations)."""

    def _make(rule: ConflictRule):
        set_rules(fund, conflict_rule=rule)
        proposal = in_review(title="Screening and referral (visibility test)")
        assign(proposal)
        submit_review(proposal, committee.spain, 5)
        submit_review(proposal, committee.germany, 2)
        ops.declare_conflict(proposal, committee.morocco, "My ministry is the national counterpart.",
                             actor=committee.morocco)  # fmt: skip
        item = live_item(proposal)
        ops.state_position(item, committee.germany, ops.PositionData(Stance.reservation, RESERVATION),
                           actor=committee.germany)  # fmt: skip
        db.session.commit()
        return item

    return _make


@pytest.mark.parametrize("rule", list(ConflictRule))
def test_a_conflicted_member_sees_no_scores_or_positions_of_others_under_any_policy(client, committee,
                                                                                    conflicted_item, rule):  # fmt: skip
    item = conflicted_item(rule)
    proposal, meeting = item.proposal, item.meeting
    assert can_see_scores(committee.spain, proposal)  # the control: a member who scored sees the scores
    sign_in(client, committee.spain)
    assert "3.50" in client.get("/steering/ranking").get_data(as_text=True)
    for member in (committee.unhcr, committee.morocco):
        assert not can_see_scores(member, proposal), member.name
        sign_in(client, member)
        board = client.get(f"/steering/meetings/{meeting.id}/board.json").json
        assert board["item"].get("redacted") is True, member.name
        assert "positions" not in board["item"]
        assert RESERVATION not in board["html"]
        assert "Jonas Germany" not in board["html"]
        assert "Weighted mean" not in board["html"]
        for page in (f"/steering/proposals/{proposal.id}", "/steering/ranking"):
            text = client.get(page).get_data(as_text=True)
            assert "3.50" not in text, page  # the weighted mean of Spain's 5 and Germany's 2
        assert "Proposals you are recused from" in client.get("/steering/ranking").get_data(as_text=True)
    # the member presiding (the chair, where the policy lets her preside over her organization's item) runs it:
    # she sees the positions, not the scores
    if rule is not ConflictRule.recusal:
        sign_in(client, committee.chair)
        board = client.get(f"/steering/meetings/{meeting.id}/board.json").json
        assert RESERVATION in board["html"]
        assert not can_see_scores(committee.chair, proposal)
        assert "Weighted mean" not in board["html"]
