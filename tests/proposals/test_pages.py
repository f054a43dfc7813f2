"""The intake and screening through the pages (forms in, pages out), as an agency and an FMU officer use them."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalState
from tests.factories import sign_in


def test_an_agency_creates_a_draft_and_fills_its_sections(client, fund, make_user):
    agency = make_user(Role.agency, org="UNICEF")
    sign_in(client, agency)
    area = next(a for a in fund.thematic_areas if a.code == "TA5")
    response = client.post("/proposals/new", data={
        "title": "Birth registration for children on the move", "summary": "Mobile registration.",
        "scope": "country", "country": "KGZ", "primary_area": "TA5", "objectives": ["4", "15"],
        "principles": ["child_sensitive"], "duration_months": "24", "start_date": "2027-03-01",
        "government_endorsement": "y",
    })  # fmt: skip
    assert response.status_code == 302
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.title.startswith("Birth registration")))
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}/organizations")
    assert proposal.primary_area == area
    assert [o.number for o in proposal.objectives] == [4, 15]
    assert proposal.country.iso3 == "KGZ"

    response = client.post(f"/proposals/{proposal.id}/organizations", data={"lead": "UNICEF", "partners": ["UNHCR"]})
    assert response.status_code == 302
    markers = {m.code: m.id for m in fund.markers}
    response = client.post(f"/proposals/{proposal.id}/markers", data={
        f"level_{markers['gender']}": "2", f"justification_{markers['gender']}": "Girls and boys counted apart.",
        f"level_{markers['human_rights']}": "3", f"justification_{markers['human_rights']}": "Legal identity.",
    })  # fmt: skip
    assert response.status_code == 302
    unicef, unhcr = (p.organization_id for p in proposal.participants)
    response = client.post(f"/proposals/{proposal.id}/concept", data={
        "problem_statement": "Children born on the move go unregistered.", "theory_of_change": "Registry reaches.",
        "corridors": "KGZ > KAZ > RUS", "sdg_targets": "16.9, 10.7", "cooperation_framework": "Outcome 2.",
        "knowledge_platform": "Shares the registry's practice.", "partners-0-name": "Civil Registry Service",
        "partners-0-kind": "government", "partners-0-role": "Registers the children.",
        f"amount_{unicef}": "600,000", f"amount_{unhcr}": "400,000",
    })  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.corridors[0].label == "Kyrgyzstan → Kazakhstan → Russia"
    assert proposal.sdg_targets == ["16.9", "10.7"]
    assert [(p.name, p.kind.value) for p in proposal.national_partners] == [("Civil Registry Service", "government")]
    assert proposal.total_amount == proposal.indicative_total == 1_000_000
    ratings = {m.marker.code: m.level for m in proposal.markers}
    assert ratings == {"gender": 2, "human_rights": 3, "child_sensitivity": None}

    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Rate the programme on the Child-sensitivity marker." in html
    assert "The Resident Coordinator must endorse the concept note before it is submitted." in html
    assert "results matrix" not in html
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(proposal.id))))
    assert {"proposal.created", "proposal.participants_updated", "proposal.markers_updated",
            "proposal.concept_updated"} <= actions  # fmt: skip


def test_a_programme_covers_any_region_the_list_filter_offers(client, make_proposal):
    """Western, Eastern, Middle and Southern Africa, the Caribbean, South and Central America (M49)."""
    proposal = make_proposal()
    sign_in(client, proposal.created_by)
    form = client.get(f"/proposals/{proposal.id}/details").get_data(as_text=True)
    assert all(f'value="{code}"' in form for code in ("011", "014", "017", "018", "029", "005", "013"))
    region = "029"
    response = client.post(f"/proposals/{proposal.id}/details", data={
        "title": "Mano River corridor", "summary": "Border management.", "scope": "region", "region": region,
        "primary_area": "TA3", "duration_months": "24",
    })  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.region_code == region


def test_a_bad_details_form_rerenders_with_every_error(client, make_proposal):
    proposal = make_proposal()
    sign_in(client, proposal.created_by)
    response = client.post(f"/proposals/{proposal.id}/details", data={
        "title": "", "scope": "country", "duration_months": "many", "start_date": "2027-13-45",
    })  # fmt: skip
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("invalid-feedback d-block") >= 3
    db.session.expire_all()
    assert proposal.title.startswith("Joint programme")


def test_submit_shows_every_problem_then_succeeds(client, make_proposal, make_ready_draft):
    draft = make_proposal()  # complete but for the endorsement letter
    sign_in(client, draft.created_by)
    response = client.post(f"/proposals/{draft.id}/submit")
    assert response.status_code == 422
    assert "The proposal cannot be submitted yet" in response.get_data(as_text=True)
    assert "Attach the government’s endorsement letter." in response.get_data(as_text=True)
    ready = make_ready_draft()
    sign_in(client, ready.created_by)
    response = client.post(f"/proposals/{ready.id}/submit", follow_redirects=True)
    assert "Version 1 submitted to the Fund Management Unit." in response.get_data(as_text=True)


def test_editing_a_submitted_proposal_is_refused_with_a_message(client, submitted):
    proposal = submitted()
    sign_in(client, proposal.created_by)
    response = client.get(f"/proposals/{proposal.id}/budget", follow_redirects=True)
    assert "it cannot be changed now" in response.get_data(as_text=True)
    response = client.post(f"/proposals/{proposal.id}/submit", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "from “Submitted” to “Submitted”" in response.get_json()["error"]


def test_the_fmu_screens_and_returns_with_reasons(client, submitted, make_user):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu))
    client.post(f"/proposals/{proposal.id}/screening/start")
    db.session.expire_all()
    items = proposal.latest_screening.items
    answers = {f"passed_{i.check_id}": "yes" for i in items} | {f"passed_{items[1].check_id}": "no"}
    answers[f"comment_{items[1].check_id}"] = "The letter is not signed."
    response = client.post(f"/proposals/{proposal.id}/screening", data=answers | {"action": "forward"})
    assert response.status_code == 422
    assert "has not passed" in response.get_data(as_text=True)
    response = client.post(f"/proposals/{proposal.id}/screening", data=answers | {"action": "return"})
    assert response.status_code == 422
    assert "Tell the agencies why the proposal is returned." in response.get_data(as_text=True)
    response = client.post(f"/proposals/{proposal.id}/screening",
                           data=answers | {"action": "return", "reasons": "Attach a signed letter."})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.state is ProposalState.returned
    sign_in(client, proposal.created_by)
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Attach a signed letter." in html
    assert "The letter is not signed." in html


def test_the_fmu_forwards_a_proposal_whose_checks_all_pass(client, submitted, make_user):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu))
    client.post(f"/proposals/{proposal.id}/screening/start")
    db.session.expire_all()
    answers = {f"passed_{i.check_id}": "yes" for i in proposal.latest_screening.items}
    assert client.post(f"/proposals/{proposal.id}/screening", data=answers | {"action": "save"}).status_code == 302
    assert client.post(f"/proposals/{proposal.id}/screening", data=answers | {"action": "forward"}).status_code == 302
    db.session.expire_all()
    assert proposal.state is ProposalState.in_review


def test_the_lead_withdraws_with_a_reason(client, submitted):
    proposal = submitted()
    sign_in(client, proposal.created_by)
    assert client.post(f"/proposals/{proposal.id}/withdraw", data={"reason": ""}).status_code == 200
    response = client.post(f"/proposals/{proposal.id}/withdraw", data={"reason": "Merged with another programme."})
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.state is ProposalState.withdrawn
    assert "Merged with another programme." in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_home_cards_count_what_needs_action(client, make_proposal, make_user):
    make_proposal(ProposalState.submitted)
    make_proposal(ProposalState.returned)
    sign_in(client, make_user(Role.fmu))
    html = client.get("/").get_data(as_text=True)
    assert "1 submitted, waiting for screening" in html
    sign_in(client, make_user(Role.agency, org="IOM"))
    assert "1 returned for revision" in client.get("/").get_data(as_text=True)


def test_a_proposal_takes_several_thematic_areas_whose_shares_add_up_to_100(client, make_proposal):
    """Shares not adding up to 100 are refused with the sum named and nothing written; 60/40 is kept."""
    proposal = make_proposal()
    sign_in(client, proposal.created_by)
    data = {"title": proposal.title, "scope": "country", "country": "KGZ", "primary_area": "TA2",
            "primary_share": "60", "other_areas-0-area": "TA3", "other_areas-0-share": "30"}  # fmt: skip
    response = client.post(f"/proposals/{proposal.id}/details", data=data)
    assert response.status_code == 200
    assert "The shares of the thematic areas add up to 90%; they must add up to 100%." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert [(a.code, s) for a, s in proposal.area_shares] == [(proposal.primary_area.code, 100)]

    for hostile in ({"other_areas-0-area": "TA2", "other_areas-0-share": "40"},  # the primary twice
                    {"other_areas-0-share": "-40"}, {"other_areas-0-share": "40.001"},
                    {"other_areas-0-area": "<script>", "primary_share": "100"},
                    {"other_areas-0-area": "", "primary_share": "60"}):  # a share without its area  # fmt: skip
        response = client.post(f"/proposals/{proposal.id}/details", data={**data, **hostile})
        assert response.status_code == 200, hostile  # the form again, with the problem
        db.session.expire_all()
        assert [(a.code, s) for a, s in proposal.area_shares] == [(proposal.primary_area.code, 100)]

    response = client.post(f"/proposals/{proposal.id}/details", data={**data, "other_areas-0-share": "40"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(a.code, s) for a, s in proposal.area_shares] == [("TA2", 60), ("TA3", 40)]
    page = client.get(f"/proposals/{proposal.id}/details").get_data(as_text=True)
    assert 'value="60"' in page
    assert 'value="40"' in page
