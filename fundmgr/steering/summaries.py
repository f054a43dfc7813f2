"""Each proposal's score summary, kept up to date as the reviews and what makes them count change, so that a ranking
is a window over a few rows per proposal instead of an aggregate over every review and score of the fund.

A summary (`ScoreSummary`, one row per proposal before the committee, PIPELINE_STATES, that has a version: the few
a ranking reads, not the fund's whole history) holds what the ranking needs of the proposal's latest version: the
weighted mean of its admissible submitted reviews (`admissible_submitted`), to TIE_DIGITS places (None: unscored),
and how many they are. `computed` is the one computation, from scratch; `refresh` writes it for some proposals,
`rebuild_score_summaries` for all (data written in bulk).

The summaries are kept by a listener on every flush (`keep_summaries`), in the flushing transaction, so no
operation can forget them: a review (or its scores) written or removed, a conflict declared, waived or removed, a
participant added or removed, a new version, a proposal's lead organization changed, a member's organization changed
(their reviews), a proposal's state changed (it enters or leaves the table), a criterion added, reweighted or
retired (the fund's proposals). The proposals' rows are locked before they are recomputed, so of two reviews of one
proposal submitted at once the second recomputes after the first commits and counts both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr.accounts.models import User
from fundmgr.db import Base, db
from fundmgr.funds.models import Criterion
from fundmgr.proposals.models import Participant, Proposal, ProposalState, ProposalVersion
from fundmgr.steering.models import Conflict, Review, ReviewState, Score

# Proposals the Steering Committee weighs: under review, and endorsed ones waiting for money (those ranked).
PIPELINE_STATES = (ProposalState.in_review, ProposalState.endorsed)

# Weighted means equal to this many decimal places share a rank: the database divides with fewer digits than
# Python's 28 (and SQLite in binary floating point), so equal means computed along different paths may differ in
# their last digits; means of integer scores that truly differ differ long before the tenth decimal.
TIE_DIGITS = 10


def exact(expression: Any) -> Any:
    """A number the database divides without truncating (an integer sum divided by a count is a fraction)."""
    return sa.cast(expression, sa.Numeric().with_variant(sa.Float(), "sqlite"))


class ScoreSummary(Base):
    """What a proposal's latest version's admissible submitted reviews add up to, for the ranking (proposals before the
    committee only): kept by
    `keep_summaries` in the transaction of every change that moves it, equal to `computed` at every commit."""

    __tablename__ = "score_summaries"

    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    # Σ weight × mean / Σ weight over the active criteria scored, to TIE_DIGITS places; None: unscored
    weighted: so.Mapped[Any | None] = so.mapped_column(sa.Numeric(30, TIE_DIGITS).with_variant(sa.Float(), "sqlite"))
    reviews: so.Mapped[int] = so.mapped_column(default=0)  # the admissible submitted reviews


def admissible_submitted() -> sa.ColumnElement[bool]:
    """The submitted reviews that count, as a condition on reviews joined to their member (User): not by a member
    whose organization takes part in the proposal (lead included) nor by one with a declared conflict on it that is
    not waived (what `models.is_recused_given` says of loaded data)."""
    takes_part = sa.exists().where(
        Participant.proposal_id == Review.proposal_id, Participant.organization_id == User.organization_id
    )
    conflicted = sa.exists().where(
        Conflict.proposal_id == Review.proposal_id, Conflict.member_id == Review.member_id, Conflict.waived_at.is_(None)
    )
    # the lead looked up per review (a subquery, not a join: the planner would hash every proposal of the fund)
    lead = sa.select(Proposal.lead_organization_id).where(Proposal.id == Review.proposal_id).scalar_subquery()
    leads = sa.func.coalesce(lead == User.organization_id, sa.false())
    return sa.and_(Review.state == ReviewState.submitted, ~takes_part, ~leads, ~conflicted)


def latest_version_id() -> Any:
    """The id of the proposal's latest version, as a subquery correlated to the enclosing query of proposals (however
    deep inside it: a condition's EXISTS reads it too)."""
    return (
        sa.select(ProposalVersion.id)
        .where(ProposalVersion.proposal_id == Proposal.id)
        .order_by(ProposalVersion.number.desc())
        .limit(1)
        .correlate(Proposal)
        .scalar_subquery()
    )


