"""Versions: compared field by field and cell by cell; each one as a PDF with its title, totals and indicators."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Country
from fundmgr.proposals import operations as ops
from fundmgr.proposals.display import compare, describe_version
from fundmgr.proposals.models import (
    Corridor,
    CorridorStop,
    ProposalArea,
    ProposalState,
    Risk,
    RiskLevel,
    WorkplanItem,
)
from fundmgr.proposals.snapshot import STAGE_FIELDS, read_snapshot
from fundmgr.proposals.versions import add_version, snapshot_of
from tests.factories import organization, sign_in, store_unchecked_snapshot


def resubmitted(submitted, fmu):
    """Version 1, returned; version 2 with a new title and 100,000.00 more for UNHCR in year 1, staff."""
    proposal = submitted()
    agency = proposal.created_by
    ops.start_screening(proposal, actor=fmu)
    ops.return_for_revision(proposal, "Strengthen UNHCR's role.", actor=fmu)
    category = proposal.fund.budget_categories[0]
    unhcr = organization("UNHCR")
    ops.save_budget(proposal, amounts={(unhcr.id, category.id, 1): Decimal("350000.00")}, actor=agency)
    proposal.title = "Safer migration corridors, revised"
    ops.submit_proposal(proposal, actor=agency)
    db.session.commit()
    return proposal


def test_comparing_two_versions_highlights_what_changed(client, submitted, fmu, make_user):
    proposal = resubmitted(submitted, fmu)
    sign_in(client, make_user(Role.agency, org="UNHCR"))
    html = client.get(f"/proposals/{proposal.id}/compare?old=1&new=2").get_data(as_text=True)
    assert "Version 1 compared with version 2" in html
    assert "Safer migration corridors, revised" in html
    assert html.count('<tr class="table-warning">') >= 4  # title, UNHCR's amounts, direct and total budget
    assert "was 250,000.00" in html  # UNHCR year 1 staff: 250,000.00 -> 350,000.00
    assert "350,000.00" in html
    assert "was 1,284,000.00" in html
    assert "1,391,000.00" in html


def test_version_one_stays_as_submitted(submitted, fmu):
    proposal = resubmitted(submitted, fmu)
    assert proposal.versions[0].snapshot.title != proposal.versions[1].snapshot.title
    assert proposal.versions[0].total == Decimal("1284000.00")


def test_the_pdf_of_a_version_has_its_title_totals_and_indicators(client, submitted, make_user):
    proposal = submitted(title="Decent work for migrant domestic workers")
    sign_in(client, make_user(Role.fmu))
    response = client.get(f"/proposals/{proposal.id}/versions/1.pdf")
    assert response.mimetype == "application/pdf"
    assert f"{proposal.reference}-v1.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 3
    assert "Decent work for migrant domestic workers" in text
    assert "1,284,000.00" in text  # total budget
    assert "749,000.00" in text  # IOM: 700,000.00 + 7%
    assert "84,000.00" in text  # indirect support costs
    assert "Number of officials trained" in text
    assert "Training attendance records" in text
    assert "Gender marker" in text


def test_the_pdf_follows_the_users_language(client, submitted, make_user):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu, locale="fr"))
    reader = PdfReader(io.BytesIO(client.get(f"/proposals/{proposal.id}/versions/1.pdf").data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "1 284 000,00" in text.replace("\u202f", " ")
    assert "Marqueur de genre" in text


# --- The two stages' content in versions, the comparison and the PDF --------------------------------------------

STAGE_CONTENT = {
    "areas": [{"area": "TA2", "share": "60.00"}, {"area": "TA3", "share": "40.00"}],
    "problem_statement": "Recruitment fees trap migrant workers in debt.",
    "theory_of_change": "If recruiters are licensed and fees banned, workers migrate without debt.",
    "corridors": [["GTM", "MEX", "USA"]],
    "global_scope": False,
    "national_partners": [{"name": "Ministry of Labour", "kind": "government", "role": "Licenses recruiters"}],
    "sdg_targets": ["10.7", "8.8"],
    "cooperation_framework": "Outcome 2 of the Cooperation Framework 2026-2030.",
    "rc_endorsement": True,
    "knowledge_platform": "Shares the fee-free model on the knowledge platform.",
    "indicative_amounts": {"IOM": "700000.00", "UNHCR": "500000.00"},
    "workplan": [{"year": 1, "activity": "Map recruitment agencies"}, {"year": 2, "activity": "License recruiters"}],
    "risks": [{"risk": "Elections delay the licensing law", "likelihood": "medium", "impact": "high",
               "mitigation": "Engage both parties early", "owner": "IOM"}],
    "me_plan": "A baseline survey of fees paid in year 1.",
    "sustainability": "The ministry funds the licensing office from year 3.",
}  # fmt: skip


def with_stage_content(make_proposal):
    """A submitted programme whose version 1 was frozen before the stage content was kept (its JSON has none of the
    keys) and whose version 2 has all of it."""
    proposal = make_proposal(ProposalState.submitted)
    first = proposal.versions[0]
    stored = first.snapshot.stored()
    assert not set(STAGE_FIELDS) & set(stored)
    store_unchecked_snapshot(first, stored)  # as an old row: exactly the keys it had
    add_version(proposal, read_snapshot(stored | STAGE_CONTENT), actor=proposal.created_by)
    db.session.commit()
    return proposal


def test_a_version_frozen_before_the_stage_content_still_shows(client, make_proposal, make_user):
    proposal = with_stage_content(make_proposal)
    sign_in(client, make_user(Role.fmu))
    html = client.get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True)
    assert "Results matrix" in html
    assert 'id="concept-content"' not in html
    assert 'id="programme-sections"' not in html


def test_the_version_page_shows_the_concept_content_and_the_programme_sections(client, make_proposal, make_user):
    proposal = with_stage_content(make_proposal)
    sign_in(client, make_user(Role.fmu))
    html = client.get(f"/proposals/{proposal.id}/versions/2").get_data(as_text=True)
    for text in ("Recruitment fees trap migrant workers in debt.", "If recruiters are licensed",
                 "Guatemala → Mexico → United States", "Ministry of Labour", "Government entity",
                 "Licenses recruiters", "10.7, 8.8", "Outcome 2 of the Cooperation Framework",
                 "Resident Coordinator’s endorsement", "fee-free model", "700,000.00", "1,200,000.00",
                 "Map recruitment agencies", "License recruiters", "Elections delay the licensing law", "Medium",
                 "Engage both parties early", "A baseline survey", "funds the licensing office",
                 "Thematic areas and shares", "(60%)", "(40%)"):  # fmt: skip
        assert text in html, text


def test_the_comparison_shows_the_stage_content_added(client, make_proposal, make_user):
    proposal = with_stage_content(make_proposal)
    sign_in(client, make_user(Role.fmu))
    response = client.get(f"/proposals/{proposal.id}/compare?old=1&new=2")
    assert response.status_code == 200
    old, new = (describe_version(v) for v in proposal.versions)
    rows = {row["label"]: row for row in compare(old, new)["fields"]}
    for label in ("Thematic areas and shares", "Problem statement", "Theory of change", "Migration corridors",
                  "National partners", "SDG targets", "Alignment with the Cooperation Framework",
                  "Resident Coordinator’s endorsement", "Use of the Network’s knowledge platform and connection hub",
                  "Indicative amounts", "Workplan", "Risk log", "Monitoring and evaluation plan",
                  "Sustainability and exit strategy"):  # fmt: skip
        assert rows[label]["changed"], label
        assert rows[label]["old"] == ""
    assert rows["Migration corridors"]["new"] == "Guatemala → Mexico → United States"
    assert rows["Risk log"]["new"] == (
        "Elections delay the licensing law (likelihood Medium, impact High); mitigation: Engage both parties early; "
        "owner: IOM"
    )
    assert rows["Workplan"]["new"] == "Year 1: Map recruitment agencies\nYear 2: License recruiters"
    html = response.get_data(as_text=True)
    assert "Recruitment fees trap migrant workers in debt." in html
    assert "Elections delay the licensing law" in html


def test_a_change_in_the_stage_content_between_versions_is_highlighted(make_proposal):
    proposal = with_stage_content(make_proposal)
    second = proposal.versions[1]
    changed = STAGE_CONTENT | {"sdg_targets": ["10.7"], "risks": [], "areas": []}
    add_version(proposal, read_snapshot(second.snapshot.stored() | changed), actor=proposal.created_by)
    db.session.commit()
    rows = {
        row["label"]: row for row in compare(describe_version(second), describe_version(proposal.versions[2]))["fields"]
    }
    assert rows["SDG targets"] == {"label": "SDG targets", "old": "10.7, 8.8", "new": "10.7", "changed": True}
    assert rows["Risk log"]["changed"]
    assert rows["Risk log"]["new"] == ""
    assert rows["Thematic areas and shares"]["changed"]  # all in the primary area now
    assert not rows["Problem statement"]["changed"]


def test_submitting_freezes_the_stage_content(make_proposal):
    """snapshot_of takes a concept note's content and a programme document's sections from the proposal."""
    proposal = make_proposal(ProposalState.draft, concept_note=True)
    areas = {a.code: a for a in proposal.fund.thematic_areas}
    proposal.area_rows = [ProposalArea(area_id=areas["TA2"].id, share=Decimal(60)),
                          ProposalArea(area_id=areas["TA3"].id, share=Decimal(40))]  # fmt: skip
    countries = {c.iso3: c for c in db.session.scalars(sa.select(Country).where(Country.iso3.in_(["GTM", "MEX"])))}
    proposal.corridors = [Corridor(position=0, stops=[CorridorStop(position=0, country=countries["GTM"]),
                                                      CorridorStop(position=1, country=countries["MEX"])])]  # fmt: skip
    proposal.workplan = [WorkplanItem(year=1, position=0, activity="Map recruitment agencies")]
    proposal.risks = [Risk(position=0, risk="Elections", likelihood=RiskLevel.low, impact=RiskLevel.high,
                           mitigation="Engage early", owner="IOM")]  # fmt: skip
    proposal.me_plan = "A baseline survey."
    proposal.sustainability = "The ministry takes over."
    db.session.flush()
    snapshot = snapshot_of(proposal)
    assert [(a.area, a.share) for a in snapshot.areas] == [("TA2", Decimal("60.00")), ("TA3", Decimal("40.00"))]
    assert snapshot.corridors == [["GTM", "MEX"]]
    assert snapshot.problem_statement == "Migrants lack safe access to services along the route."
    assert snapshot.rc_endorsement is True
    assert snapshot.sdg_targets == ["10.7", "8.8"]
    assert [p.stored() for p in snapshot.national_partners] == [
        {"name": "Ministry of Labour", "kind": "government", "role": "Co-chairs the board"}
    ]
    assert snapshot.indicative_amounts == {"IOM": Decimal("700000.00"), "UNHCR": Decimal("500000.00")}
    assert [w.stored() for w in snapshot.workplan] == [{"year": 1, "activity": "Map recruitment agencies"}]
    assert [r.stored() for r in snapshot.risks] == [
        {"risk": "Elections", "likelihood": "low", "impact": "high", "mitigation": "Engage early", "owner": "IOM"}
    ]
    assert (snapshot.me_plan, snapshot.sustainability) == ("A baseline survey.", "The ministry takes over.")


PDF_LABELS = {
    "en": ["Problem statement", "Theory of change", "Migration corridors", "National partners", "SDG targets",
           "Resident Coordinator’s endorsement", "Indicative amounts", "Workplan", "Risk log",
           "Monitoring and evaluation plan", "Sustainability and exit strategy", "Thematic areas and shares",
           "Government entity", "Likelihood"],
    "fr": ["Énoncé du problème", "Théorie du changement", "Corridors migratoires", "Partenaires nationaux",
           "Cibles des ODD",
           "Approbation du Coordonnateur résident", "Montants indicatifs", "Plan de travail", "Registre des risques",
           "Plan de suivi et d’évaluation", "Durabilité et stratégie de sortie", "Domaines thématiques et parts",
           "Entité gouvernementale", "Probabilité"],
    "es": ["Planteamiento del problema", "Teoría del cambio", "Corredores migratorios", "Socios nacionales",
           "Metas de los ODS", "Respaldo del Coordinador Residente", "Importes indicativos", "Plan de trabajo",
           "Registro de riesgos", "Plan de seguimiento y evaluación", "Sostenibilidad y estrategia de salida",
           "Esferas temáticas y porcentajes", "Entidad gubernamental", "Probabilidad"],
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_version_pdf_shows_the_stage_content_with_translated_labels(client, make_proposal, make_user, language):
    proposal = with_stage_content(make_proposal)
    sign_in(client, make_user(Role.fmu, locale=language))
    reader = PdfReader(io.BytesIO(client.get(f"/proposals/{proposal.id}/versions/2.pdf").data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for label in PDF_LABELS[language]:
        assert label in text, label
    for content in ("Recruitment fees trap migrant workers in debt.", "Ministry of Labour", "10.7, 8.8",
                    "Map recruitment agencies", "Elections delay the licensing law", "fee-free model"):  # fmt: skip
        assert content in text, content
    old = PdfReader(io.BytesIO(client.get(f"/proposals/{proposal.id}/versions/1.pdf").data))
    assert PDF_LABELS[language][0] not in " ".join(page.extract_text() for page in old.pages)
