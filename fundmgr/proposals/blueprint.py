"""URL map of proposals."""

from flask import Blueprint

from fundmgr.proposals import stage_views, views
from fundmgr.web import add_view

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
bp.add_app_template_global(views.proposal_counts, "proposal_counts")

add_view(bp, "/", views.ProposalListView, "list")
add_view(bp, "/export.<fmt>", views.ProposalExportView, "export", heavy=True)
add_view(bp, "/new", views.NewProposalView, "new")
add_view(bp, "/mine", stage_views.MyProposalsView, "mine")
add_view(bp, "/<int:proposal_id>", views.ProposalDetailView, "detail")
add_view(bp, "/<int:proposal_id>/details", views.EditDetailsView, "details")
add_view(bp, "/<int:proposal_id>/organizations", views.EditOrganizationsView, "organizations")
add_view(bp, "/<int:proposal_id>/markers", views.EditMarkersView, "markers")
add_view(bp, "/<int:proposal_id>/concept", stage_views.ConceptView, "concept")
add_view(bp, "/<int:proposal_id>/sections", stage_views.SectionsView, "sections")
add_view(bp, "/<int:proposal_id>/invite", stage_views.InviteView, "invite")
add_view(bp, "/<int:proposal_id>/budget", views.EditBudgetView, "budget")
add_view(bp, "/<int:proposal_id>/matrix", views.MatrixView, "matrix")
add_view(bp, "/<int:proposal_id>/matrix/<kind>/new", views.MatrixItemView, "matrix_new")
add_view(bp, "/<int:proposal_id>/matrix/<kind>/<int:item_id>", views.MatrixItemView, "matrix_item")
add_view(bp, "/<int:proposal_id>/matrix/<kind>/<int:item_id>/remove", views.RemoveMatrixItemView, "matrix_remove")
add_view(bp, "/<int:proposal_id>/restore", views.RestoreRemovedView, "restore")
add_view(bp, "/<int:proposal_id>/attachments", views.AttachmentsView, "attachments")
add_view(bp, "/<int:proposal_id>/attachments/<int:attachment_id>", views.DownloadAttachmentView, "attachment")
add_view(
    bp, "/<int:proposal_id>/attachments/<int:attachment_id>/remove", views.RemoveAttachmentView, "remove_attachment"
)
add_view(bp, "/<int:proposal_id>/submit", views.SubmitView, "submit")
add_view(bp, "/<int:proposal_id>/withdraw", views.WithdrawView, "withdraw")
add_view(bp, "/<int:proposal_id>/delete", views.DeleteDraftView, "delete_draft")
add_view(bp, "/<int:proposal_id>/screening/start", views.StartScreeningView, "start_screening")
add_view(bp, "/<int:proposal_id>/screening", views.ScreeningView, "screening")
add_view(bp, "/<int:proposal_id>/versions/<int:number>", views.VersionView, "version")
add_view(bp, "/<int:proposal_id>/versions/<int:number>.pdf", views.VersionPdfView, "version_pdf", heavy=True)
add_view(bp, "/<int:proposal_id>/compare", views.CompareView, "compare")
add_view(bp, "/<int:proposal_id>/technical-review", views.TechnicalReviewView, "technical_review")
add_view(bp, "/<int:proposal_id>/technical-review/invite", views.InviteReviewerView, "invite_reviewer")
add_view(
    bp,
    "/<int:proposal_id>/technical-review/<int:invitation_id>/withdraw",
    views.WithdrawInvitationView,
    "withdraw_invitation",
)
add_view(bp, "/<int:proposal_id>/technical-review/comments", views.ReviewCommentView, "review_comment")
