"""A second fund with a voting committee (docs/examples/food-systems-fund.yaml) runs its own meeting next to the
Migration MPTF, whose committee is neither invited nor counted; nobody of one fund acts on the other's meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import ContributionKind
from fundmgr.finance.operations import ContributionData, record_contribution
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import grant_role, load_fund_file
from fundmgr.funds.seats import seats_of
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.models import DecisionOutcome, MeetingMode, VoteChoice
from fundmgr.steering.voting import quorum_for
from tests.factories import organization, sign_in
from tests.funds.test_second_fund import MIGRATION_TERMS, document_text
from tests.support import SECOND_FUND_FILE, TODAY

JSON = {"Accept": "application/json"}


@dataclass
class FoodCommittee:
    """The second fund's FMU and the holders of its six voting seats (FAO chairs; DONOR-1 is the vice-chair)."""

    fund: Fund
    fmu: User
    chair: User  # FAO
    wfp: User
    ifad: User
    donor1: User  # the vice-chair's seat
    donor2: User
    farmers: User


@pytest.fixture
def food(fund, make_user) -> FoodCommittee:
    """The example fund loaded next to the Migration MPTF, its FMU, and a member appointed to each voting seat."""
    second, _changed, _added = load_fund_file(SECOND_FUND_FILE, actor=None)
    db.session.commit()
    fmu = make_user(Role.fmu, org="FAO", funds=[second], name="Food FMU")
    seats = {s.code: s for s in seats_of(second)}
    people = {}
    for code, org in [("CHAIR", "FAO"), ("RBA-1", "WFP"), ("RBA-2", "IFAD"), ("DONOR-1", "GOV-DEU"),
                      ("DONOR-2", "GOV-ESP"), ("FARMERS-1", "OECD")]:  # fmt: skip
        person = make_user(Role.viewer, org=org, funds=[], name=f"Food {code}")
        grant_role(person, second, Role.sc_member, actor=None)
        ops.appoint_term(seats[code], ops.TermData(holder=person, alternate=None, starts_on=date(2026, 1, 1)),
                         actor=fmu)  # fmt: skip
        people[code] = person
    unseated = make_user(Role.viewer, org="WFP", funds=[], name="Food member without a seat")
    grant_role(unseated, second, Role.sc_member, actor=None)
    db.session.commit()
    return FoodCommittee(second, fmu, people["CHAIR"], people["RBA-1"], people["RBA-2"], people["DONOR-1"],
                         people["DONOR-2"], people["FARMERS-1"])  # fmt: skip


@pytest.fixture
def food_meeting(food, make_proposal):
    """The second fund's FMU schedules a meeting with one proposal (FAO leads with WFP) on its agenda."""
    proposal = make_proposal(ProposalState.in_review, lead="FAO", partners=("WFP",), area="NUTRITION",
                             in_fund=food.fund)  # fmt: skip
    meeting = ops.schedule_meeting(
        food.fund,
        ops.MeetingData(title="Food Systems Fund, 1st meeting", held_on=TODAY, mode=MeetingMode.hybrid),
        actor=food.fmu,
    )
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=food.fmu)
    db.session.commit()
    return meeting, item


def test_the_second_fund_meets_votes_under_quorum_and_its_presiding_member_decides(fund, committee, food,
                                                                                   food_meeting):  # fmt: skip
    """Are only its own seat holders invited and counted, votes refused until a quorum of its seats is present,
    and is the decision recorded by the vice-chair presiding (the chair's FAO leads the proposal)?"""
    meeting, item = food_meeting
    own = {food.chair, food.wfp, food.ifad, food.donor1, food.donor2, food.farmers}
    assert {a.member_id for a in meeting.attendance} == {p.id for p in own}  # not the member without a seat
    assert not {a.member_id for a in meeting.attendance} & {m.id for m in committee.members}

    ops.record_attendance(meeting, {p.id for p in (food.chair, food.wfp, food.ifad, food.donor1)}, actor=food.fmu)
    ops.start_meeting(meeting, actor=food.fmu)
    with pytest.raises(NotAllowed):  # the secretariat does not work the board under this fund's policy
        ops.open_item(item, actor=food.fmu)
    ops.open_item(item, actor=food.donor1)  # FAO and WFP take part: the vice-chair presides
    assert item.presided_by == food.donor1
    quorum = quorum_for(item)
    # IFAD, the two contributors and the farmers: four eligible seats, three needed; the Migration seats not counted.
    assert (quorum.required, len(quorum.eligible_seat_ids), len(quorum.represented_seat_ids)) == (3, 4, 2)
    with pytest.raises(InvalidTransition):
        ops.cast_vote(item, food.ifad, VoteChoice.approve, actor=food.ifad)
    with pytest.raises(NotAllowed):  # the chair's organization leads: no say in the decision
        ops.cast_vote(item, food.chair, VoteChoice.approve, actor=food.chair)

    ops.record_attendance(meeting, {p.id for p in (food.chair, food.wfp, food.ifad, food.donor1, food.donor2)},
                          actor=food.fmu)  # fmt: skip
    for member, choice in [(food.ifad, VoteChoice.approve), (food.donor1, VoteChoice.approve),
                           (food.donor2, VoteChoice.reject)]:  # fmt: skip
        ops.cast_vote(item, member, choice, actor=member)
    with pytest.raises(NotAllowed):  # a Migration member has no voice here
        ops.cast_vote(item, committee.germany, VoteChoice.reject, actor=committee.germany)
    ops.close_item(item, actor=food.donor1)
    with pytest.raises(NotAllowed):  # the chair, conflicted, does not preside over this item
        ops.record_decision(item, ops.DecisionData(outcome=DecisionOutcome.defer), actor=food.chair)
    decision = ops.record_decision(item, ops.DecisionData(outcome=DecisionOutcome.defer), actor=food.donor1)
    db.session.commit()
    assert (decision.outcome, decision.proposal) == (DecisionOutcome.defer, item.proposal)
    assert item.presided_by == food.donor1  # who signs the letter


