"""Each notification: who is told (and who is not), in which language, with what, linking where.

The events happen through the domain's operations, as the pages do them; an e-mail leaves when the
transaction commits (the tests' commits release savepoints, which is enough).
"""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from fundmgr.db import db
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import Allocation
from fundmgr.i18n import format_money
from fundmgr.notifications import operations as ops
from fundmgr.notifications.models import Channel
from fundmgr.proposals import operations as proposal_ops
from fundmgr.results import operations as results_ops
from fundmgr.results.models import Programme
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.factories import revise_snapshot
from tests.support import TODAY
from tests.support.mail import in_app, notifications_of, sent_to, told
from tests.support.results import MATRIX, entries_for


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_a_submission_tells_the_fmu_and_the_lead_agency_each_in_their_language(cast, submitted_by_iom, outbox):
    """Do the FMU and the lead agency (the submitter as a receipt) hear of a submission, and nobody else?"""
    proposal = submitted_by_iom(title="Safe labour corridors")

    assert told(cast, outbox, "proposal_submitted") == {"fmu", "fmu_es", "iom", "iom_colleague"}
    assert in_app(cast, "proposal_submitted") == {"fmu", "fmu_es", "iom", "iom_colleague"}
    (english,) = sent_to(outbox, cast.fmu)
    assert proposal.reference in english.subject
    assert "Safe labour corridors" in english.subject
    url = f"http://127.0.0.1:5000/proposals/{proposal.id}"
    assert url in english.body
    assert f'href="{url}"' in english.html
    assert "Hello Fatou FMU" in english.body
    assert '<html lang="en">' in english.html
    total = proposal.latest_version.total
    assert format_money(total, "en") in english.body
    (french,) = sent_to(outbox, cast.iom)
    (spanish,) = sent_to(outbox, cast.fmu_es)
    assert '<html lang="fr">' in french.html
    assert format_money(total, "fr") in french.body
    assert '<html lang="es">' in spanish.html
    assert format_money(total, "es") in spanish.body
    (notification,) = notifications_of(cast.fmu)
    assert notification.title == english.subject
    assert notification.read_at is None
    assert notification.link_endpoint == "proposals.detail"
    assert notification.actor_id == cast.iom.id


def test_a_returned_proposal_tells_the_lead_agency_the_reasons_escaped_in_html(cast, screened, outbox):
    """Does the lead agency get the reasons (plain in the text, escaped in the HTML), and nobody else?"""
    proposal = screened()
    outbox.clear()
    proposal_ops.return_for_revision(proposal, "Add the <b>ministry's</b> letter & the budget notes.", actor=cast.fmu)
    db.session.commit()

    assert told(cast, outbox, "proposal_returned") == {"iom", "iom_colleague"}
    (message,) = sent_to(outbox, cast.iom_colleague)
    assert "Add the <b>ministry's</b> letter & the budget notes." in message.body
    assert "Add the &lt;b&gt;ministry&#39;s&lt;/b&gt; letter &amp; the budget notes." in message.html
    assert "<b>ministry" not in message.html


def test_forwarding_to_review_tells_the_lead_agency_and_the_rest_of_the_fmu(cast, screened, outbox):
    """Does a forward reach the lead agency and the FMU officers other than the one who forwarded it?"""
    proposal = screened()
    outbox.clear()
    proposal_ops.forward_to_review(proposal, actor=cast.fmu)
    db.session.commit()

    assert told(cast, outbox, "proposal_forwarded") == {"fmu_es", "iom", "iom_colleague"}
    assert "fmu" not in in_app(cast, "proposal_forwarded")  # never told of one's own action


def test_scoring_assignment_tells_each_new_member_the_deadline_and_a_moved_one_to_all(cast, iom_in_review, outbox):
    """Does each assigned member get the deadline; a repeat tell nobody; a new deadline everyone assigned?"""
    proposal = iom_in_review()
    due = TODAY + timedelta(days=10)
    steering_ops.assign_reviewers(proposal, [cast.sc], due, actor=cast.fmu)
    db.session.commit()
    assert told(cast, outbox, "scoring_assigned") == {"sc"}
    (message,) = outbox
    assert str(due.year) in message.subject
    assert proposal.reference in message.subject
    assert f"/steering/proposals/{proposal.id}/review" in message.body

    steering_ops.assign_reviewers(proposal, [cast.sc, cast.chair], due, actor=cast.fmu)
    db.session.commit()
    assert len(sent_to(outbox, cast.sc)) == 1
    assert len(sent_to(outbox, cast.chair)) == 1

    steering_ops.assign_reviewers(proposal, [cast.sc, cast.chair], due + timedelta(days=5), actor=cast.fmu)
    db.session.commit()
    assert len(sent_to(outbox, cast.sc)) == 2
    assert len(sent_to(outbox, cast.chair)) == 2
    assert '<html lang="es">' in sent_to(outbox, cast.chair)[-1].html


