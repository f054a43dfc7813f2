"""Assignments, conflicts of interest and reviews: who may score what, drafts, submission, refusals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.models import Assignment, Recommendation, Review, ReviewState, standing
from tests.support import TODAY
from tests.support.steering import scores_for


def test_members_of_participating_organizations_are_recused_automatically(committee, in_review):
    """Are the chair (IOM) and the UNHCR member recused from an IOM-UNHCR proposal, and nobody else?"""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    recused = {m.name for m in committee.members if not standing(proposal, m).scores}
    assert recused == {"Helena Chair", "Karim UNHCR"}


def test_recused_members_cannot_be_assigned(committee, in_review):
    """Does the FMU get every problem at once when it assigns recused members?"""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    with pytest.raises(ValidationFailed) as refused:
        ops.assign_reviewers(proposal, committee.members, TODAY + timedelta(days=5), actor=committee.fmu)
    assert len(refused.value.problems) == 2
    assert "Helena Chair may not score this proposal." in refused.value.problems
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_assignment_sets_one_deadline_and_is_audited(committee, in_review, assign):
    """Are the non-recused members assigned with the deadline, and is it in the audit log?"""
    proposal = in_review()
    members = assign(proposal, TODAY + timedelta(days=10))
    assignments = q.assignments_of(proposal.latest_version.id)
    assert {a.member_id for a in assignments} == {m.id for m in members}
    assert {a.due_on for a in assignments} == {TODAY + timedelta(days=10)}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "review.assigned"))
    assert entry.actor_id == committee.fmu.id
    assert len(entry.after["members"]) == 5


def test_only_the_fmu_assigns(committee, in_review):
    proposal = in_review()
    with pytest.raises(NotAllowed):
        ops.assign_reviewers(proposal, [committee.germany], TODAY, actor=committee.germany)


def test_unticking_a_member_who_started_a_review_is_refused(committee, in_review, assign, fund):
    """Can the FMU release a member who has a draft? No: the draft would be orphaned."""
    proposal = in_review()
    assign(proposal)
    ops.save_review(proposal, committee.germany, ops.ReviewInput(), actor=committee.germany)
    with pytest.raises(ValidationFailed, match="has started a review"):
        ops.assign_reviewers(proposal, [committee.spain], TODAY + timedelta(days=3), actor=committee.fmu)


def test_a_member_saves_a_draft_comes_back_and_submits(fund, committee, in_review, assign):
    """Does a draft keep partial scores, and does submission make the review final?"""
    proposal = in_review()
    assign(proposal)
    criteria = q.active_criteria(fund)
    partial = ops.ReviewInput(scores={criteria[0].id: (4, "Clear link to objective 7.")}, comment="To finish.")
    review = ops.save_review(proposal, committee.germany, partial, actor=committee.germany)
    db.session.commit()
    assert review.state is ReviewState.draft
    assert review.score_for(criteria[0].id).value == 4
    assert review.score_for(criteria[1].id).value is None
    review = ops.save_review(
        proposal, committee.germany, scores_for(fund, [4] * 7), actor=committee.germany, submit=True, no_conflict=True
    )
    db.session.commit()
    assert review.state is ReviewState.submitted
    assert review.recommendation is Recommendation.approve
    with pytest.raises(InvalidTransition, match="submitted"):
        ops.save_review(proposal, committee.germany, scores_for(fund, [1] * 7), actor=committee.germany)


def test_an_incomplete_submission_lists_every_problem_and_saves_nothing(fund, committee, in_review, assign):
    """Scores missing, one out of scale, no recommendation, no declaration: all said at once, nothing written."""
    proposal = in_review()
    assign(proposal)
    criteria = q.active_criteria(fund)
    data = ops.ReviewInput(scores={criteria[0].id: (9, ""), criteria[1].id: (3, "")})
    with pytest.raises(ValidationFailed) as refused:
        ops.save_review(proposal, committee.germany, data, actor=committee.germany, submit=True)
    problems = refused.value.problems
    assert any("between 1 and 5" in p for p in problems)
    assert sum("a score is required" in p for p in problems) == 5
    assert "Your overall recommendation is required." in problems
    assert "Confirm that you have no conflict of interest with this proposal." in problems
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


@pytest.mark.parametrize(
    ("who", "message"),
    [("chair", "may not score"), ("stakeholder", "not been asked"), ("late", "deadline")],
)
def test_who_may_not_score(fund, committee, in_review, make_user, who, message):
    """Recused, unassigned and late members are refused on the server."""
    proposal = in_review()
    members = [committee.germany, committee.stakeholder] if who == "late" else [committee.germany]
    ops.assign_reviewers(proposal, members, TODAY, actor=committee.fmu)
    if who == "late":
        for assignment in q.assignments_of(proposal.latest_version.id):
            assignment.due_on = TODAY - timedelta(days=1)
    member = {"chair": committee.chair, "stakeholder": committee.stakeholder, "late": committee.stakeholder}[who]
    with pytest.raises(NotAllowed, match=message):
        ops.save_review(proposal, member, scores_for(fund, [3] * 7), actor=member)


def test_scoring_closes_at_midnight_in_geneva(fund, committee, in_review, frozen_clock, server_in_honolulu):
    """A member may score until 23:59 on the deadline in the fund's time zone; a minute past midnight there (still
    the deadline day in UTC and on the server, in Honolulu) the scores are refused."""
    proposal = in_review()
    due_on = TODAY + timedelta(days=1)
    ops.assign_reviewers(proposal, [committee.germany, committee.spain], due_on, actor=committee.fmu)
    last_minute = datetime.combine(due_on, time(23, 59), tzinfo=ZoneInfo(fund.time_zone))
    frozen_clock(last_minute)
    ops.save_review(proposal, committee.germany, scores_for(fund, [3] * 7), actor=committee.germany)
    frozen_clock(last_minute + timedelta(minutes=2))
    with pytest.raises(NotAllowed, match="deadline"):
        ops.save_review(proposal, committee.spain, scores_for(fund, [3] * 7), actor=committee.spain)


def test_members_score_only_for_themselves(fund, committee, in_review, assign):
    proposal = in_review()
    assign(proposal)
    with pytest.raises(NotAllowed):
        ops.save_review(proposal, committee.germany, scores_for(fund, [3] * 7), actor=committee.spain)


def test_a_declared_conflict_recuses_and_a_waiver_restores(committee, in_review):
    """Does a declaration recuse the member, and the FMU's waiver (with its reason, audited) bring them back?"""
    proposal = in_review()
    conflict = ops.declare_conflict(proposal, committee.germany, "I sat on the programme's design board.",
                                    actor=committee.germany)  # fmt: skip
    db.session.commit()
    assert proposal.is_recused(committee.germany)
    with pytest.raises(ValidationFailed, match="already declared"):
        ops.declare_conflict(proposal, committee.germany, "Again.", actor=committee.germany)
    with pytest.raises(NotAllowed):
        ops.waive_conflict(conflict, "Not material.", actor=committee.spain)
    with pytest.raises(ValidationFailed, match="reason"):
        ops.waive_conflict(conflict, "  ", actor=committee.fmu)
    ops.waive_conflict(conflict, "The board was advisory and ended in 2019.", actor=committee.fmu)
    db.session.commit()
    assert not proposal.is_recused(committee.germany)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "conflict.waived"))
    assert entry.after == {"waived": True, "reason": "The board was advisory and ended in 2019."}


