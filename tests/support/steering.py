"""Steering Committee test data: reviews with given scores."""

from __future__ import annotations

from fundmgr.steering import operations as ops
from fundmgr.steering.models import Recommendation


def scores_for(fund, values: list[int]) -> ops.ReviewInput:
    """A review giving the fund's criteria these scores, in the criteria's order."""
    criteria = [c for c in fund.criteria if not c.retired]
    return ops.ReviewInput(
        scores={c.id: (v, "") for c, v in zip(criteria, values, strict=True)},
        recommendation=Recommendation.approve,
        comment="Sound design.",
    )
