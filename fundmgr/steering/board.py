"""The live meeting board: what one user may see of the meeting right now.

The same context renders the board page and the fragment the board's script polls for, so the
page without script and the live page show the same thing. A member recused from the current
item sees its title and the recusals, never its scores or votes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import ngettext

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.funds.rights import is_sc_member
from fundmgr.steering.models import (
    AgendaItem,
    Attendance,
    ItemState,
    Meeting,
    MeetingState,
    Position,
    Vote,
    known_standings,
    standing,
)
from fundmgr.steering.presiding import may_operate_item, may_preside, presiding_member
from fundmgr.steering.queries import can_see_scores, score_proposals
from fundmgr.steering.voting import consensus, counted_votes, people_of, quorum_for, tally


def board_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with what its board reads, one statement per kind of row however long the agenda: its items with
    their proposals and decisions, its attendance with the members and their roles (who presides, who decides).

    The members come without their organizations, and the current item's positions or votes (read when asked)
    without their members, which a person and each of their rows otherwise bring: the board names members (read
    with the attendance) and asks whose organization takes part by its id, and every poll would decode each
    organization's names in every language again."""
    items = so.selectinload(Meeting.items)
    members = so.selectinload(Meeting.attendance).joinedload(Attendance.member)
    roles = User.fund_roles  # type: ignore[attr-defined]  # the funds package's backref
    options = [items.joinedload(AgendaItem.proposal), items.joinedload(AgendaItem.decision)]
    options += [members.selectinload(roles), members.lazyload(User.organization)]
    options += [items.defaultload(AgendaItem.positions).lazyload(Position.member),
                items.defaultload(AgendaItem.votes).lazyload(Vote.member)]  # fmt: skip
    return db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id).options(*options))


def board_context(meeting: Meeting, user: Any) -> dict[str, Any]:
    """Everything the board shows to this user.

    Who presides is asked of each item (its Open button), who decides of the current one (its quorum): the standings
    they read (of the user, the members invited and the seats' holders, on each item's proposal) are read at once
    first.
    """
    item = meeting.current_item
    known_standings([other.proposal for other in meeting.items], [user, *people_of(meeting).values()])
    context: dict[str, Any] = {
        "meeting": meeting,
        "item": item,
        # the agenda's Open buttons: the items this user may open (presides over, or works the board for)
        "openable": {other.id for other in meeting.items if may_operate_item(user, other)},
        "members": {a.member_id: a.member for a in meeting.attendance},
    }
    if item is None:
        return context
    quorum = quorum_for(item)
    presiding = presiding_member(item)
    # The member presiding sees the item whole, even one where their organization takes part (they abstain).
    said = standing(item.proposal, user)
    redacted = not said.sees and not may_preside(user, item)
    context |= {
        "quorum": quorum,
        "presiding": presiding,
        "recused_members": [context["members"][m] for m in sorted(quorum.recused_ids)],
        "redacted": redacted,
        # the presiding member who may not decide the item (their organization takes part) abstains
        "presiding_abstains": presiding is not None and not standing(item.proposal, presiding).decides,
        # an SC member who takes part in the decision (`Standing.decides`), seeing the item or not
        "decides": is_sc_member(user, meeting.fund) and said.decides,
        "chair_item": may_operate_item(user, item),
        "by_consensus": meeting.by_consensus,
    }
    attendance = meeting.attendance_of(user)
    may_take_part = (
        context["decides"]
        and attendance is not None
        and attendance.present
        and meeting.state is MeetingState.in_progress
        and item.state is ItemState.open
    )
    if redacted:
        # their own position or vote and its controls only: never the others' nor the scores
        return context | own_controls(item, quorum, user, may_take_part)
    if meeting.by_consensus:
        positions = consensus(item, quorum)
        stated = {p.member_id for p in positions.positions}
        context |= {
            "consensus": positions,
            "waiting": [context["members"][m] for m in sorted(quorum.present_ids - stated)],
            "my_position": next((p for p in positions.positions if p.member_id == getattr(user, "id", None)), None),
            "can_state": may_take_part,
        }
    else:
        context |= votes_context(item, quorum, user, context["members"], may_take_part)
    if can_see_scores(user, item.proposal):
        context["score"] = score_proposals(meeting.fund, [item.proposal]).get(item.proposal.id)
    return context


