"""Calls for proposals: the FMU prepares, publishes and closes a call; proposals answer an open one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.calls import operations as call_ops
from fundmgr.calls import queries as call_queries
from fundmgr.calls.models import CallState
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.factories import sign_in
from tests.support import TODAY


def details(fund, **changes) -> call_ops.CallDetails:
    values = {
        "title": {"en": "First call", "fr": "Premier appel", "es": "Primera convocatoria"},
        "description": {"en": "Migration governance.", "fr": "", "es": ""},
        "eligibility": {"en": "Two PUNOs at least.", "fr": "", "es": ""},
        "documents": {"en": "Endorsement letter.", "fr": "", "es": ""},
        "opens_on": TODAY - timedelta(days=10),
        "closes_on": TODAY + timedelta(days=30),
        "ceiling": Decimal("1500000.00"),
        "area_ids": [fund.thematic_areas[0].id],
        "region_codes": ["002"],
        "objective_ids": [fund.objectives[0].id],
    }
    return call_ops.CallDetails(**(values | changes))


@pytest.fixture
def open_call(fund, make_user):
    """A published call of the Migration MPTF, open today: open_call(ceiling=...)."""

    def _make(**changes):
        fmu = make_user(Role.fmu)
        call = call_ops.open_call(fund, details(fund, **changes), actor=fmu)
        call_ops.publish_call(call, actor=fmu)
        db.session.commit()
        return call

    return _make


def test_a_call_is_drafted_edited_published_and_closed_each_step_audited(fund, make_user):
    """Does the call move draft -> published -> closed, editable only as a draft, each change in the audit log?"""
    fmu = make_user(Role.fmu)
    call = call_ops.open_call(fund, details(fund), actor=fmu)
    assert call.state is CallState.draft
    assert call.reference.startswith(f"MIG-CALL-{call.opens_on.year}-")
    call_ops.edit_call(call, details(fund, ceiling=Decimal("2000000.00")), actor=fmu)
    call_ops.publish_call(call, actor=fmu)
    with pytest.raises(InvalidTransition, match="can no longer change"):
        call_ops.edit_call(call, details(fund), actor=fmu)
    call_ops.close_call(call, actor=fmu)
    assert call.state is CallState.closed
    assert call.ceiling == Decimal("2000000.00")
    with pytest.raises(InvalidTransition):
        call_ops.publish_call(call, actor=fmu)
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "call", AuditEntry.object_id == str(call.id))
    ).all()
    assert actions == ["call.opened", "call.edited", "call.published", "call.closed"]


def test_only_the_fund_managers_open_calls(fund, make_user):
    for role in (Role.agency, Role.sc_member, Role.viewer):
        with pytest.raises(NotAllowed):
            call_ops.open_call(fund, details(fund), actor=make_user(role))


def test_bad_terms_are_all_listed_at_once(fund, make_user):
    """A missing title, a window closing before it opens, a ceiling of nothing: are they refused together?"""
    bad = details(fund, title={"en": "Call", "fr": "", "es": ""}, closes_on=TODAY - timedelta(days=20),
                  ceiling=Decimal("0.00"))  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        call_ops.open_call(fund, bad, actor=make_user(Role.fmu))
    assert len(refused.value.problems) == 4  # fr and es titles, the window, the ceiling


def test_a_closed_call_takes_no_more_proposals(open_call, make_ready_draft, make_user):
    """Once the call is closed, is a first submission to it refused with a message naming the call?"""
    call = open_call()
    proposal = make_ready_draft()
    call_ops.choose_call(proposal, call, actor=proposal.created_by)
    call_ops.close_call(call, actor=make_user(Role.fmu))
    with pytest.raises(ValidationFailed) as refused:
        ops.submit_proposal(proposal, actor=proposal.created_by)
    assert any("is closed: it takes no more proposals" in p for p in refused.value.problems)
    assert proposal.state is ProposalState.draft


def test_a_call_past_its_closing_date_is_closed(open_call, make_ready_draft):
    call = open_call(opens_on=TODAY - timedelta(days=30), closes_on=TODAY - timedelta(days=1))
    assert not call.is_open
    assert call.phase == "closed"
    proposal = make_ready_draft()
    with pytest.raises(ValidationFailed, match="is closed"):
        call_ops.choose_call(proposal, call, actor=proposal.created_by)


def test_the_ceiling_is_listed_with_the_other_submission_problems(open_call, make_ready_draft):
    """A budget above the call's ceiling and another broken rule: are both listed at once?"""
    call = open_call(ceiling=Decimal("1000000.00"))
    proposal = make_ready_draft()  # 1,284,000.00 with indirect costs
    call_ops.choose_call(proposal, call, actor=proposal.created_by)
    proposal.government_endorsement = False
    with pytest.raises(ValidationFailed) as refused:
        ops.submit_proposal(proposal, actor=proposal.created_by)
    problems = refused.value.problems
    assert any("exceeds the ceiling per joint programme" in p and "1,000,000.00" in p for p in problems)
    assert any("government must endorse" in p for p in problems)


