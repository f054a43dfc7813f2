"""URL map of finance."""

from flask import Blueprint

from fundmgr.finance import change_views, queries, views
from fundmgr.web import add_view

bp = Blueprint("finance", __name__, url_prefix="/finance")
# For the home card and the shared funding-status table.
bp.add_app_template_global(queries.balances, "finance_balances")
bp.add_app_template_global(queries.funding_status_rows, "finance_status_rows")
bp.add_app_template_global(queries.organization_status_rows, "finance_organization_rows")
# The programme's section of the proposal page, and an agency's programmes on its home page.
bp.add_app_template_global(queries.programme_summary, "finance_programme_summary")
bp.add_app_template_global(queries.funded_programmes_of, "finance_programmes_of")

add_view(bp, "/", views.DashboardView, "dashboard")
add_view(bp, "/dashboard.xlsx", views.DashboardExportView, "dashboard_xlsx", heavy=True)
add_view(bp, "/dashboard.pdf", views.DashboardPdfView, "dashboard_pdf", heavy=True)
add_view(bp, "/ledger", views.LedgerView, "ledger")
add_view(bp, "/ledger.xlsx", views.LedgerExportView, "ledger_xlsx", heavy=True)
add_view(bp, "/ledger/entries.<fmt>", views.LedgerEntriesExportView, "ledger_export", heavy=True)
add_view(bp, "/interest/new", views.NewInterestView, "new_interest")
add_view(bp, "/contributions", views.ContributionsView, "contributions")
add_view(bp, "/contributions.<fmt>", views.ContributionsExportView, "contributions_export", heavy=True)
add_view(bp, "/contributions/new", views.NewContributionView, "new_contribution")
add_view(bp, "/contributions/<int:contribution_id>", views.ContributionView, "contribution")
add_view(bp, "/contributions/<int:contribution_id>/correct", views.CorrectContributionView, "correct_contribution")
add_view(bp, "/programmes", views.ProgrammesView, "programmes")
add_view(bp, "/programmes.<fmt>", views.ProgrammesExportView, "programmes_export", heavy=True)
add_view(bp, "/programmes/<int:proposal_id>", views.ProgrammeView, "programme")
add_view(bp, "/programmes/<int:proposal_id>/expenditure", views.ExpenditureView, "expenditure")
add_view(bp, "/programmes/<int:proposal_id>/close", views.FinancialClosureView, "close")
add_view(bp, "/programmes/<int:proposal_id>/final-statements", views.FinalStatementsView, "final_statements")
add_view(bp, "/final-statements/<int:statement_id>/file", views.FinalStatementFileView, "final_statement_file")
add_view(bp, "/allocations/<int:allocation_id>/expenditure", views.ReportExpenditureView, "report_expenditure")
add_view(bp, "/allocations/<int:allocation_id>/transfer", views.NewTransferView, "new_transfer")
add_view(bp, "/allocations/<int:allocation_id>/refund", views.NewRefundView, "new_refund")
add_view(bp, "/allocations/<int:allocation_id>/release", views.ReleaseView, "release")
add_view(bp, "/pipeline", views.PipelineMoneyView, "pipeline")
add_view(bp, "/programmes/<int:proposal_id>/top-up", change_views.TopUpRequestView, "top_up_request")
add_view(bp, "/top-ups/<int:top_up_id>", change_views.TopUpView, "top_up")
add_view(bp, "/programmes/<int:proposal_id>/revision", change_views.RevisionRequestView, "revision_request")
add_view(bp, "/revisions/<int:revision_id>", change_views.RevisionView, "revision")
