"""A large, realistic fund generated in bulk for the benchmark.

At scale 1: 5,000 proposals created over ten years, each with its draft (participants, markers,
about 20 budget lines, a results matrix of 10 indicators), its submitted versions (snapshots of
exactly the shape fundmgr.proposals.versions.snapshot_of gives) and FMU screenings; reviews and
scores by a Steering Committee of 50 members; monthly meetings with attendance, agenda items,
votes and decisions (some by written procedure); ten years of donor commitments and deposits;
the ledger with every allocation, transfer, release and fee; 2,000 funded programmes with their
live matrices (20,000 indicators), reporting periods and progress reports with disaggregated
values; and a live meeting in progress today for the vote and board measurements.

Rows go in through the bulk writer (COPY on PostgreSQL), not through the operations one by one,
but they follow the operations' rules: every proposal's history follows the transition table,
a balance is the sum of its ledger entries and never went below zero (allocations draw on the
area's earmark first, then on unearmarked money, as fundmgr.finance.operations does), check
constraints hold, and a funded programme's matrix and periods are what
fundmgr.results.operations.establish_programme would build from its approved version.
tests/bench checks these invariants on a small scale.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import Constituency, Organization, OrganizationKind, Role
from fundmgr.accounts.operations import hasher
from fundmgr.bench.writer import BulkWriter
from fundmgr.db import db, to_cents
from fundmgr.finance.models import ContributionKind, EntryKind
from fundmgr.finance.operations import Share, scale_to
from fundmgr.funds.models import Country, Fund, Region, RegionLevel
from fundmgr.i18n import territory_name
from fundmgr.numbers import plain_text
from fundmgr.proposals.budget import programme_years
from fundmgr.proposals.models import AttachmentKind, ProposalState, ScreeningOutcome
from fundmgr.proposals.versions import decimal_text
from fundmgr.results import operations as results_ops
from fundmgr.results.demo import parts_for
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import (
    IndicatorStatus,
    Measure,
    ReportState,
    ResultsFramework,
    ReviewDecision,
)
from fundmgr.steering.models import (
    DecisionOutcome,
    ItemState,
    MeetingMode,
    MeetingState,
    Recommendation,
    ReviewState,
    VoteChoice,
    WrittenProcedureState,
)

S = ProposalState
BENCH_PASSWORD = "bench-fundmgr-2026"  # noqa: S105 - the throwaway benchmark accounts' password
EMAIL_DOMAIN = "bench.fundmgr.example"
MEMBERS = 50
LIVE_ITEMS = 6
ZERO = Decimal("0.00")
FEE_RATE_FALLBACK = Decimal("0.01")
CURRENCIES = {
    "GOV-DEU": "EUR",
    "GOV-ESP": "EUR",
    "GOV-FRA": "EUR",
    "GOV-BEL": "EUR",
    "GOV-IRL": "EUR",
    "GOV-PRT": "EUR",
    "GOV-CYP": "EUR",
    "GOV-NLD": "EUR",
    "GOV-GBR": "GBP",
    "GOV-NOR": "NOK",
    "GOV-DNK": "DKK",
}
USD_RATES = {"EUR": Decimal("1.10"), "GBP": Decimal("1.27"), "NOK": Decimal("0.098"), "DKK": Decimal("0.147")}
STAKEHOLDERS = [
    ("CS-MIGRANTS", "Global Forum of Migrant Associations"),
    ("CS-DIASPORA", "Diaspora Development Network"),
    ("CS-EMPLOYERS", "International Employers' Council"),
    ("CS-UNIONS", "Migrant Workers' Union Alliance"),
    ("CS-YOUTH", "Youth on the Move"),
    ("CS-CITIES", "Mayors Mechanism on Migration"),
    ("CS-ACADEMIA", "Migration Research Consortium"),
]
QUALIFIERS = [
    "",
    " in target municipalities",
    " in border areas",
    " among returnees",
    " in urban areas",
    " in rural areas",
    " along the corridor",
    " in host communities",
    " at national level",
    " in pilot sites",
]
THEMES = {
    "TA1": [
        "Migration data for evidence-based policy",
        "Migration profiles and policy coherence",
        "Strengthening national migration statistics",
    ],
    "TA2": [
        "Protection of migrants in vulnerable situations",
        "Safe access to services for migrant children",
        "Protecting migrants' human rights at the borders",
    ],
    "TA3": [
        "Border governance and counter-trafficking",
        "Countering smuggling of migrants",
        "Integrated border management",
    ],
    "TA4": ["Fair recruitment and decent work", "Cheaper and safer remittances", "Skills partnerships for mobility"],
    "TA5": [
        "Social cohesion and inclusion of migrants",
        "Access to basic services for migrants",
        "Local integration and participation",
    ],
}
NARRATIVE = (
    "{lead} and its partners report progress in period {period}: activities ran as planned in most sites, "
    "partners met quarterly, and the data collected confirm the direction of change described in the "
    "programme document."
)
LESSONS = "Joint planning with the national authorities from the start shortened approvals and kept partners aligned."


# --- Sizes and the shared context ------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How much to generate: 5,000 proposals and 2,000 funded programmes at scale 1."""

    scale: float
    proposals: int
    programmes: int
    members: int = MEMBERS
    years: int = 10

    @classmethod
    def at(cls, scale: float) -> Size:
        return cls(scale, max(LIVE_ITEMS + 20, round(5000 * scale)), max(4, round(2000 * scale)))


def rand_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def moment(rng: random.Random, day: date) -> datetime:
    """A time during the working day (UTC)."""
    return datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59)), UTC)


def month_start_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass
class Member:
    id: int
    organization_id: int
    name: str


@dataclass
class World:
    """Reference data and people, read once (ids and codes only, no ORM objects in the hot loops)."""

    fund: Fund
    today: date
    rng: random.Random
    fee_rate: Decimal
    first_year: int
    areas: list[dict[str, Any]]
    objective_numbers: dict[int, int]
    principles: list[tuple[int, int, str]]
    markers: list[tuple[int, str, int]]
    categories: list[tuple[int, str]]
    criteria: list[tuple[int, Decimal]]
    checks: list[int]
    punos: list[tuple[int, str]]
    neutral_punos: list[int]
    donors: list[tuple[int, str]]
    countries: list[tuple[int, str, str, str | None]]
    regions: dict[str, list[int]]
    fmus: list[int]
    admin: int
    agencies: dict[int, list[int]]
    members: list[Member]
    templates: dict[int, list[dict[str, Any]]]
    framework: ResultsFramework | None = None


# --- Plans: what happened to each proposal, before any row is written -------------------------------------


@dataclass
class MeetingPlan:
    id: int
    reference: str
    held_on: date
    state: MeetingState
    items: list[DecisionPlan] = field(default_factory=list)
    present: set[int] = field(default_factory=set)


@dataclass
class DecisionPlan:
    proposal: ProposalPlan
    version: VersionPlan
    on: date
    outcome: DecisionOutcome | None  # None: the final decision, approve or reject chosen in the second pass
    meeting: MeetingPlan | None = None
    procedure: bool = False
    amount: Decimal | None = None
    reference: str = ""
    id: int = 0


@dataclass
class VersionPlan:
    number: int
    submitted: date
    start_date: date
    screening_started: date | None = None
    screening_done: date | None = None
    screening_outcome: ScreeningOutcome | None = None
    review_from: date | None = None
    due: date | None = None
    content: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    snapshot: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProposalPlan:
    index: int
    created: date
    area: dict[str, Any]
    quality: float
    live: bool = False
    state: ProposalState = S.draft
    versions: list[VersionPlan] = field(default_factory=list)
    moves: list[tuple[date, ProposalState, str]] = field(default_factory=list)
    decisions: list[DecisionPlan] = field(default_factory=list)
    content: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[int, bool] = field(default_factory=dict)  # member id -> waived
    id: int = 0
    reference: str = ""
    funded_on: date | None = None
    start: date | None = None
    end: date | None = None
    first_transfer: date | None = None

    def move(self, day: date, target: ProposalState, action: str) -> None:
        self.moves.append((day, target, action))
        self.state = target

    @property
    def org_ids(self) -> set[int]:
        return {org for org, _rate in self.content["participants"]}

    def recused(self, member: Member) -> bool:
        return member.organization_id in self.org_ids or self.conflicts.get(member.id) is False


