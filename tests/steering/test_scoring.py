"""Aggregating the members' scores: means, spreads, weighted means, disagreement and ranks, with known numbers."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Organization
from fundmgr.db import db
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.models import Recommendation
from fundmgr.steering.scoring import ProposalScore, aggregate, criterion_stats, mean, rank, spread, weighted_mean
from tests.support import TODAY
from tests.support.steering import scores_for


def test_mean_and_spread_of_known_scores():
    """Are the mean and the (population) standard deviation exact for small sets of scores?"""
    assert mean([3, 4, 5]) == Decimal(4)
    assert spread([3, 4, 5]).quantize(Decimal("0.000001")) == Decimal("0.816497")  # sqrt(2/3)
    assert spread([1, 5]) == Decimal(2)
    assert spread([4]) == Decimal(0)
    assert mean([]) is None
    assert spread([]) is None


def test_disagreement_is_a_spread_above_the_threshold():
    """Is a criterion flagged only when the spread is strictly above the fund's threshold?"""
    criterion = SimpleNamespace(id=1, weight=Decimal("1"))
    assert criterion_stats(criterion, [1, 5], Decimal("1.25")).disagreement  # spread 2
    assert not criterion_stats(criterion, [2, 4], Decimal("1.25")).disagreement  # spread 1
    assert not criterion_stats(criterion, [2, 4], Decimal("1")).disagreement  # equal is not above


def test_weighted_mean_leaves_out_criteria_without_scores():
    """With one criterion unscored, do the other weights carry the mean (Σ w·m / Σ w)?"""
    a = criterion_stats(SimpleNamespace(id=1, weight=Decimal("0.6")), [4], Decimal(2))
    b = criterion_stats(SimpleNamespace(id=2, weight=Decimal("0.3")), [2], Decimal(2))
    c = criterion_stats(SimpleNamespace(id=3, weight=Decimal("0.1")), [], Decimal(2))
    assert weighted_mean([a, b, c]) == (Decimal("0.6") * 4 + Decimal("0.3") * 2) / Decimal("0.9")  # 3.333…
    assert weighted_mean([c]) is None


def entry(reference: str, area: int, value: str | None, reviews: int = 2) -> ProposalScore:
    proposal = SimpleNamespace(reference=reference, primary_area_id=area)
    return ProposalScore(proposal, None, [], Decimal(value) if value else None, reviews, Counter())


def test_ranks_share_ties_and_number_per_area():
    """Do equal weighted means share a rank (1, 1, 3), unscored proposals stay unranked, areas rank apart?"""
    ordered = rank([entry("C", 2, "3.5"), entry("A", 1, "4.1"), entry("D", 1, None, 0), entry("B", 2, "4.1")])
    assert [(e.proposal.reference, e.rank, e.area_rank) for e in ordered] == [
        ("A", 1, 1),
        ("B", 1, 1),
        ("C", 3, 2),
        ("D", None, None),
    ]


def test_weighted_mean_of_three_reviews_with_the_funds_weights(fund, committee, in_review, assign, submit_review):
    """With the fund's seven criteria (weights 20/15/15/15/15/10/10 %), is the weighted mean exact to the digit?"""
    proposal = in_review(lead="UNDP", partners=("UNFPA",))
    assign(proposal)
    submit_review(proposal, committee.germany, [5, 4, 3, 4, 5, 2, 3])
    submit_review(proposal, committee.spain, [3, 4, 5, 4, 3, 4, 5])
    submit_review(proposal, committee.morocco, [1, 4, 4, 4, 4, 3, 4])
    score = q.score_proposals(fund, [proposal])[proposal.id]
    means = [c.mean for c in score.criteria]
    assert means == [Decimal(3), Decimal(4), Decimal(4), Decimal(4), Decimal(4), Decimal(3), Decimal(4)]
    # 0.20·3 + 0.15·4·4 + 0.10·3 + 0.10·4 = 0.6 + 2.4 + 0.3 + 0.4
    assert score.weighted_mean == Decimal("3.7")
    assert [c.count for c in score.criteria] == [3] * 7
    # criterion 1: 5, 3, 1 -> spread sqrt(8/3) = 1.63 > 1.25: flagged; the others are not
    assert [c.disagreement for c in score.criteria] == [True, False, False, False, False, False, False]
    assert score.criteria[0].spread.quantize(Decimal("0.01")) == Decimal("1.63")
    assert score.recommendations == Counter({Recommendation.approve: 3})


def test_ranking_per_area_and_overall(fund, committee, in_review, assign, submit_review):
    """Are proposals ranked by weighted mean overall and within their thematic area?"""
    first = in_review(lead="UNDP", partners=("UNFPA",), area="TA1")
    second = in_review(lead="UNDP", partners=("UNFPA",), area="TA2")
    third = in_review(lead="UNDP", partners=("UNFPA",), area="TA1")
    for proposal, value in ((first, 5), (second, 4), (third, 3)):
        assign(proposal)
        submit_review(proposal, committee.germany, value)
    ranking = q.ranking_for(committee.fmu, fund, [first, second, third])
    assert [(e.proposal.id, e.rank, e.area_rank) for e in ranking.entries] == [
        (first.id, 1, 1),
        (second.id, 2, 1),
        (third.id, 3, 2),
    ]


