"""The results reports as PDF and Excel: the figures a donor reads are the ones the system holds."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.results import operations as ops
from fundmgr.results import reports
from tests.results.test_aggregation import MATRIX as LINKED_MATRIX
from tests.results.test_aggregation import values
from tests.support.results import entries_for

SEX = {"Number of migrants assisted": {"parts": {"sex": {"female": "312", "male": "280", "other": "8"}}}}
VALUES = {
    "Number of migrants assisted": "",
    "Number of officials trained": "1250",
    "Share of trained officials applying the guidelines": "45.5",
}


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of white space made single spaces (table cells break lines)."""
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def programme(make_programme):
    return make_programme(lead="IOM", partners=("UNHCR",), title="Safe migration in Tajikistan")


def test_the_programme_report_shows_values_parts_and_narratives(app, programme, accepted_report):
    report = accepted_report(programme, 1, VALUES, **SEX)
    with app.test_request_context():
        pdf = reports.programme_report_pdf(report, "en")
    text = text_of(pdf)
    assert pdf.startswith(b"%PDF-")
    assert "Safe migration in Tajikistan" in text
    assert "Progress report, period 1: 2024-01-01 – 2024-12-31" in text
    assert "Number of migrants assisted" in text
    assert "Sex: Female 312 · Male 280 · Other or not stated 8" in text
    assert "1,250" in text  # officials trained, against a target of 200: 625 %
    assert "625%" in text
    assert "45.5" in text
    assert "Progress on outcome 1." in text
    assert "Working with municipalities early saves months." in text
    assert "NOT ACCEPTED" not in text


def test_a_draft_programme_report_says_its_figures_may_change(app, programme, lead_of):
    report = ops.save_report(programme.periods[0], entries_for(programme, VALUES, **SEX), actor=lead_of(programme))
    with app.test_request_context():
        text = text_of(reports.programme_report_pdf(report, "en"))
    assert "NOT ACCEPTED BY THE FUND MANAGEMENT UNIT: FIGURES MAY CHANGE" in text  # set in capitals


def test_the_programme_report_in_spanish(app, programme, accepted_report):
    report = accepted_report(programme, 1, VALUES, **SEX)
    with app.test_request_context():
        text = text_of(reports.programme_report_pdf(report, "es"))
    assert "Sexo: Mujeres 312 · Hombres 280" in text
    assert "1.250" in text  # Spanish groups thousands with a dot
    assert "45,5" in text


def test_the_programme_report_as_excel(app, programme, accepted_report):
    report = accepted_report(programme, 1, VALUES, **SEX)
    with app.test_request_context():
        workbook = openpyxl.load_workbook(io.BytesIO(reports.programme_report_xlsx(report, "en")))
    indicators = list(workbook["Indicators"].iter_rows(values_only=True))
    assert indicators[0][:6] == ("Code", "Indicator", "Unit", "Baseline", "Target", "Actual")
    assert indicators[1][:6] == ("1.a", "Number of migrants assisted", "persons", 0, 1000, 600)
    assert indicators[3][1] == "Share of trained officials applying the guidelines"
    assert indicators[3][5] == 45.5
    parts = list(workbook["Disaggregation"].iter_rows(values_only=True))
    assert parts[1:] == [
        ("1.a", "Number of migrants assisted", "Sex", "Female", 312),
        ("1.a", "Number of migrants assisted", "Sex", "Male", 280),
        ("1.a", "Number of migrants assisted", "Sex", "Other or not stated", 8),
    ]


