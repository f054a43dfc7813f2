"""Aggregating reviews: per-criterion mean, spread and count, the weighted mean, the disagreement flag, ranks.

Pure Decimal arithmetic over plain values, so the numbers can be checked by hand. The spread is
the population standard deviation of the members' scores (how far they are, on the criterion's
scale, from their own mean); a criterion whose spread exceeds the fund's disagreement
threshold is flagged. The weighted mean uses the criteria's weights over the criteria that
received scores (the weights of the fund's criteria sum to 1, so with every criterion scored
it is the plain weighted sum).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

# Enough digits that rounding for display is the only rounding anyone sees.
PRECISION = Context(prec=28)


@dataclass(frozen=True)
class CriterionStats:
    """The scores the members gave on one criterion."""

    criterion: Any
    count: int
    mean: Decimal | None
    spread: Decimal | None
    disagreement: bool


@dataclass
class ProposalScore:
    """A proposal version's aggregated scores and its place in the ranking."""

    proposal: Any
    version: Any
    criteria: list[CriterionStats]
    weighted_mean: Decimal | None
    review_count: int
    recommendations: Counter = field(default_factory=Counter)
    rank: int | None = None
    area_rank: int | None = None

    @property
    def disagreement(self) -> bool:
        return any(c.disagreement for c in self.criteria)

    @property
    def disagreeing_criteria(self) -> list[CriterionStats]:
        return [c for c in self.criteria if c.disagreement]


def mean(values: Sequence[int | Decimal]) -> Decimal | None:
    """The arithmetic mean, exact to 28 digits; None without values."""
    if not values:
        return None
    return PRECISION.divide(sum((Decimal(v) for v in values), Decimal(0)), Decimal(len(values)))


def spread(values: Sequence[int | Decimal]) -> Decimal | None:
    """Population standard deviation; None without values (one value has spread 0)."""
    centre = mean(values)
    if centre is None:
        return None
    squares = sum(((Decimal(v) - centre) ** 2 for v in values), Decimal(0))
    return PRECISION.sqrt(PRECISION.divide(squares, Decimal(len(values))))


def criterion_stats(criterion: Any, values: Sequence[int], threshold: Decimal) -> CriterionStats:
    """Mean, spread, count and the disagreement flag (spread above the threshold) of one criterion."""
    deviation = spread(values)
    return CriterionStats(
        criterion=criterion,
        count=len(values),
        mean=mean(values),
        spread=deviation,
        disagreement=deviation is not None and deviation > threshold,
    )


def weighted_mean(stats: Iterable[CriterionStats]) -> Decimal | None:
    """Σ weight × mean / Σ weight over the criteria that have scores."""
    scored = [s for s in stats if s.mean is not None]
    total_weight = sum((s.criterion.weight for s in scored), Decimal(0))
    if not scored or total_weight == 0:
        return None
    weighted = sum((s.criterion.weight * s.mean for s in scored), Decimal(0))
    return PRECISION.divide(weighted, total_weight)


def aggregate(
    proposal: Any, version: Any, criteria: Sequence[Any], reviews: Sequence[Any], threshold: Decimal
) -> ProposalScore:
    """Aggregate the given (submitted, admissible) reviews of one version over the given criteria."""
    values: dict[int, list[int]] = {c.id: [] for c in criteria}
    for review in reviews:
        for score in review.scores:
            if score.value is not None and score.criterion_id in values:
                values[score.criterion_id].append(score.value)
    stats = [criterion_stats(c, values[c.id], threshold) for c in criteria]
    return ProposalScore(
        proposal=proposal,
        version=version,
        criteria=stats,
        weighted_mean=weighted_mean(stats),
        review_count=len(reviews),
        recommendations=Counter(r.recommendation for r in reviews if r.recommendation is not None),
    )


def rank(scores: list[ProposalScore]) -> list[ProposalScore]:
    """Order by weighted mean (unscored last), then more reviews, then reference; number overall and per area.

    Equal weighted means share a rank (1, 2, 2, 4), as in competition ranking.
    """
    ordered = sorted(
        scores,
        key=lambda s: (
            s.weighted_mean is None,
            -(s.weighted_mean or 0),
            -s.review_count,
            s.proposal.reference,
        ),
    )
    number_ranks(ordered, "rank")
    by_area: dict[Any, list[ProposalScore]] = {}
    for score in ordered:
        by_area.setdefault(score.proposal.primary_area_id, []).append(score)
    for group in by_area.values():
        number_ranks(group, "area_rank")
    return ordered


def number_ranks(ordered: list[ProposalScore], attr: str) -> None:
    """Competition ranking over an ordered list; proposals without a score get no rank."""
    previous: Decimal | None = None
    current = 0
    for position, score in enumerate(ordered, start=1):
        if score.weighted_mean is None:
            setattr(score, attr, None)
            continue
        if score.weighted_mean != previous:
            current = position
            previous = score.weighted_mean
        setattr(score, attr, current)
