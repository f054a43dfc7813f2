"""Read side of steering: proposals under review, who may see which scores, rankings, deadlines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.funds.models import Criterion, Fund
from fundmgr.funds.rights import holding, is_fund_manager, is_sc_member, works_with_committee
from fundmgr.funds.seats import terms_on
from fundmgr.proposals.models import Participant, Proposal, ProposalState, ProposalVersion
from fundmgr.steering.models import (
    AgendaItem,
    Assignment,
    Conflict,
    Decision,
    DecisionOutcome,
    Meeting,
    MeetingState,
    PortfolioRun,
    Review,
    ReviewState,
    Score,
    WrittenProcedure,
    WrittenProcedureState,
    standing,
)
from fundmgr.steering.scoring import ProposalScore, Sums, aggregate_sums, rank
from fundmgr.steering.summaries import PIPELINE_STATES as PIPELINE_STATES  # the states a ranking covers
from fundmgr.steering.summaries import admissible_submitted, latest_version_id


def proposal_loading() -> list[Any]:
    """Eager loading for lists of proposals: versions, participants (for recusals), thematic areas with their shares
    (fundability splits a gap over them), primary area, country.

    Lists read neither the frozen snapshots (large) nor the participants' organizations (recusals need
    only their ids), so neither is loaded; a page that needs one of them loads it for its proposal.
    Subquery loading takes one query however many proposals a ranking lists (selectin loading takes
    one per 500).
    """
    return [
        so.subqueryload(Proposal.versions).defer(ProposalVersion.snapshot),
        so.subqueryload(Proposal.participants).lazyload(Participant.organization),
        so.subqueryload(Proposal.area_rows),
        so.joinedload(Proposal.primary_area),
        so.joinedload(Proposal.country),
    ]


def ranked_row_loading() -> list[Any]:
    """Eager loading for a page of a list in ranking order (ranking, pipeline, portfolio): what their rows show (the
    primary area) and what scoring reads (the versions, for the latest), not the participants, area shares or country
    that `proposal_loading` adds for recusals and fundability elsewhere. Selectin loading: one query for a page."""
    return [
        so.selectinload(Proposal.versions).defer(ProposalVersion.snapshot),
        so.joinedload(Proposal.primary_area),
    ]


def proposals_in(fund: Fund, states: Iterable[ProposalState]) -> list[Proposal]:
    """The fund's proposals in the given states, eager-loaded, by reference."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.fund_id == fund.id, Proposal.state.in_(list(states)))
            .options(*proposal_loading())
            .order_by(Proposal.reference)
        )
    )


def active_criteria(fund: Fund) -> list[Criterion]:
    return [c for c in fund.criteria if not c.retired]


def sc_members(fund: Fund) -> list[User]:
    """The fund's Steering Committee: its active members, by name."""
    return list(
        db.session.scalars(
            sa.select(User).where(holding(fund, Role.sc_member), User.is_active_account.is_(True)).order_by(User.name)
        )
    )


def seated_members(fund: Fund, day: date) -> list[User]:
    """The members a meeting of the fund on that day invites: its active SC members holding a seat of its committee
    (or standing in for its holder) that day, by name."""
    seated = {person for term in terms_on(fund, day) for person in term.person_ids()}
    return [member for member in sc_members(fund) if member.id in seated]


def scoring_deadlines(version_ids: Sequence[int]) -> dict[int, date]:
    """Each version's scoring deadline: the latest due date of its assignments."""
    if not version_ids:
        return {}
    rows = db.session.execute(
        sa.select(Assignment.version_id, sa.func.max(Assignment.due_on))
        .where(Assignment.version_id.in_(version_ids))
        .group_by(Assignment.version_id)
    )
    return {key: value for key, value in rows}


def deadline_passed(deadline: date | None, fund: Fund) -> bool:
    return deadline is not None and clock.is_past(deadline, clock.today(fund))


def assignments_of(version_id: int) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment).where(Assignment.version_id == version_id).order_by(Assignment.id)
        ).unique()
    )


def assignment_of(version_id: int, member: Any) -> Assignment | None:
    return db.session.scalar(
        sa.select(Assignment).where(Assignment.version_id == version_id, Assignment.member_id == member.id)
    )


def review_of(version_id: int, member: Any) -> Review | None:
    return db.session.scalar(
        sa.select(Review)
        .where(Review.version_id == version_id, Review.member_id == member.id)
        .options(so.selectinload(Review.scores))
    )


