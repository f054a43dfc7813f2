"""The meeting pack and the minutes as PDF: content, the meeting's language, redactions for recused readers."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from pypdf import PdfReader

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed
from fundmgr.steering import operations as ops
from fundmgr.steering.documents import meeting_pack_pdf, minutes_pdf
from fundmgr.steering.models import DecisionOutcome, MeetingMode, MinutesState, Stance
from fundmgr.storage import read_stored
from tests.factories import sign_in, store_unchecked_snapshot
from tests.support import TODAY
from tests.support.jobs import document


def audit_entries(object_type: str, object_id: int) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def held(fund, committee, in_review, assign, submit_review):
    """A meeting in English that endorsed a UNDP-UNFPA proposal by consensus (Spain with a reservation, not named)
    and deferred an IOM-UNHCR one (Morocco objected and asked for its name to be minuted)."""
    undp = in_review(lead="UNDP", partners=("UNFPA",), title="Migration data for local planning")
    iom = in_review(lead="IOM", partners=("UNHCR",), title="Safe return and reintegration")
    for proposal, values in ((undp, [5, 4, 4, 4, 4, 4, 4]), (iom, [3, 3, 3, 3, 3, 3, 3])):
        assign(proposal)
        submit_review(proposal, committee.germany, values)
        submit_review(proposal, committee.spain, values)
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Twelfth meeting", TODAY, MeetingMode.hybrid),
                                   actor=committee.fmu)  # fmt: skip
    items = ops.add_agenda_items(meeting, [undp, iom], actor=committee.fmu)
    ops.record_attendance(meeting, {m.id for m in committee.members[:6]}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    for item, outcome in ((items[0], DecisionOutcome.endorse), (items[1], DecisionOutcome.defer)):
        ops.open_item(item, actor=committee.fmu)
        ops.state_position(item, committee.germany, ops.PositionData(Stance.support), actor=committee.germany)
        ops.state_position(item, committee.spain, ops.PositionData(Stance.reservation, "Baseline data first."),
                           actor=committee.spain)  # fmt: skip
        if outcome is DecisionOutcome.defer:
            ops.state_position(item, committee.morocco, ops.PositionData(Stance.object, "No return without consent.",
                               minute_by_name=True), actor=committee.morocco)  # fmt: skip
        ops.record_decision(item, ops.DecisionData(outcome, "Revise the budget." if outcome.value == "defer" else ""),
                            actor=committee.fmu)  # fmt: skip
    ops.end_meeting(meeting, actor=committee.fmu)
    db.session.commit()
    return meeting


def test_the_pack_has_the_agenda_a_page_per_proposal_scores_and_ranking(held, committee):
    text = pdf_text(meeting_pack_pdf(held, committee.fmu))
    assert "Meeting pack" in text
    assert held.reference in text
    assert "Migration data for local planning" in text
    assert "Safe return and reintegration" in text
    # UNDP: 0.2·5 + 0.8·4 = 4.20; IOM: 3.00; ranked 1 and 2
    assert "4.20" in text
    assert "3.00" in text
    assert "Rank 1 among the proposals on the agenda, 1 in its thematic area." in text
    assert "Alignment with the thematic area" in text


def test_the_pack_refuses_a_version_whose_frozen_content_lost_a_field(held, committee):
    """Does a version stored with a renamed field stop the pack, instead of printing it without its organizations?"""
    version = held.items[0].version
    damaged = version.snapshot.stored()
    damaged["organizations"] = damaged.pop("participants")
    store_unchecked_snapshot(version, damaged)
    with pytest.raises(ValidationError, match="participants"):
        meeting_pack_pdf(held, committee.fmu)


def test_the_minutes_record_attendance_quorum_recusals_votes_and_decisions(held, committee):
    text = pdf_text(minutes_pdf(held, committee.fmu))
    assert "Minutes" in text
    assert "Yasmine Morocco Morocco Member States · Champion country" in text  # constituency from her seat
    assert "Grace" in text
    assert "Absent" in text
    assert "Recused: Helena Chair, Karim UNHCR" in text
    assert "6 of 7 voting seats represented; 3 needed." in text  # the UNDP item: nobody recused
    assert "4 of 5 voting seats represented; 3 needed." in text  # the IOM item: chair and UNHCR recused
    assert text.count("Presided over by Helena Chair.") == 2  # she presides over the IOM item too
    assert "Jonas Germany" in text
    assert "Endorsed into the pipeline by consensus" in text
    assert "Deferred" in text
    assert "Revise the budget." in text


def test_consensus_minutes_record_reservations_and_objections_named_only_when_asked_and_no_tally(held, committee):
    text = pdf_text(minutes_pdf(held, committee.fmu))
    assert text.count("A member: Baseline data first.") == 2  # Spain's reservation on both items, not named
    assert "Carmen Spain:" not in text
    assert "Yasmine Morocco: No return without consent." in text  # she asked for her name
    for tally_word in ("Support:", "Vote", "Object:", "Stand aside"):
        assert tally_word not in text


def test_a_recused_reader_gets_a_copy_without_their_items_scores_or_votes(held, committee):
    pack = pdf_text(meeting_pack_pdf(held, committee.unhcr))
    assert "You are recused from this proposal" in pack
    assert "3.00" not in pack
    minutes = pdf_text(minutes_pdf(held, committee.unhcr))
    assert "You were recused from this item: the votes are left out of your copy." in minutes


def test_documents_are_in_the_meetings_language(held, committee, client):
    """A French meeting gets French documents, whatever the reader's language (names of places, the fund)."""
    english = pdf_text(meeting_pack_pdf(held, committee.fmu))
    assert "Tajikistan" in english
    assert "MIGRATION MULTI-PARTNER TRUST FUND" in english
    held.language = "fr"
    db.session.commit()
    sign_in(client, committee.fmu)
    response = document(client, f"/steering/meetings/{held.id}/pack.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    french = pdf_text(response.data)
    assert "Tadjikistan" in french
    assert "FONDS D’AFFECTATION SPÉCIALE" in french.replace("'", "’").upper()
    assert "Tajikistan" not in french


# --- The official minutes: drafted when the meeting ends, approved at a later meeting, signed, frozen ---


@pytest.fixture
def next_meeting(fund, committee):
    """The committee's next meeting, under way, its first six members (the chair among them) present."""
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Thirteenth meeting", TODAY, MeetingMode.virtual),
                                   actor=committee.fmu)  # fmt: skip
    ops.record_attendance(meeting, {m.id for m in committee.members[:6]}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    db.session.commit()
    return meeting


def approve(held, next_meeting, committee):
    ops.approve_minutes(held.minutes, next_meeting, actor=committee.fmu)
    db.session.commit()
    return held.minutes


def test_ending_a_meeting_drafts_its_one_set_of_minutes_which_the_fmu_alone_prepares(held, committee):
    minutes = held.minutes
    assert minutes.state is MinutesState.draft
    with pytest.raises(NotAllowed):
        ops.edit_minutes(minutes, "The chair opened the meeting.", actor=committee.germany)
    ops.edit_minutes(minutes, "The chair opened the meeting.\nTwo proposals were discussed.", actor=committee.fmu)
    text = pdf_text(minutes_pdf(held, committee.germany))
    assert "Draft: these minutes are not approved yet." in text
    assert "Two proposals were discussed." in text
    assert [e.action for e in audit_entries("minutes", minutes.id)] == ["minutes.drafted", "minutes.edited"]


def test_minutes_are_approved_only_at_a_later_meeting_in_session(held, committee, fund):
    with pytest.raises(InvalidTransition, match="later meeting"):
        ops.approve_minutes(held.minutes, held, actor=committee.fmu)
    later = ops.schedule_meeting(fund, ops.MeetingData("Thirteenth meeting", TODAY, MeetingMode.virtual),
                                 actor=committee.fmu)  # fmt: skip
    with pytest.raises(InvalidTransition, match="later meeting"):
        ops.approve_minutes(held.minutes, later, actor=committee.fmu)
    ops.start_meeting(later, actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="Nobody present presides"):  # nobody is marked present yet
        ops.approve_minutes(held.minutes, later, actor=committee.fmu)
    with pytest.raises(NotAllowed):
        ops.approve_minutes(held.minutes, later, actor=committee.germany)
    assert held.minutes.state is MinutesState.draft


def test_minutes_are_approved_only_with_a_quorum_of_the_committee(held, committee, fund):
    """The chair and one member present at the next meeting are not a quorum (three voting seats): refused, the
    minutes stay a draft; a third member arriving makes it one."""
    later = ops.schedule_meeting(fund, ops.MeetingData("Thirteenth meeting", TODAY, MeetingMode.virtual),
                                 actor=committee.fmu)  # fmt: skip
    ops.record_attendance(later, {committee.chair.id, committee.germany.id}, actor=committee.fmu)
    ops.start_meeting(later, actor=committee.fmu)
    with pytest.raises(InvalidTransition, match="2 of the 3 voting seats needed are represented"):
        ops.approve_minutes(held.minutes, later, actor=committee.fmu)
    assert held.minutes.state is MinutesState.draft
    ops.record_attendance(later, {committee.chair.id, committee.germany.id, committee.spain.id}, actor=committee.fmu)
    ops.approve_minutes(held.minutes, later, actor=committee.fmu)
    assert held.minutes.state is MinutesState.approved
    (entry,) = [e for e in audit_entries("minutes", held.minutes.id) if e.action == "minutes.approved"]
    assert entry.after["quorum"]["met"] is True


def test_approved_minutes_are_signed_by_whoever_presides_stored_and_never_change(held, next_meeting, committee):
    """Does a change to the records after approval leave the approved PDF's bytes, and its sha256, as they were?"""
    ops.edit_minutes(held.minutes, "Two proposals were discussed.", actor=committee.fmu)
    minutes = approve(held, next_meeting, committee)
    assert minutes.state is MinutesState.approved
    assert minutes.signed_by == committee.chair
    assert minutes.approved_in == next_meeting
    stored = read_stored(minutes.storage_key)
    assert hashlib.sha256(stored).hexdigest() == minutes.sha256
    text = pdf_text(stored)
    assert f"Approved by the Steering Committee at its meeting {next_meeting.reference}" in text
    assert "Helena Chair · Chair of the Steering Committee" in text
    assert "Draft" not in text

    held.items[0].proposal.title = "Renamed afterwards"
    held.items[1].decision.conditions = "Changed afterwards."
    held.minutes.meeting.title = "Retitled afterwards"
    db.session.commit()
    assert minutes_pdf(held, committee.fmu) == stored
    assert minutes_pdf(held, committee.germany) == stored
    with pytest.raises(InvalidTransition, match="approved"):
        ops.edit_minutes(minutes, "Rewritten.", actor=committee.fmu)
    with pytest.raises(InvalidTransition):
        ops.approve_minutes(minutes, next_meeting, actor=committee.fmu)
    assert [e.action for e in audit_entries("minutes", minutes.id)][-1] == "minutes.approved"


def test_a_recused_member_gets_the_frozen_minutes_without_their_items(held, next_meeting, committee):
    minutes = approve(held, next_meeting, committee)
    held.items[1].proposal.title = "Renamed afterwards"
    db.session.commit()
    copy = pdf_text(minutes_pdf(held, committee.unhcr))  # UNHCR takes part in the IOM-UNHCR item
    assert copy != pdf_text(read_stored(minutes.storage_key))
    assert "You were recused from this item" in copy
    assert "No return without consent." not in copy  # the objection on the item she was recused from
    assert "Safe return and reintegration" in copy  # the frozen title, not today's
    assert "Renamed afterwards" not in copy
    assert "Deferred" in copy  # the decision itself binds everyone


def test_no_minutes_nor_pack_before_they_mean_something(client, fund, committee):
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Fourteenth meeting", TODAY, MeetingMode.virtual),
                                   actor=committee.fmu)  # fmt: skip
    db.session.commit()
    sign_in(client, committee.fmu)
    for path, message in (("/minutes.pdf", "no minutes before the meeting has started"),
                          ("/minutes", "no minutes before the meeting has started"),
                          ("/pack.pdf", "once the agenda has an item")):  # fmt: skip
        url = f"/steering/meetings/{meeting.id}{path}"
        response = client.post(url) if path == "/pack.pdf" else client.get(url)
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)


