"""URL map of deadlines, and the `flask send-reminders` command."""

from flask import Blueprint

from fundmgr.deadlines import views as v
from fundmgr.deadlines.cli import send_reminders_command
from fundmgr.web import add_view

# cli_group=None: the command joins the app's CLI at the top level (`flask send-reminders`).
bp = Blueprint("deadlines", __name__, url_prefix="/deadlines", cli_group=None)
bp.cli.add_command(send_reminders_command)

add_view(bp, "/", v.DeadlinesView, "index")
add_view(bp, "/scoring/<int:proposal_id>/remind", v.RemindScoringView, "remind_scoring")
add_view(bp, "/procedures/<int:procedure_id>/remind", v.RemindProcedureView, "remind_procedure")
add_view(bp, "/reports/<int:programme_id>/<int:number>/remind", v.RemindReportView, "remind_report")
