"""URL map of calls for proposals."""

from flask import Blueprint

from fundmgr.calls import views
from fundmgr.web import add_view

bp = Blueprint("calls", __name__)

add_view(bp, "/calls/", views.CallListView, "list")
add_view(bp, "/calls/export.<fmt>", views.CallExportView, "export", heavy=True)
add_view(bp, "/calls/open", views.PublicCallsView, "public")
add_view(bp, "/calls/new", views.NewCallView, "new")
add_view(bp, "/calls/<int:call_id>", views.CallDetailView, "detail")
add_view(bp, "/calls/<int:call_id>/proposals.<fmt>", views.CallProposalsExportView, "proposals_export", heavy=True)
add_view(bp, "/calls/<int:call_id>/edit", views.EditCallView, "edit")
add_view(bp, "/calls/<int:call_id>/publish", views.PublishCallView, "publish")
add_view(bp, "/calls/<int:call_id>/close", views.CloseCallView, "close")
add_view(bp, "/proposals/<int:proposal_id>/call", views.ProposalCallView, "proposal_call")
