"""URL map of steering."""

from flask import Blueprint

from fundmgr.steering import committee_views as cv
from fundmgr.steering import decision_views as dv
from fundmgr.steering import matter_views
from fundmgr.steering import meeting_views as mv
from fundmgr.steering import portfolio_views as pfv
from fundmgr.steering import presiding_views as presiding
from fundmgr.steering import procedure_views as pv
from fundmgr.steering import ranking_views as rv
from fundmgr.steering import views as v
from fundmgr.steering.queries import funding_decision, home_summary
from fundmgr.web import add_view

bp = Blueprint("steering", __name__, url_prefix="/steering")
# For the home page card.
bp.add_app_template_global(home_summary, "steering_home")
# For the programme's section of the proposal page.
bp.add_app_template_global(funding_decision, "steering_funding_decision")

# Reviews, ranking, portfolio, pipeline, criteria
add_view(bp, "/", v.ReviewListView, "index")
add_view(bp, "/reviews.<fmt>", v.ReviewListExportView, "index_export", heavy=True)
add_view(bp, "/proposals/<int:proposal_id>", v.ProposalReviewView, "proposal")
add_view(bp, "/proposals/<int:proposal_id>/assign", v.AssignView, "assign")
add_view(bp, "/proposals/<int:proposal_id>/conflict", v.DeclareConflictView, "declare_conflict")
add_view(bp, "/proposals/<int:proposal_id>/review", v.ReviewFormView, "review")
add_view(bp, "/conflicts/<int:conflict_id>/waive", v.WaiveConflictView, "waive_conflict")
add_view(bp, "/ranking", rv.RankingView, "ranking")
add_view(bp, "/portfolio", v.PortfolioView, "portfolio")
add_view(bp, "/portfolio/proposal", pfv.PortfolioProposalView, "portfolio_proposal")
add_view(bp, "/pipeline", v.PipelineView, "pipeline")
add_view(bp, "/criteria", v.CriteriaView, "criteria")

# The committee: seats and terms
add_view(bp, "/committee", cv.CommitteeView, "committee")
add_view(bp, "/committee/terms/<int:term_id>/end", cv.EndTermView, "end_term")
add_view(bp, "/committee/terms/<int:term_id>/alternate", presiding.ChangeAlternateView, "change_alternate")

# Meetings, the live board, votes and decisions
add_view(bp, "/meetings", mv.MeetingListView, "meetings")
add_view(bp, "/meetings.<fmt>", mv.MeetingExportView, "meetings_export", heavy=True)
add_view(bp, "/meetings/new", mv.MeetingNewView, "new_meeting")
add_view(bp, "/meetings/<int:meeting_id>", mv.MeetingView, "meeting")
add_view(bp, "/meetings/<int:meeting_id>/agenda", mv.AgendaAddView, "add_agenda")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/remove", mv.AgendaRemoveView, "remove_item")
add_view(bp, "/meetings/<int:meeting_id>/attendance", mv.AttendanceView, "attendance")
add_view(bp, "/meetings/<int:meeting_id>/presiding", presiding.DesignatePresidingView, "designate_presiding")
add_view(bp, "/meetings/<int:meeting_id>/start", mv.StartMeetingView, "start_meeting")
add_view(bp, "/meetings/<int:meeting_id>/end", mv.EndMeetingView, "end_meeting")
add_view(bp, "/meetings/<int:meeting_id>/cancel", mv.CancelMeetingView, "cancel_meeting")
add_view(bp, "/meetings/<int:meeting_id>/board", mv.BoardView, "board")
add_view(bp, "/meetings/<int:meeting_id>/board.json", mv.BoardDataView, "board_data")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/vote", mv.VoteView, "vote")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/position", mv.PositionView, "position")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/decision", mv.DecisionView, "decide")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/open", mv.OpenItemView, "open_item")
add_view(bp, "/meetings/<int:meeting_id>/items/<int:item_id>/close", mv.CloseItemView, "close_item")
add_view(bp, "/meetings/<int:meeting_id>/pack.pdf", mv.MeetingPackView, "pack", heavy=True)
add_view(bp, "/meetings/<int:meeting_id>/matters/new", matter_views.MatterView, "decide_matter")
add_view(bp, "/meetings/<int:meeting_id>/minutes.pdf", mv.MinutesView, "minutes", heavy=True)
add_view(bp, "/meetings/<int:meeting_id>/minutes", mv.MinutesRecordView, "minutes_record")
add_view(
    bp, "/meetings/<int:meeting_id>/minutes/written-procedure", mv.MinutesProcedureNewView, "new_minutes_procedure"
)
add_view(
    bp,
    "/meetings/<int:meeting_id>/minutes/<int:minutes_id>/approve",
    mv.ApproveMinutesView,
    "approve_minutes",
    heavy=True,
)

# Written procedures and decisions
add_view(bp, "/written-procedures", pv.ProcedureListView, "procedures")
add_view(bp, "/written-procedures.<fmt>", pv.ProcedureListExportView, "procedures_export", heavy=True)
add_view(bp, "/written-procedures/new", pv.ProcedureNewView, "new_procedure")
add_view(bp, "/written-procedures/new-matter", pv.MatterProcedureNewView, "new_matter_procedure")
add_view(bp, "/written-procedures/<int:procedure_id>", pv.ProcedureView, "procedure")
add_view(bp, "/written-procedures/<int:procedure_id>/answer", pv.ProcedureRespondView, "answer_procedure")
add_view(bp, "/written-procedures/<int:procedure_id>/conclude", pv.ConcludeProcedureView, "conclude_procedure")
add_view(bp, "/written-procedures/<int:procedure_id>/withdraw", pv.WithdrawProcedureView, "withdraw_procedure")
add_view(bp, "/decisions", dv.DecisionListView, "decisions")
add_view(bp, "/decisions.<fmt>", dv.DecisionExportView, "decisions_export", heavy=True)
add_view(bp, "/decisions/<int:decision_id>", dv.DecisionDetailView, "decision")
add_view(bp, "/decisions/<int:decision_id>/verify", dv.DecisionVerifyView, "verify_decision")
add_view(bp, "/decisions/<int:decision_id>/letter.pdf", dv.DecisionLetterView, "decision_letter", heavy=True)
