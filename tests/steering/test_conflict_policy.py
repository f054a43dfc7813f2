"""One rule per conflict policy: what a member whose organization takes part in a proposal may do on it, the same on
every page and in every operation (`funds.seats.STANDINGS`, read through `steering.models.standing`).

The UNHCR member on an IOM-UNHCR proposal, under each policy of the fund's definition:
- no_scoring: does not score it nor see its scores or the others' positions, but keeps a say in its decision: the
  board gives them the position form, they state it, they count in the quorum and answer its written procedure;
- no_decision: neither scores nor decides (no form, not in the quorum, not asked in its written procedure);
- recusal: leaves the item altogether.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.funds.seats import ConflictRule
from fundmgr.steering import operations as ops
from fundmgr.steering.documents import recused_references
from fundmgr.steering.models import DecisionOutcome, Stance, standing
from fundmgr.steering.presiding import presiding_member
from fundmgr.steering.voting import quorum_for
from tests.factories import sign_in
from tests.steering.test_presiding import set_rules
from tests.support import TODAY

DECIDES = {ConflictRule.no_scoring: True, ConflictRule.no_decision: False, ConflictRule.recusal: False}


@pytest.mark.parametrize("rule", list(ConflictRule))
def test_each_page_and_operation_follows_the_policy(client, fund, committee, live_item, in_review, rule):
    set_rules(fund, conflict_rule=rule, chair_presides_when_conflicted=True)
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    member, decides = committee.unhcr, DECIDES[rule]
    said = standing(proposal, member)
    assert (said.scores, said.sees, said.decides) == (False, False, decides)

    # scoring: never assigned, the scoring page refused, the proposal page shows the title only
    with pytest.raises(ValidationFailed, match="may not score"):
        ops.assign_reviewers(proposal, [member], TODAY + timedelta(days=7), actor=committee.fmu)
    db.session.rollback()
    sign_in(client, member)
    assert client.get(f"/steering/proposals/{proposal.id}/review").status_code == 403
    assert "You are recused from this proposal" in client.get(f"/steering/proposals/{proposal.id}").get_data(
        as_text=True
    )

    # the written procedure asks those who decide
    procedure = ops.circulate_written_procedure(
        proposal, ops.DecisionData(DecisionOutcome.defer), rationale="Between meetings.",
        deadline=TODAY + timedelta(days=10), actor=committee.fmu,
    )  # fmt: skip
    assert (member in ops.eligible_for_procedure(procedure)) is decides
    ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()

    # the meeting: the quorum, the board's controls, stating a position, presiding
    item = live_item(proposal)
    assert (member.id in quorum_for(item).recused_ids) is not decides
    board = client.get(f"/steering/meetings/{item.meeting_id}/board.json").json
    assert board["item"].get("redacted") is True  # never the others' positions nor the scores
    assert "positions" not in board["item"]
    assert ('id="position-form"' in board["html"]) is decides
    assert ('id="not-present"' in board["html"]) is False  # present: never told they were not recorded
    if decides:
        ops.state_position(item, member, ops.PositionData(Stance.support), actor=member)
        db.session.commit()
        board = client.get(f"/steering/meetings/{item.meeting_id}/board.json").json
        assert 'id="my-position"' in board["html"]
    else:
        with pytest.raises(NotAllowed, match="do not take part in the decision"):
            ops.state_position(item, member, ops.PositionData(Stance.support), actor=member)
        db.session.rollback()
        response = client.post(f"/steering/meetings/{item.meeting_id}/items/{item.id}/position",
                               data={"stance": "support"})  # fmt: skip
        assert response.status_code in (302, 403)
        assert not item.positions
    # the chair (IOM) presides over her organization's item unless the policy makes her leave it
    presiding = presiding_member(item)
    assert (presiding == committee.chair) is (rule is not ConflictRule.recusal)
    sign_in(client, committee.chair)
    html = client.get(f"/steering/meetings/{item.meeting_id}/board.json").json["html"]
    if rule is not ConflictRule.recusal:
        # under no_scoring she keeps her say: she presides and states her position; otherwise she abstains
        assert ("(presides and abstains)" in html) is not decides
        assert ('id="position-form"' in html) is decides

    # the minutes and pack: the member's copy leaves the item out under every policy
    assert proposal.reference in recused_references(item.meeting, member)