def test_a_proposal_within_the_ceiling_is_submitted_to_the_open_call_and_counted(open_call, make_ready_draft):
    call = open_call()
    proposal = make_ready_draft()
    call_ops.choose_call(proposal, call, actor=proposal.created_by)
    ops.submit_proposal(proposal, actor=proposal.created_by)
    outcome = {line.key: line.count for line in call_queries.outcome(call)}
    assert outcome == {"received": 1, "screened": 0, "selected": 0, "pipelined": 0, "not_selected": 0}


def test_the_outcome_counts_each_stage_a_proposal_reached(open_call, make_proposal):
    call = open_call()
    for state in (ProposalState.draft, ProposalState.screening, ProposalState.in_review, ProposalState.endorsed,
                  ProposalState.approved, ProposalState.rejected):  # fmt: skip
        proposal = make_proposal(state)
        call_ops.choose_call(proposal, call, actor=None)
    outcome = {line.key: line.count for line in call_queries.outcome(call)}
    assert outcome == {"received": 5, "screened": 4, "selected": 1, "pipelined": 1, "not_selected": 1}


def test_the_outcome_counts_a_concept_note_and_the_programme_document_developed_from_it_once(
    open_call, make_proposal, committee, decide_by_procedure
):
    """Two concept notes answer the call: one selected, whose programme document is then approved, one endorsed into
    the pipeline. Does the outcome count two received, one selected and one pipelined, at their indicative totals
    (not the programme document a second time)?"""
    call = open_call()
    selected, pipelined = (make_proposal(ProposalState.in_review, concept_note=True) for _ in range(2))
    for note in (selected, pipelined):
        call_ops.choose_call(note, call, actor=None)
    decide_by_procedure(pipelined, steering_ops.DecisionData(DecisionOutcome.endorse))
    decide_by_procedure(selected, steering_ops.DecisionData(DecisionOutcome.endorse))
    document = ops.invite_to_develop(selected, deadline=TODAY + timedelta(days=30), amount=Decimal("900000.00"),
                                     actor=committee.fmu)  # fmt: skip
    document.version_count, document.state = 1, ProposalState.approved  # as if submitted, then approved
    db.session.flush()
    assert document.call_id == call.id
    lines = {line.key: line for line in call_queries.outcome(call)}
    counts = {key: line.count for key, line in lines.items()}
    assert counts == {"received": 2, "screened": 2, "selected": 1, "pipelined": 1, "not_selected": 0}
    assert lines["received"].amount == selected.total_amount + pipelined.total_amount


def test_another_organization_cannot_choose_the_call_of_a_proposal(open_call, make_ready_draft, make_user):
    call = open_call()
    proposal = make_ready_draft()
    with pytest.raises(NotAllowed):
        call_ops.choose_call(proposal, call, actor=make_user(Role.agency, org="UNDP"))


def test_the_public_list_shows_published_calls_only_without_sign_in(client, fund, make_user, open_call):
    """Signed out: is the open call listed, and neither a draft nor a closed call?"""
    fmu = make_user(Role.fmu)
    call_ops.open_call(fund, details(fund, title={"en": "DRAFTCALL", "fr": "x", "es": "x"}), actor=fmu)
    closed = open_call(title={"en": "CLOSEDCALL", "fr": "x", "es": "x"})
    call_ops.close_call(closed, actor=fmu)
    open_call(title={"en": "OPENCALL", "fr": "x", "es": "x"})
    db.session.commit()
    page = client.get("/calls/open").get_data(as_text=True)
    assert "OPENCALL" in page
    assert "DRAFTCALL" not in page
    assert "CLOSEDCALL" not in page


def test_the_fmu_opens_a_call_through_the_form(client, fund, make_user):
    fmu = make_user(Role.fmu)
    sign_in(client, fmu)
    form = {"title_en": "Call of the form", "title_fr": "Appel", "title_es": "Convocatoria",
            "opens_on": TODAY.isoformat(), "closes_on": "", "ceiling": "2,000,000.00",
            "areas": [str(fund.thematic_areas[1].id)], "regions": ["142"]}  # fmt: skip
    answer = client.post("/calls/new", data=form, follow_redirects=True)
    assert answer.status_code == 200
    assert "Call of the form" in answer.get_data(as_text=True)
    call = db.session.scalar(sa.select(call_ops.Call).where(call_ops.Call.fund_id == fund.id))
    assert call.is_rolling
    assert call.ceiling == Decimal("2000000.00")
    assert [r.code for r in call.regions] == ["142"]
