"""The ranking computed by the database over every candidate, so that a page reads and renders one page of it.

The rule is `scoring.rank`'s (which ranks the proposals a page has loaded: a meeting's agenda, the tests' reference):
ordered by weighted mean (unscored last), then more reviews, then reference; competition ranks (1, 2, 2, 4) overall
and per thematic area, among the proposals whose scores the user may see (`visible`, the one form of that rule), from
the admissible submitted reviews of each proposal's latest version, summed as they change (`summaries.ScoreSummary`):
a ranking is a window over one kept row per candidate, however many reviews the fund's history holds. Only the ranked
proposals' ids and numbers leave the database; a page loads and scores its own rows (`queries.score_proposals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, is_sc_member
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering.queries import (
    PIPELINE_STATES,
    ranked_row_loading,
    recused,
    score_proposals,
    visible,
)
from fundmgr.steering.scoring import ProposalScore
from fundmgr.steering.summaries import ScoreSummary


def candidates(fund: Fund, states: Sequence[ProposalState]) -> sa.CTE:
    """The fund's proposals in the given states with their kept score summary (version_id None for a proposal
    without a version), and what a list in ranking order filters, searches and sorts by (state, reference, title,
    primary area): such a list reads no proposal's row a second time."""
    return (
        sa.select(
            Proposal.id.label("proposal_id"),
            Proposal.reference,
            Proposal.title,
            Proposal.state,
            Proposal.primary_area_id,
            Proposal.lead_organization_id,
            ScoreSummary.version_id,
            ScoreSummary.weighted,
            ScoreSummary.reviews,
        )
        .outerjoin(ScoreSummary, ScoreSummary.proposal_id == Proposal.id)
        .where(Proposal.fund_id == fund.id, Proposal.state.in_(list(states)))
        .cte("candidates")
    )


def ranked(user: Any, fund: Fund, states: Sequence[ProposalState] = PIPELINE_STATES) -> sa.Subquery:
    """The proposals whose scores the user may see, one row each: proposal_id, weighted (the weighted mean to
    TIE_DIGITS places; None unscored), reviews, rank and area_rank (None unscored), position (1, 2, 3… in ranking
    order, for a page to sort by), and the proposal's reference, title, state and primary_area_id (for a list's
    search, filters and sort)."""
    return ranked_among(user, fund, candidates(fund, states))


def ranked_among(user: Any, fund: Fund, c: sa.CTE) -> sa.Subquery:
    """`ranked` over the given `candidates`."""
    by_mean = c.c.weighted.desc().nulls_last()
    unscored = c.c.weighted.is_(None)
    return (
        sa.select(
            c.c.proposal_id,
            c.c.weighted,
            c.c.reviews,
            sa.case((unscored, None), else_=sa.func.rank().over(order_by=by_mean)).label("rank"),
            sa.case(
                (unscored, None), else_=sa.func.rank().over(partition_by=c.c.primary_area_id, order_by=by_mean)
            ).label("area_rank"),
            sa.func.row_number()
            .over(order_by=(by_mean, c.c.reviews.desc(), c.c.reference, c.c.proposal_id))
            .label("position"),
            c.c.reference,
            c.c.title,
            c.c.state,
            c.c.primary_area_id,
        )
        .where(c.c.version_id.is_not(None), visible(user, fund, c.c))
        .subquery("ranked")
    )


