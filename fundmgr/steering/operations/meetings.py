"""Steering Committee meetings: schedule, agenda, attendance, running the meeting and the votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, record_audit_row, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, require_fund_manager
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations import lock_proposal
from fundmgr.signals import agenda_added, item_opened, meeting_scheduled
from fundmgr.steering.models import (
    ITEM_TRANSITIONS,
    MEETING_TRANSITIONS,
    AgendaItem,
    Attendance,
    ItemState,
    Meeting,
    MeetingMode,
    MeetingState,
    Position,
    Stance,
    Vote,
    VoteChoice,
    standing_facts,
    standing_read_with,
)
from fundmgr.steering.operations.locks import lock, lock_state
from fundmgr.steering.operations.minutes import draft_minutes
from fundmgr.steering.operations.rights import (
    require_may_decide,
    require_sc_member,
    text_problems,
)
from fundmgr.steering.operations.routes import open_route_problems
from fundmgr.steering.presiding import may_operate_item, may_run_meeting, presiding_member
from fundmgr.steering.queries import PIPELINE_STATES, seated_members
from fundmgr.steering.voting import answer_quorum
from fundmgr.workflow import require_transition


@dataclass
class MeetingData:
    """The FMU's meeting form."""

    title: str
    held_on: date | None
    mode: MeetingMode | None
    location: str = ""
    language: str = "en"


def meeting_problems(data: MeetingData) -> list[str]:
    problems = text_problems(data.title, _("The title"), required=True, limit=200)
    problems += text_problems(data.location, _("The place or link"), limit=200)
    if data.held_on is None:
        problems.append(_("The date is required."))
    if data.mode is None:
        problems.append(_("The mode is required."))
    if data.language not in LANGUAGES:
        problems.append(_("The language must be English, French or Spanish."))
    return problems


def next_meeting_reference(fund: Fund, year: int) -> str:
    """ "MIG-SC-2026-03": the fund's code, the year and the meeting's number in that year."""
    prefix = f"{fund.code}-SC-{year}-"
    count = db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(Meeting.reference.like(f"{prefix}%")))
    return f"{prefix}{(count or 0) + 1:02d}"


def schedule_meeting(fund: Fund, data: MeetingData, *, actor: User | None) -> Meeting:
    """The FMU schedules a meeting; the members holding (or standing in for) a seat of the fund's committee on the
    meeting's day are invited, nobody of another fund (attendance is recorded later)."""
    require_fund_manager(actor, fund)
    problems = meeting_problems(data)
    if problems:
        raise ValidationFailed(problems)
    assert data.held_on is not None  # refused above when missing
    meeting = Meeting(
        fund_id=fund.id,
        reference=next_meeting_reference(fund, data.held_on.year),
        title=data.title.strip(),
        held_on=data.held_on,
        mode=data.mode,
        location=data.location.strip(),
        language=data.language,
        scheduled_by_id=actor and actor.id,
    )
    db.session.add(meeting)
    for member in seated_members(fund, meeting.held_on):
        meeting.attendance.append(Attendance(member_id=member.id))
    db.session.flush()
    record_audit("meeting.scheduled", meeting, actor=actor, after=snapshot(meeting), summary=meeting.reference)
    meeting_scheduled.send(meeting, actor=actor)
    return meeting


def require_meeting_open_for_changes(meeting: Meeting) -> None:
    if meeting.state not in (MeetingState.scheduled, MeetingState.in_progress):
        raise InvalidTransition(_("The meeting is %(state)s; it can no longer change.", state=meeting.state.title))


def add_agenda_items(meeting: Meeting, proposals: Sequence[Proposal], *, actor: User | None) -> list[AgendaItem]:
    """Put proposals in review (or endorsed, awaiting funds) on the agenda, each with its current version, if no
    other open meeting has them on its agenda and no written procedure on them is open."""
    require_fund_manager(actor, meeting.fund)
    require_meeting_open_for_changes(meeting)
    listed = {item.proposal_id for item in meeting.items}
    problems = []
    for proposal in sorted(proposals, key=lambda p: p.id):  # locks in one order: two agendas never wait on each other
        lock_proposal(proposal)
    for proposal in proposals:
        if proposal.fund_id != meeting.fund_id or proposal.state not in PIPELINE_STATES:
            problems.append(_("%(p)s is neither in review nor endorsed.", p=proposal.reference))
        elif proposal.id in listed:
            problems.append(_("%(p)s is already on the agenda.", p=proposal.reference))
        else:
            problems += open_route_problems(proposal, meeting=meeting)
    if not proposals:
        problems.append(_("Choose at least one proposal."))
    if problems:
        raise ValidationFailed(problems)
    position = max((item.position for item in meeting.items), default=0)
    items = []
    for proposal in proposals:
        position += 1
        item = AgendaItem(position=position, proposal_id=proposal.id, version_id=proposal.submitted_version.id)
        meeting.items.append(item)
        items.append(item)
    db.session.flush()
    record_audit(
        "meeting.agenda_added",
        meeting,
        actor=actor,
        after={"proposals": [p.reference for p in proposals]},
        summary=f"{meeting.reference}: {', '.join(p.reference for p in proposals)}",
    )
    agenda_added.send(meeting, proposals=list(proposals), actor=actor)
    return items


