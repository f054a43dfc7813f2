"""Demo data for steering (see fundmgr/demo/seed.py for the order of the steps).

The proposals demo leaves every proposal whose demo status lies beyond review in review. This
step replays the Steering Committee's history from 2020 to 2026 through the same operations as
the pages, with the clock set to each step's date: the FMU assigns, the members declare their
conflicts and score, meetings are held with attendance and votes, and the decisions bring each
proposal to its demo status (approvals allocate money through finance). It ends with an upcoming
meeting that has the proposals still in review on its agenda. Running it again adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.errors import DomainError
from fundmgr.finance.queries import money_available
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fmu, is_sc_member
from fundmgr.funds.seats import chair_term, free_seat, term_of
from fundmgr.proposals.demo_call import first_call, first_call_notes
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.scenario import demo_data
from fundmgr.steering import operations as ops
from fundmgr.steering.models import (
    Conflict,
    DecisionOutcome,
    DecisionSubject,
    Meeting,
    MeetingMode,
    Minutes,
    MinutesState,
    Recommendation,
    Stance,
    VoteChoice,
    WrittenProcedure,
    standing,
)
from fundmgr.steering.presiding import presiding_member
from fundmgr.steering.queries import active_criteria, review_of

A, AC, E, D, R = (
    DecisionOutcome.approve,
    DecisionOutcome.approve_with_conditions,
    DecisionOutcome.endorse,
    DecisionOutcome.defer,
    DecisionOutcome.reject,
)
CONDITIONS = {
    "igad-climate-mobility": "Agree data-sharing arrangements with the IGAD secretariat before the second tranche.",
    "pacific-climate-mobility": "Add sex- and age-disaggregated baselines for the outcome indicators within 6 months.",
}


@dataclass(frozen=True)
class DemoMeeting:
    """A meeting of the demo's history: when, how, who was absent, what it decided (demo.yaml keys)."""

    title: str
    held_on: date
    language: str
    mode: MeetingMode
    decisions: tuple[tuple[str, DecisionOutcome], ...]
    absent: tuple[str, ...] = ()
    location: str = "IOM headquarters, Geneva, and online"