def test_the_committee_approves_minutes_in_session_and_the_register_lists_it(client, held, next_meeting, committee):
    sign_in(client, committee.fmu)
    page = client.get(f"/steering/meetings/{next_meeting.id}").get_data(as_text=True)
    assert "Approval of the minutes of earlier meetings" in page
    assert held.reference in page
    approve = f"/steering/meetings/{next_meeting.id}/minutes/{held.minutes.id}/approve"
    asked = client.post(approve)  # a final action: asked first, nothing recorded until confirmed
    assert f"Record that the committee approves the minutes of {held.reference}?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert held.minutes.state is MinutesState.draft
    response = client.post(approve, data={"confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert held.minutes.state is MinutesState.approved
    register = client.get("/steering/decisions").get_data(as_text=True)
    assert "Approval of the minutes" in register
    assert held.reference in register
    assert f"{next_meeting.reference}/MIN1" in register
    record = client.get(f"/steering/meetings/{held.id}/minutes").get_data(as_text=True)
    assert held.minutes.sha256 in record


def test_the_pack_carries_the_technical_reviewers_comments_but_not_to_a_recused_reader(held, committee, make_user):
    from fundmgr.accounts.models import Role
    from fundmgr.proposals.models import ReviewComment, ReviewInvitation

    iom = next(item.proposal for item in held.items if item.proposal.lead_organization.code == "IOM")
    reviewer = make_user(Role.technical_reviewer, org="UNFPA", name="Rosa Expert")
    invitation = ReviewInvitation(proposal_id=iom.id, reviewer_id=reviewer.id, invited_by_id=committee.fmu.id)
    db.session.add(ReviewComment(invitation=invitation, body="Consent procedures need detail."))
    db.session.commit()
    pack = pdf_text(meeting_pack_pdf(held, committee.fmu))
    assert "Comments of the technical reviewers" in pack
    assert "Consent procedures need detail." in pack
    assert "Rosa Expert" in pack
    assert "Consent procedures" not in pdf_text(meeting_pack_pdf(held, committee.unhcr))


def test_approving_minutes_is_a_decision_of_the_register_fixed_by_the_minutes_link(held, next_meeting, committee,
                                                                                    fund, client):  # fmt: skip
    """The approval is a decision about the minutes, taken by the approving meeting on its day and signed by whoever
    presided over it: in the register (filtered by its subject, exported), on its own page and letter, and its
    link in the decision record is the minutes' own (the fund's record verifies, nothing unrecorded)."""
    from fundmgr.steering.models import Decision, DecisionRecord, DecisionSubject
    from fundmgr.steering.verification import decision_record_of, fund_findings

    minutes = approve(held, next_meeting, committee)
    decision = minutes.decision
    assert decision is not None
    assert (decision.subject, decision.reference, decision.meeting, decision.decided_on) == (
        DecisionSubject.minutes,
        f"{next_meeting.reference}/MIN1",
        next_meeting,
        next_meeting.held_on,
    )
    assert (decision.outcome, decision.presided_by, decision.proposal) == (DecisionOutcome.approve, minutes.signed_by,
                                                                          None)  # fmt: skip
    assert decision.quorum_record is not None
    assert decision not in next_meeting.matters_decided
    link = decision_record_of(decision)
    assert link is not None
    assert link.minutes_id == minutes.id
    assert db.session.scalar(sa.select(sa.func.count(DecisionRecord.id)).where(
        DecisionRecord.decision_id == decision.id)) == 0  # fmt: skip
    _count, findings = fund_findings(fund)
    assert findings == []
    sign_in(client, committee.fmu)
    only_minutes = client.get("/steering/decisions?subject=minutes").get_data(as_text=True)
    assert decision.reference in only_minutes
    assert held.reference in only_minutes
    page = client.get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    assert "Approval of the minutes" in page
    assert held.reference in page
    assert link.short_hash in page
    assert client.get(f"/steering/decisions/{decision.id}/verify").status_code == 200
    assert client.get(f"/steering/decisions/{decision.id}/letter.pdf").status_code == 200
    export = client.get("/steering/decisions.csv?subject=minutes").get_data(as_text=True)
    assert decision.reference in export
    assert held.reference in export
    assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
        Decision.subject == DecisionSubject.minutes)) == 1  # fmt: skip
