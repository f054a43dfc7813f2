"""Pages and actions of results, per role: who may see, who may act, and what a user sees when input is bad."""

from __future__ import annotations

import base64
import io
from datetime import date

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.results import operations as ops
from fundmgr.results.models import Evidence, IndicatorValue, ProgressReport, ReportState
from tests.factories import sign_in
from tests.support.jobs import document
from tests.support.results import entries_for

VALUES = {
    "Number of migrants assisted": "600",
    "Number of officials trained": "150",
    "Share of trained officials applying the guidelines": "45",
}
# A 1x1 transparent PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

# who: (role, organization); the programme is led by IOM with UNHCR as partner
PEOPLE = {
    "lead": (Role.agency, "IOM"),
    "partner": (Role.agency, "UNHCR"),
    "other_agency": (Role.agency, "ILO"),
    "sc_member": (Role.sc_member, "GOV-DEU"),
    "conflicted_sc_member": (Role.sc_member, "UNHCR"),  # its organization takes part: recused from decisions
    "fmu": (Role.fmu, "IOM"),
    "viewer": (Role.viewer, "GOV-NLD"),
    "admin": (Role.admin, "IOM"),
}


@pytest.fixture
def programme(make_programme):
    return make_programme(lead="IOM", partners=("UNHCR",), start=date(2024, 1, 1))


@pytest.fixture
def person(make_user):
    def _person(who: str):
        role, org = PEOPLE[who]
        seat = "MS-DONOR-" if org.startswith("GOV") and role is Role.sc_member else None
        return make_user(role, org=org, seat=seat)

    return _person


@pytest.fixture
def as_(client, person):
    def _as(who: str):
        if who != "anonymous":
            sign_in(client, person(who))
        return client

    return _as


def draft(programme, lead) -> ProgressReport:
    report = ops.save_report(programme.periods[0], entries_for(programme, VALUES), actor=lead)
    db.session.commit()
    return report


def period_url(programme, number=1, suffix=""):
    return f"/results/programmes/{programme.id}/periods/{number}{suffix}"


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("lead", 200), ("partner", 200), ("other_agency", 404), ("sc_member", 200),
     ("conflicted_sc_member", 200), ("fmu", 200), ("viewer", 200), ("admin", 200)],
)  # fmt: skip
def test_who_sees_a_programmes_results(as_, programme, who, status):
    """Funded programmes are public inside the fund; an agency outside the programme may not know of it."""
    assert as_(who).get(f"/results/programmes/{programme.id}").status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("lead", 200), ("partner", 200), ("other_agency", 404), ("sc_member", 404),
     ("conflicted_sc_member", 404), ("fmu", 200), ("viewer", 404), ("admin", 200)],
)  # fmt: skip
def test_a_draft_report_is_seen_by_the_programme_and_the_fmu_only(as_, programme, lead_of, who, status):
    draft(programme, lead_of(programme))
    client = as_(who)
    assert client.get(period_url(programme)).status_code == status
    assert client.get(period_url(programme, suffix="/report.xlsx")).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("other_agency", 404), ("sc_member", 200), ("conflicted_sc_member", 200), ("viewer", 200)],
)
def test_an_accepted_report_is_published(as_, programme, accepted_report, who, status):
    accepted_report(programme, 1, VALUES)
    response = as_(who).get(period_url(programme))
    assert response.status_code == status
    if status == 200:
        assert "Number of officials trained" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("partner", 403), ("other_agency", 404), ("sc_member", 404), ("fmu", 403), ("viewer", 404),
     ("admin", 403)],
)  # fmt: skip
def test_only_the_lead_agency_edits_the_report(as_, programme, lead_of, who, status):
    draft(programme, lead_of(programme))
    assert as_(who).get(period_url(programme, suffix="/edit")).status_code == status


def test_a_viewer_sees_which_periods_are_not_published(as_, programme, lead_of):
    draft(programme, lead_of(programme))
    html = as_("viewer").get(f"/results/programmes/{programme.id}").get_data(as_text=True)
    assert "Not published" in html
    assert period_url(programme) + '"' not in html