HISTORY = (
    DemoMeeting(
        "Steering Committee, 2nd meeting: first call for concept notes", date(2020, 9, 17), "en", MeetingMode.virtual,
        (("mk-evidence-policy", A), ("tj-remittance-families", A), ("za-women-migrants-safety", A),
         ("ph-overseas-workers", A), ("cl-mx-decent-work-integration", A), ("mru-border-cohesion", A)),
        location="Online (COVID-19)",
    ),
    DemoMeeting(
        "Steering Committee, 4th meeting: regional programmes", date(2021, 6, 10), "fr", MeetingMode.virtual,
        (("igad-climate-mobility", AC),), absent=("grace.wanjiru@fundmgr.example",), location="Online",
    ),
    DemoMeeting(
        "Steering Committee, 8th meeting: 2023 allocation", date(2023, 5, 11), "es", MeetingMode.hybrid,
        (("pacific-climate-mobility", AC), ("ci-trafficking-prevention", A)),
        absent=("jonas.becker@fundmgr.example",),
    ),
    DemoMeeting(
        "Steering Committee, 11th meeting: pipeline review", date(2025, 11, 20), "en", MeetingMode.hybrid,
        (("md-diaspora-evidence", E), ("bd-fair-recruitment", E), ("th-child-detention-alternatives", E),
         ("ng-migration-data-disaggregated", E), ("lk-safe-migration-awareness", R)),
        absent=("yasmine.elalaoui@fundmgr.example",),
    ),
    DemoMeeting(
        "Steering Committee, 12th meeting: concept notes of the 2026 call", date(2026, 3, 19), "fr",
        MeetingMode.in_person,
        (("za-xenophobia-inclusion", E), ("ne-smuggling-response", E), ("tt-migrant-children-education", E),
         ("ma-labour-mobility-skills", E)),
    ),
    DemoMeeting(
        "Steering Committee, 13th meeting: mid-year review", date(2026, 6, 25), "es", MeetingMode.hybrid,
        (("gm-return-reintegration", E), ("sn-adverse-drivers", D)),
    ),
)  # fmt: skip
# Matters of the fund the meetings decided as a whole (by meeting title): what, as the committee worded it, and
# the amount of approved direct costs (the FMU's and secretariat's budget, charged to the fund).
MATTERS = {
    "Steering Committee, 8th meeting: 2023 allocation": (
        (DecisionSubject.allocation_targets,
         "The Steering Committee adopts the allocation targets of the fund: a balanced share for each of the five "
         "thematic areas, a share for each region, and at least 80% of the resources for joint programmes with a "
         "gender marker of 2 or 3.", None),
    ),
    "Steering Committee, 13th meeting: mid-year review": (
        (DecisionSubject.direct_costs,
         "The Steering Committee approves the direct costs of the Fund Management Unit and of its secretariat "
         "support for July 2026 to June 2027.", Decimal("450000.00")),
    ),
}  # fmt: skip
# Approved between meetings, once the money had arrived, by written procedure.
WRITTEN = (("gm-return-reintegration", date(2026, 8, 3), date(2026, 8, 14), Decimal("2600000.00")),)
# Decided between meetings by written procedure, nobody objecting: the minutes of the last meeting before the summer
# (the committee would not meet again before the end of the year), then the allocation targets of the next year.
MINUTES_IN_WRITING = ("Steering Committee, 13th meeting: mid-year review", date(2026, 9, 1), date(2026, 9, 11))
MATTER_IN_WRITING = (
    DecisionSubject.allocation_targets,
    "The Steering Committee adopts the allocation targets of the fund for 2027: the shares of the five thematic "
    "areas and of the regions unchanged, and at least 80% of the resources for joint programmes with a gender "
    "marker of 2 or 3.",
    date(2026, 10, 5), date(2026, 10, 16),
)  # fmt: skip
IN_REVIEW = ProposalState.in_review
UPCOMING_TITLE = "Steering Committee, 14th meeting"
# (member e-mail, demo.yaml key, reason, FMU waiver or None)
CONFLICTS = (
    ("jonas.becker@fundmgr.example", "bd-fair-recruitment",
     "GIZ, funded by my ministry, runs a fair-recruitment project with the same Bangladeshi ministry.",
     "The GIZ project ended in 2024 and has no part in this programme; Germany has no financial interest in it."),
    ("yasmine.elalaoui@fundmgr.example", "ma-labour-mobility-skills",
     "The ministry I represent is the programme's national counterpart.", None),
    ("carmen.ruiz@fundmgr.example", "gt-regular-pathways-vulnerable",
     "The Spanish Agency for International Development Cooperation co-finances the shelter network this "
     "programme builds on.", None),
)  # fmt: skip
# How good the demo considers each proposal (the mean score members start from).
QUALITY = {"closed": 4.4, "active": 4.3, "approved": 4.1, "endorsed": 3.9, "in_review": 3.7, "deferred": 2.9,
           "rejected": 2.2}  # fmt: skip
# Where members disagreed strongly (the ranking flags it): offsets to their usual judgement.
DISSENT = {
    "th-child-detention-alternatives": {
        "grace.wanjiru@fundmgr.example": 1.0,
        "ingrid.solberg@fundmgr.example": 1.0,
        "jonas.becker@fundmgr.example": -2.6,
        "yasmine.elalaoui@fundmgr.example": -2.6,
    },
}
VOTES = {A: VoteChoice.approve, AC: VoteChoice.approve_with_conditions, E: VoteChoice.approve, D: VoteChoice.defer,
         R: VoteChoice.reject}  # fmt: skip
