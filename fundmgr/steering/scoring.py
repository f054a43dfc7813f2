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
from collections.abc import Iterable, Mapping, Sequence
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


@dataclass(frozen=True)
class Sums:
    """What the mean and the spread of one criterion need: how many scores, their sum and the sum of their squares
    (summed in the database for a ranking, from the reviews for one proposal: the same arithmetic either way)."""

    count: int = 0
    total: int | Decimal = 0
    squares: int | Decimal = 0

    @classmethod
    def of(cls, values: Sequence[int | Decimal]) -> Sums:
        return cls(len(values), sum(values, 0), sum((v * v for v in values), 0))


def mean(values: Sequence[int | Decimal]) -> Decimal | None:
    """The arithmetic mean, exact to 28 digits; None without values."""
    return mean_of(Sums.of(values))


def spread(values: Sequence[int | Decimal]) -> Decimal | None:
    """Population standard deviation; None without values (one value has spread 0)."""
    return spread_of(Sums.of(values))


def mean_of(sums: Sums) -> Decimal | None:
    """Σv / n, exact to 28 digits; None without values."""
    if not sums.count:
        return None
    return PRECISION.divide(Decimal(sums.total), Decimal(sums.count))


def spread_of(sums: Sums) -> Decimal | None:
    """√((n·Σv² − (Σv)²) / n²): the population standard deviation from the sums, whose numerator is exact for
    integer scores (so the only rounding is the division and the root, to 28 digits); None without values."""
    if not sums.count:
        return None
    n = Decimal(sums.count)
    total, squares = Decimal(sums.total), Decimal(sums.squares)
    numerator = PRECISION.subtract(PRECISION.multiply(n, squares), PRECISION.multiply(total, total))
    return PRECISION.sqrt(PRECISION.divide(max(numerator, Decimal(0)), n * n))


def criterion_stats(criterion: Any, values: Sequence[int], threshold: Decimal) -> CriterionStats:
    """Mean, spread, count and the disagreement flag (spread above the threshold) of one criterion."""
    return criterion_stats_of(criterion, Sums.of(values), threshold)


def criterion_stats_of(criterion: Any, sums: Sums, threshold: Decimal) -> CriterionStats:
    """criterion_stats from the criterion's sums."""
    deviation = spread_of(sums)
    return CriterionStats(
        criterion=criterion,
        count=sums.count,
        mean=mean_of(sums),
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
    return aggregate_sums(
        proposal,
        version,
        criteria,
        {criterion_id: Sums.of(scores) for criterion_id, scores in values.items()},
        len(reviews),
        Counter(r.recommendation for r in reviews if r.recommendation is not None),
        threshold,
    )


def aggregate_sums(
    proposal: Any,
    version: Any,
    criteria: Sequence[Any],
    sums: Mapping[int, Sums],
    review_count: int,
    recommendations: Counter,
    threshold: Decimal,
) -> ProposalScore:
    """aggregate from what the reviews add up to: each criterion's sums (by criterion id; none for a criterion
    nobody scored), how many reviews and how many of each recommendation."""
    stats = [criterion_stats_of(c, sums.get(c.id, Sums()), threshold) for c in criteria]
    return ProposalScore(
        proposal=proposal,
        version=version,
        criteria=stats,
        weighted_mean=weighted_mean(stats),
        review_count=review_count,
        recommendations=recommendations,
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