def test_bad_values_rerender_the_form_with_every_problem_and_save_nothing(as_, programme):
    assist, train, share = programme.indicators
    outcome = programme.outcomes[0]
    response = as_("lead").post(
        period_url(programme, suffix="/edit"),
        data={
            f"actual-{assist.id}": "100",
            f"part-{assist.id}-sex-female": "50",
            f"part-{assist.id}-sex-male": "40",
            f"part-{assist.id}-sex-other": "0",
            f"actual-{train.id}": "N/A",
            f"actual-{share.id}": "45",
            f"narrative-{outcome.id}": "Good progress.",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Number of migrants assisted: the parts by sex add up to 90, not to the total 100." in html
    assert "Number of officials trained: Enter a number, such as 1,250." in html
    assert 'value="N/A"' in html  # what was typed stays in the form
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(ProgressReport.id))) == 0


def test_the_lead_writes_submits_and_resubmits_after_a_return(as_, client, programme, person):
    assist, train, share = programme.indicators
    outcome = programme.outcomes[0]
    form = {
        f"actual-{assist.id}": "",
        f"part-{assist.id}-sex-female": "312",
        f"part-{assist.id}-sex-male": "280",
        f"part-{assist.id}-sex-other": "8",
        f"actual-{train.id}": "1,200",
        f"actual-{share.id}": "45.5",
        f"narrative-{outcome.id}": "Six municipalities run referral desks.",
        "lessons": "Start with the municipalities.",
    } | {f"status-{i.id}": "on_track" for i in programme.indicators}
    lead = as_("lead")
    assert lead.post(period_url(programme, suffix="/edit"), data=form).status_code == 302
    assert lead.post(period_url(programme, suffix="/submit")).status_code == 302
    db.session.expire_all()
    report = programme.periods[0].report
    assert report.state is ReportState.submitted
    values = {v.indicator_id: v for v in db.session.scalars(sa.select(IndicatorValue))}
    assert str(values[assist.id].actual) in ("600", "600.0000")
    assert values[train.id].actual == 1200

    sign_in(client, person("fmu"))
    assert (
        client.post(period_url(programme, suffix="/review"), data={"decision": "returned", "comment": ""}).status_code
        == 302
    )
    db.session.expire_all()
    assert report.state is ReportState.submitted  # refused: a return needs comments
    client.post(period_url(programme, suffix="/review"), data={"decision": "returned", "comment": "Add the sources."})
    db.session.expire_all()
    assert report.state is ReportState.returned

    sign_in(client, person("lead"))
    html = client.get(period_url(programme)).get_data(as_text=True)
    assert "Add the sources." in html
    client.post(period_url(programme, suffix="/submit"))
    sign_in(client, person("fmu"))
    client.post(
        period_url(programme, suffix="/review"), data={"decision": "accepted", "comment": "", "confirmed": "yes"}
    )
    db.session.expire_all()
    assert report.state is ReportState.accepted


@pytest.mark.parametrize(("who", "status"), [("partner", 403), ("fmu", 403), ("other_agency", 404)])
def test_others_cannot_submit_the_leads_report(as_, programme, lead_of, who, status):
    draft(programme, lead_of(programme))
    assert as_(who).post(period_url(programme, suffix="/submit")).status_code == status


@pytest.mark.parametrize(("who", "status"), [("fmu", 302), ("admin", 403), ("lead", 403), ("viewer", 404)])
def test_only_the_fmu_reviews(as_, programme, lead_of, who, status):
    lead = lead_of(programme)
    ops.submit_report(draft(programme, lead), actor=lead)
    db.session.commit()
    response = as_(who).post(period_url(programme, suffix="/review"), data={"decision": "accepted", "confirmed": "yes"})
    assert response.status_code == status


def test_evidence_photos_are_checked_by_content(as_, programme, lead_of):
    draft(programme, lead_of(programme))
    lead = as_("lead")
    upload = period_url(programme, suffix="/evidence")
    lead.post(upload, data={"file": (io.BytesIO(PNG), "training.png"), "caption": "Training in Skopje"})
    response = lead.post(upload, data={"file": (io.BytesIO(b"not an image"), "fake.png")}, follow_redirects=True)
    assert "The file’s content is not a PNG document" in response.get_data(as_text=True)
    db.session.expire_all()
    [evidence] = db.session.scalars(sa.select(Evidence)).all()
    assert (evidence.filename, evidence.content_type, evidence.caption) == (
        "training.png",
        "image/png",
        "Training in Skopje",
    )
    download = lead.get(period_url(programme, suffix=f"/evidence/{evidence.id}"))
    assert download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    remove = period_url(programme, suffix=f"/evidence/{evidence.id}/remove")
    assert "Remove “training.png” from the report?" in lead.post(remove).get_data(as_text=True)  # asks first
    assert lead.post(remove, data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0


def test_a_viewer_cannot_download_evidence_of_a_draft(as_, programme, lead_of):
    report = draft(programme, lead_of(programme))
    evidence_id = ops.add_evidence(report, _png_upload(), "", actor=lead_of(programme)).id
    db.session.commit()
    assert as_("viewer").get(period_url(programme, suffix=f"/evidence/{evidence_id}")).status_code == 404


def _png_upload():
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(PNG), filename="photo.png")