def conflicts_on(proposal: Proposal) -> list[Conflict]:
    return list(
        db.session.scalars(sa.select(Conflict).where(Conflict.proposal_id == proposal.id).order_by(Conflict.id))
    )


_score_sums_statements: list[tuple[sa.Select, sa.Select]] = []


def score_sums_statements() -> tuple[sa.Select, sa.Select]:
    """The two statements of `score_sums`, built once per process (their parameters `version_ids` and
    `criterion_ids`): the recommendations given per version, and the sums of the scores per version and criterion.
    The live board asks its item's score on every poll, and building them and their cache keys cost about as much as
    running them."""
    if not _score_sums_statements:

        def counted(*columns: Any) -> sa.Select:
            return (
                sa.select(Review.version_id, *columns)
                .join(User, User.id == Review.member_id)
                .where(Review.version_id.in_(sa.bindparam("version_ids", expanding=True)), admissible_submitted())
            )

        given = (
            counted(Review.recommendation, sa.func.count())
            .group_by(Review.version_id, Review.recommendation)
            .order_by(Review.version_id, sa.func.min(Review.submitted_at), sa.func.min(Review.id))
        )
        squares = sa.func.sum(Score.value * Score.value)
        scored = (
            counted(Score.criterion_id, sa.func.count(), sa.func.sum(Score.value), squares)
            .join(Score, Score.review_id == Review.id)
            .where(Score.criterion_id.in_(sa.bindparam("criterion_ids", expanding=True)), Score.value.is_not(None))
            .group_by(Review.version_id, Score.criterion_id)
        )
        _score_sums_statements.append((given, scored))
    return _score_sums_statements[0]


def score_sums(
    version_ids: Sequence[int], criterion_ids: Sequence[int]
) -> tuple[dict[int, dict[int, Sums]], dict[int, int], dict[int, Counter]]:
    """What the admissible submitted reviews of the versions add up to, summed in the database (a ranking covers
    thousands of reviews; Python gets one row per version and criterion, and per version and recommendation):
    {version id: {criterion id: Sums}}, {version id: how many reviews} and {version id: Counter of recommendations},
    the recommendations in the order they were first given (as counting the reviews in submission order would)."""
    sums: dict[int, dict[int, Sums]] = {v: {} for v in version_ids}
    reviews = dict.fromkeys(version_ids, 0)
    recommendations: dict[int, Counter] = {v: Counter() for v in version_ids}
    if not version_ids:
        return sums, reviews, recommendations

    given_statement, scored_statement = score_sums_statements()
    given = db.session.execute(given_statement, {"version_ids": list(version_ids)})
    for version_id, recommendation, count in given:
        reviews[version_id] += count
        if recommendation is not None:
            recommendations[version_id][recommendation] = count
    if criterion_ids:
        parameters = {"version_ids": list(version_ids), "criterion_ids": list(criterion_ids)}
        scored = db.session.execute(scored_statement, parameters)
        for version_id, criterion_id, count, total, total_squares in scored:
            sums[version_id][criterion_id] = Sums(count, total, total_squares)
    return sums, reviews, recommendations


def score_proposals(
    fund: Fund, proposals: Sequence[Proposal], versions: dict[int, ProposalVersion] | None = None
) -> dict[int, ProposalScore]:
    """Aggregate each proposal's latest version (or the version given) over the fund's active criteria (not ranked),
    from the sums of its admissible submitted reviews (two queries however many proposals and reviews)."""
    versions = {p.id: (versions or {}).get(p.id) or p.latest_version for p in proposals if p.latest_version}
    criteria = active_criteria(fund)
    sums, reviews, recommendations = score_sums([v.id for v in versions.values()], [c.id for c in criteria])
    by_id = {p.id: p for p in proposals}
    return {
        pid: aggregate_sums(
            by_id[pid],
            version,
            criteria,
            sums[version.id],
            reviews[version.id],
            recommendations[version.id],
            fund.disagreement_threshold,
        )
        for pid, version in versions.items()
    }


def reviews_for_display(proposal: Proposal) -> list[Review]:
    """The admissible submitted reviews of the proposal's latest version (`admissible_submitted`), with their scores,
    in the order they were submitted."""
    version = proposal.latest_version
    if version is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Review)
            .join(User, User.id == Review.member_id)
            .where(Review.version_id == version.id, admissible_submitted())
            .options(so.selectinload(Review.scores))
            .order_by(Review.submitted_at, Review.id)
        ).unique()
    )