def test_a_declaration_needs_a_reason(committee, in_review):
    with pytest.raises(ValidationFailed, match="reason"):
        ops.declare_conflict(in_review(), committee.germany, "", actor=committee.germany)


def test_scores_are_hidden_from_recused_members_and_their_ranking_leaves_the_proposal_out(
    fund, committee, in_review, assign, submit_review
):
    """A recused member sees no score of the proposal and it is in none of their ranks; others see it ranked."""
    iom = in_review(lead="IOM", partners=("UNHCR",), area="TA2")
    other = in_review(lead="UNDP", partners=("UNFPA",), area="TA2")
    for proposal, value in ((iom, 5), (other, 3)):
        assign(proposal)
        submit_review(proposal, committee.germany, value)
    for assignment in db.session.scalars(sa.select(Assignment)):
        assignment.due_on = TODAY - timedelta(days=1)  # the deadline has passed: every member may see scores
    db.session.commit()
    assert not q.can_see_scores(committee.chair, iom)
    chair_view = q.ranking_for(committee.chair, fund, [iom, other])
    assert [(e.proposal.id, e.rank, e.area_rank) for e in chair_view.entries] == [(other.id, 1, 1)]
    assert chair_view.recused == [iom]
    german_view = q.ranking_for(committee.germany, fund, [iom, other])
    assert [(e.proposal.id, e.rank) for e in german_view.entries] == [(iom.id, 1), (other.id, 2)]


def test_proposals_leave_review_when_decided(committee, in_review, assign, fund):
    """Once a proposal is no longer in review, scoring it is refused."""
    proposal = in_review()
    assign(proposal)
    proposal.state = ProposalState.endorsed
    db.session.commit()
    with pytest.raises(NotAllowed, match="no longer in review"):
        ops.save_review(proposal, committee.germany, scores_for(fund, [3] * 7), actor=committee.germany)