COMMENTS = {
    Recommendation.approve: "Clear results chain, strong government ownership, a budget in proportion to the results.",
    Recommendation.approve_with_conditions: "Sound design; the baselines and the monitoring arrangements need work.",
    Recommendation.revise: "Relevant, but the division of labour among the agencies and the budget need revision.",
    Recommendation.reject: "Largely an information campaign; weak link to policy change and little national ownership.",
}


@dataclass
class People:
    fmu: User
    chair: User | None
    members: list[User]


def seed_steering(fund: Fund) -> list[str]:
    """Replay the Steering Committee's demo history and schedule the next meeting; returns report lines."""
    people = demo_people(fund)
    proposals = demo_proposals(fund)
    if not people.members or not proposals:
        return ["Steering: no demo members or proposals; nothing done."]
    lines = [f"Steering: {appoint_seats(fund, people)} seats filled."]
    lines += [f"Steering: {declare_conflicts(proposals, people)} conflicts of interest declared."]
    lines += decide_first_call(fund, people)
    for spec in HISTORY:
        lines += hold_meeting(fund, spec, proposals, people)
    for key, circulated, deadline, amount in WRITTEN:
        lines += approve_in_writing(proposals.get(key), circulated, deadline, amount, people)
    lines += approve_minutes_in_writing(fund, people)
    lines += adopt_matter_in_writing(fund, people)
    lines += schedule_upcoming(fund, proposals, people)
    db.session.flush()
    return lines


def demo_people(fund: Fund) -> People:
    """The demo's FMU officer, the chair (whoever holds the chair's seat) and the Steering Committee members."""
    emails = [u["email"] for u in demo_data()["users"] if u["role"] in ("fmu", "sc_member")]
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
    members = [users[e] for e in emails if e in users and is_sc_member(users[e], fund)]
    fmu = next((users[e] for e in emails if e in users and is_fmu(users[e], fund)), None)
    chair = chair_term(fund, fund.established or TERMS_FROM)
    return People(fmu=fmu, chair=chair.holder if chair else None, members=members)


TERMS_FROM = date(2019, 5, 8)  # when a fund without an establishment date seats its first committee


def appoint_seats(fund: Fund, people: People) -> int:
    """The FMU appoints each demo member to the seat demo.yaml names (its code), from the fund's establishment;
    members who already sit, and seats already held, are left as they are."""
    appointed = 0
    start = fund.established or TERMS_FROM
    seat_codes = {u["email"]: u["seat"] for u in demo_data()["users"] if u.get("seat")}
    for member in people.members:
        seat = free_seat(fund, seat_codes.get(member.email, "")) if member.email in seat_codes else None
        if seat is None or term_of(member, fund, start) is not None:
            continue
        with clock.as_of(start):
            ops.appoint_term(seat, ops.TermData(member, None, start), actor=people.fmu)
        appointed += 1
    if people.chair is None:  # the chair's seat was filled just now
        chair = chair_term(fund, start)
        people.chair = chair.holder if chair else None
    return appointed


def demo_proposals(fund: Fund) -> dict[str, Proposal]:
    """The demo's proposals by their demo.yaml key (matched on the English title)."""
    keys = {spec["title"]["en"]: spec["key"] for spec in demo_data().get("proposals") or []}
    found = db.session.scalars(sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.title.in_(keys)))
    return {keys[p.title]: p for p in found}


def declare_conflicts(proposals: dict[str, Proposal], people: People) -> int:
    """The members' declared conflicts (and one FMU waiver), before scoring; skipped when already there."""
    declared = 0
    for email, key, reason, waiver in CONFLICTS:
        member = next((m for m in people.members if m.email == email), None)
        proposal = proposals.get(key)
        if member is None or proposal is None or proposal.state is not ProposalState.in_review:
            continue
        exists = db.session.scalar(
            sa.select(Conflict.id).where(Conflict.proposal_id == proposal.id, Conflict.member_id == member.id)
        )
        if exists:
            continue
        conflict = ops.declare_conflict(proposal, member, reason, actor=member)
        if waiver:
            ops.waive_conflict(conflict, waiver, actor=people.fmu)
        declared += 1
    return declared