def recused(user: Any, fund: Fund, c: Any) -> sa.ColumnElement[bool]:
    """Whether the user is recused from the proposal, as a condition on columns `c` (proposal_id,
    lead_organization_id): an SC member with a declared conflict not waived, or whose organization takes part in the
    proposal (lead included: under every conflict policy they see no score). The ranking's form of `standing`."""
    if not is_sc_member(user, fund):
        return sa.false()
    conflicted = sa.exists().where(
        Conflict.proposal_id == c.proposal_id, Conflict.member_id == user.id, Conflict.waived_at.is_(None)
    )
    if user.organization_id is None:
        return conflicted
    takes_part = sa.exists().where(
        Participant.proposal_id == c.proposal_id, Participant.organization_id == user.organization_id
    )
    return sa.or_(conflicted, takes_part, c.lead_organization_id == user.organization_id)


def visible(user: Any, fund: Fund, c: Any) -> sa.ColumnElement[bool]:
    """Whether the user may see the proposal's scores, as a condition on columns `c` (proposal_id, version_id: its
    latest version's, lead_organization_id); the one form of the rule, for a ranking and for any proposals. The FMU
    and administrators see every score; an SC member those of the proposals they are not recused from, once they
    submitted their own review of its latest version or once its scoring deadline has passed; nobody else any (so
    that neither a recused member nor one who has not yet scored can infer a hidden proposal's scores)."""
    if not user.is_authenticated:
        return sa.false()
    if is_fund_manager(user, fund):
        return sa.true()
    if not is_sc_member(user, fund):
        return sa.false()
    own = sa.exists().where(
        Review.version_id == c.version_id, Review.member_id == user.id, Review.state == ReviewState.submitted
    )
    deadline = sa.select(sa.func.max(Assignment.due_on)).where(Assignment.version_id == c.version_id)
    passed = clock.is_past(deadline.scalar_subquery(), clock.today(fund))
    return sa.and_(c.version_id.is_not(None), ~recused(user, fund, c), sa.or_(own, passed))


def proposal_columns() -> Any:
    """The columns `visible` and `recused` read, on the Proposal entity (a query of proposals)."""
    return SimpleNamespace(
        proposal_id=Proposal.id, version_id=latest_version_id(), lead_organization_id=Proposal.lead_organization_id
    )


def score_visibility(user: Any, fund: Fund, proposals: Sequence[Proposal]) -> tuple[set[int], set[int]]:
    """Of the given proposals (of the fund), those whose scores the user may see (`visible`) and those they are
    recused from (`recused`), in one statement."""
    if not user.is_authenticated or not proposals:
        return set(), set()
    # what `visible` and `recused` answer without a row (the FMU sees all and is recused from none; someone outside
    # the committee sees none): no statement, as the board polled every few seconds asks for its live item
    if is_fund_manager(user, fund):
        return {p.id for p in proposals}, set()
    if not is_sc_member(user, fund):
        return set(), set()
    on = proposal_columns()
    rows = db.session.execute(
        sa.select(Proposal.id, visible(user, fund, on), recused(user, fund, on)).where(
            Proposal.id.in_([p.id for p in proposals])
        )
    )
    seen, left = set(), set()
    for proposal_id, may_see, is_recused in rows:
        if may_see:
            seen.add(proposal_id)
        if is_recused:
            left.add(proposal_id)
    return seen, left


def can_see_scores(user: Any, proposal: Proposal) -> bool:
    """Whether the user may see the proposal's scores (`visible`)."""
    return proposal.id in score_visibility(user, proposal.fund, [proposal])[0]


@dataclass
class Ranking:
    """A ranking as one user may see it: ranked entries, proposals whose scores are not yet
    visible to them, and proposals they are recused from (listed by title, never ranked)."""

    entries: list[ProposalScore]
    hidden: list[Proposal] = field(default_factory=list)
    recused: list[Proposal] = field(default_factory=list)

    def by_area(self) -> dict[int | None, list[ProposalScore]]:
        groups: dict[int | None, list[ProposalScore]] = {}
        for entry in self.entries:
            groups.setdefault(entry.proposal.primary_area_id, []).append(entry)
        return groups

    def entry_for(self, proposal_id: int) -> ProposalScore | None:
        return next((e for e in self.entries if e.proposal.id == proposal_id), None)


def ranking_for(
    user: Any, fund: Fund, proposals: Sequence[Proposal], versions: dict[int, ProposalVersion] | None = None
) -> Ranking:
    """Rank the proposals whose scores the user may see; the others are left out of every number.

    Ranks are computed among the visible proposals only, so that neither a recused member nor
    one who has not yet scored can infer a hidden proposal's position from gaps in the ranks.
    """
    seen, left = score_visibility(user, fund, proposals)
    scores = score_proposals(fund, [p for p in proposals if p.id in seen], versions)
    return Ranking(
        entries=rank(list(scores.values())),
        hidden=[p for p in proposals if p.id not in seen and p.id not in left],
        recused=[p for p in proposals if p.id in left],
    )