@pytest.mark.parametrize(
    ("who", "status"),
    [("fmu", 200), ("admin", 200), ("lead", 403), ("viewer", 403), ("sc_member", 403), ("other_agency", 404)],
)
def test_only_the_fmu_links_indicators(as_, programme, who, status):
    assert as_(who).get(f"/results/programmes/{programme.id}/links").status_code == status


def test_the_fmu_links_an_indicator_through_the_form(as_, programme, framework):
    assist = programme.indicators[0]
    in_2_1 = next(i for i in framework.indicators if i.code == "IN2.1")
    data = {f"measure-{i.id}": i.measure.value for i in programme.indicators} | {f"fund-{assist.id}": str(in_2_1.id)}
    assert as_("fmu").post(f"/results/programmes/{programme.id}/links", data=data).status_code == 302
    db.session.expire_all()
    assert assist.fund_indicator_id == in_2_1.id


def test_a_mismatched_link_is_refused_on_the_page(as_, programme, framework):
    assist = programme.indicators[0]
    percentage = next(i for i in framework.indicators if i.code == "IN4.2")
    data = {f"measure-{i.id}": i.measure.value for i in programme.indicators} | {
        f"fund-{assist.id}": str(percentage.id)
    }
    response = as_("fmu").post(f"/results/programmes/{programme.id}/links", data=data)
    assert response.status_code == 200
    assert "a number cannot roll up into" in response.get_data(as_text=True)


