"""Who presides over an agenda item. Presiding is not voting: the fund's conflict policy decides.

The chair (whoever is present for the chair's seat: its holder, else its alternate) presides, also over an item
where her organization takes part when the policy lets her (`chair_presides_when_conflicted`, and the policy is
not `recusal`): she then presides and abstains. Otherwise, or in her absence, the fallback presides: the
vice-chair (whoever is present for the seat marked vice_chair) or the member the committee designated for the
meeting, under the same rule; when the vice-chair may not either (recused or absent), the designated member.
Nobody presides when none of them may. A written procedure follows the same rule on the day it concludes, each
seat's holder taking part (`presiding_over_procedure`): its decision is signed by whoever presides then.

The FMU, as the committee's secretariat, may work the board's controls for whoever presides when the policy says
so (`secretariat_operates_board`): in a room, the secretariat usually drives the screen. Who presided is still
the presiding member: recorded on the item, and signing its decision letter and its part of the minutes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fundmgr import clock
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, is_sc_member
from fundmgr.funds.seats import PresidingFallback, SeatTerm, chair_term, rules_of, vice_chair_term
from fundmgr.proposals.models import Proposal
from fundmgr.steering.models import AgendaItem, ItemState, Meeting, WrittenProcedure, standing


def present_for(meeting: Meeting, term: SeatTerm | None) -> Any | None:
    """The person present for a seat in the meeting: its holder, else its alternate; None if neither is."""
    if term is None:
        return None
    for person in (term.holder, term.alternate):
        attendance = meeting.attendance_of(person) if person is not None else None
        if attendance is not None and attendance.present:
            return person
    return None


def may_preside_on(person: Any, proposal: Proposal) -> bool:
    """Whether the policy lets this person preside over the decision on the proposal, given their standing on it:
    one who decides presides; one who stays in the item without deciding presides and abstains when the fund's
    policy lets the chair; one who leaves the item (a declared conflict, or `recusal`) does not."""
    said = standing(proposal, person)
    if said.decides:
        return True
    return said.stays and rules_of(proposal.fund).chair_presides_when_conflicted


def may_preside_over(person: Any, item: AgendaItem) -> bool:
    """Whether the policy lets this person preside over the item (`may_preside_on` its proposal)."""
    return may_preside_on(person, item.proposal)


def presiding_member(item: AgendaItem) -> Any | None:
    """The member who presides over the item (who presided, once it is decided); None when nobody may."""
    if item.state is ItemState.decided and item.presided_by is not None:
        return item.presided_by
    meeting = item.meeting
    chair = present_for(meeting, chair_term(meeting.fund, meeting.held_on))
    if chair is not None and may_preside_over(chair, item):
        return chair
    return next((person for person in fallbacks_present(meeting) if may_preside_over(person, item)), None)


def fallbacks_present(meeting: Meeting) -> list[Any]:
    """Who presides in the chair's place, in order, of those present: the vice-chair (under a vice_chair fallback),
    then the member the committee designated for the meeting (`operations.designate_presiding`)."""
    people = [present_for(meeting, term) for term in fallback_terms(meeting.fund, meeting.held_on)]
    designated = meeting.designated_presiding
    attendance = meeting.attendance_of(designated) if designated is not None else None
    people.append(designated if attendance is not None and attendance.present else None)
    return [person for person in people if person is not None]


def fallback_terms(fund: Fund, day: date) -> list[SeatTerm | None]:
    """The seats whose holder presides in the chair's place on a day, in order: the vice-chair's under a vice_chair
    fallback (a designated member is designated for one meeting: `Meeting.designated_presiding`)."""
    if rules_of(fund).presiding_fallback is PresidingFallback.vice_chair:
        return [vice_chair_term(fund, day)]
    return []


def presiding_over_procedure(procedure: WrittenProcedure) -> Any | None:
    """Who presides over a written procedure (and signs what it decides) on the day it concludes: the same rule as in
    a meeting, every seat's holder taking part: the chair's holder when the policy lets her preside over its proposal
    (a matter of the fund or minutes: always), else the fallback's holder under the same rule; None when none may
    (or the seats are empty): nobody is designated outside a meeting."""
    fund = procedure.fund
    day = clock.today(fund)
    for term in [chair_term(fund, day), *fallback_terms(fund, day)]:
        if term is None:
            continue
        if procedure.proposal is None or may_preside_on(term.holder, procedure.proposal):
            return term.holder
    return None


def presiding_over_meeting(meeting: Meeting) -> Any | None:
    """Who presides over the meeting as a whole (what is not about one proposal, such as approving minutes): the
    chair present for her seat, else the fallback present (the vice-chair, or the designated member)."""
    chair = present_for(meeting, chair_term(meeting.fund, meeting.held_on))
    if chair is not None:
        return chair
    return next(iter(fallbacks_present(meeting)), None)


def may_preside(user: Any, item: AgendaItem) -> bool:
    """Whether the user presides over the item now."""
    person = presiding_member(item)
    return person is not None and getattr(user, "id", None) == person.id


def may_operate_item(user: Any, item: AgendaItem) -> bool:
    """Whether the user may work the item's controls (open, close, record the decision): the presiding member,
    or the FMU secretariat for them when the policy says so."""
    if may_preside(user, item):
        return True
    return is_fund_manager(user, item.meeting.fund) and rules_of(item.meeting.fund).secretariat_operates_board


def may_run_meeting(user: Any, meeting: Meeting) -> bool:
    """Whether the user may start and end the meeting: the FMU secretariat, the chair or the vice-chair (holder
    or alternate of their seats)."""
    if is_fund_manager(user, meeting.fund):
        return True
    if not is_sc_member(user, meeting.fund):
        return False
    user_id = getattr(user, "id", None)
    for term in (chair_term(meeting.fund, meeting.held_on), vice_chair_term(meeting.fund, meeting.held_on)):
        if term is not None and user_id in term.person_ids():
            return True
    return False
