"""The API's results: the fund's framework, programmes' matrices, progress reports and their indicator values;
the lead organization saves and submits its reports through the same operations as the pages."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, g

from fundmgr.api.core import bp, fund_named, page_of, refuse
from fundmgr.api.schemas import (
    FrameworkSchema,
    MatrixSchema,
    PageArgs,
    ProgrammePage,
    ReportInput,
    ReportPage,
    ReportSchema,
)
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.models import Programme, ProgressReport, ReportingPeriod, ReportState
from fundmgr.results.values import IndicatorEntry
from fundmgr.web import ERROR_MESSAGES


@bp.route("/funds/<fund_code>/results-framework")
@bp.response(200, FrameworkSchema)
def results_framework(fund_code: str) -> Any:
    """The fund's results framework: goal, outcomes, outputs and indicators with baselines and targets."""
    fund = fund_named(fund_code)
    framework = q.framework_for(fund)
    if framework is None:
        abort(404)
    return framework


@bp.route("/funds/<fund_code>/programmes")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ProgrammePage)
def list_programmes(fund_code: str, **page: Any) -> dict[str, Any]:
    """The fund's programmes (funded proposals) the caller may know about."""
    fund = fund_named(fund_code)
    # each item's reference and title: the proposal joined by programmes_query, loaded with the row
    query = q.programmes_query(fund, g.api_token.user).options(so.contains_eager(Programme.proposal))
    return page_of(query, Programme.id, page)


def seen_programme(fund: Fund, programme_id: int) -> Programme:
    """A programme of the fund the caller may know about; else 404, as an unknown id."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.fund_id != fund.id or not programme.can_view(g.api_token.user):
        abort(404)
    return programme


@bp.route("/funds/<fund_code>/programmes/<int:programme_id>")
@bp.response(200, MatrixSchema)
def programme_matrix(fund_code: str, programme_id: int) -> Programme:
    """A programme's live results matrix (outcomes, outputs, indicators) and its reporting periods."""
    return seen_programme(fund_named(fund_code), programme_id)


def seen_reports(fund: Fund) -> sa.Select:
    """SQL: the progress reports the caller may read: of programmes they may see; drafts only for those who write
    or review them (as `ProgressReport.can_view`, applied to each row below)."""
    programmes = q.programmes_query(fund, g.api_token.user).with_only_columns(Programme.id)
    return sa.select(ProgressReport).join(ProgressReport.period).where(ReportingPeriod.programme_id.in_(programmes))


@bp.route("/funds/<fund_code>/programmes/<int:programme_id>/reports")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ReportPage)
def list_reports(fund_code: str, programme_id: int, **page: Any) -> dict[str, Any]:
    """A programme's progress reports with their indicator values: accepted ones, and drafts for its own agencies."""
    fund = fund_named(fund_code)
    programme = seen_programme(fund, programme_id)
    query = seen_reports(fund).where(ReportingPeriod.programme_id == programme.id)
    if not programme.can_see_unpublished(g.api_token.user):
        query = query.where(ProgressReport.state == ReportState.accepted)
    return page_of(query, ProgressReport.id, page)


def seen_report(fund: Fund, report_id: int) -> ProgressReport:
    report = db.session.get(ProgressReport, report_id)
    if report is None or report.fund_id != fund.id or not report.can_view(g.api_token.user):
        abort(404)
    return report


@bp.route("/funds/<fund_code>/reports/<int:report_id>")
@bp.response(200, ReportSchema)
def get_report(fund_code: str, report_id: int) -> ProgressReport:
    """One progress report: its state, indicator values, outcome narratives and lessons learned."""
    return seen_report(fund_named(fund_code), report_id)


def report_input(data: dict[str, Any]) -> ops.ReportInput:
    """What was sent, as the report form's input (the operation reads and checks every value)."""
    entries = {
        value["indicator_id"]: IndicatorEntry(
            actual=value["actual"], parts=value["parts"], status=value["status"], comment=value["comment"]
        )
        for value in data["values"]
    }
    narratives = {item["outcome_id"]: item["text"] for item in data["narratives"]}
    return ops.ReportInput(entries=entries, narratives=narratives, lessons_learned=data["lessons_learned"])


@bp.route("/funds/<fund_code>/periods/<int:period_id>/report", methods=["PUT"])
@bp.arguments(ReportInput)
@bp.response(200, ReportSchema)
def save_report(data: dict[str, Any], fund_code: str, period_id: int) -> ProgressReport:
    """Save the period's progress report as a draft: indicator values, narratives, lessons (the lead agency)."""
    fund = fund_named(fund_code)
    period = db.session.get(ReportingPeriod, period_id)
    if period is None or period.fund_id != fund.id or not period.programme.can_view(g.api_token.user):
        abort(404)
    if not period.programme.can_report(g.api_token.user):
        refuse(403, "forbidden", str(ERROR_MESSAGES[403]))
    report = ops.save_report(period, report_input(data), actor=g.api_token.user)
    db.session.commit()
    return report


@bp.route("/funds/<fund_code>/reports/<int:report_id>/submit", methods=["POST"])
@bp.response(200, ReportSchema)
def submit_report(fund_code: str, report_id: int) -> ProgressReport:
    """Hand a complete report in for the Fund Management Unit's review (the lead agency, once the period ended)."""
    fund = fund_named(fund_code)
    report = seen_report(fund, report_id)
    if not report.programme.can_report(g.api_token.user):
        refuse(403, "forbidden", str(ERROR_MESSAGES[403]))
    ops.submit_report(report, actor=g.api_token.user)
    db.session.commit()
    return report
