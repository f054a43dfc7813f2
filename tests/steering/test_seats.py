"""The committee's seats and terms: quorum counted on seats, and the FMU's appointments with their refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.seats import Seat, seats_of, term_of
from fundmgr.steering import operations as ops
from fundmgr.steering.models import AgendaItem, VoteChoice
from fundmgr.steering.voting import answer_quorum, counted_votes, quorum_for
from tests.factories import sign_in
from tests.support import TODAY


@pytest.fixture
def alternate(make_user, committee, fund):
    """Germany's alternate on her seat (a second person of her ministry)."""
    person = make_user(Role.sc_member, org="GOV-DEU", name="Lena Germany")
    term = term_of(person, fund, TODAY)
    term.ends_on = TODAY - timedelta(days=400)  # the factory seated her; she stands in for Germany instead
    term.starts_on = TODAY - timedelta(days=500)
    germany = term_of(committee.germany, fund, TODAY)
    germany.alternate_id = person.id
    db.session.commit()
    return person


def test_an_alternate_represents_the_seat_and_holder_and_alternate_count_once(
    by_majority, alternate, meeting, committee, in_review
):
    proposal = in_review(lead="UNDP", partners=("UNFPA",))
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    ops.record_attendance(meeting, {alternate.id, committee.spain.id}, actor=committee.fmu)
    quorum = quorum_for(item)
    assert (quorum.present, quorum.met) == (2, False)  # Germany's seat is represented by her alternate
    assert alternate.id in quorum.present_ids
    ops.record_attendance(meeting, {alternate.id, committee.germany.id, committee.spain.id}, actor=committee.fmu)
    db.session.expire_all()
    quorum = quorum_for(item)
    assert quorum.present == 2  # both of Germany's seat: still one seat, one voice (the holder's)
    assert committee.germany.id in quorum.present_ids
    assert alternate.id not in quorum.present_ids
    ops.record_attendance(meeting, {alternate.id, committee.germany.id, committee.spain.id, committee.ilo.id},
                          actor=committee.fmu)  # fmt: skip
    ops.start_meeting(meeting, actor=committee.fmu)
    ops.open_item(item, actor=committee.fmu)
    for person in (committee.germany, alternate, committee.spain):
        ops.cast_vote(item, person, VoteChoice.approve, actor=person)
    db.session.expire_all()
    quorum = quorum_for(item)
    assert quorum.met
    assert sorted(v.member_id for v in counted_votes(item, quorum)) == sorted([committee.germany.id,
                                                                               committee.spain.id])  # fmt: skip


@pytest.mark.both_engines  # the vote's quorum is read in SQL of its own
@pytest.mark.parametrize(
    "present",
    [("alternate", "spain"), ("alternate", "germany", "spain", "morocco", "unhcr"),
     ("chair", "unhcr", "ilo", "germany", "stakeholder"), ("chair", "alternate", "morocco")],
)  # fmt: skip
def test_a_vote_weighs_the_quorum_as_the_board_and_the_minutes_do(
    by_majority, alternate, meeting, committee, in_review, present
):
    """The quorum a member's vote checks (read as plain rows, every member voting at once) is the one the board and
    the minutes count (`quorum_for`): the same seats eligible and represented, the same voices and recusals, with a
    holder or their alternate present, a declared conflict, a waived one, and organizations taking part."""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    ops.declare_conflict(proposal, committee.spain, "My ministry co-funds it.", actor=committee.spain)
    waived = ops.declare_conflict(proposal, committee.morocco, "A former colleague.", actor=committee.morocco)
    ops.waive_conflict(waived, "No role in this programme.", actor=committee.fmu)
    people = {"alternate": alternate} | {name: getattr(committee, name) for name in present if name != "alternate"}
    ops.record_attendance(meeting, {people[name].id for name in present}, actor=committee.fmu)
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(AgendaItem, item.id)
    expected = quorum_for(item)
    assert expected.recused_ids  # the chair (IOM leads) or Spain (conflicted) when invited: the case is not empty
    db.session.expire_all()
    assert answer_quorum(db.session.get(AgendaItem, item.id)) == expected


def vacant(fund) -> Seat:
    return next(s for s in seats_of(fund) if s.votes and s.term_on(TODAY) is None and not s.vice_chair)