def remove_agenda_item(item: AgendaItem, *, actor: User | None) -> None:
    """Take an item that has not been opened off the agenda; the others close ranks."""
    require_fund_manager(actor, item.meeting.fund)
    meeting = item.meeting
    require_meeting_open_for_changes(meeting)
    if item.state is not ItemState.pending:
        raise InvalidTransition(_("Only items not yet discussed can be removed."))
    reference = item.proposal.reference
    meeting.items.remove(item)
    db.session.delete(item)
    for position, other in enumerate(meeting.items, start=1):
        other.position = position
    db.session.flush()
    record_audit("meeting.agenda_removed", meeting, actor=actor, before={"proposal": reference}, summary=reference)


def record_attendance(meeting: Meeting, present_ids: set[int], *, actor: User | None) -> None:
    """The FMU records who is present (members may arrive or leave during the meeting)."""
    require_fund_manager(actor, meeting.fund)
    require_meeting_open_for_changes(meeting)
    invited = {a.member_id for a in meeting.attendance}
    unknown = present_ids - invited
    if unknown:
        raise ValidationFailed([_("Only invited members can be marked present.")])
    before = sorted(a.member_id for a in meeting.attendance if a.present)
    for attendance in meeting.attendance:
        attendance.present = attendance.member_id in present_ids
    db.session.flush()
    record_audit(
        "meeting.attendance", meeting, actor=actor, before={"present": before}, after={"present": sorted(present_ids)}
    )


def move_meeting(meeting: Meeting, target: MeetingState, *, actor: User | None, action: str) -> None:
    before = require_transition(meeting, target, MEETING_TRANSITIONS)
    meeting.state = target
    db.session.flush()
    record_audit(action, meeting, actor=actor, before={"state": before}, after={"state": target})


def start_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """The secretariat or the chair opens the meeting: items can then be opened for votes."""
    require_chair(meeting, actor)
    meeting.started_at = clock.now()
    move_meeting(meeting, MeetingState.in_progress, actor=actor, action="meeting.started")


def end_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """Close the meeting and draft its minutes; items not decided stay with their proposals in review for a later
    meeting."""
    require_chair(meeting, actor)
    if meeting.open_item is not None:
        raise InvalidTransition(_("Close the open item before ending the meeting."))
    meeting.ended_at = clock.now()
    move_meeting(meeting, MeetingState.closed, actor=actor, action="meeting.ended")
    draft_minutes(meeting, actor=actor)


def cancel_meeting(meeting: Meeting, *, actor: User | None) -> None:
    """The FMU cancels a meeting that has not started."""
    require_fund_manager(actor, meeting.fund)
    move_meeting(meeting, MeetingState.cancelled, actor=actor, action="meeting.cancelled")


def require_chair(meeting: Meeting, actor: User | None, item: AgendaItem | None = None) -> None:
    """Starting and ending the meeting: the FMU secretariat, the chair or the vice-chair. An item's controls:
    whoever presides over it (steering.presiding), or the FMU working the board for them where the fund's policy
    lets it."""
    if actor is None:
        return
    if item is None:
        if not may_run_meeting(actor, meeting):
            raise NotAllowed(_("Only the chair, the vice-chair or the Fund Management Unit may run the meeting."))
        return
    if may_operate_item(actor, item):
        return
    if is_fund_manager(actor, meeting.fund):
        raise NotAllowed(_("Under the fund's policy only the member presiding over this item may run it."))
    person = presiding_member(item)
    if person is None:
        raise NotAllowed(_("Nobody present may preside over this item: mark the chair or the member who presides "
                           "in their place present."))  # fmt: skip
    raise NotAllowed(_("%(name)s presides over this item.", name=person.name))


def open_item(item: AgendaItem, *, actor: User | None) -> None:
    """Open an item for votes (one at a time); a closed item may be reopened before its decision."""
    meeting = lock(Meeting, item.meeting_id)
    require_chair(meeting, actor, item)
    if meeting.state is not MeetingState.in_progress:
        raise InvalidTransition(_("Start the meeting before opening items."))
    if meeting.open_item is not None and meeting.open_item.id != item.id:
        raise InvalidTransition(_("Close the open item first."))
    before = require_transition(item, ItemState.open, ITEM_TRANSITIONS)
    item.state = ItemState.open
    item.presided_by = presiding_member(item)
    item.opened_at = clock.now()
    item.closed_at = None
    db.session.flush()
    record_audit("item.opened", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=meeting.fund_id, summary=item.display_name)  # fmt: skip
    item_opened.send(item, actor=actor)


