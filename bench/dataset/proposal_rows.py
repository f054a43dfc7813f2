"""The rows of meetings and proposals with their history: versions, screenings, reviews, moves."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.dataset.context import S, moment, month_start_after
from bench.dataset.money import MoneyPlan
from bench.dataset.plans import MeetingPlan, ProposalPlan, VersionPlan
from bench.dataset.results import ResultsPlan
from bench.dataset.snapshots import budget_of, snapshot, write_matrix
from fundmgr.proposals.models import AttachmentKind, ScreeningOutcome
from fundmgr.steering.models import MeetingMode, MeetingState, Recommendation, ReviewState


class ProposalRows:
    """Part of Generator: writes the meetings, and each proposal with its versions, screenings, reviews, moves."""

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
                "total_amount": budget_of(c)["totals"]["total"],
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
            totals = version.snapshot.totals
            out.add(
                "proposal_versions",
                {
                    "id": version.id,
                    "proposal_id": plan.id,
                    "number": version.number,
                    "submitted_at": moment(rng, version.submitted),
                    "submitted_by_id": author,
                    "snapshot": version.snapshot,
                    "direct_total": totals.direct,
                    "indirect_total": totals.indirect,
                    "total": totals.total,
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
