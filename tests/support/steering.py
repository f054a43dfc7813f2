"""Steering Committee test data: reviews with given scores."""

from __future__ import annotations

from fundmgr.db import db
from fundmgr.funds.seats import seats_of, term_of
from fundmgr.steering import operations as ops
from fundmgr.steering.models import Recommendation
from tests.support import TODAY


def scores_for(fund, values: list[int]) -> ops.ReviewInput:
    """A review giving the fund's criteria these scores, in the criteria's order."""
    criteria = [c for c in fund.criteria if not c.retired]
    return ops.ReviewInput(
        scores={c.id: (v, "") for c, v in zip(criteria, values, strict=True)},
        recommendation=Recommendation.approve,
        comment="Sound design.",
    )


def make_vice_chair(member, fund) -> None:
    """Move the member's current term to the vice-chair's seat (swapping with whoever held it)."""
    term = term_of(member, fund, TODAY)
    vice = next(s for s in seats_of(fund) if s.vice_chair)
    other = vice.term_on(TODAY)
    if other is not None:
        other.seat_id = term.seat_id
    term.seat_id = vice.id
    db.session.commit()
    db.session.expire_all()
