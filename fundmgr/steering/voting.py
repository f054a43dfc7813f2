"""Quorum, vote counts and consensus of an agenda item, on the committee's seats.

A seat is represented when its holder or its alternate is present; it has one voice, whoever of them speaks
(the holder when both are present). The seats of an item are the voting seats with a term on the meeting's day
whose members are not excluded from the item's decision (`steering.models.standing`: a declared conflict always
excludes; a member's organization taking part in the proposal excludes unless the fund's policy is `no_scoring`).
The item is quorate when at least the fund's number of voting seats (`committee.quorum` in the definition) is
represented among them. What the meeting decides as a whole (approving minutes) counts every voting seat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from fundmgr.funds.seats import rules_of, terms_on
from fundmgr.proposals.models import Proposal
from fundmgr.steering.models import AgendaItem, Meeting, Position, Stance, VoteChoice, standings

DECISION_RULES = {"consensus": _l("consensus"), "majority": _l("majority")}


@dataclass(frozen=True)
class Quorum:
    """Which voting seats an item has, which of them are represented, who speaks for them, how many must be."""

    required: int
    eligible_seat_ids: frozenset[int]
    represented_seat_ids: frozenset[int]
    # One person per represented seat: the one whose voice counts (holder first, else the alternate).
    present_ids: frozenset[int]
    # Invited members excluded from the item's decision (conflicts, or their organization takes part).
    recused_ids: frozenset[int]

    @property
    def eligible(self) -> int:
        return len(self.eligible_seat_ids)

    @property
    def present(self) -> int:
        return len(self.represented_seat_ids)

    @property
    def met(self) -> bool:
        return self.eligible > 0 and self.present >= self.required

    def as_record(self) -> dict[str, Any]:
        """Plain data kept on the item when its decision is recorded (for the minutes)."""
        return {
            "eligible": sorted(self.eligible_seat_ids),
            "present": sorted(self.represented_seat_ids),
            "voices": sorted(self.present_ids),
            "recused": sorted(self.recused_ids),
            "required": self.required,
            "met": self.met,
        }


def excluded_from_decision(proposal: Proposal, members: Iterable[Any]) -> set[int]:
    """Of the given members, those who may not take part in the proposal's decision (`Standing.decides`)."""
    return {member_id for member_id, said in standings(proposal, list(members)).items() if not said.decides}


def quorum_for(item: AgendaItem) -> Quorum:
    """The item's quorum now, from the seats held on the meeting's day, the attendance and the conflicts."""
    return seats_quorum(item.meeting, item.proposal)


def meeting_quorum(meeting: Meeting) -> Quorum:
    """The quorum of the meeting as a whole, for what is not about one proposal (approving minutes): every voting
    seat with a term on the meeting's day, nobody excluded."""
    return seats_quorum(meeting, None)


def seats_quorum(meeting: Meeting, proposal: Proposal | None) -> Quorum:
    """The voting seats represented at the meeting, leaving out the members excluded from the proposal's decision."""
    rules = rules_of(meeting.fund)
    present = {a.member_id for a in meeting.attendance if a.present}
    terms = voting_terms(meeting)
    people = people_of(meeting)
    excluded = excluded_from_decision(proposal, people.values()) if proposal is not None else set()
    eligible, represented, voices = set(), set(), set()
    for term in terms:
        persons = [p for p in (term.holder_id, term.alternate_id) if p is not None and p not in excluded]
        if not persons:
            continue
        eligible.add(term.seat_id)
        speakers = [p for p in persons if p in present]
        if speakers:
            represented.add(term.seat_id)
            voices.add(speakers[0])
    invited = {a.member_id for a in meeting.attendance}
    return Quorum(
        required=rules.quorum_voting_seats,
        eligible_seat_ids=frozenset(eligible),
        represented_seat_ids=frozenset(represented),
        present_ids=frozenset(voices),
        recused_ids=frozenset(excluded & invited),
    )


def voting_terms(meeting: Meeting) -> list[Any]:
    """The terms of the voting seats on the meeting's day."""
    return [t for t in terms_on(meeting.fund, meeting.held_on) if t.seat.votes]


def people_of(meeting: Meeting) -> dict[int, Any]:
    """Everyone the meeting's quorum weighs, by id: the members invited, and whoever holds a voting seat (or stands
    in for its holder) on its day."""
    people = {a.member_id: a.member for a in meeting.attendance}
    for term in voting_terms(meeting):
        people[term.holder_id] = term.holder
        if term.alternate is not None:
            people[term.alternate.id] = term.alternate
    return people


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
    """The item's votes that count: one per represented seat, by the member who speaks for it."""
    return [v for v in item.votes if v.member_id in quorum.present_ids]


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
