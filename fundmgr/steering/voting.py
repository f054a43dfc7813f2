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
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.funds.rights import holding
from fundmgr.funds.seats import CommitteeConstituency, CommitteeRules, Seat, SeatTerm, rules_of, terms_on
from fundmgr.proposals.models import Proposal
from fundmgr.steering.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Position,
    Stance,
    VoteChoice,
    standing_facts,
    standing_from,
    standings,
)

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
    terms = [(t.seat_id, t.holder_id, t.alternate_id) for t in voting_terms(meeting)]
    people = people_of(meeting)
    excluded = excluded_from_decision(proposal, people.values()) if proposal is not None else set()
    invited = {a.member_id for a in meeting.attendance}
    return counted_quorum(rules.quorum_voting_seats, terms, present, excluded, invited)


Term = tuple[int, int, int | None]  # a voting seat's term on the day: the seat, its holder, its alternate


def counted_quorum(
    required: int, terms: Iterable[Term], present: set[int], excluded: set[int], invited: set[int]
) -> Quorum:
    """The rule, on plain data: each voting seat's term (seat, holder, alternate) on the meeting's day is eligible
    unless both its people are excluded, and represented when one of them not excluded is present (the holder
    speaks first)."""
    eligible, represented, voices = set(), set(), set()
    for seat_id, holder_id, alternate_id in terms:
        persons = [p for p in (holder_id, alternate_id) if p is not None and p not in excluded]
        if not persons:
            continue
        eligible.add(seat_id)
        speakers = [p for p in persons if p in present]
        if speakers:
            represented.add(seat_id)
            voices.add(speakers[0])
    return Quorum(
        required=required,
        eligible_seat_ids=frozenset(eligible),
        represented_seat_ids=frozenset(represented),
        present_ids=frozenset(voices),
        recused_ids=frozenset(excluded & invited),
    )


_answer_quorum_statements: list[tuple[sa.Select, sa.Select]] = []


def answer_quorum_statements() -> tuple[sa.Select, sa.Select]:
    """The statements of `answer_quorum`, built once per process: the voting seats' terms on a day (parameters
    `fund_id`, `day`), as `voting_terms` finds them; and, for the meeting's invited members and the people of those
    terms (`meeting_id`, `person_ids`), their organization, presence, seat on the committee (`fund_id`) and the
    two facts of their standing on the proposal (`proposal_id`), as `standing_facts` asks them, each row with the
    number of voting seats the committee's rules require (`rules_of`)."""
    if not _answer_quorum_statements:
        terms = (
            sa.select(SeatTerm.seat_id, SeatTerm.holder_id, SeatTerm.alternate_id)
            .join(Seat, Seat.id == SeatTerm.seat_id)
            .join(CommitteeConstituency, CommitteeConstituency.id == Seat.constituency_id)
            .where(Seat.fund_id == sa.bindparam("fund_id"), CommitteeConstituency.votes.is_(True),
                   SeatTerm.starts_on <= sa.bindparam("day"),
                   sa.or_(SeatTerm.ends_on.is_(None), SeatTerm.ends_on >= sa.bindparam("day")))
            .order_by(Seat.position)
        )  # fmt: skip
        proposal = SimpleNamespace(id=sa.bindparam("proposal_id"))
        attendance = sa.and_(Attendance.meeting_id == sa.bindparam("meeting_id"), Attendance.member_id == User.id)
        required = sa.select(CommitteeRules.quorum_voting_seats).where(
            CommitteeRules.fund_id == sa.bindparam("fund_id")).scalar_subquery()  # fmt: skip
        people = (
            sa.select(required.label("required"), User.id, User.organization_id,
                      Attendance.member_id.is_not(None).label("invited"), Attendance.present,
                      holding(SimpleNamespace(id=sa.bindparam("fund_id")), Role.sc_member).label("on_committee"),
                      *(fact.label(name) for fact, name in zip(standing_facts(proposal, User),
                                                               ("conflicted", "participates"), strict=True)))
            .outerjoin(Attendance, attendance)
            .where(sa.or_(User.id.in_(sa.bindparam("person_ids", expanding=True)),
                          User.id.in_(sa.select(Attendance.member_id).where(
                              Attendance.meeting_id == sa.bindparam("meeting_id")))))
        )  # fmt: skip
        _answer_quorum_statements.append((terms, people))
    return _answer_quorum_statements[0]


def answer_quorum(item: AgendaItem) -> Quorum:
    """`quorum_for(item)` read in two statements of plain rows rather than the meeting's attendance, seats, terms,
    people, rules and standings as objects (seven statements): every member's vote checks it, all at the same moment."""
    meeting, proposal = item.meeting, item.proposal
    fund = meeting.fund
    terms_statement, people_statement = answer_quorum_statements()
    terms = db.session.execute(terms_statement, {"fund_id": fund.id, "day": meeting.held_on}).tuples().all()
    persons = {p for _seat, holder, alternate in terms for p in (holder, alternate) if p is not None}
    parameters = {"meeting_id": meeting.id, "person_ids": sorted(persons), "fund_id": fund.id,
                  "proposal_id": proposal.id}  # fmt: skip
    rows = db.session.execute(people_statement, parameters).all()
    invited = {row.id for row in rows if row.invited}
    present = {row.id for row in rows if row.present}
    # anyone not on the committee is FREE (`standings`): their rights are their role's
    excluded = {row.id for row in rows if row.on_committee and not standing_from(
        proposal, row, conflicted=bool(row.conflicted), participates=bool(row.participates)).decides}  # fmt: skip
    required = rows[0].required if rows else None
    assert required is not None, f"fund {fund.code} has no committee rules: load its definition"  # as `rules_of`
    return counted_quorum(required, terms, present, excluded, invited)


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
