"""The results demo and the command line: `flask report ...` and `flask results load-framework`."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.results import demo as demo_module
from fundmgr.results import reports
from fundmgr.results.demo import seed_results, split
from fundmgr.results.models import ProgressReport, ReportState, ResultsFramework
from fundmgr.results.queries import count, overdue_periods
from tests.support.results import RESULTS_DAY


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_counts_split_into_whole_parts_that_add_up():
    from decimal import Decimal

    assert split(Decimal(101), ["0.52", "0.46", "0.02"]) == [53, 46, 2]
    assert sum(split(Decimal(3333), ["0.18", "0.27", "0.50", "0.05"])) == 3333


def test_the_demo_reports_on_ended_periods_once_and_closes_the_completed_programmes(
    fund, make_programme, make_user, monkeypatch
):
    make_user(Role.fmu)
    a = make_programme(start=date(2024, 1, 1), duration_months=36)  # 2 periods ended, the last past due
    b = make_programme(start=date(2025, 1, 1), duration_months=24)  # 1 period ended, past due
    c = make_programme(start=date(2022, 1, 1), duration_months=24)  # completed: the scenario closes it
    d = make_programme(start=date(2021, 1, 1), duration_months=24)  # completed first: closed financially too
    completed = {c.id, d.id}
    monkeypatch.setattr(
        demo_module,
        "finished",
        lambda programmes: [p for p in programmes if p.id in completed and p.proposal.state is ProposalState.active],
    )
    lines = seed_results(fund)
    assert "Progress reports written: 5 accepted, 1 left overdue, 1 submitted, awaiting review." in lines
    closed = f"Programmes closed: 2 operationally, 1 financially ({d.proposal.reference}); "
    assert any(line.startswith(closed) for line in lines)
    states = {(r.period.programme_id, r.period.number): r.state for r in db.session.scalars(sa.select(ProgressReport))}
    assert states == {
        (a.id, 1): ReportState.accepted,
        (b.id, 1): ReportState.submitted,
        (c.id, 1): ReportState.accepted,
        (c.id, 2): ReportState.accepted,  # the final report, accepted before the closure
        (d.id, 1): ReportState.accepted,
        (d.id, 2): ReportState.accepted,
    }
    assert c.proposal.state is ProposalState.closed
    assert c.proposal.financially_closed_on is None
    assert d.proposal.state is ProposalState.closed
    assert d.proposal.financially_closed_on is not None
    assert count(overdue_periods(fund, RESULTS_DAY)) == 1  # a's second report
    report = a.periods[0].report
    assisted = report.value_for(a.indicators[0].id)
    parts = assisted.breakdown["sex"]
    assert sum(int(v) for v in parts.values()) == assisted.actual  # the parts add up
    entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    again = seed_results(fund)
    assert again[-1] == "Progress reports written: 1 left overdue."
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == entries


def test_load_framework_command(app, fund):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["results", "load-framework"])
    assert first.exit_code == 0, first.output
    assert "Results framework of MIG loaded" in first.output
    assert "5 outcomes, 22 indicators" in first.output
    again = runner.invoke(args=["results", "load-framework"])
    assert "unchanged" in again.output


def test_a_malformed_framework_file_is_refused_by_the_command(app, tmp_path):
    broken = tmp_path / "framework.yaml"
    broken.write_text("fund: MIG\ngoal: {en: x}\noutcomes: []\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["results", "load-framework", str(broken)])
    assert result.exit_code == 1
    assert "results framework refused, nothing was changed" in result.output
    assert "goal.fr: Field required" in result.output
    assert db.session.scalar(sa.select(sa.func.count(ResultsFramework.id))) == 0


@pytest.fixture
def reported(make_programme, accepted_report):
    programme = make_programme(title="Safe migration in Tajikistan")
    accepted_report(
        programme,
        1,
        {
            "Number of migrants assisted": "600",
            "Number of officials trained": "150",
            "Share of trained officials applying the guidelines": "45",
        },
    )
    return programme


def test_the_programme_report_command_writes_the_same_pdf(app, reported, tmp_path: Path):
    target = tmp_path / "report.pdf"
    runner = app.test_cli_runner()
    by_reference = runner.invoke(
        args=["report", "programme", reported.proposal.reference, "--period", "1", "-o", str(target)]
    )
    assert by_reference.exit_code == 0, by_reference.output
    text = text_of(target.read_bytes())
    with app.test_request_context():
        assert text == text_of(reports.programme_report_pdf(reported.periods[0].report, "en"))
    assert "Number of officials trained" in text
    by_number = runner.invoke(args=["report", "programme", str(reported.id), "--period", "1", "-o", str(target)])
    assert by_number.exit_code == 0
    missing = runner.invoke(args=["report", "programme", str(reported.id), "--period", "2", "-o", str(target)])
    assert missing.exit_code == 1
    assert "has no report for period 2" in missing.output


def test_the_annual_report_command_in_spanish(app, reported, tmp_path: Path):
    target = tmp_path / "annual.pdf"
    result = app.test_cli_runner().invoke(
        args=["report", "fund-annual", "--year", "2024", "--lang", "es", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    text = text_of(target.read_bytes())
    assert "Número de migrantes en situación de vulnerabilidad" in text
    assert "Safe migration in Tajikistan" in text
    excel = tmp_path / "annual.xlsx"
    assert (
        app.test_cli_runner().invoke(args=["report", "fund-annual", "--year", "2024", "-o", str(excel)]).exit_code == 0
    )
    assert excel.read_bytes().startswith(b"PK")