def computed(*conditions: sa.ColumnElement[bool]) -> sa.Select:
    """The summaries of the proposals in PIPELINE_STATES meeting the conditions (on Proposal) that have a version, from
    scratch: rows of (proposal_id, fund_id, version_id, weighted, reviews), the columns of `score_summaries`."""
    latest = (
        sa.select(Proposal.id.label("proposal_id"), Proposal.fund_id, latest_version_id().label("version_id"))
        .where(Proposal.state.in_(PIPELINE_STATES), *conditions)
        .subquery("latest")
    )
    versions = sa.select(latest).where(latest.c.version_id.is_not(None)).cte("versions")
    # the admissible submitted reviews of those versions, read once for their count and their scores
    admitted = (
        sa.select(Review.id.label("review_id"), Review.version_id)
        .join(User, User.id == Review.member_id)
        .where(Review.version_id.in_(sa.select(versions.c.version_id)), admissible_submitted())
        .cte("admitted")
    )
    reviews = (
        sa.select(admitted.c.version_id, sa.func.count().label("reviews"))
        .group_by(admitted.c.version_id)
        .subquery("reviews")
    )
    # each active criterion's mean (a score's criterion is its proposal's fund's)
    means = (
        sa.select(
            admitted.c.version_id,
            Score.criterion_id,
            (exact(sa.func.sum(Score.value)) / sa.func.count(Score.value)).label("mean"),
        )
        .join(Score, Score.review_id == admitted.c.review_id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Criterion.retired.is_(False), Score.value.is_not(None))
        .group_by(admitted.c.version_id, Score.criterion_id)
        .subquery("means")
    )
    # Σ weight × mean / Σ weight over the criteria scored (scoring.weighted_mean); no weight at all: unscored
    weighted = (
        sa.select(
            means.c.version_id,
            (sa.func.sum(Criterion.weight * means.c.mean) / sa.func.nullif(sa.func.sum(Criterion.weight), 0)).label(
                "weighted"
            ),
        )
        .join(Criterion, Criterion.id == means.c.criterion_id)
        .group_by(means.c.version_id)
        .subquery("weighted")
    )
    return (
        sa.select(
            versions.c.proposal_id,
            versions.c.fund_id,
            versions.c.version_id,
            sa.func.round(weighted.c.weighted, TIE_DIGITS).label("weighted"),
            sa.func.coalesce(reviews.c.reviews, 0).label("reviews"),
        )
        .outerjoin(weighted, weighted.c.version_id == versions.c.version_id)
        .outerjoin(reviews, reviews.c.version_id == versions.c.version_id)
    )


COLUMNS = ["proposal_id", "fund_id", "version_id", "weighted", "reviews"]


def refresh(connection: sa.Connection, *conditions: sa.ColumnElement[bool]) -> None:
    """Recompute the summaries of the proposals meeting the conditions (on Proposal), after locking their rows: a
    refresh of the same proposals in another transaction waits for this one's commit, then reads what it wrote."""
    for statement in refresh_statements(*conditions):
        connection.execute(statement)


def refresh_statements(*conditions: sa.ColumnElement[bool]) -> tuple[sa.Executable, ...]:
    """`refresh`'s statements: lock the summaries of the proposals meeting the conditions, delete them, write them
    afresh."""
    chosen = ScoreSummary.proposal_id.in_(sa.select(Proposal.id).where(*conditions))
    return (
        sa.select(ScoreSummary.proposal_id).where(chosen).order_by(ScoreSummary.proposal_id).with_for_update(),
        sa.delete(ScoreSummary).where(chosen),
        sa.insert(ScoreSummary).from_select(COLUMNS, computed(*conditions)),
    )


