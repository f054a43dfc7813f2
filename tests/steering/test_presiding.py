"""A chair who chairs: who presides over an item under the fund's conflict policy, who may work the board, and
who signs what was decided. The test committee's seats: the chair (IOM) holds CHAIR; `vice_chair` moves Germany
to the vice-chair's seat of the Migration MPTF's definition."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.seats import CommitteeRules, ConflictRule, PresidingFallback, rules_of
from fundmgr.steering import operations as ops
from fundmgr.steering.documents import letter_signatories, minutes_pdf
from fundmgr.steering.models import DecisionOutcome, VoteChoice, standing
from fundmgr.steering.presiding import may_operate_item, presiding_member
from tests.factories import sign_in
from tests.steering.test_documents import pdf_text
from tests.support.steering import make_vice_chair


@pytest.fixture
def vice_chair(committee, fund):
    make_vice_chair(committee.germany, fund)
    return committee.germany


def set_rules(fund, **values) -> CommitteeRules:
    rules = rules_of(fund)
    for key, value in values.items():
        setattr(rules, key, value)
    db.session.commit()
    return rules


def test_the_chair_whose_organization_takes_part_presides_abstains_and_signs(by_majority, live_item, committee):
    """IOM takes part: under the Migration policy the chair presides, may not vote, records the decision, and
    the letter and the minutes carry her name as the one who presided."""
    item = live_item()  # IOM leads, UNHCR takes part; everyone present
    assert not standing(item.proposal, committee.chair).decides
    assert presiding_member(item) == committee.chair
    assert item.presided_by == committee.chair
    with pytest.raises(NotAllowed, match="do not take part in the decision"):
        ops.cast_vote(item, committee.chair, VoteChoice.approve, actor=committee.chair)
    for member in (committee.germany, committee.spain, committee.morocco):
        ops.cast_vote(item, member, VoteChoice.defer, actor=member)
    ops.close_item(item, actor=committee.chair)
    decision = ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.chair)
    db.session.commit()
    assert item.presided_by_id == committee.chair.id
    assert [p["name"] for p in letter_signatories(decision)] == ["Helena Chair"]
    text = pdf_text(minutes_pdf(item.meeting, committee.chair))
    assert "Presided over by Helena Chair." in text
    assert "Jonas Germany" in text  # her copy shows the item she presided over, votes included


def test_the_fmu_works_the_board_for_the_chair_who_still_signs(live_item, committee):
    """The secretariat records the decision in the room: the chair presided, so she signs with the officer."""
    item = live_item()
    decision = ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.fmu)
    db.session.commit()
    assert item.presided_by_id == committee.chair.id
    assert [p["name"] for p in letter_signatories(decision)] == ["Helena Chair", "Fatou FMU"]


def test_the_vice_chair_presides_when_the_chair_is_absent(live_item, committee, vice_chair):
    present = [m for m in committee.members if m is not committee.chair]
    item = live_item(present=present)
    assert presiding_member(item) == committee.germany
    with pytest.raises(NotAllowed):
        ops.close_item(item, actor=committee.chair)
    ops.close_item(item, actor=committee.germany)
    decision = ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.germany)
    db.session.commit()
    assert item.presided_by_id == committee.germany.id
    (signatory,) = letter_signatories(decision)
    assert signatory["name"] == "Jonas Germany"
    assert signatory["role"] == "Presiding over the item for the Steering Committee"


def test_under_a_recusal_policy_the_conflicted_chair_hands_the_item_to_the_vice_chair(
    live_item, committee, fund, vice_chair
):
    set_rules(fund, conflict_rule=ConflictRule.recusal)
    item = live_item()
    assert presiding_member(item) == committee.germany
    assert not may_operate_item(committee.chair, item)


def test_the_minutes_list_the_recused_chair_and_the_vice_chair_who_presided_in_her_place(
    live_item, committee, fund, vice_chair
):
    set_rules(fund, conflict_rule=ConflictRule.recusal)
    item = live_item()  # IOM, the chair's organization, leads the proposal
    ops.close_item(item, actor=committee.germany)
    ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.germany)
    db.session.commit()
    text = pdf_text(minutes_pdf(item.meeting, committee.fmu))
    assert "Presided over by Jonas Germany." in text
    recused = text.split("Recused:")[1].split(".")[0]
    assert "Helena Chair" in recused
    assert "Jonas Germany" not in recused


def test_a_designated_member_presides_under_a_designated_fallback(live_item, committee, fund):
    set_rules(fund, chair_presides_when_conflicted=False, presiding_fallback=PresidingFallback.designated)
    item = live_item()
    assert presiding_member(item) is None
    item.meeting.designated_presiding = committee.morocco
    db.session.commit()
    assert presiding_member(item) == committee.morocco


def test_nobody_presiding_means_no_decision(live_item, committee, vice_chair):
    """The chair and the vice-chair absent: the secretariat cannot record a decision nobody presided over."""
    present = [m for m in committee.members if m not in (committee.chair, committee.germany)]
    item = live_item(present=present)
    assert presiding_member(item) is None
    with pytest.raises(InvalidTransition, match="Nobody present may preside"):
        ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.fmu)


def test_the_fmu_keeps_the_controls_only_where_the_policy_says_so(live_item, committee, fund):
    item = live_item()  # opened by the FMU under the Migration policy
    set_rules(fund, secretariat_operates_board=False)
    with pytest.raises(NotAllowed, match="only the member presiding"):
        ops.close_item(item, actor=committee.fmu)
    ops.close_item(item, actor=committee.chair)


def test_the_board_gives_the_presiding_chair_the_controls(client, live_item, committee):
    item = live_item()
    page = sign_in(client, committee.chair).get(f"/steering/meetings/{item.meeting_id}/board")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="close-item"' in html
    assert "Presiding:</strong> Helena Chair (presides and abstains)" in html
    assert 'id="vote-form"' not in html
    other = sign_in(client, committee.spain).get(f"/steering/meetings/{item.meeting_id}/board")
    assert 'id="close-item"' not in other.get_data(as_text=True)
    answer = client.post(f"/steering/meetings/{item.meeting_id}/items/{item.id}/close")
    assert answer.status_code == 403


def test_a_member_designated_by_the_committee_presides_when_the_chair_and_vice_chair_may_not(
    live_item, committee, fund, vice_chair, client
):
    """The chair and the vice-chair absent: nobody presides until the chair's secretariat designates Spain on the
    meeting page; then she presides and signs. A member who runs nothing may not designate; the choice is audited."""
    present = [m for m in committee.members if m not in (committee.chair, committee.germany)]
    item = live_item(present=present)
    assert presiding_member(item) is None
    with pytest.raises(NotAllowed):
        ops.designate_presiding(item.meeting, committee.spain, actor=committee.morocco)
    sign_in(client, committee.fmu)
    page = client.get(f"/steering/meetings/{item.meeting_id}").get_data(as_text=True)
    assert 'id="presiding-heading"' in page
    answer = client.post(f"/steering/meetings/{item.meeting_id}/presiding", data={"member": str(committee.spain.id)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert presiding_member(item) == committee.spain
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "meeting.presiding_designated"))
    assert entry.after == {"designated_presiding": "Carmen Spain"}
    ops.close_item(item, actor=committee.spain)
    decision = ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.spain)
    db.session.commit()
    assert [p["name"] for p in letter_signatories(decision)] == ["Carmen Spain"]


def test_only_a_member_with_a_seat_may_be_designated_and_only_before_the_meeting_ends(live_item, committee, make_user):
    item = live_item()
    staff = make_user(Role.agency, org="IOM", name="Agency Person")
    with pytest.raises(ValidationFailed, match="holds no seat"):
        ops.designate_presiding(item.meeting, staff, actor=committee.fmu)
    ops.close_item(item, actor=committee.chair)
    ops.record_decision(item, ops.DecisionData(DecisionOutcome.defer, "Revise."), actor=committee.chair)
    ops.end_meeting(item.meeting, actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="before the meeting ends"):
        ops.designate_presiding(item.meeting, committee.spain, actor=committee.fmu)