def test_a_written_procedure_reaches_every_member_but_the_recused_one(cast, iom_in_review, outbox):
    """Is the UNHCR member, recused from an IOM-UNHCR proposal, left out of its written procedure?"""
    proposal = iom_in_review()
    steering_ops.circulate_written_procedure(
        proposal, steering_ops.DecisionData(DecisionOutcome.endorse), rationale="Endorse it for the pipeline.",
        deadline=TODAY + timedelta(days=10), actor=cast.fmu,
    )  # fmt: skip
    db.session.commit()

    assert told(cast, outbox, "procedure_circulated") == {"sc", "chair", "fmu_es"}
    assert not notifications_of(cast.sc_unhcr)
    (message,) = sent_to(outbox, cast.sc)
    assert "Endorse it for the pipeline." in message.body


def test_a_scheduled_meeting_tells_the_committee_and_the_fmu(cast, geneva_meeting, outbox):
    """Do the invited members and the other FMU officers hear of a new meeting, with its date and place?"""
    # the meeting fixture was scheduled before the outbox recorded: schedule another one
    other = steering_ops.schedule_meeting(
        geneva_meeting.fund, steering_ops.MeetingData("Annual meeting", TODAY + timedelta(days=40),
                                               geneva_meeting.mode, "Bangkok"), actor=cast.fmu)  # fmt: skip
    db.session.commit()

    assert told(cast, outbox, "meeting_scheduled") == {"sc", "chair", "sc_unhcr", "fmu_es"}
    (message,) = sent_to(outbox, cast.sc)
    assert "Annual meeting" in message.subject
    assert "Bangkok" in message.body
    assert f"/steering/meetings/{other.id}" in message.body


def test_the_meeting_pack_is_announced_once_while_unread(cast, geneva_meeting, iom_in_review, outbox):
    """Does adding proposals to an agenda tell the committee once, refreshing the unread notification?"""
    first, second, third = iom_in_review(), iom_in_review(), iom_in_review()
    steering_ops.add_agenda_items(geneva_meeting, [first], actor=cast.fmu)
    db.session.commit()
    steering_ops.add_agenda_items(geneva_meeting, [second], actor=cast.fmu)
    db.session.commit()

    assert told(cast, outbox, "meeting_pack_ready") == {"sc", "chair", "sc_unhcr", "fmu_es"}
    assert len(sent_to(outbox, cast.sc)) == 1
    (notification,) = notifications_of(cast.sc, "meeting_pack_ready")
    notification.read_at = notification.created_at
    db.session.commit()
    steering_ops.add_agenda_items(geneva_meeting, [third], actor=cast.fmu)
    db.session.commit()
    assert len(sent_to(outbox, cast.sc)) == 2
    assert len(sent_to(outbox, cast.chair)) == 1
    assert len(notifications_of(cast.sc, "meeting_pack_ready")) == 2


def test_an_opened_item_tells_the_members_present_in_the_app_once_per_meeting(cast, geneva_meeting, iom_in_review,
                                                                              outbox):  # fmt: skip
    """Do the members present (not the absent one) hear in the app that an item opened, with a link to the live
    board, by e-mail only if they chose it; and does the next item refresh the unread notification?"""
    ops.set_preferences(cast.chair, {"item_opened": Channel.email}, actor=cast.chair)
    first, second = iom_in_review(), iom_in_review()
    one, two = steering_ops.add_agenda_items(geneva_meeting, [first, second], actor=cast.fmu)
    steering_ops.record_attendance(geneva_meeting, {cast.sc.id, cast.chair.id}, actor=cast.fmu)
    steering_ops.start_meeting(geneva_meeting, actor=cast.fmu)
    db.session.commit()
    assert not in_app(cast, "item_opened")  # nothing is open yet
    steering_ops.open_item(one, actor=cast.fmu)
    db.session.commit()

    assert in_app(cast, "item_opened") == {"sc", "chair"}  # not Karim, absent; not the FMU who opened it
    (notification,) = notifications_of(cast.sc, "item_opened")
    assert first.reference in notification.title
    assert notification.link_endpoint == "steering.board"
    assert told(cast, outbox, "item_opened") == {"chair"}  # e-mail only for whoever chose it
    (message,) = sent_to(outbox, cast.chair, "item_opened")
    assert f"/steering/meetings/{geneva_meeting.id}/board" in message.body
    assert first.reference in message.subject

    steering_ops.close_item(one, actor=cast.fmu)
    steering_ops.open_item(two, actor=cast.fmu)
    db.session.commit()
    (notification,) = notifications_of(cast.sc, "item_opened")  # refreshed while unread, not a second one
    assert second.reference in notification.title