# What a flush names the proposals to recompute by (keep_summaries): lists of ids of each kind.
NAMED_BY: dict[str, Callable[[Any], sa.ColumnElement[bool]]] = {
    "funds": lambda ids: Proposal.fund_id.in_(ids),
    "proposals": lambda ids: Proposal.id.in_(ids),
    "reviews": lambda ids: Proposal.id.in_(sa.select(Review.proposal_id).where(Review.id.in_(ids))),
    "members": lambda ids: Proposal.id.in_(sa.select(Review.proposal_id).where(Review.member_id.in_(ids))),
}


@functools.cache
def refresh_statements_naming(kinds: tuple[str, ...]) -> tuple[sa.Executable, ...]:
    """`refresh`'s statements for the proposals named by ids of these kinds (NAMED_BY; parameters `named_<kind>`):
    built once per combination of kinds, not at every flush (building `computed` costs as much as running it)."""
    named = [NAMED_BY[kind](sa.bindparam(f"named_{kind}", expanding=True)) for kind in kinds]
    return refresh_statements(sa.or_(*named))


def refresh_named(connection: sa.Connection, ids: dict[str, set[int]]) -> None:
    """`refresh` for the proposals named by any of the ids (by kind, NAMED_BY; empty kinds are left out)."""
    named = {kind: sorted(values) for kind, values in ids.items() if values}
    if not named:
        return
    params = {f"named_{kind}": values for kind, values in named.items()}
    for statement in refresh_statements_naming(tuple(sorted(named))):
        connection.execute(statement, params)


def rebuild_score_summaries(connection: sa.Connection) -> None:
    """Every proposal's summary afresh (after reviews were written in bulk, past `keep_summaries`)."""
    connection.execute(sa.delete(ScoreSummary))
    connection.execute(sa.insert(ScoreSummary).from_select(COLUMNS, computed()))


# --- Kept on every flush -------------------------------------------------------------------------


def changed(obj: Any, *keys: str) -> bool:
    """Whether a flushed object's attributes changed (any of them, with no keys)."""
    state = sa.inspect(obj)
    if not keys:
        return state.modified or obj in state.session.new or state.was_deleted or obj in state.session.deleted
    return any(state.attrs[key].history.has_changes() for key in keys)


def touched(session: so.Session) -> Iterable[tuple[Any, bool]]:
    """The objects this flush wrote, each with whether it was only updated."""
    for obj in session.new:
        yield obj, False
    for obj in session.deleted:
        yield obj, False
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj, True


@sa.event.listens_for(so.Session, "after_flush")
def keep_summaries(session: so.Session, _context: Any) -> None:
    """Recompute, in the flush's transaction, the summaries of the proposals whose ranking facts it changed."""
    proposals: set[int] = set()
    reviews: set[int] = set()
    members: set[int] = set()
    funds: set[int] = set()
    for obj, updated in touched(session):
        if isinstance(obj, Review | Conflict | Participant | ProposalVersion):
            if isinstance(obj, ProposalVersion) and updated:
                continue  # a version's number and content are frozen: only a new one moves the summary
            if obj.proposal_id is not None:  # else refused by the flush already
                proposals.add(obj.proposal_id)
        elif isinstance(obj, Score):
            reviews.add(obj.review_id)
        elif isinstance(obj, Proposal):
            if updated and changed(obj, "state", "lead_organization_id"):
                proposals.add(obj.id)
        elif isinstance(obj, User):
            if updated and changed(obj, "organization_id"):
                members.add(obj.id)
        elif isinstance(obj, Criterion) and (not updated or changed(obj, "weight", "retired")):
            funds.add(obj.fund_id)
    named = {"funds": funds, "proposals": proposals, "reviews": reviews, "members": members}
    if any(named.values()):
        refresh_named(session.connection(), named)


def summaries_of(proposal_ids: Collection[int]) -> dict[int, ScoreSummary]:
    """The kept summaries of the given proposals, by proposal id."""
    if not proposal_ids:
        return {}
    rows = db.session.scalars(sa.select(ScoreSummary).where(ScoreSummary.proposal_id.in_(list(proposal_ids))))
    return {row.proposal_id: row for row in rows}