def own_controls(item: Any, quorum: Any, user: Any, may_take_part: bool) -> dict[str, Any]:
    """What a member who does not see the item but decides it (`no_scoring`) needs: their own position or vote."""
    user_id = getattr(user, "id", None)
    if item.meeting.by_consensus:
        mine = next((p for p in consensus(item, quorum).positions if p.member_id == user_id), None)
        return {"my_position": mine, "can_state": may_take_part}
    mine = next((v for v in counted_votes(item, quorum) if v.member_id == user_id), None)
    return {"my_vote": mine, "may_take_part": may_take_part, "can_vote": may_take_part and quorum.met}


def votes_context(item: Any, quorum: Any, user: Any, members: dict[int, Any], may_take_part: bool) -> dict[str, Any]:
    """The votes of an item of a fund deciding by majority; a member votes (again) while a quorum is present."""
    votes = counted_votes(item, quorum)
    voted = {v.member_id for v in votes}
    return {
        "votes": votes,
        "tally": tally(item, quorum),
        "waiting": [members[m] for m in sorted(quorum.present_ids - voted)],
        "my_vote": next((v for v in votes if v.member_id == getattr(user, "id", None)), None),
        "may_take_part": may_take_part,
        "can_vote": may_take_part and quorum.met,
    }


CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


def revision_of(html: str) -> str:
    """A short fingerprint of the rendered board: the script swaps the board only when it changes.

    CSRF tokens are left out: they carry a timestamp and would change the fingerprint every second.
    """
    return hashlib.sha256(CSRF_VALUE.sub("", html).encode("utf-8")).hexdigest()[:16]


def board_summary(context: dict[str, Any]) -> dict[str, Any]:
    """The board as plain data, for scripts and API clients (the same redactions as the page)."""
    meeting, item = context["meeting"], context["item"]
    summary: dict[str, Any] = {
        "meeting": {"reference": meeting.reference, "state": meeting.state.value},
        "item": None,
    }
    if item is None:
        return summary
    quorum = context["quorum"]
    summary["item"] = {
        "id": item.id,
        "position": item.position,
        "reference": item.proposal.reference,
        "title": item.proposal.title,
        "state": item.state.value,
        "recused": [m.name for m in context["recused_members"]],
        "presiding": context["presiding"].name if context["presiding"] else None,
        "quorum": {"eligible": quorum.eligible, "present": quorum.present, "required": quorum.required,
                   "met": quorum.met},
    }  # fmt: skip
    summary["announce"] = _("%(ref)s: %(state)s.", ref=item.proposal.reference, state=item.state.title)
    if context["redacted"]:
        summary["item"]["redacted"] = True
        return summary
    if context["by_consensus"]:
        positions = context["consensus"]
        summary["item"] |= {
            "positions": [{"member": p.member.name, "stance": p.stance.value} for p in positions.positions],
            "objections": len(positions.objections),
            "consensus_holds": positions.holds,
            "my_position": context["my_position"].stance.value if context["my_position"] else None,
            "can_state": context["can_state"],
        }
        summary["announce"] = ngettext(
            "%(ref)s: %(state)s, %(num)d position stated.", "%(ref)s: %(state)s, %(num)d positions stated.",
            len(positions.positions), ref=item.proposal.reference, state=item.state.title,
        )  # fmt: skip
        return summary
    summary["item"] |= {
        "votes": {choice.value: n for choice, n in context["tally"].counts.items()},
        "votes_cast": context["tally"].cast,
        "my_vote": context["my_vote"].choice.value if context["my_vote"] else None,
        "can_vote": context["can_vote"],
    }
    summary["announce"] = ngettext(
        "%(ref)s: %(state)s, %(num)d vote cast.", "%(ref)s: %(state)s, %(num)d votes cast.", context["tally"].cast,
        ref=item.proposal.reference, state=item.state.title,
    )  # fmt: skip
    return summary
