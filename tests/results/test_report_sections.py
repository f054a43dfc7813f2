"""The narrative sections a donor reads (challenges and risks, markers and principles, partnerships and
participation, a human-interest story): written in the report form, kept, shown in the report's PDF and the
fund's annual report."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

from pypdf import PdfReader

from fundmgr.results import operations as ops
from fundmgr.results import reports
from fundmgr.results.models import ReportState
from tests.factories import sign_in
from tests.support.results import entries_for

VALUES = {
    "Number of migrants assisted": "600",
    "Number of officials trained": "150",
    "Share of trained officials applying the guidelines": "45",
}
SECTIONS = {
    "challenges": "Elections delayed the protocol by four months.",
    "principles_applied": "Trainings co-designed with migrant associations.",
    "partnerships": "Two municipalities and three migrant-led organizations.",
    "human_story": "Amina had her diploma recognized at the new desk.",
}


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_sections_are_saved_and_reach_the_programme_and_annual_reports(app, fund, make_programme, lead_of, fmu):
    programme = make_programme(start=date(2025, 1, 1), duration_months=24)
    lead = lead_of(programme)
    report = ops.save_report(
        programme.periods[0], replace(entries_for(programme, VALUES), sections=SECTIONS), actor=lead
    )
    assert {column: getattr(report, column) for column in SECTIONS} == SECTIONS
    ops.submit_report(report, actor=lead)
    ops.accept_report(report, actor=fmu)
    assert report.state is ReportState.accepted
    with app.test_request_context():
        programme_text = text_of(reports.programme_report_pdf(report, "en"))
        annual_text = text_of(reports.annual_report_pdf(fund, 2025, "en"))
    for title, text in (
        ("Challenges and risks", SECTIONS["challenges"]),
        ("A human-interest story", SECTIONS["human_story"]),
        ("Partnerships and participation", SECTIONS["partnerships"]),
    ):
        assert title in programme_text
        assert text in programme_text
        assert text in annual_text


def test_the_report_form_keeps_the_sections(client, make_programme, lead_of):
    programme = make_programme(start=date(2025, 1, 1), duration_months=24)
    sign_in(client, lead_of(programme))
    url = f"/results/programmes/{programme.id}/periods/1/edit"
    assert "Markers and guiding principles" in client.get(url).get_data(as_text=True)
    client.post(url, data={"challenges": "Floods closed two offices.", "human_story": "A story told with consent."})
    page = client.get(f"/results/programmes/{programme.id}/periods/1").get_data(as_text=True)
    assert "Floods closed two offices." in page
    assert "A story told with consent." in page
