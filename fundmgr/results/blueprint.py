"""URL map of results."""

from flask import Blueprint

from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.results.operations import establish_on_approval, start_on_first_transfer
from fundmgr.results.queries import next_report_due
from fundmgr.results.views import annual, closure, extensions, framework, periods, programmes, progress_reports
from fundmgr.signals import proposal_state_changed, transfer_recorded
from fundmgr.web import add_view

bp = Blueprint("results", __name__, url_prefix="/results")

# An approved proposal gets its live matrix and reporting periods in the transaction that approves it.
proposal_state_changed.connect(establish_on_approval)
# Its implementation starts with its first transfer: dates and periods follow in the transfer's transaction.
transfer_recorded.connect(start_on_first_transfer)


@bp.app_template_filter("quantity")
def quantity_filter(value) -> str:
    """Indicator values in templates: {{ value|quantity }}."""
    return number_text(value, INDICATOR_VALUE)


@bp.app_context_processor
def results_helpers() -> dict:
    """The home card's figures, computed only when the card is shown."""
    return {"results_home_summary": annual.home_summary, "results_next_due": next_report_due}


programme = "/programmes/<int:programme_id>"
period = programme + "/periods/<int:number>"

add_view(bp, "/", programmes.ProgrammesView, "programmes")
add_view(bp, "/programmes.<fmt>", programmes.ProgrammesExportView, "programmes_export", heavy=True)
add_view(bp, "/reports", progress_reports.ReportsView, "reports")
add_view(bp, "/reports/overdue.<fmt>", progress_reports.OverdueExportView, "overdue_export", heavy=True)
add_view(bp, "/framework", framework.FrameworkView, "framework")
add_view(bp, "/framework/goal", framework.GoalEditView, "goal_edit")
add_view(bp, "/framework/outcomes/new", framework.OutcomeEditView, "outcome_new")
add_view(bp, "/framework/outcomes/<int:outcome_id>", framework.OutcomeEditView, "outcome_edit")
add_view(bp, "/framework/outcomes/<int:outcome_id>/outputs/new", framework.OutputEditView, "output_new")
add_view(bp, "/framework/outputs/<int:output_id>", framework.OutputEditView, "output_edit")
add_view(bp, "/framework/indicators/new", framework.FundIndicatorEditView, "indicator_new")
add_view(bp, "/framework/indicators/<int:indicator_id>", framework.FundIndicatorEditView, "indicator_edit")
add_view(bp, "/framework/indicators/<int:indicator_id>/retire", framework.FundIndicatorRetireView, "indicator_retire")
add_view(bp, programme, programmes.ProgrammeView, "programme")
add_view(bp, programme + "/links", programmes.LinksView, "links")
add_view(bp, programme + "/start", periods.ProgrammeStartView, "programme_start")


add_view(bp, "/closure/<int:proposal_id>", closure.OperationalClosureView, "close")
add_view(bp, programme + "/extension", extensions.ExtensionRequestView, "extension_request")
add_view(bp, "/extensions/<int:extension_id>", extensions.ExtensionView, "extension")
add_view(bp, programme + "/periods/new", periods.PeriodDatesView, "period_new")
add_view(bp, period, progress_reports.PeriodView, "period")
add_view(bp, period + "/dates", periods.PeriodDatesView, "period_dates")
add_view(bp, period + "/remove", periods.PeriodRemoveView, "period_remove")
add_view(bp, period + "/edit", progress_reports.ReportEditView, "report_edit")
add_view(bp, period + "/submit", progress_reports.SubmitReportView, "report_submit")
add_view(bp, period + "/review", progress_reports.ReviewReportView, "report_review")
add_view(bp, period + "/evidence", progress_reports.EvidenceUploadView, "evidence_upload")
add_view(bp, period + "/evidence/<int:evidence_id>", progress_reports.EvidenceDownloadView, "evidence")
add_view(bp, period + "/evidence/<int:evidence_id>/remove", progress_reports.EvidenceRemoveView, "evidence_remove")
add_view(bp, period + "/report.pdf", progress_reports.ReportPdfView, "report_pdf", heavy=True)
add_view(bp, period + "/report.xlsx", progress_reports.ReportXlsxView, "report_xlsx", heavy=True)
add_view(bp, "/annual", annual.AnnualView, "annual")
add_view(bp, "/annual/<int:year>.<kind>", annual.AnnualFileView, "annual_file", heavy=True)
