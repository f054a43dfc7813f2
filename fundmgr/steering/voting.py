"""Quorum, vote counts and consensus of an agenda item.

Quorum rule: more than the meeting's quorum share of the item's voting members must be present
(the Migration MPTF: share 0.5, "more than half"). The voting members of an item are the
members invited to the meeting who are not recused from its proposal: a recused member neither
counts towards the quorum nor votes, and their vote, should one exist, is not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from fundmgr.steering.models import AgendaItem, Position, Stance, VoteChoice, recused_member_ids

DECISION_RULES = {"consensus": _l("consensus"), "majority": _l("majority")}


@dataclass(frozen=True)
class Quorum:
    """Who may vote on an item, who of them is present, and how many must be."""

    share: Decimal
    eligible_ids: frozenset[int]
    present_ids: frozenset[int]
    recused_ids: frozenset[int]

    @property
    def eligible(self) -> int:
        return len(self.eligible_ids)

    @property
    def present(self) -> int:
        return len(self.present_ids)

    @property
    def required(self) -> int:
        """The smallest number of present members that is more than share × eligible (at least one)."""
        return min(int(self.share * self.eligible) + 1, max(self.eligible, 1))

    @property
    def met(self) -> bool:
        return self.eligible > 0 and self.present >= self.required

    def as_record(self) -> dict[str, Any]:
        """Plain data kept on the item when its decision is recorded (for the minutes)."""
        return {
            "share": str(self.share),
            "eligible": sorted(self.eligible_ids),
            "present": sorted(self.present_ids),
            "recused": sorted(self.recused_ids),
            "required": self.required,
            "met": self.met,
        }


def quorum_for(item: AgendaItem) -> Quorum:
    """The item's quorum now, from the meeting's attendance and the proposal's recusals."""
    meeting = item.meeting
    recused = recused_member_ids(item.proposal, [a.member for a in meeting.attendance])
    eligible = {a.member_id for a in meeting.attendance} - recused
    present = {a.member_id for a in meeting.attendance if a.present} - recused
    return Quorum(
        share=meeting.effective_quorum_share,
        eligible_ids=frozenset(eligible),
        present_ids=frozenset(present),
        recused_ids=frozenset(recused),
    )


@dataclass(frozen=True)
class Tally:
    """The counted votes of an item, and what the fund's decision rule makes of them."""

    counts: Counter
    rule: str

    @property
    def rule_title(self) -> str:
        return str(DECISION_RULES.get(self.rule, self.rule))

    @property
    def cast(self) -> int:
        return sum(self.counts.values())

    @property
    def expressed(self) -> Counter:
        """The votes that take a position (abstentions left out)."""
        return Counter({c: n for c, n in self.counts.items() if c is not VoteChoice.abstain and n})

    @property
    def outcome(self) -> VoteChoice | None:
        """Under consensus: the one position everyone who expressed one took. Under majority:
        the position of more than half of the expressed votes. None when there is no such position."""
        expressed = self.expressed
        if not expressed:
            return None
        choice, votes = expressed.most_common(1)[0]
        if self.rule == "consensus":
            return choice if len(expressed) == 1 else None
        return choice if votes * 2 > sum(expressed.values()) else None


def counted_votes(item: AgendaItem, quorum: Quorum) -> list[Any]:
    """The item's votes by members not recused from it."""
    return [v for v in item.votes if v.member_id not in quorum.recused_ids]


def tally(item: AgendaItem, quorum: Quorum) -> Tally:
    counts = Counter({choice: 0 for choice in VoteChoice})
    counts.update(v.choice for v in counted_votes(item, quorum))
    return Tally(counts=counts, rule=item.meeting.fund.decision_rule)


@dataclass(frozen=True)
class Consensus:
    """The positions stated on an item (funds deciding by consensus): consensus holds while no objection stands."""

    positions: list[Position]

    @property
    def objections(self) -> list[Position]:
        return [p for p in self.positions if p.stance is Stance.object]

    @property
    def reservations(self) -> list[Position]:
        return [p for p in self.positions if p.stance is Stance.reservation]

    @property
    def holds(self) -> bool:
        return not self.objections


def consensus(item: AgendaItem, quorum: Quorum) -> Consensus:
    """The item's positions by members not recused from it (the last one each member stated)."""
    return Consensus([p for p in item.positions if p.member_id not in quorum.recused_ids])
