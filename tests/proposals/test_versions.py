"""Versions: compared field by field and cell by cell; each one as a PDF with its title, totals and indicators."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals import operations as ops
from tests.factories import organization, sign_in


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