class Generator:
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

    # --- Meetings ---

    def plan_meetings(self) -> None:
        today = self.w.today
        day = date(self.w.first_year, 6, 15)
        per_year: Counter = Counter()
        while day < today:
            per_year[day.year] += 1
            self.meetings.append(self.meeting(day, per_year, MeetingState.closed))
            day = date(day.year + day.month // 12, day.month % 12 + 1, 15)
        self.meeting_days = [m.held_on for m in self.meetings]
        per_year[today.year] += 1
        self.live_meeting = self.meeting(today, per_year, MeetingState.in_progress)
        next_day = date(today.year + today.month // 12, today.month % 12 + 1, 15)
        per_year[next_day.year] += 1
        self.next_meeting = self.meeting(next_day, per_year, MeetingState.scheduled)

    def meeting(self, day: date, per_year: Counter, state: MeetingState) -> MeetingPlan:
        reference = f"{self.w.fund.code}-SC-{day.year}-{per_year[day.year]:02d}"
        plan = MeetingPlan(self.out.next_id("meetings"), reference, day, state)
        members = self.w.members
        if state is MeetingState.closed:
            plan.present = {m.id for m in members if self.rng.random() < 0.86}
        elif state is MeetingState.in_progress:
            plan.present = {m.id for m in members}
        return plan

    def meeting_after(self, day: date) -> MeetingPlan | None:
        """The first meeting already held on or after the day."""
        index = bisect.bisect_left(self.meeting_days, day)
        return self.meetings[index] if index < len(self.meetings) else None

    # --- Proposal histories ---

    def plan_proposals(self) -> None:
        w, rng = self.w, self.rng
        first, last = date(w.first_year, 3, 1), w.today - timedelta(days=3)
        span = (last - first).days
        weights = [float(a["weight"]) for a in w.areas]
        created = []
        for _ in range(self.size.proposals - LIVE_ITEMS):
            # density grows over the years (twice as many proposals at the end as at the start)
            share = -1 + math.sqrt(1 + 3 * rng.random())
            created.append(first + timedelta(days=int(share * span)))
        created.sort()
        for index, day in enumerate(created):
            area = rng.choices(w.areas, weights)[0]
            plan = ProposalPlan(index, day, area, quality=rng.uniform(1.8, 4.7))
            self.simulate(plan)
            self.plans.append(plan)
        for n in range(LIVE_ITEMS):  # on today's live meeting: in review, no Steering Committee member recused
            day = w.today - timedelta(days=70 + n)
            plan = ProposalPlan(len(self.plans), day, w.areas[n % len(w.areas)], quality=rng.uniform(3, 4.5), live=True)
            self.simulate(plan, live=True)
            self.plans.append(plan)
        self.plans.sort(key=lambda p: (p.created, p.index))
        self.choose_funded()

    def simulate(self, plan: ProposalPlan, live: bool = False) -> None:
        """Walk one proposal through the programme cycle until today (the final decision comes later)."""
        rng, today = self.rng, self.w.today
        plan.content = self.content(plan, live)
        plan.move(plan.created, S.draft, "proposal.created")
        roll = rng.random()
        if not live and roll < 0.05:
            return  # a draft never submitted
        if not live and roll < 0.08:
            withdrawn = plan.created + timedelta(days=rng.randint(10, 90))
            if withdrawn <= today:
                plan.move(withdrawn, S.withdrawn, "proposal.withdrawn")
            return
        start = plan.created
        for number in (1, 2, 3):
            submitted = start + timedelta(days=rng.randint(20, 70) if number == 1 else rng.randint(20, 60))
            if live:
                submitted = today - timedelta(days=60 - 2 * plan.index % 10)
            if submitted > today:
                return
            version = VersionPlan(number, submitted, month_start_after(submitted + timedelta(days=120)))
            plan.versions.append(version)
            plan.move(submitted, S.submitted, "proposal.submitted")
            version.screening_started = submitted + timedelta(days=rng.randint(2, 10))
            if version.screening_started > today:
                return
            plan.move(version.screening_started, S.screening, "proposal.screening_started")
            done = version.screening_started + timedelta(days=rng.randint(4, 16))
            if done > today:
                return
            version.screening_done = done
            if not live and number < 3 and rng.random() < 0.16:
                version.screening_outcome = ScreeningOutcome.returned
                plan.move(done, S.returned, "proposal.returned")
                fate = rng.random()
                if fate < 0.12 and done + timedelta(days=30) <= today:
                    plan.move(done + timedelta(days=rng.randint(5, 30)), S.withdrawn, "proposal.withdrawn")
                    return
                if fate < 0.85:
                    start = done
                    continue
                return
            version.screening_outcome = ScreeningOutcome.forwarded
            version.review_from = done
            version.due = done + timedelta(days=28)
            plan.move(done, S.in_review, "proposal.forwarded_to_review")
            if live:
                version.due = min(version.due, today - timedelta(days=3))
                return
            if rng.random() < 0.02 and version.due <= today:
                plan.move(version.due - timedelta(days=rng.randint(1, 20)), S.withdrawn, "proposal.withdrawn")
                return
            decision = self.decision_slot(plan, version, version.due + timedelta(days=3))
            if decision is None:
                return
            roll = rng.random()
            if number < 3 and roll < 0.12:
                decision.outcome = DecisionOutcome.defer
                self.decide(plan, decision)
                if rng.random() < 0.55:
                    start = decision.on + timedelta(days=rng.randint(10, 60))
                    continue
                return
            if roll < 0.22:
                decision.outcome = DecisionOutcome.endorse
                self.decide(plan, decision)
                later = self.decision_slot(plan, version, decision.on + timedelta(days=rng.randint(60, 240)))
                if later is not None:
                    plan.decisions.append(later)  # the final decision: approve or reject
                return
            plan.decisions.append(decision)
            return

    def decision_slot(self, plan: ProposalPlan, version: VersionPlan, earliest: date) -> DecisionPlan | None:
        """A decision at the first meeting held after the day, or (now and then) by written procedure."""
        if self.rng.random() < 0.05:
            deadline = earliest + timedelta(days=10)
            if deadline + timedelta(days=1) <= self.w.today:
                return DecisionPlan(plan, version, deadline + timedelta(days=1), None, procedure=True)
        meeting = self.meeting_after(earliest)
        if meeting is None:
            return None
        return DecisionPlan(plan, version, meeting.held_on, None, meeting=meeting)

    def decide(self, plan: ProposalPlan, decision: DecisionPlan) -> None:
        targets = {
            DecisionOutcome.approve: (S.approved, "proposal.approved"),
            DecisionOutcome.approve_with_conditions: (S.approved, "proposal.approved"),
            DecisionOutcome.endorse: (S.endorsed, "proposal.endorsed"),
            DecisionOutcome.defer: (S.deferred, "proposal.deferred"),
            DecisionOutcome.reject: (S.rejected, "proposal.rejected"),
        }
        target, action = targets[decision.outcome]
        plan.decisions.append(decision)
        plan.move(decision.on, target, action)

    def choose_funded(self) -> None:
        """The best-scored final decisions are approvals, as many as the size asks; the others rejections."""
        finals = [(p, d) for p in self.plans for d in p.decisions if d.outcome is None]
        ranked = sorted(finals, key=lambda pd: pd[0].quality + self.rng.uniform(-0.6, 0.6), reverse=True)
        funded = {id(d) for _p, d in ranked[: self.size.programmes]}
        for plan, decision in sorted(finals, key=lambda pd: pd[1].on):
            plan.decisions.remove(decision)
            if id(decision) in funded:
                conditional = self.rng.random() < 0.12
                decision.outcome = DecisionOutcome.approve_with_conditions if conditional else DecisionOutcome.approve
                plan.funded_on = decision.on
            else:
                decision.outcome = DecisionOutcome.reject
            self.decide(plan, decision)
            if plan.funded_on is not None:
                self.run_programme(plan)

    def run_programme(self, plan: ProposalPlan) -> None:
        """Active from its first transfer, closed a few months after its end date."""
        today = self.w.today
        version = plan.versions[-1]
        plan.start = version.start_date
        plan.end = results_ops.add_months(plan.start, plan.content["duration"]) - timedelta(days=1)
        plan.first_transfer = plan.funded_on + timedelta(days=self.rng.randint(20, 50))
        if plan.first_transfer > today:
            return
        plan.move(plan.first_transfer, S.active, "programme.activated")
        closing = plan.end + timedelta(days=self.rng.randint(60, 150))
        if closing <= today:
            plan.move(closing, S.closed, "programme.closed")

    # --- What each proposal holds ---

    def content(self, plan: ProposalPlan, live: bool) -> dict[str, Any]:
        w, rng = self.w, self.rng
        area = plan.area
        if live:
            orgs = rng.sample(w.neutral_punos, min(len(w.neutral_punos), 2 + plan.index % 2))
        else:
            count = rng.choices([2, 3, 4], [55, 35, 10])[0]
            orgs = [org for org, _code in rng.sample(w.punos, count)]
        rates = [Decimal("0.07") if rng.random() < 0.8 else Decimal("0.065") for _ in orgs]
        if rng.random() < 0.2:
            region = rng.choice(list(w.regions))
            countries = rng.sample(w.regions[region], min(len(w.regions[region]), rng.randint(2, 4)))
            country_id, place = None, territory_name(region, "en")
        else:
            region, countries = None, []
            country_id, iso2, _iso3, _region = rng.choice(w.countries)
            place = territory_name(iso2, "en")
        theme = rng.choice(THEMES.get(area["code"], ["Safe, orderly and regular migration"]))
        duration = rng.choice([18, 24, 24, 30, 36, 36, 36, 48])
        years = programme_years(duration)
        total = Decimal(rng.randint(1_200, 4_600)) * 1000
        direct_target = total / Decimal("1.07")
        lead_share = Decimal(rng.randint(40, 55)) / 100
        org_shares = [lead_share] + [(1 - lead_share) / (len(orgs) - 1)] * (len(orgs) - 1)
        lines = []
        for org, org_share in zip(orgs, org_shares, strict=True):
            categories = [w.categories[0][0]] + [c for c, _code in rng.sample(w.categories[1:], 2)]
            category_shares = [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]
            for category, category_share in zip(categories, category_shares, strict=True):
                for year in range(1, years + 1):
                    amount = (direct_target * org_share * category_share / years).quantize(Decimal(100))
                    lines.append((org, category, year, amount))
        return {
            "title": f"{theme} in {place}",
            "summary": (
                f"A joint programme of {len(orgs)} UN organizations with the national and local authorities "
                f"of {place}: {theme.lower()}, through policy support, capacity development and services "
                "for migrants and communities, in line with the Global Compact for Migration."
            ),
            "country_id": country_id,
            "region": region,
            "countries": countries,
            "objectives": sorted(rng.sample(area["objectives"], min(len(area["objectives"]), rng.randint(1, 3)))),
            "principles": sorted(rng.sample(w.principles, rng.randint(3, 6))),
            "markers": [
                (marker_id, code, rng.choices([1, 2, 3], [20, 55, 25])[0]) for marker_id, code, _m in w.markers
            ],
            "duration": duration,
            "participants": list(zip(orgs, rates, strict=True)),
            "lead": orgs[0],
            "lines": lines,
            "matrix": self.matrix(area, place),
        }

    def matrix(self, area: dict[str, Any], place: str) -> list[dict[str, Any]]:
        """Two outcomes, each with an outcome indicator and two outputs of two indicators: ten indicators."""
        rng, pool = self.rng, self.w.templates[area["id"]]
        outcome_pool = [t for t in pool if t["level"] == "outcome"] or pool
        output_pool = [t for t in pool if t["level"] == "output"] or pool
        outcomes = []
        n = 0
        for k in range(2):

            def indicator(template: dict[str, Any]) -> dict[str, Any]:
                nonlocal n
                n += 1
                baseline, target = template["range"](rng)
                return {
                    "name": template["name"] + QUALIFIERS[n % len(QUALIFIERS)],
                    "unit": template["unit"],
                    "baseline": baseline,
                    "target": target,
                    "means_of_verification": template["mov"],
                    "disaggregation": list(template["disaggregation"]),
                    "fund_indicator_id": template["id"],
                    "objective": template["objective"],
                }

            statement = outcome_pool[k % len(outcome_pool)]["outcome_statement"]
            outcomes.append(
                {
                    "statement": f"{statement} ({place}, outcome {k + 1})",
                    "indicators": [indicator(outcome_pool[k % len(outcome_pool)])],
                    "outputs": [
                        {
                            "statement": f"Output {k + 1}.{j + 1}: "
                            + output_pool[(2 * k + j) % len(output_pool)]["output_statement"],
                            "indicators": [
                                indicator(output_pool[(4 * k + 2 * j + m) % len(output_pool)]) for m in range(2)
                            ],
                        }
                        for j in range(2)
                    ],
                }
            )
        return outcomes

    # --- Writing ---

    def write(self) -> None:
        counters: Counter = Counter()
        for plan in self.plans:
            year = plan.created.year
            counters[year] += 1
            plan.id = self.out.next_id("proposals")
            plan.reference = f"{self.w.fund.code}-{year}-{counters[year]:04d}"
        for year, last in counters.items():
            self.out.add("proposal_counters", {"fund_id": self.w.fund.id, "year": year, "last_number": last})
        for meeting in [*self.meetings, self.live_meeting, self.next_meeting]:
            self.write_meeting(meeting)
        self.money = MoneyPlan(self)
        self.results = ResultsPlan(self)
        for plan in self.plans:
            self.write_proposal(plan)
        self.write_decisions()
        self.write_live_items()
        self.money.write()
        self.counts["proposals"] = len(self.plans)
        self.counts.update(p.state.value for p in self.plans)

    def write_meeting(self, meeting: MeetingPlan) -> None:
        fmu = self.rng.choice(self.w.fmus)
        self.out.add(
            "meetings",
            {
                "id": meeting.id,
                "fund_id": self.w.fund.id,
                "reference": meeting.reference,
                "title": f"Steering Committee meeting {meeting.reference[-7:]}",
                "held_on": meeting.held_on,
                "mode": self.rng.choice(list(MeetingMode)),
                "location": "Geneva and online",
                "language": "en",
                "quorum_share": None,
                "state": meeting.state,
                "scheduled_by_id": fmu,
                "created_at": moment(self.rng, meeting.held_on - timedelta(days=30)),
                "started_at": moment(self.rng, meeting.held_on)
                if meeting.state is not MeetingState.scheduled
                else None,
                "ended_at": moment(self.rng, meeting.held_on) if meeting.state is MeetingState.closed else None,
            },
        )
        for member in self.w.members:
            self.out.add(
                "meeting_attendance",
                {
                    "id": self.out.next_id("meeting_attendance"),
                    "meeting_id": meeting.id,
                    "member_id": member.id,
                    "present": member.id in meeting.present,
                    "updated_at": moment(self.rng, meeting.held_on),
                },
            )

    def write_proposal(self, plan: ProposalPlan) -> None:
        w, rng, out = self.w, self.rng, self.out
        c = plan.content
        author = rng.choice(w.agencies[c["lead"]])
        latest = plan.versions[-1] if plan.versions else None
        out.add(
            "proposals",
            {
                "id": plan.id,
                "fund_id": w.fund.id,
                "reference": plan.reference,
                "state": plan.state,
                "title": c["title"],
                "summary": c["summary"],
                "country_id": c["country_id"],
                "region_code": c["region"],
                "primary_area_id": plan.area["id"],
                "duration_months": c["duration"],
                "start_date": latest.start_date if latest else month_start_after(plan.created + timedelta(days=150)),
                "government_endorsement": bool(plan.versions) or rng.random() < 0.5,
                "lead_organization_id": c["lead"],
                "created_by_id": author,
                "created_at": moment(rng, plan.created),
                "updated_at": moment(rng, plan.moves[-1][0]),
                "submitted_at": moment(rng, latest.submitted) if latest else None,
                "version_count": len(plan.versions),
                "total_amount": Decimal(budget_of(c)["totals"]["total"]),
                "withdrawal_reason": "The partners agreed to pursue the work with other funding."
                if plan.state is S.withdrawn
                else "",
            },
        )
        self.write_conflicts(plan)
        attachments = self.write_attachments(plan, author) if plan.versions else []
        self.write_draft(plan)
        for version in plan.versions:
            last = version is latest
            content = c if last else self.earlier(c, version)
            version.id = out.next_id("proposal_versions")
            version.snapshot = snapshot(plan, content, version, w, attachments)
            totals = version.snapshot["totals"]
            out.add(
                "proposal_versions",
                {
                    "id": version.id,
                    "proposal_id": plan.id,
                    "number": version.number,
                    "submitted_at": moment(rng, version.submitted),
                    "submitted_by_id": author,
                    "snapshot": version.snapshot,
                    "direct_total": Decimal(totals["direct"]),
                    "indirect_total": Decimal(totals["indirect"]),
                    "total": Decimal(totals["total"]),
                },
            )
            self.write_screening(plan, version)
            if version.review_from:
                self.write_reviews(plan, version)
        self.write_moves(plan, author)
        if plan.funded_on is not None:
            self.results.establish(plan, author)

    def earlier(self, content: dict[str, Any], version: VersionPlan) -> dict[str, Any]:
        """An earlier version: the same programme with a larger budget the Steering Committee or the FMU questioned."""
        factor = Decimal("1.08") if version.number == 1 else Decimal("1.04")
        lines = [
            (org, cat, year, (amount * factor).quantize(Decimal(100))) for org, cat, year, amount in content["lines"]
        ]
        return content | {"lines": lines, "title": content["title"] + " (first submission)"}

    def write_conflicts(self, plan: ProposalPlan) -> None:
        if plan.live or not plan.versions or self.rng.random() > 0.03:
            return
        candidates = [m for m in self.w.members if m.organization_id not in plan.org_ids]
        member = self.rng.choice(candidates)
        waived = self.rng.random() < 0.3
        plan.conflicts[member.id] = waived
        declared = plan.versions[0].submitted + timedelta(days=5)
        self.out.add(
            "conflicts",
            {
                "id": self.out.next_id("conflicts"),
                "proposal_id": plan.id,
                "member_id": member.id,
                "reason": "A close relative works for one of the implementing partners.",
                "declared_at": moment(self.rng, declared),
                "waived_at": moment(self.rng, declared + timedelta(days=3)) if waived else None,
                "waived_by_id": self.rng.choice(self.w.fmus) if waived else None,
                "waiver_reason": "The relative has no role in this programme." if waived else "",
            },
        )

    def write_attachments(self, plan: ProposalPlan, author: int) -> list[dict[str, Any]]:
        rows = []
        for days, kind, name in (
            (5, AttachmentKind.endorsement_letter, "endorsement-letter.pdf"),
            (9, AttachmentKind.full_document, "programme-document.pdf"),
        ):
            content = f"{plan.reference}/{name}".encode()
            row = self.out.add(
                "attachments",
                {
                    "id": self.out.next_id("attachments"),
                    "proposal_id": plan.id,
                    "kind": kind,
                    "filename": name,
                    "content_type": "application/pdf",
                    "size": 150_000 + self.rng.randint(0, 900_000),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "storage_key": f"bench-{secrets.token_hex(16)}",
                    "uploaded_by_id": author,
                    "uploaded_at": moment(self.rng, plan.created + timedelta(days=days)),
                    "removed_at": None,
                },
            )
            rows.append(row)
        return rows

    def write_draft(self, plan: ProposalPlan) -> None:
        """The live draft's rows: what the agencies edit, equal to the latest version's content."""
        out, c = self.out, plan.content
        for org, rate in c["participants"]:
            out.add(
                "participants",
                {
                    "id": out.next_id("participants"),
                    "proposal_id": plan.id,
                    "organization_id": org,
                    "indirect_rate": rate,
                },
            )
        for marker_id, _code, level in c["markers"]:
            out.add(
                "proposal_markers",
                {
                    "id": out.next_id("proposal_markers"),
                    "proposal_id": plan.id,
                    "marker_id": marker_id,
                    "level": level,
                    "justification": "The programme's analysis, activities and indicators address this dimension.",
                },
            )
        for org, category, year, amount in c["lines"]:
            out.add(
                "budget_lines",
                {
                    "id": out.next_id("budget_lines"),
                    "proposal_id": plan.id,
                    "organization_id": org,
                    "category_id": category,
                    "year": year,
                    "amount": amount,
                },
            )
        for number in c["objectives"]:
            out.add("proposal_objectives", {"proposal_id": plan.id, "objective_id": self.w.objective_numbers[number]})
        for principle_id, _number, _code in c["principles"]:
            out.add("proposal_principles", {"proposal_id": plan.id, "principle_id": principle_id})
        for country_id in c["countries"]:
            out.add("proposal_countries", {"proposal_id": plan.id, "country_id": country_id})
        write_matrix(
            out, c["matrix"], ("matrix_outcomes", "matrix_outputs"), {"proposal_id": plan.id}, self.draft_indicators
        )

    def draft_indicators(self, outcome_id: int, output_id: int | None, items: list[dict[str, Any]]) -> None:
        for position, item in enumerate(items, start=1):
            self.out.add(
                "matrix_indicators",
                {
                    "id": self.out.next_id("matrix_indicators"),
                    "outcome_id": outcome_id,
                    "output_id": output_id,
                    "position": position,
                    "name": item["name"],
                    "unit": item["unit"],
                    "baseline": item["baseline"],
                    "target": item["target"],
                    "means_of_verification": item["means_of_verification"],
                    "disaggregation": item["disaggregation"],
                },
            )

    def write_screening(self, plan: ProposalPlan, version: VersionPlan) -> None:
        if version.screening_started is None:
            return
        rng, out = self.rng, self.out
        screening_id = out.next_id("screenings")
        returned = version.screening_outcome is ScreeningOutcome.returned
        out.add(
            "screenings",
            {
                "id": screening_id,
                "version_id": version.id,
                "screener_id": rng.choice(self.w.fmus),
                "started_at": moment(rng, version.screening_started),
                "completed_at": moment(rng, version.screening_done) if version.screening_done else None,
                "outcome": version.screening_outcome,
                "reasons": "The budget annex does not match the budget grid; indirect costs exceed the cap."
                if returned
                else "",
            },
        )
        failing = set(rng.sample(self.w.checks, 2)) if returned else set()
        for check in self.w.checks:
            done = version.screening_done is not None
            out.add(
                "screening_items",
                {
                    "id": out.next_id("screening_items"),
                    "screening_id": screening_id,
                    "check_id": check,
                    "passed": (check not in failing) if done else (True if rng.random() < 0.5 else None),
                    "comment": "See the screening note." if check in failing else "",
                },
            )

    def write_reviews(self, plan: ProposalPlan, version: VersionPlan) -> None:
        """Five members asked to score the version; their reviews and scores, as far as today allows."""
        rng, out, today = self.rng, self.out, self.w.today
        eligible = [m for m in self.w.members if not plan.recused(m) and m.id not in plan.conflicts]
        decided = any(d.version is version for d in plan.decisions) or plan.state not in (S.in_review,)
        for member in rng.sample(eligible, min(5, len(eligible))):
            out.add(
                "review_assignments",
                {
                    "id": out.next_id("review_assignments"),
                    "proposal_id": plan.id,
                    "version_id": version.id,
                    "member_id": member.id,
                    "due_on": version.due,
                    "assigned_by_id": rng.choice(self.w.fmus),
                    "assigned_at": moment(rng, version.review_from),
                },
            )
            roll = rng.random()
            if not decided and not plan.live and roll > 0.75:
                continue  # not begun yet
            submitted = decided or plan.live or roll < 0.5
            day = min(today, version.review_from + timedelta(days=rng.randint(3, 27)))
            bias = rng.uniform(-0.7, 0.7)
            values = [max(1, min(5, round(plan.quality + bias + rng.uniform(-0.8, 0.8)))) for _ in self.w.criteria]
            if not submitted:
                values = [v if rng.random() < 0.6 else None for v in values]
            mean = sum(v for v in values if v) / max(1, sum(1 for v in values if v))
            recommendation = (
                Recommendation.approve
                if mean >= 3.8
                else Recommendation.approve_with_conditions
                if mean >= 3.2
                else Recommendation.revise
                if mean >= 2.5
                else Recommendation.reject
            )
            review_id = out.next_id("reviews")
            out.add(
                "reviews",
                {
                    "id": review_id,
                    "proposal_id": plan.id,
                    "version_id": version.id,
                    "member_id": member.id,
                    "state": ReviewState.submitted if submitted else ReviewState.draft,
                    "recommendation": recommendation if submitted else None,
                    "comment": "Relevant and well designed; the results matrix could be sharper." if submitted else "",
                    "started_at": moment(rng, version.review_from + timedelta(days=1)),
                    "updated_at": moment(rng, day),
                    "submitted_at": moment(rng, day) if submitted else None,
                },
            )
            for (criterion_id, _weight), value in zip(self.w.criteria, values, strict=True):
                out.add(
                    "review_scores",
                    {
                        "id": out.next_id("review_scores"),
                        "review_id": review_id,
                        "criterion_id": criterion_id,
                        "value": value,
                        "comment": "",
                    },
                )
            self.counts["reviews"] += 1

    def write_moves(self, plan: ProposalPlan, author: int) -> None:
        before = None
        for day, target, action in plan.moves:
            if action != "proposal.created":
                actor = (
                    author if action in ("proposal.submitted", "proposal.withdrawn") else self.rng.choice(self.w.fmus)
                )
                self.audit(
                    action,
                    "proposal",
                    plan.id,
                    day,
                    actor,
                    before={"state": before.value},
                    after={"state": target.value},
                    summary=plan.reference,
                )
            before = target

    def audit(
        self,
        action: str,
        object_type: str,
        object_id: int,
        day: date,
        actor: int | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        summary: str = "",
    ) -> None:
        self.out.add(
            "audit_entries",
            {
                "id": self.out.next_id("audit_entries"),
                "created_at": moment(self.rng, day),
                "actor_id": actor,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "fund_id": self.w.fund.id,
                "summary": summary,
                "before": before,
                "after": after,
            },
        )

    # --- Decisions, agenda items and votes ---

    def write_decisions(self) -> None:
        by_meeting: dict[int, list[DecisionPlan]] = defaultdict(list)
        procedures = []
        for plan in self.plans:
            for decision in plan.decisions:
                (procedures if decision.procedure else by_meeting[decision.meeting.id]).append(decision)
        for meeting in self.meetings:
            items = sorted(by_meeting.get(meeting.id, []), key=lambda d: d.proposal.reference)
            for position, decision in enumerate(items, start=1):
                decision.reference = f"{meeting.reference}/{position}"
                self.write_item(meeting, position, decision)
        for decision in sorted(procedures, key=lambda d: d.on):
            self.write_procedure(decision)

    def choice_for(self, outcome: DecisionOutcome) -> VoteChoice:
        if self.rng.random() < 0.08:
            return VoteChoice.abstain
        return {
            DecisionOutcome.approve: VoteChoice.approve,
            DecisionOutcome.approve_with_conditions: VoteChoice.approve_with_conditions,
            DecisionOutcome.endorse: VoteChoice.approve,
            DecisionOutcome.defer: VoteChoice.defer,
            DecisionOutcome.reject: VoteChoice.reject,
        }[outcome]

    def write_item(self, meeting: MeetingPlan, position: int, decision: DecisionPlan) -> None:
        out, rng, plan = self.out, self.rng, decision.proposal
        recused = {m.id for m in self.w.members if plan.recused(m)}
        eligible = {m.id for m in self.w.members} - recused
        present = meeting.present - recused
        share = self.w.fund.quorum_share
        required = min(int(share * len(eligible)) + 1, max(len(eligible), 1))
        item_id = out.next_id("agenda_items")
        opened = moment(rng, meeting.held_on)
        out.add(
            "agenda_items",
            {
                "id": item_id,
                "meeting_id": meeting.id,
                "position": position,
                "proposal_id": plan.id,
                "version_id": decision.version.id,
                "state": ItemState.decided,
                "opened_at": opened,
                "closed_at": opened + timedelta(minutes=20),
                "quorum_record": {
                    "share": str(share),
                    "eligible": sorted(eligible),
                    "present": sorted(present),
                    "recused": sorted(recused),
                    "required": required,
                    "met": len(present) >= required,
                },
            },
        )
        for member_id in sorted(present):
            out.add(
                "votes",
                {
                    "id": out.next_id("votes"),
                    "item_id": item_id,
                    "member_id": member_id,
                    "choice": self.choice_for(decision.outcome),
                    "cast_at": opened + timedelta(minutes=rng.randint(1, 15)),
                },
            )
            self.counts["votes"] += 1
        self.write_decision(decision, item_id=item_id, procedure_id=None)

    def write_procedure(self, decision: DecisionPlan) -> None:
        out, rng, plan = self.out, self.rng, decision.proposal
        year = decision.on.year
        self.procedures_by_year[year] += 1
        decision.reference = f"{self.w.fund.code}-WP-{year}-{self.procedures_by_year[year]:02d}"
        procedure_id = out.next_id("written_procedures")
        circulated = decision.on - timedelta(days=11)
        out.add(
            "written_procedures",
            {
                "id": procedure_id,
                "fund_id": self.w.fund.id,
                "reference": decision.reference,
                "proposal_id": plan.id,
                "version_id": decision.version.id,
                "outcome": decision.outcome,
                "conditions": self.conditions(decision),
                "approved_amount": self.amount_of(decision),
                "rationale": "Urgent start before the next meeting.",
                "deadline": decision.on - timedelta(days=1),
                "state": WrittenProcedureState.adopted,
                "circulated_by_id": rng.choice(self.w.fmus),
                "circulated_at": moment(rng, circulated),
                "concluded_at": moment(rng, decision.on),
            },
        )
        for member in self.w.members:
            if not plan.recused(member) and rng.random() < 0.7:
                out.add(
                    "written_procedure_responses",
                    {
                        "id": out.next_id("written_procedure_responses"),
                        "procedure_id": procedure_id,
                        "member_id": member.id,
                        "objects": False,
                        "reason": "",
                        "responded_at": moment(rng, circulated + timedelta(days=rng.randint(1, 9))),
                    },
                )
        self.write_decision(decision, item_id=None, procedure_id=procedure_id)

    def conditions(self, decision: DecisionPlan) -> str:
        if decision.outcome is DecisionOutcome.approve_with_conditions:
            return "Revise the results matrix with the FMU before the first transfer."
        return ""

    def amount_of(self, decision: DecisionPlan) -> Decimal | None:
        if not decision.outcome.funds:
            return None
        if decision.amount is None:
            total = Decimal(decision.version.snapshot["totals"]["total"])
            cut = self.rng.random() < 0.1
            decision.amount = (total * Decimal("0.95")).quantize(Decimal(1000)) if cut else total
        return decision.amount

    def write_decision(self, decision: DecisionPlan, *, item_id: int | None, procedure_id: int | None) -> None:
        decision.id = self.out.next_id("decisions")
        fmu = self.rng.choice(self.w.fmus)
        self.out.add(
            "decisions",
            {
                "id": decision.id,
                "fund_id": self.w.fund.id,
                "reference": decision.reference,
                "proposal_id": decision.proposal.id,
                "version_id": decision.version.id,
                "outcome": decision.outcome,
                "conditions": self.conditions(decision),
                "approved_amount": self.amount_of(decision),
                "decided_on": decision.on,
                "item_id": item_id,
                "procedure_id": procedure_id,
                "recorded_by_id": fmu,
                "recorded_at": moment(self.rng, decision.on),
            },
        )
        self.audit(
            "decision.recorded",
            "decision",
            decision.id,
            decision.on,
            fmu,
            after={"outcome": decision.outcome.value, "reference": decision.reference},
            summary=f"{decision.reference} {decision.proposal.reference}",
        )
        if decision.outcome.funds:
            self.money.allocate(decision)

    def write_live_items(self) -> None:
        """Today's meeting: the proposals to decide, none opened yet (the benchmark opens them)."""
        live = [p for p in self.plans if p.live]
        for position, plan in enumerate(live, start=1):
            self.out.add(
                "agenda_items",
                {
                    "id": self.out.next_id("agenda_items"),
                    "meeting_id": self.live_meeting.id,
                    "position": position,
                    "proposal_id": plan.id,
                    "version_id": plan.versions[-1].id,
                    "state": ItemState.pending,
                    "opened_at": None,
                    "closed_at": None,
                    "quorum_record": None,
                },
            )


def write_matrix(
    out: BulkWriter, matrix: list[dict[str, Any]], tables: tuple[str, str], owner: dict[str, int], indicators: Any
) -> list[int]:
    """A results matrix's outcomes and outputs (a draft's or a programme's), each one's indicators through
    `indicators(outcome_id, output_id, items)`, in the order build_matrix gives them; returns the outcome ids."""
    outcome_ids = []
    for o_position, outcome in enumerate(matrix, start=1):
        outcome_id = out.next_id(tables[0])
        out.add(tables[0], owner | {"id": outcome_id, "position": o_position, "statement": outcome["statement"]})
        outcome_ids.append(outcome_id)
        indicators(outcome_id, None, outcome["indicators"])
        for p_position, output in enumerate(outcome["outputs"], start=1):
            output_id = out.next_id(tables[1])
            out.add(
                tables[1],
                {"id": output_id, "outcome_id": outcome_id, "position": p_position, "statement": output["statement"]},
            )
            indicators(outcome_id, output_id, output["indicators"])
    return outcome_ids


def budget_of(content: dict[str, Any]) -> dict[str, Any]:
    """Totals per participant and overall, as fundmgr.proposals.budget.budget_totals computes them."""
    direct: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for org, _category, _year, amount in content["lines"]:
        direct[org] += amount
    participants = []
    for org, rate in content["participants"]:
        d = direct[org]
        i = to_cents(d * rate)
        participants.append((org, rate, d, i, d + i))
    d_total = sum((p[2] for p in participants), ZERO)
    i_total = sum((p[3] for p in participants), ZERO)
    return {
        "participants": participants,
        "totals": {
            "direct": decimal_text(d_total),
            "indirect": decimal_text(i_total),
            "total": decimal_text(d_total + i_total),
        },
    }


def snapshot(
    plan: ProposalPlan, content: dict[str, Any], version: VersionPlan, w: World, attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    """The version's frozen content, in the shape of fundmgr.proposals.versions.snapshot_of."""
    budget = budget_of(content)
    codes = dict(w.punos)
    category_codes = dict(w.categories)
    rates = {org: format(rate.quantize(Decimal("0.000001")), "f") for org, rate in content["participants"]}
    countries = {cid: iso3 for cid, _iso2, iso3, _r in w.countries}
    markers = {
        code: {
            "level": level,
            "justification": "The programme's analysis, activities and indicators address this dimension.",
        }
        for _mid, code, level in content["markers"]
    }
    return {
        "reference": plan.reference,
        "title": content["title"],
        "summary": content["summary"],
        "country": countries[content["country_id"]] if content["country_id"] else None,
        "region": content["region"],
        "countries": sorted(countries[c] for c in content["countries"]),
        "primary_area": plan.area["code"],
        "objectives": list(content["objectives"]),
        "principles": [code for _pid, _number, code in content["principles"]],
        "duration_months": content["duration"],
        "start_date": version.start_date.isoformat(),
        "government_endorsement": True,
        "markers": markers,
        "lead": codes[content["lead"]],
        "participants": [
            {
                "organization_id": org,
                "code": codes[org],
                "lead": org == content["lead"],
                "indirect_rate": rates[org],
                "direct": decimal_text(d),
                "indirect": decimal_text(i),
                "total": decimal_text(t),
            }
            for org, _rate, d, i, t in budget["participants"]
        ],
        "budget": {
            "years": programme_years(content["duration"]),
            "lines": [
                {
                    "organization_id": org,
                    "organization": codes[org],
                    "category": category_codes[category],
                    "year": year,
                    "amount": decimal_text(amount),
                }
                for org, category, year, amount in sorted(content["lines"], key=lambda ln: (ln[0], ln[1], ln[2]))
            ],
        },
        "totals": budget["totals"],
        "matrix": [
            {
                "statement": o["statement"],
                "indicators": [indicator_data(i) for i in o["indicators"]],
                "outputs": [
                    {"statement": p["statement"], "indicators": [indicator_data(i) for i in p["indicators"]]}
                    for p in o["outputs"]
                ],
            }
            for o in content["matrix"]
        ],
        "attachments": [
            {
                "id": a["id"],
                "kind": a["kind"].value,
                "filename": a["filename"],
                "size": a["size"],
                "sha256": a["sha256"],
            }
            for a in attachments
        ],
    }


def indicator_data(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": item["name"],
        "unit": item["unit"],
        "baseline": plain_text(item["baseline"]),
        "target": plain_text(item["target"]),
        "means_of_verification": item["means_of_verification"],
        "disaggregation": list(item["disaggregation"]),
    }


# --- Money: contributions, allocations, transfers, releases, and the ledger they write ----------------------


@dataclass
class Allocated:
    """One funded programme's allocations and what happened to them."""

    plan: ProposalPlan
    decision: DecisionPlan
    rows: list[dict[str, Any]]
    area_parts: dict[int, dict[int | None, Decimal]]  # allocation id -> area id (None: unearmarked) -> drawn


class MoneyPlan:
    """Collects the fund's money movements, then writes contributions and the ledger in date order.

    Allocations draw on the area's earmark, then on unearmarked money; deposits are added (from
    donors' yearly agreements) whenever the money available would not cover the month's decisions,
    so no balance ever goes below zero.
    """

    def __init__(self, generator: Generator) -> None:
        self.g = generator
        self.w = generator.w
        self.rng = generator.rng
        self.events: list[tuple[date, int, str, Any]] = []  # (day, order, kind, data)
        self.allocated: list[Allocated] = []
        self.pending: list[DecisionPlan] = []

    def allocate(self, decision: DecisionPlan) -> None:
        self.pending.append(decision)

    def write(self) -> None:
        """Walk the months in order: top up, allocate, transfer, release; then write everything."""
        w, out = self.w, self.g.out
        by_month: dict[tuple[int, int], list[DecisionPlan]] = defaultdict(list)
        for decision in self.pending:
            by_month[(decision.on.year, decision.on.month)].append(decision)
        unearmarked = ZERO
        earmarks: dict[int, Decimal] = defaultdict(lambda: ZERO)
        ledger: list[dict[str, Any]] = []
        agreements: dict[tuple[int, int], dict[str, Any]] = {}
        month = date(w.first_year, 1, 1)
        while month <= w.today:
            decisions = sorted(by_month.get((month.year, month.month), []), key=lambda d: (d.on, d.id))
            need = sum((d.amount for d in decisions), ZERO)
            # what the month's decisions need (with a margin) unearmarked, and a base that may be earmarked
            shortfall = need * Decimal("1.1") - unearmarked
            base = (Decimal(15_000_000) * Decimal(str(self.g.size.scale)) / 6).quantize(Decimal(1000))
            if shortfall > 0 or month.month in (1, 7):
                for net, area in self.split_deposit(max(shortfall, ZERO), base):
                    deposit = self.deposit(month, net, area, agreements, ledger)
                    if area is None:
                        unearmarked += deposit
                    else:
                        earmarks[area] += deposit
            for decision in decisions:
                area = decision.proposal.area["id"]
                from_earmark = min(earmarks[area], decision.amount)
                earmarks[area] -= from_earmark
                unearmarked -= decision.amount - from_earmark
                self.allocation_rows(decision, from_earmark, ledger)
            if month.month == 12 and date(month.year, 12, 31) <= w.today:
                interest = to_cents((unearmarked + sum(earmarks.values(), ZERO)) * Decimal("0.004"))
                if interest > 0:
                    ledger.append(
                        self.entry(
                            date(month.year, 12, 31),
                            EntryKind.interest,
                            interest,
                            reference=f"INT-{month.year}",
                            note="Interest earned on the fund's balance",
                        )
                    )
                    unearmarked += interest
            if unearmarked < 0 or any(v < 0 for v in earmarks.values()):
                raise AssertionError(f"a balance went below zero in {month:%Y-%m}")
            month = month_start_after(month)
        self.write_agreements(agreements)
        for entry in sorted(ledger, key=lambda e: (e["on_date"], e["id"])):
            out.add("ledger_entries", entry)
        self.g.counts["ledger_entries"] = len(ledger)
        self.g.counts["deposits_usd"] = int(sum((e["amount"] for e in ledger if e["kind"] is EntryKind.deposit), ZERO))

    def split_deposit(self, needed: Decimal, base: Decimal) -> list[tuple[Decimal, int | None]]:
        """Net amounts to deposit: what is needed (unearmarked, rounded up), and a base now and then earmarked."""
        result = []
        if needed > 0:
            result.append(((needed + 500).quantize(Decimal(1000), rounding=ROUND_HALF_UP), None))
        parts = self.rng.randint(1, 2)
        for _ in range(parts):
            area = self.rng.choice(self.w.areas)["id"] if self.rng.random() < 0.4 else None
            result.append(((base / parts).quantize(Decimal(1000)), area))
        return result

    def deposit(self, month: date, net_usd: Decimal, area: int | None, agreements: dict, ledger: list) -> Decimal:
        """A donor's deposit under its agreement of the year; returns what becomes available (net of the fee)."""
        rng, w, out = self.rng, self.w, self.g.out
        donor_id, donor_code = rng.choice(w.donors)
        currency = CURRENCIES.get(donor_code, "USD")
        rate = (
            Decimal(1)
            if currency == "USD"
            else (USD_RATES[currency] * Decimal(str(rng.uniform(0.94, 1.06)))).quantize(Decimal("0.000001"))
        )
        gross_usd = to_cents(net_usd / (1 - w.fee_rate))
        amount = to_cents(gross_usd / rate)
        usd = to_cents(amount * rate)
        day = month + timedelta(days=rng.randint(2, 11))
        key = (donor_id, month.year, area or 0)
        number = sum(1 for k in agreements if k[:2] == key[:2]) + 1
        agreement = agreements.setdefault(
            key,
            {
                "reference": f"SAA-{month.year}-{donor_code[4:]}-{number:02d}",
                "donor_id": donor_id,
                "currency": currency,
                "rate": rate,
                "area": area,
                "amount": ZERO,
                "year": month.year,
                "first": day,
            },
        )
        agreement["amount"] += amount
        agreement["first"] = min(agreement["first"], day)
        contribution_id = out.next_id("contributions")
        out.add(
            "contributions",
            {
                "id": contribution_id,
                "fund_id": w.fund.id,
                "donor_id": donor_id,
                "kind": ContributionKind.deposit,
                "on_date": day,
                "currency": currency,
                "amount": amount,
                "rate_to_usd": rate,
                "usd_amount": usd,
                "area_id": area,
                "reference": agreement["reference"],
                "note": "",
                "corrects_id": None,
                "created_by_id": rng.choice(w.fmus),
                "created_at": moment(rng, day),
            },
        )
        fee = to_cents(usd * w.fee_rate)
        links = {"contribution_id": contribution_id, "area_id": area, "reference": agreement["reference"]}
        ledger.append(self.entry(day, EntryKind.deposit, usd, **links))
        ledger.append(self.entry(day, EntryKind.aa_fee, -fee, **links))
        self.g.counts["contributions"] += 1
        return usd - fee

    def write_agreements(self, agreements: dict) -> None:
        """Each agreement's commitment, signed before its first deposit; recent ones not yet fully paid."""
        rng, w, out = self.rng, self.w, self.g.out
        for agreement in agreements.values():
            committed = agreement["amount"]
            if agreement["year"] >= w.today.year - 1:
                committed = to_cents(committed * Decimal("1.25"))
            day = max(date(agreement["year"], 1, 1), agreement["first"] - timedelta(days=rng.randint(1, 20)))
            out.add(
                "contributions",
                {
                    "id": out.next_id("contributions"),
                    "fund_id": w.fund.id,
                    "donor_id": agreement["donor_id"],
                    "kind": ContributionKind.commitment,
                    "on_date": day,
                    "currency": agreement["currency"],
                    "amount": committed,
                    "rate_to_usd": agreement["rate"],
                    "usd_amount": to_cents(committed * agreement["rate"]),
                    "area_id": agreement["area"],
                    "reference": agreement["reference"],
                    "note": "",
                    "corrects_id": None,
                    "created_by_id": rng.choice(w.fmus),
                    "created_at": moment(rng, day),
                },
            )
            self.g.counts["contributions"] += 1

    def entry(self, day: date, kind: EntryKind, amount: Decimal, **links: Any) -> dict[str, Any]:
        return {
            "id": self.g.out.next_id("ledger_entries"),
            "fund_id": self.w.fund.id,
            "on_date": day,
            "kind": kind,
            "amount": amount,
            "area_id": links.get("area_id"),
            "contribution_id": links.get("contribution_id"),
            "allocation_id": links.get("allocation_id"),
            "transfer_id": links.get("transfer_id"),
            "proposal_id": links.get("proposal_id"),
            "reference": links.get("reference", ""),
            "note": links.get("note", ""),
            "created_by_id": self.rng.choice(self.w.fmus),
            "created_at": moment(self.rng, day),
        }

    def allocation_rows(self, decision: DecisionPlan, from_earmark: Decimal, ledger: list) -> None:
        """Allocations per organization (scaled as finance does), their transfers, and for some closed
        programmes a release."""
        rng, out, w = self.rng, self.g.out, self.w
        plan, version = decision.proposal, decision.version
        area = plan.area["id"]
        shares = [
            Share(int(p["organization_id"]), Decimal(p["direct"]), Decimal(p["indirect"]))
            for p in version.snapshot["participants"]
            if Decimal(p["total"]) > 0
        ]
        first_transfer = plan.first_transfer
        closed = plan.state is S.closed
        release = closed and rng.random() < 0.12
        for share in scale_to(shares, decision.amount):
            allocation_id = out.next_id("allocations")
            out.add(
                "allocations",
                {
                    "id": allocation_id,
                    "fund_id": w.fund.id,
                    "proposal_id": plan.id,
                    "version_id": version.id,
                    "organization_id": share.organization_id,
                    "direct": share.direct,
                    "indirect": share.indirect,
                    "total": share.total,
                    "decided_on": decision.on,
                    "reference": decision.reference,
                    "created_by_id": None,
                    "created_at": moment(rng, decision.on),
                },
            )
            earmarked = min(from_earmark, share.total)
            from_earmark -= earmarked
            links = {"allocation_id": allocation_id, "proposal_id": plan.id, "reference": decision.reference}
            drawn: dict[int | None, Decimal] = {}
            if earmarked:
                ledger.append(self.entry(decision.on, EntryKind.allocation, -earmarked, area_id=area, **links))
                drawn[area] = earmarked
            if share.total - earmarked:
                ledger.append(self.entry(decision.on, EntryKind.allocation, earmarked - share.total, **links))
                drawn[None] = share.total - earmarked
            self.g.audit(
                "allocation.created",
                "allocation",
                allocation_id,
                decision.on,
                None,
                after={"total": str(share.total)},
                summary=f"{plan.reference} {share.total}",
            )
            # tranches: one per programme year that has begun, the first soon after the decision
            years = max(1, -(-(plan.end - plan.start).days // 365))
            amounts = [to_cents(share.total / years)] * years
            amounts[-1] = share.total - sum(amounts[:-1], ZERO)
            released = ZERO
            if release:
                released = to_cents(amounts[-1] * Decimal("0.3"))
                amounts[-1] -= released
            for tranche, amount in enumerate(amounts, start=1):
                later = results_ops.add_months(plan.start, 12 * (tranche - 1)) - timedelta(days=10)
                day = first_transfer if tranche == 1 else later
                day = max(day, decision.on)
                if plan.state is S.approved or day > w.today or amount <= 0:
                    break
                transfer_id = out.next_id("transfers")
                reference = f"{decision.reference}-T{tranche}"
                out.add(
                    "transfers",
                    {
                        "id": transfer_id,
                        "allocation_id": allocation_id,
                        "tranche": tranche,
                        "amount": amount,
                        "on_date": day,
                        "reference": reference,
                        "created_by_id": rng.choice(w.fmus),
                        "created_at": moment(rng, day),
                    },
                )
                ledger.append(
                    self.entry(
                        day,
                        EntryKind.transfer,
                        -amount,
                        transfer_id=transfer_id,
                        allocation_id=allocation_id,
                        proposal_id=plan.id,
                        reference=reference,
                    )
                )
                self.g.counts["transfers"] += 1
            if released:
                # given back to where it came from: the area's earmark first, then unearmarked (finance.give_back)
                day = min(w.today, plan.end + timedelta(days=60))
                left = released
                for area_id in sorted(drawn, key=lambda a: a is None):
                    part = min(left, drawn[area_id])
                    if part:
                        ledger.append(
                            self.entry(
                                day,
                                EntryKind.allocation_release,
                                part,
                                area_id=area_id,
                                **links | {"reference": f"{decision.reference}-REL"},
                            )
                        )
                    left -= part
            self.g.counts["allocations"] += 1


# --- Results: programmes, matrices, periods and progress reports ----------------------------------------------


class ResultsPlan:
    """A funded programme's results side, as establish_programme builds it, and the reports written since."""

    def __init__(self, generator: Generator) -> None:
        self.g = generator
        self.w = generator.w
        self.rng = generator.rng

    def establish(self, plan: ProposalPlan, author: int) -> None:
        out, rng, w = self.g.out, self.rng, self.w
        version = plan.versions[-1]
        programme_id = out.next_id("programmes")
        out.add(
            "programmes",
            {
                "id": programme_id,
                "proposal_id": plan.id,
                "version_id": version.id,
                "start_date": plan.start,
                "end_date": plan.end,
                "established_at": moment(rng, plan.funded_on),
            },
        )
        indicators: list[tuple[int, dict[str, Any], Measure]] = []

        def add(outcome_id: int, output_id: int | None, items: list[dict[str, Any]]) -> None:
            indicators.extend(self.indicators(programme_id, outcome_id, output_id, items))

        tables = ("programme_outcomes", "programme_outputs")
        outcomes = write_matrix(out, plan.content["matrix"], tables, {"programme_id": programme_id}, add)
        periods = results_ops.default_periods(
            plan.start, plan.end, w.fund.reporting_period_months, w.fund.report_due_days
        )
        pace = Decimal(str(rng.choice([0.7, 0.9, 1.0, 1.05, 1.2])))
        ended = [p for p in periods if p[1] < w.today and plan.state is not S.approved]
        for number, (start, end, due) in enumerate(periods, start=1):
            period_id = out.next_id("reporting_periods")
            out.add(
                "reporting_periods",
                {
                    "id": period_id,
                    "programme_id": programme_id,
                    "number": number,
                    "start_date": start,
                    "end_date": end,
                    "due_date": due,
                },
            )
            if (start, end, due) in ended:
                last = number == len(ended)
                self.report(plan, period_id, (start, end, due), last, outcomes, indicators, pace, author)
        self.g.counts["programmes"] += 1
        self.g.counts["programme_indicators"] += len(indicators)

    def indicators(
        self, programme_id: int, outcome_id: int, output_id: int | None, items: list[dict[str, Any]]
    ) -> list[tuple[int, dict[str, Any], Measure]]:
        rows = []
        for position, item in enumerate(items, start=1):
            indicator_id = self.g.out.next_id("programme_indicators")
            measure = results_ops.guess_measure(item["unit"], item["name"])
            self.g.out.add(
                "programme_indicators",
                {
                    "id": indicator_id,
                    "programme_id": programme_id,
                    "outcome_id": outcome_id,
                    "output_id": output_id,
                    "position": position,
                    "name": item["name"],
                    "unit": item["unit"],
                    "measure": measure,
                    "baseline": item["baseline"],
                    "target": item["target"],
                    "means_of_verification": item["means_of_verification"],
                    "disaggregation": item["disaggregation"],
                    "fund_indicator_id": item["fund_indicator_id"],
                },
            )
            if item["objective"]:
                self.g.out.add(
                    "programme_indicator_objectives", {"indicator_id": indicator_id, "objective_id": item["objective"]}
                )
            rows.append((indicator_id, item, measure))
        return rows

    def report(
        self,
        plan: ProposalPlan,
        period_id: int,
        dates: tuple[date, date, date],
        last: bool,
        outcomes: list[int],
        indicators: list,
        pace: Decimal,
        author: int,
    ) -> None:
        """The period's report: accepted in most cases; the last one may be late, waiting or returned."""
        rng, out, today = self.rng, self.g.out, self.w.today
        _start, end, due = dates
        state = ReportState.accepted
        if last and due >= today:
            state = rng.choices([None, ReportState.draft, ReportState.submitted], [35, 25, 40])[0]
        elif last:
            state = rng.choices(
                [ReportState.accepted, ReportState.submitted, ReportState.returned, None], [84, 6, 3, 7]
            )[0]
        if state is None:
            return  # not written yet (overdue when past its due date)
        created = min(today, end + timedelta(days=rng.randint(5, 25)))
        submitted = min(today, created + timedelta(days=rng.randint(3, 30)))
        accepted = min(today, submitted + timedelta(days=rng.randint(3, 20)))
        handed_in = state is not ReportState.draft
        report_id = out.next_id("progress_reports")
        out.add(
            "progress_reports",
            {
                "id": report_id,
                "period_id": period_id,
                "state": state,
                "lessons_learned": LESSONS if handed_in else "",
                "created_by_id": author,
                "created_at": moment(rng, created),
                "updated_at": moment(rng, accepted if state is ReportState.accepted else submitted),
                "submitted_at": moment(rng, submitted) if handed_in else None,
                "submitted_by_id": author if handed_in else None,
                "accepted_at": moment(rng, accepted) if state is ReportState.accepted else None,
            },
        )
        elapsed = Decimal((end - plan.start).days + 1) / Decimal((plan.end - plan.start).days + 1)
        share = min(Decimal("1.15"), pace * elapsed)
        for indicator_id, item, measure in indicators:
            if state is ReportState.draft and rng.random() < 0.4:
                continue
            actual = value_at(item["baseline"], item["target"], share, measure)
            status = (
                IndicatorStatus.achieved
                if share >= 1
                else IndicatorStatus.on_track
                if share >= elapsed * Decimal("0.85")
                else IndicatorStatus.off_track
            )
            out.add(
                "indicator_values",
                {
                    "id": out.next_id("indicator_values"),
                    "report_id": report_id,
                    "indicator_id": indicator_id,
                    "actual": actual,
                    "status": status,
                    "comment": "",
                    "breakdown": parts_for(
                        SimpleNamespace(disaggregation=item["disaggregation"], measure=measure),
                        actual,
                        self.w.framework,
                    ),
                },
            )
            self.g.counts["indicator_values"] += 1
        lead = dict(self.w.punos)[plan.content["lead"]]
        for outcome_id in outcomes:
            out.add(
                "outcome_narratives",
                {
                    "id": out.next_id("outcome_narratives"),
                    "report_id": report_id,
                    "outcome_id": outcome_id,
                    "text": NARRATIVE.format(lead=lead, period=end.year),
                },
            )
        if state in (ReportState.accepted, ReportState.returned):
            returned = state is ReportState.returned
            out.add(
                "report_reviews",
                {
                    "id": out.next_id("report_reviews"),
                    "report_id": report_id,
                    "reviewer_id": rng.choice(self.w.fmus),
                    "decision": ReviewDecision.returned if returned else ReviewDecision.accepted,
                    "comment": "Please explain the gap on the second outcome's indicators."
                    if returned
                    else "Thank you.",
                    "reviewed_at": moment(rng, accepted),
                },
            )
        self.g.counts["progress_reports"] += 1


def value_at(baseline: Decimal, target: Decimal, share: Decimal, measure: Measure) -> Decimal:
    """Where an indicator stands after the share of the way from baseline to target (as results.demo.value_at)."""
    exact = baseline + (target - baseline) * share
    places = Decimal("0.1") if measure is Measure.percentage else Decimal(1)
    return max(Decimal(0), exact.quantize(places, rounding=ROUND_HALF_UP))


# --- The world: reference data, people, framework templates --------------------------------------------------

FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chen",
    "Dolores",
    "Emeka",
    "Farida",
    "Gustavo",
    "Hana",
    "Ivan",
    "Jalila",
    "Kofi",
    "Lucia",
    "Mehdi",
    "Nora",
    "Omar",
    "Paula",
    "Quang",
    "Rania",
    "Sven",
    "Tariq",
    "Ulla",
    "Víctor",
    "Wanjiru",
    "Xavier",
    "Yasmin",
    "Zoran",
]
LAST_NAMES = [
    "Abebe",
    "Bianchi",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fofana",
    "García",
    "Hussain",
    "Ito",
    "Jansen",
    "Kowalski",
    "López",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Santos",
    "Tanaka",
]


def person(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}"


def indicator_range(measure: Measure, fund_target: Decimal | None):
    """How a programme indicator's baseline and target are drawn, after the fund indicator it serves."""
    if measure is Measure.percentage:

        def percentage(rng: random.Random) -> tuple[Decimal, Decimal]:
            baseline = rng.randint(10, 40)
            return Decimal(baseline), Decimal(min(95, baseline + rng.randint(15, 40)))

        return percentage
    high = max(10, int((fund_target or Decimal(500)) * Decimal("0.15")))

    def number(rng: random.Random) -> tuple[Decimal, Decimal]:
        target = rng.randint(max(3, high // 10), high)
        return Decimal(0 if rng.random() < 0.7 else rng.randint(0, max(1, target // 10))), Decimal(target)

    return number


def build_world(fund: Fund, today: date, rng: random.Random, out: BulkWriter) -> World:
    """Read the fund's reference data and create the benchmark's organizations and people."""
    from fundmgr.i18n import localize

    framework = results_ops.framework_of(fund)
    first_year = today.year - 9
    areas = []
    for area in fund.thematic_areas:
        if area.retired:
            continue
        areas.append(
            {
                "id": area.id,
                "code": area.code,
                "number": area.number,
                "objectives": [o.number for o in area.objectives if not o.retired],
                "objective_ids": [o.id for o in area.objectives if not o.retired],
                "weight": fund.target_share("thematic_area_share", area.code) or Decimal("0.2"),
            }
        )
    templates: dict[int, list[dict[str, Any]]] = {}
    for area in areas:
        pool = []
        for outcome in framework.outcomes:
            if outcome.area_id != area["id"] or outcome.retired:
                continue
            for n, indicator in enumerate(i for i in outcome.indicators if not i.retired):
                name, unit = localize(indicator.name, "en"), localize(indicator.unit, "en")
                measure = results_ops.guess_measure(unit, name)
                output = indicator.output or (outcome.outputs[0] if outcome.outputs else None)
                pool.append(
                    {
                        "level": "outcome" if indicator.output_id is None else "output",
                        "id": indicator.id if measure is indicator.measure else None,
                        "name": name,
                        "unit": unit,
                        "mov": localize(indicator.means_of_verification, "en") or "Programme records",
                        "disaggregation": list(indicator.disaggregation or []),
                        "range": indicator_range(measure, indicator.target),
                        "outcome_statement": localize(outcome.statement, "en"),
                        "output_statement": localize(output.statement, "en")
                        if output
                        else "Capacities are strengthened",
                        "objective": area["objective_ids"][n % len(area["objective_ids"])]
                        if area["objective_ids"]
                        else None,
                    }
                )
        templates[area["id"]] = pool
    punos = sorted(((o.id, o.code) for o in fund.participating_organizations), key=lambda o: o[1])
    donors = [
        (o.id, o.code)
        for o in db.session.scalars(
            sa.select(Organization).where(Organization.kind == OrganizationKind.donor).order_by(Organization.code)
        )
    ]
    regions = defaultdict(list)
    countries = []
    region_levels = dict(db.session.execute(sa.select(Region.code, Region.level)).all())
    for country in db.session.scalars(
        sa.select(Country).where(Country.region_code.is_not(None)).order_by(Country.iso3)
    ):
        countries.append((country.id, country.iso2, country.iso3, country.region_code))
        if country.subregion_code and region_levels.get(country.subregion_code) is RegionLevel.subregion:
            regions[country.subregion_code].append(country.id)
    regions = {code: ids for code, ids in regions.items() if len(ids) >= 4}

    password = hasher.hash(BENCH_PASSWORD)

    def user(email: str, name: str, role: Role, organization: int, constituency: Constituency | None = None) -> int:
        ident = out.next_id("users")
        out.add(
            "users",
            {
                "id": ident,
                "email": f"{email}@{EMAIL_DOMAIN}",
                "name": name,
                "password_hash": password,
                "role": role,
                "organization_id": organization,
                "constituency": constituency,
                "locale": "en",
                "is_active_account": True,
                "session_token": secrets.token_hex(16),
                "created_at": datetime.combine(date(first_year, 1, 2), time(9), UTC),
            },
        )
        return ident

    codes = {code: ident for ident, code in punos}
    home = codes.get("IOM", punos[0][0])
    admin = user("admin", "Bench Administrator", Role.admin, home)
    fmus = [user(f"fmu{n}", person(n), Role.fmu, home) for n in range(1, 5)]
    for n, (donor_id, _code) in enumerate(donors[:2], start=1):
        user(f"viewer{n}", person(40 + n), Role.viewer, donor_id)
    agencies = {
        org: [user(f"agency-{code.lower()}-{n}", person(100 + 3 * i + n), Role.agency, org) for n in range(1, 4)]
        for i, (org, code) in enumerate(punos)
    }
    stakeholders = []
    for code, name in STAKEHOLDERS:
        ident = out.next_id("organizations")
        out.add(
            "organizations",
            {
                "id": ident,
                "code": code,
                "kind": OrganizationKind.civil_society,
                "acronym": {"en": code[3:].title(), "fr": code[3:].title(), "es": code[3:].title()},
                "name": {"en": name, "fr": name, "es": name},
            },
        )
        stakeholders.append(ident)
    un_network = [org for org, _code in punos if org != home][:12]
    seats = (
        [(home, Constituency.chair)]
        + [(org, Constituency.un_network) for org in un_network]
        + [(donors[n % len(donors)][0], Constituency.donor) for n in range(15)]
        + [(donors[-1 - n % len(donors)][0], Constituency.member_state) for n in range(15)]
        + [(stakeholders[n % len(stakeholders)], Constituency.stakeholder) for n in range(7)]
    )
    members = [
        Member(user(f"member{n:02d}", person(200 + n), Role.sc_member, org, constituency), org, person(200 + n))
        for n, (org, constituency) in enumerate(seats[:MEMBERS], start=1)
    ]
    sitting = {m.organization_id for m in members}
    world = World(
        fund=fund,
        today=today,
        rng=rng,
        fee_rate=fund.aa_fee_rate or FEE_RATE_FALLBACK,
        first_year=first_year,
        areas=areas,
        objective_numbers={o.number: o.id for o in fund.objectives},
        principles=[(p.id, p.number, p.code) for p in fund.guiding_principles if not p.retired],
        markers=[(m.id, m.code, m.required_min_level) for m in fund.markers if not m.retired],
        categories=[(c.id, c.code) for c in fund.budget_categories if not c.retired],
        criteria=[(c.id, c.weight) for c in fund.criteria if not c.retired],
        checks=[c.id for c in fund.eligibility_checks if not c.retired],
        punos=punos,
        neutral_punos=[org for org, _code in punos if org not in sitting],
        donors=donors,
        countries=countries,
        regions=regions,
        fmus=fmus,
        admin=admin,
        agencies=agencies,
        members=members,
        templates=templates,
        framework=framework,
    )
    return world


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
    db.session.flush()
    db.session.expire_all()
    return fund


def generate(scale: float = 1.0, *, today: date | None = None, seed: int = 2026, flush_rows: int = 200_000) -> dict:
    """Generate the dataset into the session's database (the caller commits); returns what was written."""
    today = today or date.today()
    fund = prepare_fund(today)
    writer = BulkWriter(db.session.connection(), flush_rows=flush_rows)
    rng = random.Random(seed)
    world = build_world(fund, today, rng, writer)
    generator = Generator(world, Size.at(scale), writer)
    generator.plan_meetings()
    generator.plan_proposals()
    generator.write()
    rows = writer.finish()
    counts = dict(generator.counts)
    return {
        "scale": scale,
        "seed": seed,
        "today": today.isoformat(),
        "rows": rows,
        "counts": counts,
        "total_rows": sum(rows.values()),
    }
