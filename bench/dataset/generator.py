"""The generator that plans then writes the whole fund, and `generate`, the dataset's one entry point."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import sqlalchemy as sa

from bench.dataset.context import MEMBERS, Size, World
from bench.dataset.decision_rows import DecisionRows
from bench.dataset.planning import Planning
from bench.dataset.plans import MeetingPlan, ProposalPlan
from bench.dataset.proposal_rows import ProposalRows
from bench.dataset.world import build_world
from bench.writer import BulkWriter
from fundmgr import clock
from fundmgr.db import db
from fundmgr.finance.models import rebuild_allocation_totals, rebuild_expenditure_totals, rebuild_ledger_totals
from fundmgr.funds.definition import Committee, bundled_definition, read_definition
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import sync_committee
from fundmgr.results import operations as results_ops
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.standings import (
    rebuild_year_figures,
    refresh_all_totals,
    refresh_handed_in,
    refresh_standings,
)
from fundmgr.steering.summaries import rebuild_score_summaries


class Generator(Planning, ProposalRows, DecisionRows):
    """Builds the plans, then writes every row through the bulk writer."""

    def __init__(self, world: World, size: Size, writer: BulkWriter) -> None:
        self.w = world
        self.size = size
        self.out = writer
        self.rng = world.rng
        self.meetings: list[MeetingPlan] = []
        self.meeting_days: list[date] = []
        self.live_meeting: MeetingPlan | None = None
        self.plans: list[ProposalPlan] = []
        self.procedures_by_year: Counter = Counter()
        self.counts: Counter = Counter()


def prepare_fund(today: date) -> Fund:
    """The bundled fund (loaded by the caller), with its results framework and ten years of history to hold."""
    fund = db.session.scalar(sa.select(Fund).order_by(Fund.id).limit(1))
    if fund is None:
        raise RuntimeError("Load the fund first (flask --app fundmgr fund load).")
    if results_ops.framework_of(fund) is None:
        spec, sha256 = read_framework(bundled_framework())
        results_ops.load_framework(fund, spec, sha256, actor=None)
    # the benchmark's fund has ten years of history: it must exist for all of them
    fund.established = date(today.year - 9, 1, 1)
    sync_committee(fund, large_committee())
    db.session.flush()
    db.session.expire_all()
    return fund


# A large fund's committee: as many voting seats as the benchmark's members, in the constituencies of the bundled
# definition and in the order bench.dataset.world seats its members (chair, UN entities, Member States, stakeholders).
LARGE_COMMITTEE_SEATS = {"chair": 1, "un_entities": 12, "member_states": 30, "stakeholders": 7}


def large_committee() -> Committee:
    """The bundled fund's committee with LARGE_COMMITTEE_SEATS voting seats (MEMBERS in all); its rules unchanged."""
    committee = read_definition(bundled_definition())[0].committee.model_dump(mode="json")
    for constituency in committee["constituencies"]:
        count = LARGE_COMMITTEE_SEATS.get(constituency["code"])
        if count is None:
            continue
        first = constituency["seats"][0]
        prefix = constituency["code"].upper().replace("_", "-")
        constituency["seats"] = [
            {**first, "code": first["code"] if count == 1 else f"{prefix}-{n}",
             "vice_chair": n == 1 and constituency["code"] == "member_states"}
            for n in range(1, count + 1)
        ]  # fmt: skip
    assert sum(LARGE_COMMITTEE_SEATS.values()) == MEMBERS
    return Committee.model_validate(committee)


def generate(scale: float = 1.0, *, today: date | None = None, seed: int = 2026, flush_rows: int = 200_000) -> dict:
    """Generate the dataset into the session's database (the caller commits); returns what was written."""
    today = today or clock.today()
    fund = prepare_fund(today)
    writer = BulkWriter(db.session.connection(), flush_rows=flush_rows)
    rng = random.Random(seed)
    world = build_world(fund, today, rng, writer)
    generator = Generator(world, Size.at(scale), writer)
    generator.plan_meetings()
    generator.plan_proposals()
    generator.write()
    rows = writer.finish()
    # the tables were empty when last analysed: without statistics the planner scans the indicator values once per
    # indicator below (quadratic: minutes at scale 1)
    db.session.execute(sa.text("ANALYZE"))
    # what the results operations keep as they accept reports (written in bulk here, so computed once at the end)
    refresh_standings(in_session=False)
    refresh_handed_in()
    refresh_all_totals()
    rebuild_year_figures(db.session.connection())  # the annual page's figures per year, from the standings above
    rebuild_ledger_totals(db.session.connection())  # the ledger was written in bulk, past the totals' listeners
    rebuild_allocation_totals(db.session.connection())
    rebuild_score_summaries(db.session.connection())  # the reviews too, past the summaries' listener
    rebuild_expenditure_totals(db.session.connection())
    counts = dict(generator.counts)
    return {
        "scale": scale,
        "seed": seed,
        "today": today.isoformat(),
        "rows": rows,
        "counts": counts,
        "total_rows": sum(rows.values()),
    }
