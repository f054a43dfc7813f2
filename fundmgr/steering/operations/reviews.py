"""Members' reviews: scores against the criteria, comments and recommendation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Criterion
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering.models import Assignment, Recommendation, Review, ReviewState, Score, standing
from fundmgr.steering.operations.rights import require_sc_member, text_problems
from fundmgr.steering.queries import active_criteria


@dataclass
class ReviewInput:
    """What a member typed in the review form: per criterion id a score (or None) and a comment."""

    scores: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    recommendation: Recommendation | None = None
    comment: str = ""


def scoring_problems(proposal: Proposal, member: User, assignment: Assignment | None) -> list[str]:
    """Why the member may not score the proposal now, if anything."""
    if not standing(proposal, member).scores:
        return [_("You may not score %(proposal)s.", proposal=proposal.reference)]
    if proposal.state is not ProposalState.in_review:
        return [_("The proposal is no longer in review.")]
    if assignment is None or assignment.version_id != proposal.submitted_version.id:
        return [_("You have not been asked to score this proposal.")]
    if clock.is_past(assignment.due_on, clock.today(proposal.fund)):
        return [_("The scoring deadline (%(date)s) has passed.", date=assignment.due_on.isoformat())]
    return []


def score_problems(criteria: Sequence[Criterion], data: ReviewInput, *, complete: bool) -> list[str]:
    problems = []
    for criterion in criteria:
        value, comment = data.scores.get(criterion.id, (None, ""))
        if value is None:
            if complete:
                problems.append(_("%(c)s: a score is required.", c=criterion.label))
        elif not (criterion.scale_min <= value <= criterion.scale_max):
            problems.append(
                _("%(c)s: the score must be between %(min)d and %(max)d.",
                  c=criterion.label, min=criterion.scale_min, max=criterion.scale_max)
            )  # fmt: skip
        problems += text_problems(comment, criterion.label, limit=5000)
    if complete and data.recommendation is None:
        problems.append(_("Your overall recommendation is required."))
    problems += text_problems(data.comment, _("The overall comment"))
    return problems


def save_review(
    proposal: Proposal, member: User, data: ReviewInput, *, actor: User | None, submit: bool = False,
    no_conflict: bool = False,
) -> Review:  # fmt: skip
    """Save a member's scores of the proposal's current version as a draft, or submit them (final)."""
    require_sc_member(actor, member, proposal.fund)
    version = proposal.latest_version
    assignment = None
    if version is not None:
        assignment = db.session.scalar(
            sa.select(Assignment).where(Assignment.version_id == version.id, Assignment.member_id == member.id)
        )
    refusals = scoring_problems(proposal, member, assignment)
    if refusals:
        raise NotAllowed(refusals[0])
    assert version is not None  # a proposal in review has one (scoring_problems refuses otherwise)
    review = db.session.scalar(sa.select(Review).where(Review.version_id == version.id, Review.member_id == member.id))
    if review is not None and review.is_submitted:
        raise InvalidTransition(_("Your review has been submitted; it can no longer change."))
    criteria = active_criteria(proposal.fund)
    problems = score_problems(criteria, data, complete=submit)
    if submit and not no_conflict:
        problems.append(_("Confirm that you have no conflict of interest with this proposal."))
    if problems:
        raise ValidationFailed(problems)
    if review is None:
        review = Review(proposal_id=proposal.id, version_id=version.id, member_id=member.id)
        db.session.add(review)
    review.recommendation = data.recommendation
    review.comment = data.comment.strip()
    for criterion in criteria:
        value, comment = data.scores.get(criterion.id, (None, ""))
        score = review.score_for(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id)
            review.scores.append(score)
        score.value, score.comment = value, comment.strip()
    if submit:
        review.state = ReviewState.submitted
        review.submitted_at = clock.now()
    db.session.flush()
    record_audit(
        "review.submitted" if submit else "review.saved",
        review,
        actor=actor,
        after=review_snapshot(review),
        fund_id=proposal.fund_id,
        summary=f"{proposal.reference} v{version.number}",
    )
    return review


def review_snapshot(review: Review) -> dict[str, Any]:
    return {
        "state": review.state,
        "recommendation": review.recommendation,
        "comment": review.comment,
        "scores": {str(s.criterion_id): s.value for s in review.scores},
    }