def close_item(item: AgendaItem, *, actor: User | None) -> None:
    """Close an item to votes; votes arriving afterwards are refused."""
    item = lock(AgendaItem, item.id)
    require_chair(item.meeting, actor, item)
    before = require_transition(item, ItemState.closed, ITEM_TRANSITIONS)
    item.state = ItemState.closed
    item.closed_at = clock.now()
    db.session.flush()
    record_audit("item.closed", item, actor=actor, before={"state": before}, after={"state": item.state},
                 fund_id=item.meeting.fund_id, summary=item.display_name)  # fmt: skip


_answer_lock_query: list[sa.Select] = []


def answer_lock_query() -> sa.Select:
    """The statement of `require_present_on_open_item`, with the member's standing on the proposal read in it
    (`standing` then answers from it); its parameters are `item_id`, `proposal_id`, `member_id` and
    `organization_id`. Built once per process: every member sends their answer at the same moment, and building it
    cost about a third of a millisecond of each answer's CPU."""
    if not _answer_lock_query:
        proposal = SimpleNamespace(id=sa.bindparam("proposal_id"))
        member = SimpleNamespace(id=sa.bindparam("member_id"), organization_id=sa.bindparam("organization_id"))
        _answer_lock_query.append(
            sa.select(AgendaItem.state, Attendance.present, *standing_facts(proposal, member))
            .join_from(AgendaItem, Attendance, sa.and_(Attendance.meeting_id == AgendaItem.meeting_id,
                                                       Attendance.member_id == member.id))
            .where(AgendaItem.id == sa.bindparam("item_id"))
            .with_for_update(read=True, of=AgendaItem)
            .suffix_with(f"FOR UPDATE OF {Attendance.__tablename__}", dialect="postgresql")
        )  # fmt: skip
    return _answer_lock_query[0]


def require_present_on_open_item(item: AgendaItem, member: User, closed: str) -> None:
    """The item is open in a meeting under way, and the member is present and not recused from it.

    One statement takes both locks and reads what is checked under them: the item's row, shared (closing it waits
    for the answers under way, and an answer that starts after the close sees it closed), its state read again; and
    the member's attendance row, exclusive (the same member sending from two devices at once is taken in turn, so
    the second finds the first's answer and replaces it: nothing is recorded twice), with their presence and their
    standing on the proposal. Only the member's own row is read, not the meeting's whole attendance; the item's
    meeting and proposal stay as loaded (the view read them with it)."""
    meeting = item.meeting
    parameters = {"item_id": item.id, "proposal_id": item.proposal.id, "member_id": member.id,
                  "organization_id": member.organization_id}  # fmt: skip
    row = db.session.execute(answer_lock_query(), parameters).one_or_none()
    if row is None:  # no attendance row: the item's state alone, under its lock, says which refusal
        lock_state(item, shared=True)
    else:
        so.attributes.set_committed_value(item, "state", row.state)
    if meeting.state is not MeetingState.in_progress or item.state is not ItemState.open:
        raise InvalidTransition(closed)
    if row is None or not row.present:
        raise NotAllowed(_("Only members recorded as present take part in the decision."))
    standing_read_with(item.proposal, member, row[2], row[3])
    require_may_decide(item.proposal, member)


@dataclass(frozen=True)
class AnswerKind:
    """What a member answers on an item: a vote (majority) or a position (consensus); the item's relationship that
    lists them, its row's fields, the column stamped when written, the audit actions of a first answer and a change."""

    model: type[Vote] | type[Position]
    collection: str
    fields: tuple[str, ...]
    stamp: str
    stated: str
    changed: str


VOTES = AnswerKind(Vote, "votes", ("choice",), "cast_at", "vote.cast", "vote.changed")
POSITIONS = AnswerKind(Position, "positions", ("stance", "text", "minute_by_name"), "updated_at", "position.stated",
                       "position.changed")  # fmt: skip

_answer_statements: dict[str, tuple[sa.Select, sa.Insert, sa.Update]] = {}


def answer_statements(kind: AnswerKind) -> tuple[sa.Select, sa.Insert, sa.Update]:
    """The statements of `record_answer`, built once per process and kind (every member sends theirs at the same
    moment, and building a statement and its cache key costs about as much as running it): the member's answer on
    the item (parameters `item_id`, `member_id`), its insert returning its id and its update (`answer_id`); the
    values written are the parameters of the insert and the update."""
    if kind.collection not in _answer_statements:
        table = cast(sa.Table, kind.model.__table__)
        read = sa.select(table.c.id, *(table.c[f] for f in kind.fields)).where(
            table.c.item_id == sa.bindparam("item_id"), table.c.member_id == sa.bindparam("member_id"))  # fmt: skip
        update = sa.update(table).where(table.c.id == sa.bindparam("answer_id"))
        _answer_statements[kind.collection] = (read, sa.insert(table).returning(table.c.id), update)
    return _answer_statements[kind.collection]


