"""Minutes approved by written procedure: the FMU circulates a meeting's draft minutes, the members answer as for any
procedure, and the conclusion approves them as a meeting would: frozen in every language, the signed PDF stored
with its sha256, signed by whoever presides for the committee that day, the decision in the register
("<procedure>/MIN1") and the minutes' link in the decision record. An objection or a withdrawal leaves them a draft;
while a procedure is open on them, no meeting approves them and they do not change."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.seats import ConflictRule, chair_term
from fundmgr.steering import operations as ops
from fundmgr.steering.documents import TRANSLATIONS, letter_signatories, minutes_pdf
from fundmgr.steering.meeting_views import awaiting_approval
from fundmgr.steering.models import (
    Decision,
    DecisionOutcome,
    DecisionRecord,
    DecisionSubject,
    Meeting,
    Minutes,
    MinutesState,
    WrittenProcedure,
    WrittenProcedureState,
)
from fundmgr.steering.verification import decision_record_of, fund_findings
from fundmgr.storage import read_stored
from tests.factories import sign_in
from tests.steering import test_documents, test_presiding, test_second_fund_meeting
from tests.steering.test_documents import audit_entries, pdf_text
from tests.steering.test_presiding import set_rules
from tests.support import TODAY
from tests.support.concurrency import run_at_once

# fixtures of the meetings' documents, of presiding and of the second fund
held, next_meeting = test_documents.held, test_documents.next_meeting
vice_chair, food = test_presiding.vice_chair, test_second_fund_meeting.food

RATIONALE = "The committee does not meet before December."


def circulate(minutes, actor, days: int = 7) -> WrittenProcedure:
    procedure = ops.circulate_minutes_procedure(minutes, rationale=RATIONALE, deadline=TODAY + timedelta(days=days),
                                                actor=actor)  # fmt: skip
    db.session.commit()
    return procedure


def everyone_agrees(procedure: WrittenProcedure, members) -> None:
    for member in members:
        ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    db.session.commit()


def test_adopted_the_minutes_are_frozen_signed_by_the_chair_and_the_decision_is_in_the_register(held, committee,
                                                                                                 fund):  # fmt: skip
    """Every member says they do not object (the chair too: minutes have no recusal); the FMU concludes early: the
    minutes are approved by the procedure, frozen in each language, the stored PDF (its sha256) signed by the chair;
    the decision "<procedure>/MIN1" names them and the procedure, presided over by the chair; the minutes' own link
    fixes it in the record, which verifies. Later changes to the records leave the signed PDF as it was."""
    ops.edit_minutes(held.minutes, "Two proposals were discussed.", actor=committee.fmu)
    procedure = circulate(held.minutes, committee.fmu)
    assert (procedure.subject, procedure.minutes, procedure.proposal, procedure.outcome) == (
        DecisionSubject.minutes, held.minutes, None, DecisionOutcome.approve)  # fmt: skip
    assert held.reference in procedure.matter
    assert procedure.subject_text == f"Approval of the minutes: {held.reference} {held.title}"
    assert {m.id for m in ops.eligible_for_procedure(procedure)} == {m.id for m in committee.members}
    everyone_agrees(procedure, committee.members)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()

    minutes = held.minutes
    assert procedure.state is WrittenProcedureState.adopted
    assert minutes.state is MinutesState.approved
    assert (minutes.approved_by_procedure, minutes.approved_in, minutes.signed_by, minutes.approved_by) == (
        procedure, None, committee.chair, committee.fmu)  # fmt: skip
    stored = read_stored(minutes.storage_key)
    assert hashlib.sha256(stored).hexdigest() == minutes.sha256
    text = " ".join(pdf_text(stored).split())
    assert f"Approved by the Steering Committee by written procedure {procedure.reference}" in text
    assert "Helena Chair · Chair of the Steering Committee" in text
    assert "Two proposals were discussed." in text
    assert "Draft" not in text
    assert set(minutes.content[TRANSLATIONS]) == {"fr", "es"}
    assert minutes.content[TRANSLATIONS]["fr"]["approval"]["procedure"] == procedure.reference
    french = " ".join(pdf_text(minutes_pdf(held, committee.fmu, "fr")).split())
    assert procedure.reference in french
    assert "Chair of the Steering Committee" not in french  # the role frozen in French

    assert decision == minutes.decision == procedure.decision
    assert (decision.subject, decision.reference, decision.procedure, decision.meeting) == (
        DecisionSubject.minutes, f"{procedure.reference}/MIN1", procedure, None)  # fmt: skip
    assert (decision.outcome, decision.presided_by, decision.decided_on) == (DecisionOutcome.approve, committee.chair,
                                                                            clock.today(fund))  # fmt: skip
    link = decision_record_of(decision)
    assert link is not None
    assert link.minutes_id == minutes.id
    links = sa.select(sa.func.count(DecisionRecord.id)).where(DecisionRecord.decision_id == decision.id)
    assert db.session.scalar(links) == 0  # the minutes' own link fixes the approval
    assert json.loads(link.payload)["approved_by_procedure"] == procedure.reference
    assert fund_findings(fund)[1] == []
    assert [s["name"] for s in letter_signatories(decision)] == ["Helena Chair", "Fatou FMU"]
    assert [e.action for e in audit_entries("minutes", minutes.id)][-1] == "minutes.approved"

    held.items[0].proposal.title = "Renamed afterwards"
    db.session.commit()
    assert minutes_pdf(held, committee.fmu) == stored
    with pytest.raises(InvalidTransition, match="approved"):
        ops.edit_minutes(minutes, "Rewritten.", actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="approved"):
        circulate(minutes, committee.fmu)


def test_an_objection_leaves_the_minutes_a_draft_free_to_change_and_to_circulate_again(held, committee):
    procedure = circulate(held.minutes, committee.fmu)
    ops.respond_to_procedure(procedure, committee.morocco, objects=True, reason="My objection is not minuted right.",
                             actor=committee.morocco)  # fmt: skip
    assert ops.conclude_written_procedure(procedure, actor=committee.fmu) is None
    db.session.commit()
    assert procedure.state is WrittenProcedureState.objected
    assert held.minutes.state is MinutesState.draft
    assert held.minutes.storage_key is None
    assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(Decision.minutes_id.is_not(None))) == 0
    ops.edit_minutes(held.minutes, "Morocco's objection, as she worded it.", actor=committee.fmu)
    again = circulate(held.minutes, committee.fmu)
    assert again.state is WrittenProcedureState.open


def test_a_withdrawn_procedure_leaves_the_minutes_a_draft_a_meeting_may_approve(held, next_meeting, committee):
    procedure = circulate(held.minutes, committee.fmu)
    ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert held.minutes.state is MinutesState.draft
    assert held.minutes in awaiting_approval(next_meeting)
    ops.approve_minutes(held.minutes, next_meeting, actor=committee.fmu)
    db.session.commit()
    assert held.minutes.approved_in == next_meeting
    assert held.minutes.approved_by_procedure is None


def test_minutes_under_an_open_procedure_are_neither_approved_in_a_meeting_nor_changed(held, next_meeting, committee):
    """One route at a time: the meeting does not offer them and refuses to approve them, the FMU cannot change what
    the members are reading nor circulate them twice; once the meeting has approved minutes, no procedure may."""
    procedure = circulate(held.minutes, committee.fmu)
    assert held.minutes not in awaiting_approval(next_meeting)
    with pytest.raises(InvalidTransition, match=f"in written procedure {procedure.reference}"):
        ops.approve_minutes(held.minutes, next_meeting, actor=committee.fmu)
    with pytest.raises(ValidationFailed, match="withdraw the procedure first"):
        ops.edit_minutes(held.minutes, "Rewritten meanwhile.", actor=committee.fmu)
    with pytest.raises(ValidationFailed, match="withdraw the procedure first"):
        circulate(held.minutes, committee.fmu)
    db.session.rollback()
    assert held.minutes.state is MinutesState.draft
    ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    ops.approve_minutes(held.minutes, next_meeting, actor=committee.fmu)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="approved"):
        circulate(held.minutes, committee.fmu)


@pytest.mark.postgres_only
@pytest.mark.parametrize("round_", range(3))
def test_a_meeting_approving_and_a_procedure_circulated_at_once_take_one_route(committed, held, next_meeting,
                                                                                committee, round_):  # fmt: skip
    """The chair records the approval in session while the FMU circulates the same minutes: one of them is refused;
    the minutes are approved by the meeting with no procedure open, or in procedure and still a draft."""
    minutes_id, meeting_id, chair_id, fmu_id = held.minutes.id, next_meeting.id, committee.chair.id, committee.fmu.id
    db.session.remove()

    def approve():
        ops.approve_minutes(db.session.get(Minutes, minutes_id), db.session.get(Meeting, meeting_id),
                            actor=db.session.get(User, chair_id))  # fmt: skip

    def circulate_them():
        minutes, fmu = db.session.get(Minutes, minutes_id), db.session.get(User, fmu_id)
        ops.circulate_minutes_procedure(minutes, rationale=RATIONALE, deadline=TODAY + timedelta(days=7), actor=fmu)

    results = run_at_once(committed, [approve, circulate_them])
    assert Counter(r == "ok" for r in results) == {True: 1, False: 1}, results
    minutes = db.session.get(Minutes, minutes_id)
    open_procedures = db.session.scalars(sa.select(WrittenProcedure).where(WrittenProcedure.minutes_id == minutes_id))
    if minutes.state is MinutesState.approved:
        assert (minutes.approved_in_id, list(open_procedures)) == (meeting_id, [])
    else:
        assert [p.state for p in open_procedures] == [WrittenProcedureState.open]
    assert fund_findings(minutes.meeting.fund)[1] == []


def test_only_the_funds_fmu_circulates_and_concludes_and_only_its_members_answer(held, committee, food):
    """Members and the chair do not circulate; the other fund's FMU neither; a member of the other fund's committee
    does not answer, nor does the FMU; only the FMU concludes or withdraws."""
    for outsider in (committee.chair, committee.germany, food.fmu):
        with pytest.raises(NotAllowed):
            circulate(held.minutes, outsider)
    db.session.rollback()
    procedure = circulate(held.minutes, committee.fmu)
    for outsider in (food.chair, committee.fmu):
        with pytest.raises(NotAllowed):
            ops.respond_to_procedure(procedure, outsider, objects=False, reason="", actor=outsider)
    with pytest.raises(NotAllowed):  # members answer for themselves
        ops.respond_to_procedure(procedure, committee.spain, objects=False, reason="", actor=committee.germany)
    for move in (ops.conclude_written_procedure, ops.withdraw_written_procedure):
        with pytest.raises(NotAllowed):
            move(procedure, actor=committee.chair)
        with pytest.raises(NotAllowed):
            move(procedure, actor=food.fmu)
    db.session.rollback()
    assert not procedure.responses
    assert procedure.state is WrittenProcedureState.open


def test_with_the_chairs_seat_empty_the_vice_chair_presides_and_signs(held, committee, fund, vice_chair):
    """The chair's term ended the day before the procedure concludes: under the Migration MPTF's fallback the
    vice-chair's holder presides for the committee and signs, in that role, as in a meeting she is absent from."""
    procedure = circulate(held.minutes, committee.fmu)
    everyone_agrees(procedure, committee.members)
    ops.end_term(chair_term(fund, TODAY), TODAY, actor=committee.fmu)
    db.session.commit()
    with clock.as_of(TODAY + timedelta(days=1)):
        decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert held.minutes.signed_by == decision.presided_by == committee.germany
    text = " ".join(pdf_text(read_stored(held.minutes.storage_key)).split())
    assert "Jonas Germany · Presiding over the written procedure for the Steering Committee" in text
    assert letter_signatories(decision)[0] == {
        "name": "Jonas Germany", "role": "Presiding over the written procedure for the Steering Committee"}  # fmt: skip