def score_proposals(proposals: Iterable[Proposal], people: People, assigned_on: date, due_on: date) -> None:
    """Assign every non-recused member, who then scores (drafts of those already begun are completed)."""
    with clock.as_of(assigned_on):
        for proposal in proposals:
            members = [m for m in people.members if standing(proposal, m).scores]
            ops.assign_reviewers(proposal, members, due_on, actor=people.fmu)
    with clock.as_of(due_on - timedelta(days=4)):
        for proposal in proposals:
            for member in people.members:
                if standing(proposal, member).scores:
                    submit_review(proposal, member)


def submit_review(proposal: Proposal, member: User, *, submit: bool = True) -> None:
    """A realistic review: scores around the proposal's quality, varying by member and criterion."""
    review = review_of(proposal.latest_version.id, member)
    if review is not None and review.is_submitted:
        return
    spec = spec_of(proposal)
    rng = random.Random(f"{proposal.reference}:{member.email}")
    quality = QUALITY.get(spec["status"], 3.5) + rng.uniform(-0.4, 0.4)
    quality += DISSENT.get(spec["key"], {}).get(member.email, 0)
    criteria = active_criteria(proposal.fund)
    scores = {c.id: (max(c.scale_min, min(c.scale_max, round(quality + rng.uniform(-0.9, 0.9)))), "") for c in criteria}
    recommendation = recommendation_for(spec["status"], quality)
    data = ops.ReviewInput(scores=scores, recommendation=recommendation, comment=COMMENTS[recommendation])
    ops.save_review(proposal, member, data, actor=member, submit=submit, no_conflict=submit)


def spec_of(proposal: Proposal) -> dict[str, Any]:
    """The proposal's entry in demo.yaml."""
    return next(s for s in demo_data()["proposals"] if s["title"]["en"] == proposal.title)


def recommendation_for(status: str, quality: float) -> Recommendation:
    if status == "deferred" or quality < 2.5:
        return Recommendation.revise
    if status == "rejected":
        return Recommendation.reject
    return Recommendation.approve if quality >= 4 else Recommendation.approve_with_conditions


def hold_meeting(fund: Fund, spec: DemoMeeting, proposals: dict[str, Proposal], people: People) -> list[str]:
    """One past meeting: scoring beforehand, then attendance, votes and decisions on the day."""
    exists = db.session.scalar(sa.select(Meeting.id).where(Meeting.fund_id == fund.id, Meeting.title == spec.title))
    pending = [
        (proposals[k], o) for k, o in spec.decisions if k in proposals and proposals[k].state.value == "in_review"
    ]
    if exists or not pending:
        return []
    score_proposals(
        [p for p, _o in pending], people, spec.held_on - timedelta(days=60), spec.held_on - timedelta(days=14)
    )
    with clock.as_of(spec.held_on):
        meeting = ops.schedule_meeting(
            fund,
            ops.MeetingData(spec.title, spec.held_on, spec.mode, spec.location, spec.language),
            actor=people.fmu,
        )
        items = ops.add_agenda_items(meeting, [p for p, _o in pending], actor=people.fmu)
        present = {m.id for m in people.members if m.email not in spec.absent}
        ops.record_attendance(meeting, present, actor=people.fmu)
        propose_portfolio(fund, people)
        ops.start_meeting(meeting, actor=people.chair)
        outcomes = approve_previous_minutes(meeting, people)
        outcomes += decide_matters(meeting, people)
        outcomes += [decide_item(item, outcome, people) for item, (_p, outcome) in zip(items, pending, strict=True)]
        ops.end_meeting(meeting, actor=people.chair)
    done = [o for o in outcomes if not o.startswith("!")]
    return [f"{meeting.reference} ({spec.held_on}): {', '.join(done)}"] + [o[1:] for o in outcomes if o.startswith("!")]