def test_the_second_funds_committee_documents_speak_its_own_words(client, food, food_meeting):
    """Do the second fund's meeting pack, minutes, decision letter and proposal version say "Recipient UN
    organizations", never the Migration MPTF's "Participating UN Organization", GCM or migration?"""
    meeting, item = food_meeting
    record_contribution(
        food.fund,
        ContributionData(
            donor=organization("GOV-DEU"),
            kind=ContributionKind.deposit,
            on_date=TODAY,
            currency="USD",
            amount=Decimal("5000000"),
            rate_to_usd=Decimal("1"),
            area=None,
            reference="SAA-FSF-1",
        ),
        actor=None,
    )
    ops.record_attendance(meeting, {p.id for p in (food.chair, food.ifad, food.donor1, food.donor2)}, actor=food.fmu)
    ops.start_meeting(meeting, actor=food.fmu)
    ops.open_item(item, actor=food.donor1)
    for member in (food.ifad, food.donor1, food.donor2):
        ops.cast_vote(item, member, VoteChoice.approve, actor=member)
    decision = ops.record_decision(item, ops.DecisionData(outcome=DecisionOutcome.approve,
                                   approved_amount=item.version.total), actor=food.donor1)  # fmt: skip
    db.session.commit()
    sign_in(client, food.fmu)
    paths = [f"/steering/meetings/{meeting.id}/pack.pdf", f"/steering/meetings/{meeting.id}/minutes.pdf",
             f"/steering/decisions/{decision.id}/letter.pdf",
             f"/proposals/{item.proposal_id}/versions/{item.version.number}.pdf"]  # fmt: skip
    texts = {}
    for path in paths:
        if path == paths[0]:  # the pack is asked for (a job), then read from the job's page
            asked = client.post(path)
            assert asked.status_code == 303, path
            response = client.get(asked.headers["Location"] + "/file")
        else:
            response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = " ".join(document_text(response).split())  # words, whatever the line breaks
        response.close()
        for term in (*MIGRATION_TERMS, "Participating UN Organization"):
            assert term not in texts[path], (path, term)
    assert "Recipient UN organizations" in texts[paths[0]]
    assert "Recipient UN organizations" in texts[paths[2]]


def test_nobody_of_one_fund_acts_on_the_others_meeting(client, fund, committee, meeting, food, food_meeting):
    """Are the Migration FMU and members refused the second fund's meeting, and its people the Migration one?"""
    food_meeting_, item = food_meeting
    for actor in (committee.fmu, committee.chair):
        with pytest.raises(NotAllowed):
            ops.record_attendance(food_meeting_, {food.ifad.id}, actor=actor)
        with pytest.raises(NotAllowed):
            ops.start_meeting(food_meeting_, actor=actor)
    with pytest.raises(NotAllowed):
        ops.schedule_meeting(food.fund, ops.MeetingData(title="Taken over", held_on=TODAY, mode=MeetingMode.hybrid),
                             actor=committee.fmu)  # fmt: skip
    for actor in (food.fmu, food.chair):
        with pytest.raises(NotAllowed):
            ops.record_attendance(meeting, {committee.germany.id}, actor=actor)
        with pytest.raises(NotAllowed):
            ops.start_meeting(meeting, actor=actor)
    seat = next(s for s in seats_of(food.fund) if s.code == "SECRETARIAT")
    outsider = ops.TermData(holder=committee.germany, alternate=None, starts_on=TODAY)
    with pytest.raises(ValidationFailed) as refused:  # a person without the role on the fund holds no seat there
        ops.appoint_term(seat, outsider, actor=food.fmu)
    assert refused.value.problems == [f"{committee.germany.name} is not a member of the Steering Committee."]

    for person, other in [(committee.fmu, food_meeting_), (committee.germany, food_meeting_),
                          (food.fmu, meeting), (food.donor1, meeting)]:  # fmt: skip
        sign_in(client, person)
        assert client.get(f"/steering/meetings/{other.id}").status_code in (403, 404), person.name
        refused = client.post(f"/steering/meetings/{other.id}/attendance", data={"present": []}, headers=JSON)
        assert refused.status_code in (403, 404), person.name
    sign_in(client, committee.germany)
    vote = client.post(f"/steering/meetings/{food_meeting_.id}/items/{item.id}/vote", data={"choice": "approve"},
                       headers=JSON)  # fmt: skip
    assert vote.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("votes"))) == 0