@pytest.fixture
def year_2025(make_programme, framework, make_user, accepted_report, lead_of):
    """Two programmes linked to the fund's framework, reporting for 2024 and 2025; one submission not accepted."""
    fmu = make_user(Role.fmu)
    by_code = {i.code: i for i in framework.indicators}
    links = {
        "Migrants assisted": "IN2.1",
        "Countries in the data platform": "IN1.2",
        "Share of households using digital remittances": "IN4.2",
        "Children in immigration detention": "IN2.3",
    }
    made = []
    for title, start in (
        ("Protection in the Sahel", date(2024, 1, 1)),
        ("Remittances in Central Asia", date(2024, 4, 1)),
    ):
        programme = make_programme(start=start, matrix=LINKED_MATRIX, title=title)
        ops.set_indicator_links(
            programme,
            [ops.IndicatorLink(i, by_code[links[i.name]], [], i.measure) for i in programme.indicators],
            actor=fmu,
        )
        made.append(programme)
    accepted_report(made[0], 1, values("600", "4", "30", "1000"))
    accepted_report(made[0], 2, values("1400", "6", "45", "800"))
    accepted_report(made[1], 1, values("250", "9", "35", "700"))
    return made


def test_the_annual_report_rolls_up_accepted_figures(app, fund, year_2025):
    with app.test_request_context():
        text = text_of(reports.annual_report_pdf(fund, 2025, "en"))
    assert "Annual results report 2025" in text
    assert "Executive summary" in text
    assert "Results by thematic area" in text
    # IN2.1 sums 1,400 and 250; IN2.3 takes the latest figure, 800, from 1,200 towards 300
    assert "Number of migrants in situations of vulnerability who received protection or assistance services" in text
    assert "1,650" in text
    assert "Number of children in immigration detention in supported countries" in text
    assert re.search(r"1,200 300 800 44%", text)
    # a page per programme, and the annex with every programme indicator
    assert "Protection in the Sahel" in text
    assert "Remittances in Central Asia" in text
    assert "Annex: programme indicators" in text
    assert re.search(r"Migrants assisted persons 0 2,000 1,400 2025-12-31 70%", text)


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_annual_page_shows_the_reports_own_figures(app, fund, year_2025, year):
    """Does the annual page, counting in the database, show the summary and areas the report itself shows?"""
    with app.test_request_context():
        data = reports.annual_report_data(fund, year, "en", with_charts=False)
        assert reports.headline_figures(fund, year) == {"summary": data["summary"], "areas": data["areas"]}
    assert data["summary"]["indicators_reported"] > 0


def test_the_annual_report_in_french_and_spanish(app, fund, year_2025):
    with app.test_request_context():
        french = text_of(reports.annual_report_pdf(fund, 2025, "fr"))
        spanish = text_of(reports.annual_report_pdf(fund, 2025, "es"))
    assert "Nombre d'enfants placés en rétention administrative dans les pays appuyés" in french
    assert "1\u202f650" in french or "1 650" in french
    assert "Número de niños y niñas en detención migratoria en los países apoyados" in spanish
    assert "1.650" in spanish


def test_an_earlier_year_shows_the_figures_as_they_stood(app, fund, year_2025):
    with app.test_request_context():
        data = reports.annual_report_data(fund, 2024, "en", with_charts=False)
    rollups = {row["code"]: row for area in data["areas"] for o in area["outcomes"] for row in o["indicators"]}
    # calendar-year periods: both programmes' first reports are on 2024 (600 + 250)
    assert rollups["IN2.1"]["actual"] == 850
    assert rollups["IN2.3"]["actual"] in (1000, 700)
    assert data["summary"]["reports_accepted"] == 2
    assert data["summary"]["programmes"] == 2


def test_the_annual_report_as_excel(app, fund, year_2025):
    with app.test_request_context():
        workbook = openpyxl.load_workbook(io.BytesIO(reports.annual_report_xlsx(fund, 2025, "en")))
    fund_rows = {row[2]: row for row in workbook["Fund indicators"].iter_rows(min_row=2, values_only=True)}
    assert fund_rows["IN2.1"][8] == 1650
    assert fund_rows["IN2.1"][10] == 2
    assert fund_rows["IN4.2"][8] == 40
    summary = dict(workbook["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Programmes running in the year"] == 2
    assert summary["Progress reports accepted for the year"] == 1  # the other programme's first report is on 2024
    assert len(list(workbook["Programme indicators"].iter_rows(min_row=2))) == 8