# The first call's concept notes (proposals.demo_call): what the 1st meeting decided on each, by its demo outcome.
FIRST_CALL_OUTCOMES = {"endorsed": E, "declined": R}
FIRST_CALL_QUALITY = {"endorsed": 3.8, "declined": 2.3}
SCORERS = 2  # members scoring each note (enough for a ranking; each review is many audited writes)


def decide_first_call(fund: Fund, people: People) -> list[str]:
    """The 1st meeting (online, in the first weeks of COVID-19) takes up the first call's concept notes the FMU
    forwarded: two members score each one beforehand, giving the ranking, and the meeting endorses the good ones
    into the pipeline and declines the others. (The six it selected became the first programmes, whose concept
    notes are derived at the end of the demo.)"""
    spec = first_call().get("meeting")
    if not spec or db.session.scalar(sa.select(Meeting.id).where(Meeting.fund_id == fund.id,
                                                                 Meeting.title == spec["title"])):  # fmt: skip
        return []
    pending = [(note, FIRST_CALL_OUTCOMES[outcome]) for note, outcome in first_call_notes(fund).values()
               if outcome in FIRST_CALL_OUTCOMES and note.state is ProposalState.in_review]  # fmt: skip
    if not pending:
        return []
    held_on = spec["held_on"] if isinstance(spec["held_on"], date) else date.fromisoformat(str(spec["held_on"]))
    score_notes(pending, people, held_on)
    with clock.as_of(held_on):
        meeting = ops.schedule_meeting(
            fund, ops.MeetingData(spec["title"], held_on, MeetingMode.virtual, spec["location"], "en"), actor=people.fmu
        )
        items = ops.add_agenda_items(meeting, [note for note, _o in pending], actor=people.fmu)
        ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
        ops.start_meeting(meeting, actor=people.chair)
        outcomes = [decide_note(item, outcome, people) for item, (_n, outcome) in zip(items, pending, strict=True)]
        ops.end_meeting(meeting, actor=people.chair)
    done = [o for o in outcomes if not o.startswith("!")]
    counts = {outcome: sum(1 for o in done if o.endswith(outcome)) for outcome in ("endorse", "reject")}
    return [f"{meeting.reference} ({held_on}): first call, {counts['endorse']} concept notes endorsed into the "
            f"pipeline, {counts['reject']} declined."] + [o[1:] for o in outcomes if o.startswith("!")]  # fmt: skip


def score_notes(pending: list[tuple[Proposal, DecisionOutcome]], people: People, held_on: date) -> None:
    """The FMU assigns two members to each note five weeks before the meeting; they score it the week before."""
    outcome_of = {v: k for k, v in FIRST_CALL_OUTCOMES.items()}
    with clock.as_of(held_on - timedelta(days=35)):
        reviewers = {}
        for n, (note, _outcome) in enumerate(pending):
            free = [m for m in people.members if not note.is_recused(m)]
            reviewers[note.id] = [free[(n + k) % len(free)] for k in range(min(SCORERS, len(free)))]
            ops.assign_reviewers(note, reviewers[note.id], held_on - timedelta(days=7), actor=people.fmu)
    with clock.as_of(held_on - timedelta(days=9)):
        for note, outcome in pending:
            for member in reviewers[note.id]:
                score_note(note, member, FIRST_CALL_QUALITY[outcome_of[outcome]])


def score_note(note: Proposal, member: User, mean: float) -> None:
    rng = random.Random(f"{note.reference}:{member.email}")
    quality = mean + rng.uniform(-0.5, 0.5)
    scores = {c.id: (max(c.scale_min, min(c.scale_max, round(quality + rng.uniform(-0.9, 0.9)))), "")
              for c in active_criteria(note.fund)}  # fmt: skip
    recommendation = recommendation_for("endorsed" if mean >= 3 else "rejected", quality)
    data = ops.ReviewInput(scores=scores, recommendation=recommendation, comment=COMMENTS[recommendation])
    ops.save_review(note, member, data, actor=member, submit=True, no_conflict=True)