def in_ranking_order(
    user: Any, fund: Fund, states: Sequence[ProposalState] = PIPELINE_STATES, *, hidden: bool = True
) -> tuple[sa.Subquery, sa.Select]:
    """The user's ranking of the proposals in these states (`ranked`) and a query of the proposals a list shows them
    as plain rows (id; ranked: the id once ranked, else None; rank; area_rank; position; reference), in no order:
    `rows_in_order` gives it. With `hidden`, the ranked proposals then those whose scores the user may not see
    (never those they are recused from); without, only the ranked ones (a list filters, searches and sorts them by
    the ranking's columns). Either is read from the candidates' own rows: joined back to the proposals, a list read
    every candidate's row a second time (most of the statement's buffers at a large fund's scale)."""
    c = candidates(fund, states)
    table = ranked_among(user, fund, c)
    columns = (table.c.proposal_id.label("id"), table.c.proposal_id.label("ranked"), table.c.rank, table.c.area_rank,
               table.c.position, table.c.reference)  # fmt: skip
    if not hidden:
        return table, sa.select(*columns)
    shown = sa.union_all(
        sa.select(*columns),
        sa.select(c.c.proposal_id, sa.null(), sa.null(), sa.null(), sa.null(), c.c.reference).where(
            ~visible(user, fund, c.c), ~recused(user, fund, c.c)),
    ).subquery("listed")  # fmt: skip
    return table, sa.select(*shown.c)


def order(query: sa.Select) -> tuple[Any, ...]:
    """Ranking order, on the columns of a query of `in_ranking_order`: the ranked proposals by their position, then
    the others by reference."""
    return query.selected_columns.position, query.selected_columns.reference


def rows_in_order(query: sa.Select) -> list[Any]:
    """The rows of a query of `in_ranking_order`, in ranking order, all of them: one statement, plain rows (the
    database computes the ranking once; a page loads its own proposals, `load_page`)."""
    ordered = query.order_by(*(e.asc().nulls_last() for e in order(query)), query.selected_columns.id)
    return list(db.session.execute(ordered))


def load_page(fund: Fund, rows: Sequence[Any]) -> list[tuple[Proposal, ProposalScore | None]]:
    """The proposals of a page of rows (`in_ranking_order`'s), in their order, each with its score (criteria,
    disagreement, its ranks in the whole ranking) if it is ranked for the user: a few statements however long the
    ranking, none per proposal."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    loaded = db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(ids)).options(*ranked_row_loading()))
    proposals = {p.id: p for p in loaded}
    scores = score_proposals(fund, [proposals[row.id] for row in rows if row.ranked is not None])
    for row in rows:
        if row.id in scores:
            scores[row.id].rank, scores[row.id].area_rank = row.rank, row.area_rank
    return [(proposals[row.id], scores.get(row.id)) for row in rows]


def place_in_ranking(user: Any, fund: Fund, score: ProposalScore) -> ProposalScore:
    """A proposal's score with its ranks (overall, in its area) among the proposals before the committee whose scores
    the user may see, or without when it is not ranked for them (one statement: the ranking stays in the database)."""
    table = ranked(user, fund)
    place = db.session.execute(
        sa.select(table.c.rank, table.c.area_rank).where(table.c.proposal_id == score.proposal.id)
    ).first()
    if place is not None:
        score.rank, score.area_rank = place.rank, place.area_rank
    return score


@dataclass(frozen=True)
class Unranked:
    """Proposals a user is not shown ranked, as plain rows (id, reference, title): those whose scores they may not
    see yet, and those they are recused from (listed by title, never ranked)."""

    hidden: list[Any]
    recused: list[Any]


def unranked(user: Any, fund: Fund, states: Sequence[ProposalState] = PIPELINE_STATES) -> Unranked:
    """The candidates the user may not see the scores of, by reference (two statements; none for the FMU)."""
    c = candidates(fund, states)
    if not is_sc_member(user, fund) and is_fund_manager(user, fund):
        return Unranked([], [])
    rows = sa.select(c.c.proposal_id.label("id"), c.c.reference, Proposal.title).join(
        Proposal, Proposal.id == c.c.proposal_id
    )
    recused_rows = list(db.session.execute(rows.where(recused(user, fund, c.c)).order_by(c.c.reference)))
    hidden = rows.where(~visible(user, fund, c.c), ~recused(user, fund, c.c)).order_by(c.c.reference)
    return Unranked(list(db.session.execute(hidden)), recused_rows)
