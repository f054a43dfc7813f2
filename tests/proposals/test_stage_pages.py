"""The pages of the two stages: a concept note's content and a programme document's sections through their forms
(hostile input re-renders with errors and writes nothing), the FMU's invitation, and the agency's own page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.operations.stages import concept_state, sections_state
from tests.factories import sign_in
from tests.support import TODAY

HOSTILE_CONCEPT = {
    "unknown country in a corridor": {"corridors": "TJK > XXX"},
    "script in a corridor": {"corridors": "<script>alert(1)</script>"},
    "too many corridors": {"corridors": "TJK > DEU\n" * 51},
    "unknown SDG target": {"sdg_targets": "10.7, 18.1"},
    "partner of an unknown kind": {"partners-0-name": "Ministry", "partners-0-kind": "army", "partners-0-role": "x"},
    "partner without a kind": {"partners-0-name": "Ministry", "partners-0-kind": "", "partners-0-role": "x"},
    "amount in words": {"amount": "a lot"},
    "negative amount": {"amount": "-5"},
    "overlong problem": {"problem_statement": "x" * 20001},
}


@pytest.mark.parametrize("case", HOSTILE_CONCEPT, ids=list(HOSTILE_CONCEPT))
def test_hostile_input_on_the_concept_page_is_refused_and_nothing_written(client, make_proposal, case):
    note = make_proposal(ProposalState.draft, concept_note=True)
    before = concept_state(note)
    sign_in(client, note.created_by)
    data = dict(HOSTILE_CONCEPT[case])
    if "amount" in data:
        data[f"amount_{note.lead_organization_id}"] = data.pop("amount")
    response = client.post(f"/proposals/{note.id}/concept", data={"sdg_targets": "10.7", **data})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True) or "alert-danger" in response.get_data(as_text=True)
    db.session.expire_all()
    assert concept_state(note) == before


HOSTILE_SECTIONS = {
    "line without a year": {"workplan": "Train officials"},
    "risk of an unknown likelihood": {
        "risks-0-risk": "Turnover",
        "risks-0-likelihood": "certain",
        "risks-0-impact": "high",
    },
    "risk without likelihood": {"risks-0-risk": "Turnover", "risks-0-impact": "high"},
    "year zero": {"workplan": "0: Train officials"},
    "overlong owner": {
        "risks-0-risk": "Turnover",
        "risks-0-likelihood": "low",
        "risks-0-impact": "high",
        "risks-0-owner": "x" * 301,
    },
}


@pytest.mark.parametrize("case", HOSTILE_SECTIONS, ids=list(HOSTILE_SECTIONS))
def test_hostile_input_on_the_sections_page_is_refused_and_nothing_written(client, make_proposal, case):
    document = make_proposal(ProposalState.draft)
    before = sections_state(document)
    sign_in(client, document.created_by)
    response = client.post(f"/proposals/{document.id}/sections", data=HOSTILE_SECTIONS[case])
    assert response.status_code == 422
    db.session.expire_all()
    assert sections_state(document) == before


def test_a_programme_document_gets_its_sections_through_the_page(client, make_proposal):
    document = make_proposal(ProposalState.draft)
    sign_in(client, document.created_by)
    assert "Risk log" in client.get(f"/proposals/{document.id}/sections").get_data(as_text=True)
    response = client.post(f"/proposals/{document.id}/sections", data={
        "workplan": "2: Open the second office\n1: Train officials", "risks-0-risk": "Staff turnover",
        "risks-0-likelihood": "medium", "risks-0-impact": "high", "risks-0-mitigation": "Train deputies",
        "risks-0-owner": "IOM", "me_plan": "Quarterly monitoring.", "sustainability": "Ministry takes over.",
    })  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert [(w.year, w.activity) for w in document.workplan] == [(1, "Train officials"), (2, "Open the second office")]
    assert [(r.risk, r.likelihood.value, r.owner) for r in document.risks] == [("Staff turnover", "medium", "IOM")]


def test_the_fmu_invites_a_pipeline_note_through_its_page(client, committee, make_proposal):
    note = make_proposal(ProposalState.endorsed, concept_note=True)
    sign_in(client, committee.fmu)
    assert "Invite to develop" in client.get(f"/proposals/{note.id}").get_data(as_text=True)
    assert client.post(f"/proposals/{note.id}/invite", data={"deadline": "", "amount": "x"}).status_code == 422
    db.session.expire_all()
    assert note.state is ProposalState.endorsed
    deadline = (TODAY + timedelta(days=45)).isoformat()
    response = client.post(f"/proposals/{note.id}/invite", data={"deadline": deadline, "amount": "900,000"})
    assert response.status_code == 302
    db.session.expire_all()
    assert note.state is ProposalState.selected
    assert note.programme_document.participants[0].indicative_amount is not None


def test_the_agency_page_says_where_each_proposal_stands_and_what_to_do(client, make_proposal, make_user):
    draft = make_proposal(ProposalState.draft, concept_note=True, title="Seasonal workers' rights")
    pipeline = make_proposal(ProposalState.endorsed, concept_note=True, title="Return and reintegration")
    other = make_proposal(ProposalState.draft, concept_note=True, lead="UNICEF", partners=("ILO",), title="Hidden")
    sign_in(client, make_user(Role.agency, org="IOM"))
    html = client.get("/proposals/mine").get_data(as_text=True)
    assert draft.reference in html
    assert "Submit it." in html
    assert pipeline.reference in html
    assert "wait for the FMU’s invitation" in html
    assert other.title not in html  # another organization's draft (drafts have no reference yet)


def test_a_submitted_concept_note_shows_its_indicative_total_wherever_its_version_is_read(
    client, committee, make_proposal, outbox
):
    """A concept note has no budget grid: its version list, the screening summary, the submission e-mail and the
    committee's key facts show its indicative total and each organization's indicative amount, never 0.00."""
    note = make_proposal(ProposalState.draft, concept_note=True)
    amounts = {p.organization.code: p.indicative_amount for p in note.participants}
    ops.submit_proposal(note, actor=note.created_by)
    db.session.commit()
    total = f"{sum(amounts.values()):,.2f}"
    assert total != "0.00"
    sent = [m for m in outbox if "Indicative total" in (m.body or "")]
    assert sent
    assert all(total in m.body and total in m.html for m in sent)
    sign_in(client, note.created_by)
    assert f"· {total}" in client.get(f"/proposals/{note.id}").get_data(as_text=True)
    sign_in(client, committee.fmu)
    ops.start_screening(note, actor=committee.fmu)
    db.session.commit()
    screening = client.get(f"/proposals/{note.id}/screening").get_data(as_text=True)
    assert "Indicative total" in screening
    assert f"{total} " in screening
    in_review = make_proposal(ProposalState.in_review, concept_note=True)
    sign_in(client, committee.germany)  # no organization of hers takes part
    facts = client.get(f"/steering/proposals/{in_review.id}").get_data(as_text=True)
    assert "Indicative total" in facts
    assert total in facts  # the factory's notes ask for the same amounts
    assert all(f"({amount:,.2f})" in facts for amount in amounts.values())
