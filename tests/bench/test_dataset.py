"""The benchmark's generated fund: bulk-written, yet every rule the operations keep still holds."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from bench.dataset import MEMBERS, Size, generate
from bench.pages import API, LAYOUT_FLOOR_PATH, PUBLIC, api_secret, find_targets, measured_pages
from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db, to_cents
from fundmgr.finance.models import AVAILABLE_KINDS, Allocation, Contribution, EntryKind, LedgerEntry, Transfer
from fundmgr.finance.queries import allocated_by_proposal, balances, target_marker, top_region
from fundmgr.funds.models import Region
from fundmgr.proposals.models import TRANSITIONS, Proposal, ProposalState
from fundmgr.proposals.versions import snapshot_of
from fundmgr.results import queries as q
from fundmgr.results import reports
from fundmgr.results.models import Programme, ProgrammeIndicator
from fundmgr.results.operations import add_months, calendar_periods, guess_measure
from fundmgr.results.rollup import Point, combine
from fundmgr.steering.models import (
    AgendaItem,
    Decision,
    DecisionOutcome,
    ItemState,
    Meeting,
    MeetingState,
    Position,
    Stance,
    Vote,
)
from fundmgr.steering.portfolio import build_portfolio
from fundmgr.steering.voting import quorum_for
from tests.factories import sign_in

SCALE = 0.01


@pytest.fixture
def generated(app):
    """A small fund generated into the test's transaction."""
    return generate(SCALE, seed=11)


def test_the_fund_has_the_size_asked(generated, fund):
    """Are there as many proposals and funded programmes as the scale says, with their parts?"""
    size = Size.at(SCALE)
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == size.proposals
    programmes = db.session.scalars(sa.select(Programme).options(so.selectinload(Programme.indicators))).all()
    assert len(programmes) == size.programmes
    assert {len(p.indicators) for p in programmes} == {10}
    members = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.sc_member))
    assert members == MEMBERS
    years = {c.on_date.year for c in db.session.scalars(sa.select(Contribution))}
    assert min(years) == clock.today().year - 9
    assert max(years) >= clock.today().year - 1


def test_balances_are_sums_of_entries_that_never_went_below_zero(generated, fund):
    """Replaying the ledger day by day, is every balance (unearmarked, each earmark) ever negative?"""
    available: dict[int | None, Decimal] = defaultdict(Decimal)
    entries = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.on_date, LedgerEntry.id)).all()
    by_day: dict[date, list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.on_date].append(entry)
    for day in sorted(by_day):
        for entry in by_day[day]:
            if entry.kind in AVAILABLE_KINDS:
                available[entry.area_id] += entry.amount
        assert min(available.values()) >= 0, f"a balance went below zero on {day}"
    result = balances(fund)
    assert result.available == sum(available.values()) > 0
    assert result.received - result.fees + result.interest - result.allocated == result.available
    assert result.cash_with_agent >= result.undisbursed >= 0


def test_allocations_transfers_and_fees_follow_the_finance_rules(generated, fund):
    """Does each allocation draw exactly its total, each transfer stay within it, each fee match the rate?"""
    drawn: dict[int, Decimal] = defaultdict(Decimal)
    released: dict[int, Decimal] = defaultdict(Decimal)
    for entry in db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.allocation_id.is_not(None))):
        if entry.kind is EntryKind.allocation:
            drawn[entry.allocation_id] += entry.amount
        elif entry.kind is EntryKind.allocation_release:
            released[entry.allocation_id] += entry.amount
    allocations = db.session.scalars(sa.select(Allocation).options(so.selectinload(Allocation.transfers))).all()
    assert allocations
    for allocation in allocations:
        assert drawn[allocation.id] == -allocation.total
        transferred = sum((t.amount for t in allocation.transfers), Decimal(0))
        assert transferred + released[allocation.id] <= allocation.total
        assert all(t.on_date >= allocation.decided_on for t in allocation.transfers)
    deposits = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.deposit)).all()
    fees = {
        e.contribution_id: e.amount
        for e in db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.aa_fee))
    }
    for deposit in deposits:
        assert fees[deposit.contribution_id] == -to_cents(deposit.amount * fund.aa_fee_rate)
    assert db.session.scalar(sa.select(sa.func.count(Transfer.id))) > 0