def test_the_fmu_appoints_a_holder_and_an_alternate_and_ends_the_term(fund, committee, make_user):
    holder = make_user(Role.sc_member, org="GOV-NOR", name="Ola Norway")
    deputy = make_user(Role.sc_member, org="GOV-NOR", name="Kari Norway")
    for person in (holder, deputy):  # free them from the seats the factory gave them
        term = term_of(person, fund, TODAY)
        db.session.delete(term)
    db.session.commit()
    seat = vacant(fund)
    term = ops.appoint_term(seat, ops.TermData(holder, deputy, TODAY), actor=committee.fmu)
    db.session.commit()
    assert term_of(deputy, fund, TODAY) == term
    ops.end_term(term, TODAY + timedelta(days=30), actor=committee.fmu)
    db.session.commit()
    assert term_of(holder, fund, TODAY + timedelta(days=31)) is None
    assert term_of(holder, fund, TODAY + timedelta(days=30)) == term  # history kept
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "seat_term")).all()
    assert actions == ["seat.term_appointed", "seat.term_ended"]


def test_term_refusals_list_every_problem(fund, committee, make_user):
    seat = vacant(fund)
    agency = make_user(Role.agency)
    with pytest.raises(ValidationFailed) as refused:
        ops.appoint_term(seat, ops.TermData(agency, agency, TODAY, TODAY - timedelta(days=1)), actor=committee.fmu)
    assert len(refused.value.problems) == 4  # dates, same person, and twice not a member
    with pytest.raises(ValidationFailed, match="already sits on the seat"):
        ops.appoint_term(seat, ops.TermData(committee.germany, None, TODAY), actor=committee.fmu)
    chair_seat = term_of(committee.chair, fund, TODAY).seat
    newcomer = make_user(Role.sc_member, org="IOM", name="New Chair")
    db.session.delete(term_of(newcomer, fund, TODAY))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="already has a term in that period"):
        ops.appoint_term(chair_seat, ops.TermData(newcomer, None, date(2030, 1, 1)), actor=committee.fmu)
    term = term_of(committee.chair, fund, TODAY)
    ops.end_term(term, date(2029, 12, 31), actor=committee.fmu)
    ops.appoint_term(chair_seat, ops.TermData(newcomer, None, date(2030, 1, 1)), actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="already ended"):
        ops.end_term(term, date(2030, 6, 30), actor=committee.fmu)
    with pytest.raises(ValidationFailed, match="cannot end before it starts"):
        ops.end_term(term, date(2019, 1, 1), actor=committee.fmu)
    with pytest.raises(NotAllowed):
        ops.end_term(term, date(2029, 6, 30), actor=committee.chair)


def test_only_the_fmu_manages_terms_members_see_the_committee(client, fund, committee):
    page = sign_in(client, committee.spain).get("/steering/committee")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Helena Chair" in html
    assert "End the term" not in html
    term = term_of(committee.germany, fund, TODAY)
    answer = client.post(f"/steering/committee/terms/{term.id}/end", data={"ends_on": TODAY.isoformat()})
    assert answer.status_code == 403
    assert client.post("/steering/committee", data={"seat": term.seat_id}).status_code == 403
    page = sign_in(client, committee.fmu).get("/steering/committee")
    assert "End the term" in page.get_data(as_text=True)
    db.session.expire_all()
    assert term_of(committee.germany, fund, TODAY).ends_on is None


def test_the_fmu_changes_the_alternate_of_a_running_term_and_the_history_says_so(make_user, committee, fund, client):
    """A new alternate stands in from now; one sitting on another seat is refused; the change is audited; a
    member may not make it."""
    person = make_user(Role.sc_member, org="GOV-DEU", name="Lena Germany")
    own = term_of(person, fund, TODAY)
    own.ends_on = TODAY - timedelta(days=1)  # she sat on a seat until yesterday: free from today
    db.session.commit()
    term = term_of(committee.germany, fund, TODAY)
    with pytest.raises(NotAllowed):
        ops.change_alternate(term, person, actor=committee.germany)
    with pytest.raises(ValidationFailed, match="already sits on the seat"):
        ops.change_alternate(term, committee.spain, actor=committee.fmu)
    sign_in(client, committee.fmu)
    answer = client.post(f"/steering/committee/terms/{term.id}/alternate", data={"alternate": str(person.id)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert term_of(person, fund, TODAY).id == term.id  # she stands in for Germany
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "seat.alternate_changed"))
    assert (entry.before, entry.after) == ({"alternate": None}, {"alternate": "Lena Germany"})
    page = client.get("/steering/committee").get_data(as_text=True)
    assert "alternate: Lena Germany" in page


def test_an_ended_term_keeps_its_alternate(committee, fund, make_user):
    term = term_of(committee.germany, fund, TODAY)
    ops.end_term(term, TODAY - timedelta(days=1), actor=committee.fmu)
    person = make_user(Role.sc_member, org="GOV-DEU", name="Lena Germany")
    with pytest.raises(InvalidTransition, match="already ended"):
        ops.change_alternate(term, person, actor=committee.fmu)