# --- The home page card ------------------------------------------------------------------------


@dataclass
class HomeSummary:
    """What the steering card of the home page shows a user."""

    reviews_due: list[tuple[Assignment, Review | None]] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    procedures: list[WrittenProcedure] = field(default_factory=list)
    unassigned: int = 0
    live: list[Meeting] = field(default_factory=list)  # under way now: invited to it, or its secretariat


def home_summary(user: Any, fund: Fund | None) -> HomeSummary:
    """An SC member's reviews due, next meetings and written procedures to answer; the FMU's meetings."""
    summary = HomeSummary()
    if fund is None or not works_with_committee(user, fund):
        return summary
    summary.meetings = list(
        db.session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.fund_id == fund.id,
                Meeting.state.in_([MeetingState.scheduled, MeetingState.in_progress]),
            )
            .order_by(Meeting.held_on, Meeting.id)
            .limit(3)
        )
    )
    in_progress = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.fund_id == fund.id, Meeting.state == MeetingState.in_progress)
        .order_by(Meeting.held_on, Meeting.id)
    )
    member = is_sc_member(user, fund)
    summary.live = [m for m in in_progress if not member or m.attendance_of(user) is not None]
    open_procedures = db.session.scalars(
        sa.select(WrittenProcedure)
        .where(WrittenProcedure.fund_id == fund.id, WrittenProcedure.state == WrittenProcedureState.open)
        .options(so.joinedload(WrittenProcedure.proposal), so.selectinload(WrittenProcedure.responses))
        .order_by(WrittenProcedure.deadline)
    ).unique()
    if is_sc_member(user, fund):
        summary.reviews_due = reviews_due(user, fund)
        summary.procedures = [
            p
            for p in open_procedures
            if p.response_of(user) is None and (p.proposal is None or standing(p.proposal, user).decides)
        ]
    else:
        summary.procedures = list(open_procedures)
        summary.unassigned = unassigned_count(fund)
    return summary


def reviews_due(user: Any, fund: Fund) -> list[tuple[Assignment, Review | None]]:
    """The member's assignments on proposals still in review, with their review (if begun), soonest first."""
    rows = db.session.execute(
        sa.select(Assignment, Review)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .outerjoin(Review, sa.and_(Review.version_id == Assignment.version_id, Review.member_id == user.id))
        .where(
            Assignment.member_id == user.id,
            Proposal.fund_id == fund.id,
            Proposal.state == ProposalState.in_review,
            ~clock.is_past(Assignment.due_on, clock.today(fund)),
        )
        .options(so.joinedload(Assignment.proposal))
        .order_by(Assignment.due_on)
    ).unique()
    return [(a, r) for a, r in rows if r is None or not r.is_submitted]


def unassigned_count(fund: Fund) -> int:
    """Proposals in review whose current version nobody has been asked to score."""
    proposals = proposals_in(fund, [ProposalState.in_review])
    versions = [p.latest_version.id for p in proposals if p.latest_version]
    return len(versions) - len(scoring_deadlines(versions))


# --- Portfolio proposals -----------------------------------------------------------------------


def latest_portfolio_run(fund: Fund, before: datetime | None = None) -> PortfolioRun | None:
    """The fund's latest portfolio proposal (computed before the given instant, when one is given)."""
    query = sa.select(PortfolioRun).where(PortfolioRun.fund_id == fund.id)
    if before is not None:
        query = query.where(PortfolioRun.created_at <= before)
    return db.session.scalar(query.order_by(PortfolioRun.created_at.desc(), PortfolioRun.id.desc()).limit(1))


def funding_decision(proposal: Proposal) -> Decision | None:
    """The Steering Committee's decision that funded the proposal (the latest, should there be more), if any."""
    funding = [DecisionOutcome.approve, DecisionOutcome.approve_with_conditions]
    return db.session.scalar(
        sa.select(Decision)
        .where(Decision.proposal_id == proposal.id, Decision.outcome.in_(funding))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
        .limit(1)
        # the meeting that took it (its outcome's wording), with it rather than two statements after
        .options(so.joinedload(Decision.item).joinedload(AgendaItem.meeting), so.joinedload(Decision.meeting))
    )