def test_latest_versions_are_what_freezing_the_draft_gives(generated):
    """Is each proposal's latest version exactly the snapshot submission would freeze from its draft?"""
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.version_count > 0)).all()
    assert proposals
    for proposal in proposals:
        version = proposal.latest_version
        assert version.number == proposal.version_count
        assert snapshot_of(proposal) == version.snapshot, proposal.reference
        assert version.total == version.snapshot.totals.total == proposal.total_amount


def test_programmes_are_what_establishing_the_approved_version_builds(generated, fund):
    """Does each programme's live matrix and its periods follow from its approved version?"""
    for programme in db.session.scalars(sa.select(Programme)):
        snapshot = programme.version.snapshot
        assert programme.start_date == snapshot.start_date
        assert programme.end_date == add_months(programme.start_date, snapshot.duration_months) - timedelta(days=1)
        expected = [
            (i.name, i.unit, guess_measure(i.unit, i.name), i.baseline, i.target, i.disaggregation)
            for o in snapshot.matrix
            for i in [*o.indicators, *(x for p in o.outputs for x in p.indicators)]
        ]
        actual = [(i.name, i.unit, i.measure, i.baseline, i.target, i.disaggregation) for i in programme.indicators]
        assert actual == expected
        periods = calendar_periods(programme.start_date, programme.end_date, fund.calendar)
        assert [(p.start_date, p.end_date, p.due_date) for p in programme.periods] == periods
        assert programme.proposal.state in (ProposalState.approved, ProposalState.active, ProposalState.closed)


def test_every_history_follows_the_transition_table(generated):
    """Does every recorded move of every proposal go where the transition table allows, ending in its state?"""
    moves = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "proposal").order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    last: dict[str, ProposalState] = {}
    for entry in moves:
        before, after = ProposalState(entry.before["state"]), ProposalState(entry.after["state"])
        assert last.get(entry.object_id, ProposalState.draft) is before
        assert after in TRANSITIONS[before], f"{before.value} -> {after.value}"
        last[entry.object_id] = after
    for proposal in db.session.scalars(sa.select(Proposal)):
        assert last.get(str(proposal.id), ProposalState.draft) is proposal.state


def test_every_member_may_take_part_on_the_live_meetings_items(generated):
    """On today's meeting, are all 50 members present and none recused, so each can state a position (or vote)?"""
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.state == MeetingState.in_progress))
    assert len([a for a in meeting.attendance if a.present]) == MEMBERS
    items = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
    assert len(items) >= 6
    for item in items:
        assert item.state is ItemState.pending
        assert item.proposal.state is ProposalState.in_review
        assert quorum_for(item).eligible == MEMBERS


def test_every_measured_page_answers(generated, client):
    """Does each page the benchmark measures answer 200 to whoever requests it: a person signed in, the API with a
    personal token, anybody for a public page? (The layout floor is served by the benchmark's own app, bench.wsgi,
    and the benchmark refuses to measure any page that does not answer 200 first.)"""
    secret = api_secret(API.removeprefix("api:"))
    for page in measured_pages(find_targets()):
        if page.path == LAYOUT_FLOOR_PATH:
            continue
        headers = {"Authorization": f"Bearer {secret}"} if page.user == API else {}
        if page.user in (API, PUBLIC):
            client.get("/account/logout")
        else:
            sign_in(client, db.session.scalar(sa.select(User).where(User.email == page.user)))
        assert client.get(page.path, headers=headers).status_code == 200, page.path


