"""Results: programmes, matrices, periods and progress reports."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from bench.dataset.context import LESSONS, NARRATIVE, S, moment
from bench.dataset.plans import ProposalPlan
from bench.dataset.snapshots import write_matrix
from fundmgr.results import operations as results_ops
from fundmgr.results.demo import parts_for
from fundmgr.results.models import IndicatorStatus, Measure, ReportState, ReviewDecision

if TYPE_CHECKING:  # the generator imports this module
    from bench.dataset.generator import Generator


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
                "duration_months": plan.content["duration"],
                "start_source": "planned",
                "start_reason": "",
                "established_at": moment(rng, plan.funded_on),
            },
        )
        indicators: list[tuple[int, dict[str, Any], Measure]] = []

        def add(outcome_id: int, output_id: int | None, items: list[dict[str, Any]]) -> None:
            indicators.extend(self.indicators(programme_id, outcome_id, output_id, items))

        tables = ("programme_outcomes", "programme_outputs")
        outcomes = write_matrix(out, plan.content["matrix"], tables, {"programme_id": programme_id}, add)
        periods = results_ops.calendar_periods(plan.start, plan.end, w.fund.calendar)
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
