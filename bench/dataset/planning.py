"""Part of the generator: plans the meetings and each proposal's history and content."""

from __future__ import annotations

import bisect
import math
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.dataset.context import LIVE_ITEMS, QUALIFIERS, THEMES, S, month_start_after
from bench.dataset.plans import DecisionPlan, MeetingPlan, ProposalPlan, VersionPlan
from fundmgr.i18n import territory_name
from fundmgr.proposals.budget import programme_years
from fundmgr.proposals.models import ScreeningOutcome
from fundmgr.results import operations as results_ops
from fundmgr.steering.models import DecisionOutcome, MeetingState


class Planning:
    """Part of Generator: plans the meetings and each proposal's history and content before any row is written."""

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