def test_a_conflict_declared_after_scoring_removes_the_review_from_every_aggregate(
    fund, committee, in_review, assign, submit_review
):
    """When a member declares a conflict after scoring, does their review stop counting?"""
    proposal = in_review(lead="UNDP", partners=("UNFPA",))
    assign(proposal)
    submit_review(proposal, committee.germany, 5)
    submit_review(proposal, committee.spain, 1)
    assert q.score_proposals(fund, [proposal])[proposal.id].weighted_mean == Decimal(3)
    ops.declare_conflict(proposal, committee.spain, "My ministry co-finances the programme.", actor=committee.spain)
    db.session.commit()
    score = q.score_proposals(fund, [proposal])[proposal.id]
    assert score.weighted_mean == Decimal(5)
    assert score.review_count == 1


def test_members_see_scores_after_their_own_review_or_the_deadline(fund, committee, in_review, assign, submit_review):
    """Does a member see the others' scores only after submitting, or once the deadline has passed?"""
    proposal = in_review(lead="UNDP", partners=("UNFPA",))
    assign(proposal)
    submit_review(proposal, committee.germany, 4)
    assert not q.can_see_scores(committee.spain, proposal)
    assert q.can_see_scores(committee.germany, proposal)
    assert q.can_see_scores(committee.fmu, proposal)
    for assignment in q.assignments_of(proposal.latest_version.id):
        assignment.due_on = TODAY - timedelta(days=1)
    db.session.commit()
    assert q.can_see_scores(committee.spain, proposal)


@pytest.mark.both_engines  # sums and the recusal filter in SQL
def test_the_sums_in_the_database_give_what_the_reviews_give(fund, committee, in_review, assign):
    """After reviews, a draft, a conflict declared after scoring, one declared then waived and a member who moved to
    a participating organization, does the ranking's aggregate (summed in the database) equal the one computed from
    the admissible reviews themselves, criterion by criterion, recommendations included (in their order)?"""
    first, second, unscored = (in_review(lead="UNDP", partners=("UNFPA",)) for _ in range(3))
    for proposal in (first, second, unscored):
        assign(proposal)

    def review(proposal, member, values, recommendation=Recommendation.approve, submit=True):
        data = scores_for(fund, values)
        data.recommendation = recommendation
        ops.save_review(proposal, member, data, actor=member, submit=submit, no_conflict=True)
        db.session.commit()

    review(first, committee.germany, [5, 4, 3, 4, 5, 2, 3], Recommendation.revise)
    review(first, committee.spain, [1, 1, 1, 1, 1, 1, 1], Recommendation.reject)
    review(first, committee.morocco, [3, 4, 5, 4, 3, 4, 5])
    review(first, committee.stakeholder, [2, 4, 4, 5, 4, 3, 4], Recommendation.revise)
    review(first, committee.ilo, [5, 5, 5, 5, 5, 5, 5])
    review(first, committee.chair, [1, 1, 1, 1, 1, 1, 1], submit=False)  # a draft never counts
    review(second, committee.germany, [4, 4, 4, 4, 4, 4, 4])
    review(second, committee.morocco, [1, 2, 3, 4, 5, 1, 2], Recommendation.approve_with_conditions)
    ops.declare_conflict(first, committee.spain, "My ministry co-finances it.", actor=committee.spain)
    conflict = ops.declare_conflict(second, committee.morocco, "A former employer.", actor=committee.morocco)
    db.session.commit()
    ops.waive_conflict(conflict, "Ten years ago.", actor=committee.fmu)
    committee.ilo.organization_id = db.session.scalar(sa.select(Organization.id).where(Organization.code == "UNFPA"))
    db.session.commit()

    summed = q.score_proposals(fund, [first, second, unscored])
    for proposal in (first, second, unscored):
        expected = aggregate(proposal, proposal.latest_version, q.active_criteria(fund),
                             q.reviews_for_display(proposal), fund.disagreement_threshold)  # fmt: skip
        got = summed[proposal.id]
        assert got.criteria == expected.criteria
        assert (got.weighted_mean, got.review_count) == (expected.weighted_mean, expected.review_count)
        assert list(got.recommendations.items()) == list(expected.recommendations.items())
    assert summed[first.id].review_count == 3  # Germany, Morocco, the stakeholder: not Spain, not ILO, no draft
    assert list(summed[first.id].recommendations.items()) == [(Recommendation.revise, 2), (Recommendation.approve, 1)]
    assert summed[second.id].review_count == 2
    assert (summed[unscored.id].review_count, summed[unscored.id].weighted_mean) == (0, None)