def test_a_proposals_procedure_is_signed_by_whoever_may_preside_over_it(committee, fund, in_review, vice_chair):
    """The same rule for a proposal: under a recusal policy the chair, whose organization takes part, may not preside
    over its decision; the vice-chair signs the procedure's letter."""
    set_rules(fund, conflict_rule=ConflictRule.recusal)
    proposal = in_review()  # IOM leads
    procedure = ops.circulate_written_procedure(proposal, ops.DecisionData(DecisionOutcome.endorse), rationale="x",
                                                deadline=TODAY + timedelta(days=3), actor=committee.fmu)  # fmt: skip
    procedure.deadline = TODAY - timedelta(days=1)
    decision = ops.conclude_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    assert decision.presided_by == committee.germany
    assert letter_signatories(decision)[0]["name"] == "Jonas Germany"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Circulate for approval by written procedure", "Approve the minutes by written procedure",
                "Approved by written procedure")),
        ("fr", ("Diffuser pour approbation par procédure écrite", "Approuver le procès-verbal par procédure écrite",
                "Approuvé par la procédure écrite")),
        ("es", ("Distribuir para su aprobación por procedimiento escrito", "Aprobar el acta por procedimiento escrito",
                "Aprobadas por el procedimiento escrito")),
    ],
)  # fmt: skip
def test_the_fmu_circulates_from_the_minutes_page_members_answer_and_the_register_lists_it(
    client, held, committee, lang, words
):
    """The round through the pages, in the FMU's language: the minutes page offers the procedure, a form refused
    shows why, the procedure's page links the minutes, the members answer, the FMU concludes (confirmed), the minutes
    page says how they were approved and the register lists the decision."""
    link, title, approved = words
    committee.fmu.locale = lang
    db.session.commit()
    sign_in(client, committee.fmu)
    record = f"/steering/meetings/{held.id}/minutes"
    assert link in client.get(record).get_data(as_text=True)
    url = f"{record}/written-procedure"
    page = client.get(url)
    assert page.status_code == 200
    assert title in page.get_data(as_text=True)
    deadline = (TODAY + timedelta(days=5)).isoformat()
    refused = client.post(url, data={"rationale": "", "deadline": deadline})
    assert refused.status_code in (200, 422)
    assert db.session.scalar(sa.select(sa.func.count(WrittenProcedure.id))) == 0
    response = client.post(url, data={"rationale": RATIONALE, "deadline": deadline})
    assert response.status_code == 302
    procedure = db.session.scalars(sa.select(WrittenProcedure)).one()
    shown = client.get(f"/steering/written-procedures/{procedure.id}").get_data(as_text=True)
    assert f"/steering/meetings/{held.id}/minutes" in shown
    assert procedure.reference in client.get(record).get_data(as_text=True)
    assert link not in client.get(record).get_data(as_text=True)  # once, while it is open
    for member in committee.members:
        sign_in(client, member)
        assert client.post(f"/steering/written-procedures/{procedure.id}/answer",
                           data={"objects": "no"}).status_code == 302  # fmt: skip
    sign_in(client, committee.fmu)
    concluded = client.post(f"/steering/written-procedures/{procedure.id}/conclude", data={"confirmed": "yes"})
    assert concluded.status_code == 302
    db.session.expire_all()
    assert held.minutes.state is MinutesState.approved
    page_after = client.get(record).get_data(as_text=True)
    assert approved in page_after
    assert held.minutes.sha256 in page_after
    register = client.get("/steering/decisions").get_data(as_text=True)
    assert f"{procedure.reference}/MIN1" in register
    decision = held.minutes.decision
    detail = client.get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    assert held.reference in detail
    assert procedure.reference in detail
    assert client.get(f"/steering/decisions/{decision.id}/letter.pdf").status_code == 200
    assert client.get(f"/steering/decisions/{decision.id}/verify").status_code == 200
    assert client.get(url).status_code == 404  # approved: nothing left to circulate
    sign_in(client, committee.germany)
    assert client.get(f"/steering/meetings/{held.id}/minutes/written-procedure").status_code == 403