def test_the_fmu_changes_period_dates_through_the_form(as_, programme):
    client = as_("fmu")
    url = period_url(programme, 2, "/dates")
    bad = client.post(url, data={"start": "2024-06-01", "end": "2024-05-01", "due": "2024-04-01"})
    html = bad.get_data(as_text=True)
    assert "The period must start before it ends." in html
    assert "The report cannot be due before the period ends." in html
    assert "The dates overlap period 1." in html
    outside = client.post(url, data={"start": "2025-01-01", "end": "2026-03-31", "due": "2026-05-31"})
    assert "A period must lie within the programme&#39;s dates, 2024-01-01 to 2025-12-31." in outside.get_data(
        as_text=True
    )
    ok = client.post(url, data={"start": "2025-01-01", "end": "2025-12-31", "due": "2026-05-31"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert programme.periods[1].due_date == date(2026, 5, 31)


@pytest.mark.parametrize("who", ["lead", "sc_member", "fmu", "viewer", "admin"])
def test_every_role_reads_the_framework(as_, framework, who):
    html = as_(who).get("/results/framework").get_data(as_text=True)
    assert "Number of children in immigration detention in supported countries" in html


@pytest.mark.parametrize(("who", "status"), [("fmu", 200), ("admin", 200), ("lead", 403), ("viewer", 403)])
def test_only_the_fmu_and_administrators_edit_the_framework(as_, framework, who, status):
    assert as_(who).get("/results/framework/goal").status_code == status
    outcome_id = framework.outcomes[0].id
    assert as_(who).get(f"/results/framework/outcomes/{outcome_id}").status_code == status


def test_the_fmu_edits_an_indicator_and_sees_every_problem(as_, framework):
    indicator = next(i for i in framework.indicators if i.code == "IN2.1")
    client = as_("fmu")
    form = client.get(f"/results/framework/indicators/{indicator.id}").get_data(as_text=True)
    assert "60,000" in form
    data = {
        "parent": f"outcome-{indicator.outcome_id}", "measure": "percentage", "rule": "sum", "baseline": "0",
        "target": "lots", "name_en": "Migrants assisted", "name_fr": "Migrants aidés", "name_es": "Migrantes asistidos",
        "unit_en": "persons", "unit_fr": "personnes", "unit_es": "personas",
    }  # fmt: skip
    html = client.post(f"/results/framework/indicators/{indicator.id}", data=data).get_data(as_text=True)
    assert "The target: Enter a number, such as 1,250." in html
    assert "Percentages cannot be added up" in html
    ok = client.post(
        f"/results/framework/indicators/{indicator.id}", data=data | {"measure": "number", "target": "75000"}
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert indicator.target == 75000


@pytest.mark.parametrize(
    ("who", "status"), [("fmu", 200), ("admin", 200), ("lead", 200), ("viewer", 403), ("sc_member", 403)]
)
def test_reports_to_act_on(as_, who, status):
    assert as_(who).get("/results/reports").status_code == status


def test_the_fmu_sees_overdue_reports_and_the_lead_sees_what_it_owes(as_, client, programme, person):
    html = as_("fmu").get("/results/reports").get_data(as_text=True)
    assert programme.proposal.reference in html
    assert "days late" in html
    sign_in(client, person("lead"))
    assert programme.proposal.reference in client.get("/results/reports").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Your organization owes 2 progress reports as lead agency." in home


def test_the_fmu_home_card_counts_reports(as_, programme, lead_of):
    lead = lead_of(programme)
    ops.submit_report(draft(programme, lead), actor=lead)
    db.session.commit()
    home = as_("fmu").get("/").get_data(as_text=True)
    assert "1 report to review." in home
    assert "1 report overdue." in home


def test_the_programme_list_keeps_agencies_to_their_programmes(as_, programme):
    assert programme.proposal.reference in as_("partner").get("/results/").get_data(as_text=True)
    assert programme.proposal.reference not in as_("other_agency").get("/results/").get_data(as_text=True)
    assert programme.proposal.reference in as_("viewer").get("/results/?area=&state=active").get_data(as_text=True)


@pytest.mark.parametrize("who", ["viewer", "sc_member", "lead"])
def test_the_annual_report_page_offers_the_downloads(as_, programme, who):
    html = as_(who).get("/results/annual?year=2025&lang=fr").get_data(as_text=True)
    assert "/results/annual/2025.pdf?lang=fr" in html
    assert "/results/annual/2025.xlsx?lang=fr" in html


def test_the_annual_report_downloads_as_excel(as_, programme, accepted_report):
    accepted_report(programme, 1, VALUES)
    response = document(as_("viewer"), "/results/annual/2024.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=MIG-results-2024-en.xlsx"
    assert as_("viewer").post("/results/annual/1999.pdf").status_code == 404


@pytest.mark.parametrize("who", ["sc_member", "viewer", "admin", "other_agency"])
def test_the_home_page_shows_results_to_every_role(as_, programme, who):
    html = as_(who).get("/").get_data(as_text=True)
    assert "Results framework" in html
    assert "/results/" in html


def test_the_fmu_adds_and_edits_an_output(as_, framework):
    outcome = framework.outcomes[0]
    client = as_("fmu")
    texts = {"statement_en": "Journalists report on migration with data.", "statement_fr": "Les journalistes.",
             "statement_es": "Los periodistas."}  # fmt: skip
    missing = client.post(f"/results/framework/outcomes/{outcome.id}/outputs/new", data=texts | {"statement_es": ""})
    assert missing.status_code == 200
    assert "This field is required." in missing.get_data(as_text=True)
    assert client.post(f"/results/framework/outcomes/{outcome.id}/outputs/new", data=texts).status_code == 302
    db.session.expire_all()
    added = next(o for o in outcome.outputs if o.statement["en"].startswith("Journalists"))
    assert added.code == "OP1.2"
    edited = client.post(
        f"/results/framework/outputs/{added.id}", data=texts | {"statement_en": "Journalists use data."}
    )
    assert edited.status_code == 302
    assert client.get("/results/framework/outputs/999999").status_code == 404
    assert client.get("/results/framework/outcomes/999999/outputs/new").status_code == 404


def test_the_annual_report_downloads_as_pdf(as_, programme, accepted_report):
    accepted_report(programme, 1, VALUES)
    response = document(as_("viewer"), "/results/annual/2024.pdf?lang=es")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