def record_answer(kind: AnswerKind, item: AgendaItem, member: User, answer: dict, *, actor: User | None) -> None:
    """Write the member's answer (`answer`: the kind's fields) on the item, once its rules are checked: the first one
    inserted, a different one replacing it (the last one counts), each audited; the same one again changes nothing.

    Core statements: one row read and one written, no ORM object to build, flush and audit from (every member sends
    theirs at the same moment); the item's answers, if loaded, are read again when next asked. The member's
    attendance row, locked by `require_present_on_open_item`, takes the same member's answers in turn."""
    read, insert, update = answer_statements(kind)
    row = db.session.execute(read, {"item_id": item.id, "member_id": member.id}).first()
    fund_id, summary = item.meeting.fund_id, item.display_name
    if row is None:
        values = {"item_id": item.id, "member_id": member.id, kind.stamp: clock.now()} | answer
        answer_id = db.session.execute(insert, values).scalar_one()
        db.session.expire(item, [kind.collection])
        record_audit_row(kind.stated, kind.model, answer_id, actor=actor, fund_id=fund_id, summary=summary,
                         after={"item": item.id} | answer)  # fmt: skip
        return
    before = {f: getattr(row, f) for f in kind.fields}
    if before != answer:
        db.session.execute(update, {"answer_id": row.id, kind.stamp: clock.now()} | answer)
        loaded = db.session.identity_map.get(so.util.identity_key(kind.model, row.id))
        if loaded is not None:
            db.session.expire(loaded)  # read earlier in this transaction: read again when next asked
        db.session.expire(item, [kind.collection])
        record_audit_row(kind.changed, kind.model, row.id, actor=actor, fund_id=fund_id, summary=summary,
                         before=before, after={"item": item.id} | answer)  # fmt: skip


def cast_vote(item: AgendaItem, member: User, choice: VoteChoice, *, actor: User | None) -> VoteChoice:
    """A present, non-recused member votes on the open item while a quorum is present (funds deciding by majority);
    voting again replaces the vote (the last one counts, each change audited; the same one again changes nothing).
    Returns the choice recorded."""
    require_sc_member(actor, member, item.meeting.fund)
    if item.meeting.by_consensus:
        raise InvalidTransition(_("This committee decides by consensus: state your position instead of voting."))
    require_present_on_open_item(item, member, _("Voting on this item is closed."))
    quorum = answer_quorum(item)
    if not quorum.met:
        raise InvalidTransition(
            _("Votes are taken only while a quorum is present: %(present)d of %(eligible)d voting members are "
              "present, %(required)d are needed.", present=quorum.present, eligible=quorum.eligible,
              required=quorum.required)
        )  # fmt: skip
    record_answer(VOTES, item, member, {"choice": choice}, actor=actor)
    return choice


@dataclass
class PositionData:
    """A member's position on an item: the stance, its text (a reservation, an objection's reason), and whether
    they ask for their name to be minuted."""

    stance: Stance | None
    text: str = ""
    minute_by_name: bool = False


def position_problems(data: PositionData) -> list[str]:
    if data.stance is None:
        return [_("Choose your position.")]
    problems = text_problems(data.text, _("The text"))
    if data.stance is Stance.reservation and not data.text.strip():
        problems.append(_("State your reservation."))
    if data.stance is Stance.object and not data.text.strip():
        problems.append(_("State the reason for your objection."))
    return problems


def state_position(item: AgendaItem, member: User, data: PositionData, *, actor: User | None) -> Stance:
    """A present, non-recused member states their position on the open item (funds deciding by consensus);
    stating it again replaces it (the last one counts, each change audited; the same one again changes nothing).
    Returns the stance recorded."""
    require_sc_member(actor, member, item.meeting.fund)
    meeting = item.meeting
    if not meeting.by_consensus:
        raise InvalidTransition(_("This committee decides by vote: cast your vote instead of stating a position."))
    require_present_on_open_item(item, member, _("Positions on this item are closed."))
    problems = position_problems(data)
    if problems:
        raise ValidationFailed(problems)
    assert data.stance is not None  # refused above when missing
    stated = {"stance": data.stance, "text": data.text.strip() if data.stance.needs_text else "",
              "minute_by_name": data.minute_by_name}  # fmt: skip
    record_answer(POSITIONS, item, member, stated, actor=actor)
    return data.stance
