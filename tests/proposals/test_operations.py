"""Operations on drafts and the lifecycle: rights, rules, versions, audit."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Country
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import AttachmentKind, BudgetLine, Proposal, ProposalState, ScreeningOutcome
from tests.factories import organization
from tests.support.files import upload


def actions_of(proposal: Proposal) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "proposal", AuditEntry.object_id == str(proposal.id))
            .order_by(AuditEntry.id)
        )
    )


def test_drafts_get_the_next_reference_of_the_fund_and_year_when_submitted(fund, make_user, make_ready_draft):
    """A draft has no reference ("Draft"); submissions get MIG-<year>-0001, -0002 ... in the order submitted,
    of the submission's year; the creator's organization leads."""
    agency = make_user(Role.agency, org="UNICEF")
    first = ops.create_proposal(fund, ops.ProposalDetails(title="First"), actor=agency)
    assert (first.reference_number, first.reference) == (None, "Draft")
    assert first.is_concept_note  # a new draft is a concept note
    later, earlier = make_ready_draft(), make_ready_draft()
    with clock.as_of(date(2027, 2, 1)):
        ops.submit_proposal(earlier, actor=earlier.created_by)
        ops.submit_proposal(later, actor=later.created_by)
    assert earlier.reference == "MIG-2027-0001"
    assert later.reference == "MIG-2027-0002"
    assert earlier.versions[0].snapshot.reference == "MIG-2027-0001"
    note = make_ready_draft(concept_note=True)
    with clock.as_of(date(2027, 3, 1)):
        ops.submit_proposal(note, actor=note.created_by)
    assert note.reference == "MIG-2027-0003-CN"  # a concept note's reference says so
    assert first.lead_organization.code == "UNICEF"
    assert [p.organization.code for p in first.participants] == ["UNICEF"]
    assert first.participants[0].indirect_rate == Decimal("0.07")
    assert actions_of(first) == ["proposal.created"]


@pytest.mark.parametrize(("role", "org"), [(Role.fmu, "IOM"), (Role.viewer, "IOM"), (Role.agency, "OECD")])
def test_only_agency_staff_of_participating_organizations_create_drafts(fund, make_user, role, org):
    with pytest.raises(NotAllowed):
        ops.create_proposal(fund, ops.ProposalDetails(title="X"), actor=make_user(role, org=org))


def test_a_draft_saves_incomplete_but_refuses_ill_formed_details(fund, make_user):
    """May a draft hold only a title, while a country and a region at once are refused and nothing changes?"""
    agency = make_user(Role.agency)
    proposal = ops.create_proposal(fund, ops.ProposalDetails(title="Only a title"), actor=agency)
    assert proposal.summary == ""
    assert proposal.primary_area is None
    tjk = db.session.scalar(sa.select(Country).where(Country.iso3 == "TJK"))
    bad = ops.ProposalDetails(title="", country=tjk, region_code="143", duration_months=0)
    with pytest.raises(ValidationFailed) as refused:
        ops.update_details(proposal, bad, actor=agency)
    assert len(refused.value.problems) == 3  # no title, country and region, impossible duration
    db.session.rollback()
    db.session.expire_all()
    assert proposal.title == "Only a title"


def test_an_organization_that_leaves_takes_its_budget_lines(make_proposal):
    """When a partner is taken off, do its budget lines go and does the total follow?"""
    proposal = make_proposal(partners=("UNHCR", "UNICEF"))
    assert proposal.total_amount == Decimal("1819000.00")  # (700k + 500k + 500k) * 1.07
    ops.set_participants(
        proposal, lead=organization("IOM"), organizations=[organization("UNHCR")], actor=proposal.created_by
    )
    assert {p.organization.code for p in proposal.participants} == {"IOM", "UNHCR"}
    assert {line.organization_id for line in proposal.budget_lines} == {
        organization("IOM").id,
        organization("UNHCR").id,
    }
    assert proposal.total_amount == Decimal("1284000.00")
    assert db.session.scalar(sa.select(sa.func.count(BudgetLine.id)).where(BudgetLine.proposal_id == proposal.id)) == 4


def test_organizations_outside_the_fund_cannot_take_part(make_proposal):
    proposal = make_proposal()
    with pytest.raises(ValidationFailed, match="OECD"):
        ops.set_participants(proposal, lead=organization("IOM"), organizations=[organization("OECD")],
                             actor=proposal.created_by)  # fmt: skip


def test_marker_levels_must_be_on_the_scale(make_proposal, fund):
    proposal = make_proposal()
    gender = next(m for m in fund.markers if m.code == "gender")
    with pytest.raises(ValidationFailed, match="no level 7"):
        ops.save_markers(proposal, {gender.id: (7, "why")}, actor=proposal.created_by)


def test_matrix_items_are_added_numbered_and_renumbered(make_proposal):
    proposal = make_proposal()
    agency = proposal.created_by
    second = ops.add_outcome(proposal, "Second outcome", actor=agency)
    output = ops.add_output(second, "An output", actor=agency)
    indicator = ops.add_indicator(second, output, ops.IndicatorValues(name="People reached", target=Decimal("2500000")),
                                  actor=agency)  # fmt: skip
    assert [o.position for o in proposal.outcomes] == [1, 2]
    assert indicator.outcome_id == second.id
    assert indicator.output_id == output.id
    assert indicator.target == Decimal("2500000")  # targets in the millions fit
    ops.remove_matrix_item(proposal.outcomes[0], actor=agency)
    db.session.commit()
    db.session.expire_all()
    assert [(o.position, o.statement) for o in proposal.outcomes] == [(1, "Second outcome")]
    assert proposal.outcomes[0].outputs[0].indicators[0].name == "People reached"
    with pytest.raises(ValidationFailed):
        ops.add_indicator(second, None, ops.IndicatorValues(name=" ", disaggregation=["colour"]), actor=agency)


def test_submission_lists_every_problem_and_changes_nothing(fund, make_user):
    """Does submitting a bare concept note list all its problems at once (the concept note's: no budget grid, no
    results matrix), leaving it a draft without a version?"""
    agency = make_user(Role.agency)
    proposal = ops.create_proposal(fund, ops.ProposalDetails(title="Bare"), actor=agency)
    with pytest.raises(ValidationFailed) as refused:
        ops.submit_proposal(proposal, actor=agency)
    problems = refused.value.problems
    assert len(problems) >= 12
    assert any("summary" in p for p in problems)
    assert any("Gender marker" in p for p in problems)
    assert any("Resident Coordinator" in p for p in problems)
    assert any("at least 2 Participating UN Organizations" in p for p in problems)
    assert any("indicative amount of IOM" in p for p in problems)
    assert any("SDG targets" in p for p in problems)
    assert not any("total budget" in p or "outcome" in p or "endorsement letter" in p for p in problems)
    db.session.rollback()
    db.session.expire_all()
    assert proposal.state is ProposalState.draft
    assert proposal.version_count == 0


def test_submit_freezes_version_one_and_locks_the_draft(make_ready_draft):
    proposal = make_ready_draft()
    ops.submit_proposal(proposal, actor=proposal.created_by)
    assert proposal.state is ProposalState.submitted
    assert proposal.latest_version.number == 1
    assert proposal.latest_version.total == Decimal("1284000.00")
    assert proposal.latest_version.snapshot.attachments[0].kind == "endorsement_letter"
    assert actions_of(proposal)[-1] == "proposal.submitted"
    with pytest.raises(InvalidTransition, match="cannot be changed now"):
        ops.add_outcome(proposal, "Late addition", actor=proposal.created_by)


def test_only_the_lead_organization_submits(make_ready_draft, make_user):
    proposal = make_ready_draft(partners=("UNHCR",))
    with pytest.raises(NotAllowed):
        ops.submit_proposal(proposal, actor=make_user(Role.agency, org="UNHCR"))


def test_return_revise_and_resubmit_makes_version_two(submitted, fmu):
    """After a return for revision, does resubmitting freeze version 2 and leave version 1 as it was?"""
    proposal = submitted()
    agency = proposal.created_by
    ops.start_screening(proposal, actor=fmu)
    with pytest.raises(ValidationFailed):
        ops.return_for_revision(proposal, "  ", actor=fmu)
    ops.return_for_revision(proposal, "Budget of UNHCR too thin.", actor=fmu)
    assert proposal.state is ProposalState.returned
    assert proposal.latest_screening.outcome is ScreeningOutcome.returned
    unhcr = organization("UNHCR")
    category = proposal.fund.budget_categories[1]
    ops.save_budget(proposal, amounts={(unhcr.id, category.id, 1): Decimal("100000.00")}, actor=agency)
    ops.submit_proposal(proposal, actor=agency)
    db.session.commit()
    assert [v.number for v in proposal.versions] == [1, 2]
    assert proposal.versions[0].total == Decimal("1284000.00")
    assert proposal.versions[1].total == Decimal("1391000.00")
    assert proposal.state is ProposalState.submitted


def test_forwarding_needs_every_check_passed(submitted, fmu):
    """Is forwarding refused, naming each check not passed, until every eligibility check has passed?"""
    proposal = submitted()
    screening = ops.start_screening(proposal, actor=fmu)
    first, second, *rest = screening.items
    ops.record_screening(proposal, {first.check_id: (False, "No letter"), second.check_id: (True, "")}, actor=fmu)
    with pytest.raises(ValidationFailed) as refused:
        ops.forward_to_review(proposal, actor=fmu)
    assert len(refused.value.problems) == 1 + len(rest)
    ops.record_screening(proposal, {item.check_id: (True, "ok") for item in screening.items}, actor=fmu)
    ops.forward_to_review(proposal, actor=fmu)
    assert proposal.state is ProposalState.in_review
    assert screening.outcome is ScreeningOutcome.forwarded
    assert screening.completed_at is not None


def test_only_the_fmu_screens(submitted, make_user):
    proposal = submitted()
    with pytest.raises(NotAllowed):
        ops.start_screening(proposal, actor=make_user(Role.admin))


def test_lead_withdraws_with_a_reason_until_the_decision(make_proposal, make_user):
    proposal = make_proposal(ProposalState.in_review)
    lead = proposal.created_by
    with pytest.raises(NotAllowed):
        ops.withdraw_proposal(proposal, "No", actor=make_user(Role.agency, org="UNHCR"))
    with pytest.raises(ValidationFailed):
        ops.withdraw_proposal(proposal, "", actor=lead)
    ops.withdraw_proposal(proposal, "Merged into a national programme.", actor=lead)
    assert proposal.state is ProposalState.withdrawn
    assert proposal.withdrawal_reason == "Merged into a national programme."
    endorsed = make_proposal(ProposalState.endorsed)
    with pytest.raises(InvalidTransition):
        ops.withdraw_proposal(endorsed, "Too late", actor=endorsed.created_by)


def test_details_update_is_audited_with_before_and_after(make_proposal):
    proposal = make_proposal(duration_months=24)
    details = ops.ProposalDetails(
        title=proposal.title, summary="New summary", country=proposal.country, primary_area=proposal.primary_area,
        objectives=proposal.objectives, principles=proposal.principles, duration_months=36,
        start_date=date(2027, 3, 1), government_endorsement=True,
    )  # fmt: skip
    ops.update_details(proposal, details, actor=proposal.created_by)
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "proposal.details_updated"
    assert entry.before["duration_months"] == 24
    assert entry.after["duration_months"] == 36
    assert entry.actor_id == proposal.created_by.id


def test_a_deferred_proposal_is_revised_and_resubmitted_as_a_new_version(make_proposal):
    """After the Steering Committee defers it, may the lead revise the draft and resubmit it as version 2?"""
    proposal = make_proposal(ProposalState.deferred)
    agency = proposal.created_by
    ops.add_attachment(proposal, AttachmentKind.endorsement_letter, upload(), actor=agency)
    ops.update_details(proposal, ops.ProposalDetails(
        title="Revised after deferral", summary=proposal.summary, country=proposal.country,
        primary_area=proposal.primary_area, objectives=proposal.objectives, principles=proposal.principles,
        duration_months=proposal.duration_months, start_date=proposal.start_date, government_endorsement=True,
    ), actor=agency)  # fmt: skip
    ops.submit_proposal(proposal, actor=agency)
    assert proposal.state is ProposalState.submitted
    assert [v.number for v in proposal.versions] == [1, 2]
    assert proposal.versions[1].snapshot.title == "Revised after deferral"


def test_re_screening_starts_from_the_previous_answers(submitted, fmu, client):
    """After a return and a resubmission, does the new checklist carry the earlier answers and comments,
    and does the screening page show the proposal beside it?"""
    from tests.factories import sign_in

    proposal = submitted()
    screening = ops.start_screening(proposal, actor=fmu)
    first, second, *_rest = screening.items
    ops.record_screening(proposal, {first.check_id: (False, "No letter"), second.check_id: (True, "fine")}, actor=fmu)
    ops.return_for_revision(proposal, "Attach the letter.", actor=fmu)
    ops.submit_proposal(proposal, actor=proposal.created_by)
    again = ops.start_screening(proposal, actor=fmu)
    answers = {item.check_id: (item.passed, item.comment) for item in again.items}
    assert answers[first.check_id] == (False, "No letter")
    assert answers[second.check_id] == (True, "fine")
    db.session.commit()
    sign_in(client, fmu)
    html = client.get(f"/proposals/{proposal.id}/screening").get_data(as_text=True)
    checked = re.findall(rf'<input checked[^>]*name="passed_{first.check_id}"[^>]*value="(\w*)"', html)
    assert checked == ["no"]
    assert "No letter" in html
    assert proposal.summary[:40] in html
    assert f"/proposals/{proposal.id}/versions/2" in html


def test_a_draft_is_deleted_by_its_author_with_its_content_and_audited(make_proposal, make_user, client):
    """The author deletes a draft once confirmed: its content goes, the audit log keeps what it held, and
    nothing of any other proposal is touched; a submitted proposal cannot be deleted."""
    from tests.factories import sign_in

    keep = make_proposal(title="Kept draft")
    proposal = make_proposal(title="Abandoned idea")
    author = proposal.created_by
    partner = make_user(Role.agency, org="UNHCR")
    assert not proposal.can_delete(partner)  # a partner organization takes part but does not delete
    db.session.commit()
    pid = proposal.id
    kept = (len(keep.participants), len(keep.budget_lines), len(keep.outcomes))
    sign_in(client, author)
    page = client.get(f"/proposals/{pid}").get_data(as_text=True)
    assert 'data-confirm="Delete the draft “Abandoned idea”?"' in page
    asked = client.post(f"/proposals/{pid}/delete")
    assert "this cannot be undone" in asked.get_data(as_text=True)
    assert db.session.get(Proposal, pid) is not None
    assert client.post(f"/proposals/{pid}/delete", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, pid) is None
    assert (len(keep.participants), len(keep.budget_lines), len(keep.outcomes)) == kept
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "proposal.draft_deleted"))
    assert (entry.object_id, entry.actor_id, entry.before["title"]) == (str(pid), author.id, "Abandoned idea")


def test_a_submitted_proposal_cannot_be_deleted(submitted):
    proposal = submitted()
    assert not proposal.can_delete(proposal.created_by)
    with pytest.raises(NotAllowed):
        ops.delete_draft(proposal, actor=proposal.created_by)