def test_a_decision_reaches_the_agencies_with_the_letter_in_their_language(cast, decide, outbox):
    """Do the proposal's agencies and the FMU get the decision with its letter (a real PDF, in their language)?"""
    decision = decide(DecisionOutcome.approve_with_conditions, conditions="Share the baseline survey.")

    assert told(cast, outbox, "decision_taken") == {"fmu_es", "iom", "iom_colleague", "unhcr"}
    (english,) = sent_to(outbox, cast.iom_colleague, "decision_taken")
    assert decision.reference in english.body
    assert "Share the baseline survey." in english.body
    (letter,) = english.attachments
    assert letter.content_type == "application/pdf"
    assert letter.filename.endswith(".pdf")
    assert letter.data.startswith(b"%PDF")
    text = pdf_text(letter.data)
    assert decision.proposal.reference in text
    assert "Share the baseline survey." in text
    french = sent_to(outbox, cast.iom, "decision_taken")[0].attachments[0].data
    assert "Approuvée sous conditions" in pdf_text(french)
    spanish = sent_to(outbox, cast.unhcr, "decision_taken")[0].attachments[0].data
    assert "Aprobado con condiciones" in pdf_text(spanish)
    assert "Aprobado con condiciones" in sent_to(outbox, cast.unhcr, "decision_taken")[0].body


def test_allocations_reach_each_organization_and_transfers_the_receiving_one(cast, decide, make_user, outbox):
    """Does each organization hear of its own allocation (the FMU of all), and of its transfers only?"""
    decision = decide(DecisionOutcome.approve)
    allocations = {
        a.organization.code: a for a in db.session.query(Allocation).filter_by(proposal_id=decision.proposal_id)
    }

    assert told(cast, outbox, "allocation_approved") == {"fmu_es", "iom", "iom_colleague", "unhcr"}
    (to_unhcr,) = sent_to(outbox, cast.unhcr, "allocation_approved")
    assert format_money(allocations["UNHCR"].total, "es") in to_unhcr.body
    assert format_money(allocations["IOM"].total, "es") not in to_unhcr.body
    (to_fmu,) = sent_to(outbox, cast.fmu_es, "allocation_approved")
    assert all(format_money(a.total, "es") in to_fmu.body for a in allocations.values())

    outbox.clear()
    finance_ops.record_transfer(allocations["UNHCR"], amount=allocations["UNHCR"].total / 2, on_date=TODAY,
                                reference="TR-2026-01", actor=cast.fmu)  # fmt: skip
    db.session.commit()
    assert told(cast, outbox, "transfer_made") == {"fmu_es", "unhcr"}
    assert "TR-2026-01" in outbox[0].body


def test_progress_reports_reach_the_fmu_then_the_programme_agencies(cast, make_proposal, framework, outbox):
    """Is a submitted report announced to the FMU, and its return (with comments) and acceptance to the agencies?"""
    from fundmgr.proposals.models import ProposalState

    proposal = make_proposal(ProposalState.active, lead="IOM", partners=("UNHCR",), creator=cast.iom)
    revise_snapshot(proposal.latest_version, start_date="2024-01-01", matrix=MATRIX)
    programme: Programme = results_ops.establish_programme(proposal, actor=None)
    db.session.commit()
    period = programme.periods[0]
    values = {
        "Number of migrants assisted": "400",
        "Number of officials trained": "80",
        "Share of trained officials applying the guidelines": "35",
    }
    report = results_ops.save_report(period, entries_for(programme, values), actor=cast.iom)
    results_ops.submit_report(report, actor=cast.iom)
    db.session.commit()
    assert told(cast, outbox, "report_submitted") == {"fmu", "fmu_es"}

    results_ops.return_report(report, "Explain the gap between target and actual.", actor=cast.fmu)
    db.session.commit()
    assert told(cast, outbox, "report_returned") == {"iom", "iom_colleague", "unhcr"}
    assert "Explain the gap" in sent_to(outbox, cast.unhcr, "report_returned")[0].body
    assert f"/results/programmes/{programme.id}/periods/1" in sent_to(outbox, cast.iom, "report_returned")[0].body

    results_ops.submit_report(report, actor=cast.iom)
    results_ops.accept_report(report, actor=cast.fmu_es)
    db.session.commit()
    assert told(cast, outbox, "report_accepted") == {"iom", "iom_colleague", "unhcr"}


def test_closed_accounts_viewers_and_admins_are_never_told(cast, decide, outbox):
    """Are inactive accounts, viewers and administrators left out of everything?"""
    decide(DecisionOutcome.approve)
    assert outbox
    for person in (cast.inactive, cast.viewer, cast.admin, cast.undp):
        assert not sent_to(outbox, person)
        assert not notifications_of(person)