def test_fund_roll_ups_equal_combining_every_programmes_latest_value(generated, fund):
    """On a fund with many programmes, does the database's roll-up give what combining point by point gives?"""
    cutoff = clock.today()
    linked = db.session.scalars(
        sa.select(ProgrammeIndicator)
        .join(ProgrammeIndicator.programme)
        .where(ProgrammeIndicator.fund_indicator_id.is_not(None))
        .order_by(Programme.id, ProgrammeIndicator.id)
    ).all()
    readings = q.latest_accepted([i.id for i in linked], cutoff)
    points = defaultdict(list)
    for indicator in linked:
        if indicator.id in readings:
            reading = readings[indicator.id]
            points[indicator.fund_indicator_id].append(
                Point(reading.value.actual, reading.as_of, indicator.baseline, indicator.target)
            )
    rollups = q.fund_rollups(fund, cutoff)
    assert sum(r.combined.count for r in rollups.values()) == len(readings) > 0
    for fund_indicator_id, rollup in rollups.items():
        assert rollup.combined == combine(rollup.indicator.rule, points[fund_indicator_id]), rollup.indicator.code


def test_the_annual_page_counts_what_the_annual_report_shows(generated, fund, app):
    """Do the annual page's figures, counted in the database, equal the full report's on a large fund?"""
    year = clock.today().year - 1
    with app.test_request_context():
        data = reports.annual_report_data(fund, year, "en", with_charts=False)
        assert reports.headline_figures(fund, year) == {"summary": data["summary"], "areas": data["areas"]}
    assert data["summary"]["programmes"] > 0
    assert data["summary"]["indicators_achieved"] > 0


def test_the_portfolio_sums_what_each_funded_programme_holds(generated, fund):
    """Do the portfolio's shares, summed in the database, add up each funded programme's allocation by place?"""
    fmu = db.session.scalar(sa.select(User).where(User.role == Role.fmu).order_by(User.id))
    portfolio = build_portfolio(fmu, fund)
    parents = {r.code: (r.level, r.parent_code) for r in db.session.scalars(sa.select(Region))}
    marker = target_marker(fund)
    by_area: dict[str, Decimal] = defaultdict(Decimal)
    by_region: dict[str, Decimal] = defaultdict(Decimal)
    at_level = Decimal(0)
    funded = allocated_by_proposal(fund)
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(list(funded)))):
        amount = funded[proposal.id]
        by_area[proposal.primary_area.code] += amount
        place = proposal.country.region_code if proposal.country else proposal.region_code
        by_region[top_region(place, parents) or ""] += amount
        level = next((m.level for m in proposal.markers if m.marker_id == marker.id), None) or 0
        at_level += amount if level >= fund.marker_share["min_level"] else 0
    assert {s.key: s.funded for s in portfolio.areas if s.funded} == by_area
    assert {s.key: s.funded for s in portfolio.regions if s.funded} == by_region
    assert portfolio.gender.funded == at_level > 0


def test_a_consensus_fund_decided_on_positions_as_the_demo_states_them(generated, fund):
    """Under consensus, does each present, non-recused member hold one position on each decided item (no votes), one
    member stating an approval's conditions as a reservation minuted by name and a rejection's objection with its
    reason?"""
    assert fund.decision_rule == "consensus"
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == generated["counts"]["positions"] > 0
    decisions = db.session.scalars(sa.select(Decision).where(Decision.item_id.is_not(None))).all()
    outcomes = set()
    for decision in decisions:
        item = db.session.get(AgendaItem, decision.item_id)
        assert sorted(p.member_id for p in item.positions) == item.quorum_record["present"]
        stated = [(p.stance, p.text, p.minute_by_name) for p in item.positions if p.stance.needs_text]
        if decision.outcome is DecisionOutcome.approve_with_conditions:
            assert stated == [(Stance.reservation, decision.conditions, True)]
        elif decision.outcome is DecisionOutcome.reject:
            assert [(stance, bool(text)) for stance, text, _ in stated] == [(Stance.object, True)]
        else:
            assert stated == []
        outcomes.add(decision.outcome)
    assert {DecisionOutcome.approve_with_conditions, DecisionOutcome.reject} <= outcomes


def test_a_majority_fund_decided_on_votes(app, fund):
    """Under majority, does each present, non-recused member hold one vote on each decided item, and no position?"""
    fund.decision_rule = "majority"
    db.session.flush()
    generated = generate(SCALE, seed=11)
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == generated["counts"]["votes"] > 0
    for item in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.state == ItemState.decided)):
        assert sorted(v.member_id for v in item.votes) == item.quorum_record["present"]
