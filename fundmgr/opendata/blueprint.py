"""URL map of open data: the public IATI file and fund page, the FMU's programme dossier."""

from flask import Blueprint

from fundmgr.opendata import views
from fundmgr.web import add_view

bp = Blueprint("opendata", __name__)
add_view(bp, "/iati/activities.xml", views.ActivitiesView, "iati_activities")
add_view(bp, "/iati/<fund_code>/activities.xml", views.FundActivitiesView, "fund_iati_activities")
add_view(bp, "/public/<fund_code>", views.FundPageView, "fund_page")
add_view(bp, "/programmes/<int:proposal_id>/dossier.zip", views.DossierView, "dossier", heavy=True)