def decide_note(item: Any, outcome: DecisionOutcome, people: People) -> str:
    """Whoever presides records the meeting's consensus on the note; a refusal is reported, not raised."""
    runner = presiding_member(item) or people.fmu
    try:
        with db.session.begin_nested():
            ops.open_item(item, actor=runner)
            ops.record_decision(item, ops.DecisionData(outcome), actor=runner)
    except DomainError as exc:
        return f"!{item.proposal.reference} not decided: {exc.message}"
    return f"{item.proposal.reference} {outcome.value}"


def approve_previous_minutes(meeting: Meeting, people: People) -> list[str]:
    """The meeting first approves the minutes of the one before it (the last meeting's wait for the next one)."""
    query = (
        sa.select(Minutes)
        .join(Minutes.meeting)
        .where(Meeting.fund_id == meeting.fund_id, Minutes.state == MinutesState.draft, Meeting.id != meeting.id)
        .order_by(Meeting.held_on.desc())
    )
    previous = db.session.scalars(query).first()
    if previous is None:
        return []
    try:
        ops.approve_minutes(previous, meeting, actor=people.fmu)
    except DomainError as refusal:
        return [f"!Steering: minutes of {previous.meeting.reference} not approved: {refusal.message}"]
    return [f"minutes of {previous.meeting.reference} approved"]


def decide_matters(meeting: Meeting, people: People) -> list[str]:
    """The meeting decides its matters of the fund (MATTERS) as a whole, the chair running it; a refusal is
    reported, not raised."""
    outcomes = []
    for subject, wording, amount in MATTERS.get(meeting.title, ()):
        try:
            with db.session.begin_nested():
                decision = ops.decide_matter(meeting, ops.MatterData(subject, DecisionOutcome.approve, wording, amount),
                                             actor=people.chair or people.fmu)  # fmt: skip
        except DomainError as refusal:
            outcomes.append(f"!Steering: {subject.value} not decided at {meeting.reference}: {refusal.message}")
        else:
            outcomes.append(f"{decision.reference} {subject.value}")
    return outcomes


def decide_item(item: Any, outcome: DecisionOutcome, people: People) -> str:
    """Open the item, let the present members state positions (or vote), record the decision; a refusal is reported,
    not raised. Whoever presides runs the item: the chair, also over the items where IOM takes part (she abstains)."""
    runner = presiding_member(item) or people.fmu
    amount = item.version.total if outcome.funds else None
    try:
        with db.session.begin_nested():
            ops.open_item(item, actor=runner)
            if item.meeting.by_consensus:
                state_positions(item, outcome, people)
            else:
                cast_votes(item, outcome, people)
            data = ops.DecisionData(outcome, CONDITIONS.get(spec_of(item.proposal)["key"], ""), amount)
            ops.record_decision(item, data, actor=runner)
    except DomainError as exc:
        return f"!{item.proposal.reference} not decided: {exc.message}"
    return f"{item.proposal.reference} {outcome.value}"


# The positions the present members state under consensus: on an approval with conditions the first donor
# states the conditions as a reservation and asks for it to be minuted with their name (the minutes of the
# 4th meeting show it); "no consensus" (a rejection) stands on one donor's objection, minuted without a name.
POSITIONS = {A: Stance.support, AC: Stance.support, E: Stance.support, D: Stance.stand_aside, R: Stance.stand_aside}
OBJECTION = "Largely an information campaign, with a weak link to policy change; it cannot be funded as it stands."


DONOR_SEATS, STAKEHOLDER_SEATS = "MS-DONOR-", "CSO-"  # the demo's speakers, by the seat they hold


def seat_code(member: User, meeting: Any) -> str:
    """The code of the seat the member holds (or stands in for) on the meeting's day; empty when none."""
    term = term_of(member, meeting.fund, meeting.held_on)
    return term.seat.code if term else ""


