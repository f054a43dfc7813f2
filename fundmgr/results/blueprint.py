"""URL map of results, and its command-line groups (`flask report ...`, `flask results ...`)."""

from flask import Blueprint

from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.results import cli, views
from fundmgr.results.operations import establish_on_approval
from fundmgr.signals import proposal_state_changed
from fundmgr.web import add_view

# cli_group=None: the blueprint's command groups join the app's CLI at the top level.
bp = Blueprint("results", __name__, url_prefix="/results", cli_group=None)
bp.cli.add_command(cli.report_group)
bp.cli.add_command(cli.results_group)

# An approved proposal gets its live matrix and reporting periods in the transaction that approves it.
proposal_state_changed.connect(establish_on_approval)


@bp.app_template_filter("quantity")
def quantity_filter(value) -> str:
    """Indicator values in templates: {{ value|quantity }}."""
    return number_text(value, INDICATOR_VALUE)


@bp.app_context_processor
def results_helpers() -> dict:
    """The home card's figures, computed only when the card is shown."""
    return {"results_home_summary": views.home_summary}


programme = "/programmes/<int:programme_id>"
period = programme + "/periods/<int:number>"

add_view(bp, "/", views.ProgrammesView, "programmes")
add_view(bp, "/reports", views.ReportsView, "reports")
add_view(bp, "/framework", views.FrameworkView, "framework")
add_view(bp, "/framework/goal", views.GoalEditView, "goal_edit")
add_view(bp, "/framework/outcomes/new", views.OutcomeEditView, "outcome_new")
add_view(bp, "/framework/outcomes/<int:outcome_id>", views.OutcomeEditView, "outcome_edit")
add_view(bp, "/framework/outcomes/<int:outcome_id>/outputs/new", views.OutputEditView, "output_new")
add_view(bp, "/framework/outputs/<int:output_id>", views.OutputEditView, "output_edit")
add_view(bp, "/framework/indicators/new", views.FundIndicatorEditView, "indicator_new")
add_view(bp, "/framework/indicators/<int:indicator_id>", views.FundIndicatorEditView, "indicator_edit")
add_view(bp, "/framework/indicators/<int:indicator_id>/retire", views.FundIndicatorRetireView, "indicator_retire")
add_view(bp, programme, views.ProgrammeView, "programme")
add_view(bp, programme + "/links", views.LinksView, "links")
add_view(bp, programme + "/periods/new", views.PeriodDatesView, "period_new")
add_view(bp, period, views.PeriodView, "period")
add_view(bp, period + "/dates", views.PeriodDatesView, "period_dates")
add_view(bp, period + "/remove", views.PeriodRemoveView, "period_remove")
add_view(bp, period + "/edit", views.ReportEditView, "report_edit")
add_view(bp, period + "/submit", views.SubmitReportView, "report_submit")
add_view(bp, period + "/review", views.ReviewReportView, "report_review")
add_view(bp, period + "/evidence", views.EvidenceUploadView, "evidence_upload")
add_view(bp, period + "/evidence/<int:evidence_id>", views.EvidenceDownloadView, "evidence")
add_view(bp, period + "/evidence/<int:evidence_id>/remove", views.EvidenceRemoveView, "evidence_remove")
add_view(bp, period + "/report.pdf", views.ReportPdfView, "report_pdf")
add_view(bp, period + "/report.xlsx", views.ReportXlsxView, "report_xlsx")
add_view(bp, "/annual", views.AnnualView, "annual")
add_view(bp, "/annual/<int:year>.<kind>", views.AnnualFileView, "annual_file")
