"""URL map of deadlines."""

from flask import Blueprint

from fundmgr.deadlines import views as v
from fundmgr.deadlines.queries import expenditure_due
from fundmgr.web import add_view

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")
bp.add_app_template_global(expenditure_due, "expenditure_due")

add_view(bp, "/", v.DeadlinesView, "index")
add_view(bp, "/scoring/<int:proposal_id>/remind", v.RemindScoringView, "remind_scoring")
add_view(bp, "/procedures/<int:procedure_id>/remind", v.RemindProcedureView, "remind_procedure")
add_view(bp, "/reports/<int:programme_id>/<int:number>/remind", v.RemindReportView, "remind_report")