def state_positions(item: Any, outcome: DecisionOutcome, people: People) -> None:
    """The present, non-recused members state their positions; one donor states the reservation or objection."""
    present = {a.member_id for a in item.meeting.attendance if a.present}
    voices = [m for m in people.members if m.id in present and standing(item.proposal, m).decides]
    speaker = next((m for m in voices if seat_code(m, item.meeting).startswith(DONOR_SEATS)), None)
    for member in voices:
        data = ops.PositionData(POSITIONS[outcome])
        if member is speaker and outcome is AC:
            data = ops.PositionData(Stance.reservation, CONDITIONS[spec_of(item.proposal)["key"]], minute_by_name=True)
        elif member is speaker and outcome is R:
            data = ops.PositionData(Stance.object, OBJECTION)
        ops.state_position(item, member, data, actor=member)


def cast_votes(item: Any, outcome: DecisionOutcome, people: People) -> None:
    """The present, non-recused members vote; the stakeholder abstains on a rejection."""
    present = {a.member_id for a in item.meeting.attendance if a.present}
    for member in people.members:
        if member.id not in present or not standing(item.proposal, member).decides:
            continue
        choice = VOTES[outcome]
        if outcome is R and seat_code(member, item.meeting).startswith(STAKEHOLDER_SEATS):
            choice = VoteChoice.abstain
        ops.cast_vote(item, member, choice, actor=member)


def approve_in_writing(
    proposal: Proposal | None, circulated: date, deadline: date, amount: Decimal, people: People
) -> list[str]:
    """An endorsed proposal approved by written procedure once the money is there: nobody objects."""
    if proposal is None or proposal.state is not ProposalState.endorsed:
        return []
    with clock.as_of(circulated):
        procedure = ops.circulate_written_procedure(
            proposal, ops.DecisionData(A, "", min(amount, proposal.latest_version.total)),
            rationale="Funds for thematic area 3 have arrived; the programme ranked first in the pipeline for it.",
            deadline=deadline, actor=people.fmu,
        )  # fmt: skip
    for offset, member in enumerate(m for m in people.members if standing(proposal, m).decides):
        if offset < 3:
            with clock.as_of(circulated + timedelta(days=offset + 1)):
                ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    try:
        with db.session.begin_nested(), clock.as_of(deadline + timedelta(days=1)):
            ops.conclude_written_procedure(procedure, actor=people.fmu)
    except DomainError as exc:
        return [f"{procedure.reference}: not concluded: {exc.message}"]
    return [f"{procedure.reference}: {proposal.reference} approved without objection."]


def nobody_objects(procedure: WrittenProcedure, circulated: date, deadline: date, people: People) -> list[str]:
    """Every member answers no objection in the days after circulation; the FMU concludes the day after the
    deadline. Returns the refusal as a report line, if any."""
    for offset, member in enumerate(people.members):
        with clock.as_of(circulated + timedelta(days=1 + offset % max((deadline - circulated).days, 1))):
            ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    try:
        with db.session.begin_nested(), clock.as_of(deadline + timedelta(days=1)):
            ops.conclude_written_procedure(procedure, actor=people.fmu)
    except DomainError as exc:
        return [f"{procedure.reference}: not concluded: {exc.message}"]
    return []


def approve_minutes_in_writing(fund: Fund, people: People) -> list[str]:
    """The minutes of the meeting before the summer (MINUTES_IN_WRITING), approved by written procedure: the chair
    signs them when it concludes."""
    title, circulated, deadline = MINUTES_IN_WRITING
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.fund_id == fund.id, Meeting.title == title))
    if meeting is None or meeting.minutes is None or meeting.minutes.is_frozen:
        return []
    with clock.as_of(circulated):
        ops.edit_minutes(meeting.minutes, "The Steering Committee reviewed the fund's first half of 2026, decided on "
                         "two concept notes and approved the direct costs of the Fund Management Unit for the year "
                         "ahead.", actor=people.fmu)  # fmt: skip
        procedure = ops.circulate_minutes_procedure(
            meeting.minutes, rationale="The committee does not meet again before December: the FMU proposes to "
            "approve the minutes of its 13th meeting in writing.", deadline=deadline, actor=people.fmu,
        )  # fmt: skip
    refused = nobody_objects(procedure, circulated, deadline, people)
    return refused or [f"{procedure.reference}: minutes of {meeting.reference} approved without objection."]


