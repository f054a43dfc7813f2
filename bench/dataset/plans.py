"""Plans of meetings, decisions, versions and proposals: what happened, decided before any row is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bench.dataset.context import Member, S
from fundmgr.proposals.models import ProposalState, ScreeningOutcome
from fundmgr.proposals.snapshot import ProposalSnapshot
from fundmgr.steering.models import DecisionOutcome, MeetingState


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
    snapshot: ProposalSnapshot | None = None


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
