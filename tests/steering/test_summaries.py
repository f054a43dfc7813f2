"""The score summaries the ranking reads are kept up to date by the operations: after any of them, every proposal's
kept summary is the one computed from its reviews from scratch, and the ranking read from them is the one computed
from the loaded reviews (scoring.rank)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.proposals import operations as ops_proposals
from fundmgr.proposals.versions import freeze_version
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering import ranked
from fundmgr.steering.summaries import ScoreSummary, computed, rebuild_score_summaries

pytestmark = pytest.mark.both_engines


def kept() -> list[tuple]:
    return sorted(tuple(row) for row in db.session.execute(sa.select(*(ScoreSummary.__table__.c[c] for c in (
        "proposal_id", "fund_id", "version_id", "weighted", "reviews")))))  # fmt: skip


def from_scratch() -> list[tuple]:
    return sorted(tuple(row) for row in db.session.execute(computed()))


def ranks(user, fund) -> list[tuple[str, int | None, int | None]]:
    _table, query = ranked.in_ranking_order(user, fund, hidden=False)
    rows = ranked.rows_in_order(query)
    return [(p.reference, score.rank, score.area_rank) for p, score in ranked.load_page(fund, rows)]


def test_the_kept_summaries_equal_those_computed_from_scratch_after_every_operation(
    fund, committee, in_review, assign, submit_review
):
    """Reviews submitted, a conflict declared then waived, a new version, criteria reweighted and one retired, a
    proposal withdrawn: after each, the kept summaries are those computed afresh (and rebuilt in bulk), and the
    ranking read from them is the one computed from the reviews."""
    first, second, third = (
        in_review(area=area, title=f"Programme {n}") for n, area in enumerate(("TA1", "TA2", "TA1"))
    )
    steps = []

    def check(step: str) -> None:
        db.session.expire_all()
        assert kept() == from_scratch(), step
        expected = q.ranking_for(committee.fmu, fund, q.proposals_in(fund, q.PIPELINE_STATES))
        assert ranks(committee.fmu, fund) == [(e.proposal.reference, e.rank, e.area_rank) for e in expected.entries], (
            step
        )
        steps.append(step)

    check("in review, nobody assigned")
    for proposal in (first, second, third):
        assign(proposal)
    submit_review(first, committee.germany, [5, 4, 3, 5, 4, 3, 5])
    submit_review(first, committee.morocco, 2)
    submit_review(second, committee.spain, 4)
    submit_review(third, committee.stakeholder, [3, 4, 3, 4, 3, 4, 3])
    check("reviews submitted")
    assert [row[3] is not None for row in kept()] == [True, True, True]
    assert dict((row[0], row[4]) for row in kept())[first.id] == 2

    conflict = ops.declare_conflict(first, committee.morocco, "My ministry co-finances it.", actor=committee.morocco)
    db.session.commit()
    check("a conflict declared: Morocco's review no longer counts")
    assert dict((row[0], row[4]) for row in kept())[first.id] == 1
    ops.waive_conflict(conflict, "Not material.", actor=committee.fmu)
    db.session.commit()
    check("the conflict waived: it counts again")
    assert dict((row[0], row[4]) for row in kept())[first.id] == 2

    freeze_version(second, actor=second.created_by)  # a revised version: its reviews are yet to come
    db.session.commit()
    check("a new version")
    assert dict((row[0], row[3:]) for row in kept())[second.id] == (None, 0)

    criteria = sorted((c for c in fund.criteria if not c.retired), key=lambda c: c.number)
    weights = [Decimal("0.4"), Decimal("0.1"), Decimal("0.1"), Decimal("0.1"), Decimal("0.1"), Decimal("0.2"), None]
    rows = [ops.CriterionData(c, c.name, c.guidance, w if w is not None else c.weight, c.scale_min, c.scale_max,
                              retired=w is None) for c, w in zip(criteria, weights, strict=True)]  # fmt: skip
    ops.update_criteria(fund, rows, actor=committee.fmu)
    db.session.commit()
    check("criteria reweighted, one retired")

    ops_proposals.withdraw_proposal(third, "Merged into another programme.", actor=third.created_by)
    db.session.commit()
    check("a proposal withdrawn: it leaves the ranking")
    assert third.id not in {row[0] for row in kept()}

    savepoint = db.session.begin_nested()
    rebuild_score_summaries(db.session.connection())
    assert kept() == from_scratch()
    savepoint.rollback()
    assert len(steps) == 7
