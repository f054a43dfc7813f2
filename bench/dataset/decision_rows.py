"""The rows of decisions, agenda items, positions (or votes), written procedures, and the live meeting."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from bench.dataset.context import moment
from bench.dataset.plans import DecisionPlan, MeetingPlan
from fundmgr.funds.seats import rules_of
from fundmgr.steering.models import DecisionOutcome, ItemState, Stance, VoteChoice, WrittenProcedureState

# What members state under consensus, as the demo has it: support for an approval, standing aside on a deferral or
# a rejection; one member states an approval's conditions as a reservation, minuted with their name, and "no
# consensus" (a rejection) stands on one member's objection, minuted without a name unless they ask (now and then).
STANCES = {
    DecisionOutcome.approve: Stance.support,
    DecisionOutcome.approve_with_conditions: Stance.support,
    DecisionOutcome.endorse: Stance.support,
    DecisionOutcome.defer: Stance.stand_aside,
    DecisionOutcome.reject: Stance.stand_aside,
}
OBJECTION = "Largely an information campaign, with a weak link to policy change; it cannot be funded as it stands."


class DecisionRows:
    """Part of Generator: writes decisions, agenda items, positions (consensus) or votes (majority), written
    procedures and the live meeting."""

    def write_decisions(self) -> None:
        self.quorum_required = rules_of(self.w.fund).quorum_voting_seats  # voting seats represented (one each)
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
        required = self.quorum_required
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
                    "eligible": sorted(eligible),
                    "present": sorted(present),
                    "voices": sorted(present),
                    "recused": sorted(recused),
                    "required": required,
                    "met": len(present) >= required,
                },
            },
        )
        when = [opened + timedelta(minutes=rng.randint(1, 15)) for _ in present]
        if self.w.fund.decision_rule == "consensus":
            self.write_positions(item_id, sorted(present), when, decision)
        else:
            self.write_votes(item_id, sorted(present), when, decision)
        self.write_decision(decision, item_id=item_id, procedure_id=None)

    def write_votes(self, item_id: int, members: list[int], when: list, decision: DecisionPlan) -> None:
        for member_id, at in zip(members, when, strict=True):
            self.out.add(
                "votes",
                {
                    "id": self.out.next_id("votes"),
                    "item_id": item_id,
                    "member_id": member_id,
                    "choice": self.choice_for(decision.outcome),
                    "cast_at": at,
                },
            )
            self.counts["votes"] += 1

    def write_positions(self, item_id: int, members: list[int], when: list, decision: DecisionPlan) -> None:
        """Each present member's position; one of them states the conditions (a reservation) or objects."""
        speaker = self.rng.choice(members) if members else None
        for member_id, at in zip(members, when, strict=True):
            stance, text, by_name = STANCES[decision.outcome], "", False
            if member_id == speaker and decision.outcome is DecisionOutcome.approve_with_conditions:
                stance, text, by_name = Stance.reservation, self.conditions(decision), True
            elif member_id == speaker and decision.outcome is DecisionOutcome.reject:
                stance, text, by_name = Stance.object, OBJECTION, self.rng.random() < 0.2
            self.out.add(
                "positions",
                {
                    "id": self.out.next_id("positions"),
                    "item_id": item_id,
                    "member_id": member_id,
                    "stance": stance,
                    "text": text,
                    "minute_by_name": by_name,
                    "updated_at": at,
                },
            )
            self.counts["positions"] += 1

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
            total = decision.version.snapshot.totals.total
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