def adopt_matter_in_writing(fund: Fund, people: People) -> list[str]:
    """A matter of the fund decided by written procedure (MATTER_IN_WRITING): next year's allocation targets."""
    subject, wording, circulated, deadline = MATTER_IN_WRITING
    exists = sa.select(WrittenProcedure.id).where(WrittenProcedure.fund_id == fund.id,
                                                  WrittenProcedure.matter == wording)  # fmt: skip
    if db.session.scalar(exists) is not None:
        return []
    with clock.as_of(circulated):
        procedure = ops.circulate_matter_procedure(
            fund, ops.MatterData(subject, DecisionOutcome.approve, wording),
            rationale="The targets for 2027 keep those of 2026, which the portfolio meets.", deadline=deadline,
            actor=people.fmu,
        )  # fmt: skip
    refused = nobody_objects(procedure, circulated, deadline, people)
    return refused or [f"{procedure.reference}: {subject.value} adopted without objection."]


def schedule_upcoming(fund: Fund, proposals: dict[str, Proposal], people: People) -> list[str]:
    """The next meeting, in three weeks, with the proposals in review on its agenda; scoring is under way."""
    if db.session.scalar(sa.select(Meeting.id).where(Meeting.fund_id == fund.id, Meeting.title == UPCOMING_TITLE)):
        return []
    waiting = [p for p in proposals.values() if p.state is ProposalState.in_review]
    start = clock.today(fund)
    with clock.as_of(start - timedelta(days=7)):
        for proposal in waiting:
            members = [m for m in people.members if standing(proposal, m).scores]
            ops.assign_reviewers(proposal, members, start + timedelta(days=10), actor=people.fmu)
    with clock.as_of(start - timedelta(days=2)):
        for proposal in waiting:
            reviewers = [m for m in people.members if standing(proposal, m).scores]
            for n, member in enumerate(reviewers[:4]):
                submit_review(proposal, member, submit=n < 3)
    meeting = ops.schedule_meeting(
        fund,
        ops.MeetingData(UPCOMING_TITLE, start + timedelta(days=21), MeetingMode.hybrid,
                        "IOM headquarters, Geneva, and online", "es"),
        actor=people.fmu,
    )  # fmt: skip
    if waiting:
        ops.add_agenda_items(meeting, waiting, actor=people.fmu)
    return [
        f"{meeting.reference} scheduled for {meeting.held_on} with {len(waiting)} proposals in review.",
        propose_portfolio(fund, people),
    ]


# The FMU's rules for the demo's portfolio proposals: one programme per country, at least half the money at the
# fund's marker level; the budget is the money available, or an indicative envelope before the money arrives.
DEMO_ENVELOPE = Decimal("10000000.00")
DEMO_PER_COUNTRY = 1
DEMO_MARKER_FLOOR = Decimal("0.50")


def propose_portfolio(fund: Fund, people: People) -> str:
    """The FMU asks for a portfolio proposal of the proposals before the committee, before a meeting."""
    available = money_available(fund).available
    request = ops.PortfolioRequest(
        budget=available if available > 0 else DEMO_ENVELOPE,
        per_country=DEMO_PER_COUNTRY,
        marker_floor=DEMO_MARKER_FLOOR if fund.marker_share else None,
    )
    run = ops.propose_portfolio(fund, request, actor=people.fmu)
    return f"Portfolio proposal: {len(run.selected_references)} of {len(run.candidates)} proposals recommended."
