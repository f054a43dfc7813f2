"""URL map of open data: the public IATI file, fund page and published documents; the FMU's programme dossier and
publications."""

from flask import Blueprint

from fundmgr.opendata import views
from fundmgr.web import add_view

bp = Blueprint("opendata", __name__)
add_view(bp, "/iati/activities.xml", views.ActivitiesView, "iati_activities")
add_view(bp, "/iati/<fund_code>/activities.xml", views.FundActivitiesView, "fund_iati_activities")
add_view(bp, "/public/<fund_code>", views.FundPageView, "fund_page")
add_view(bp, "/public/<fund_code>/pipeline", views.PipelinePageView, "pipeline")
add_view(bp, "/public/<fund_code>/pipeline.pdf", views.PipelineBookletView, "pipeline_booklet", heavy=True)
add_view(bp, "/programmes/<int:proposal_id>/dossier.zip", views.DossierView, "dossier", heavy=True)
add_view(bp, "/public/<fund_code>/documents/<int:file_id>", views.PublicDocumentView, "public_document")
add_view(bp, "/publications", views.PublicationsView, "publications", heavy=True)
add_view(bp, "/decisions/<int:decision_id>/public-summary", views.DecisionSummaryView, "decision_summary")
add_view(bp, "/publications/<int:publication_id>/withdraw", views.WithdrawView, "withdraw")
