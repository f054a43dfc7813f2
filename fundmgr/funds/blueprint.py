"""URL map of funds and reference data."""

from flask import Blueprint

from fundmgr.funds import views
from fundmgr.web import add_view

bp = Blueprint("funds", __name__, url_prefix="/fund")

add_view(bp, "/", views.FundOverviewView, "overview")
add_view(bp, "/thematic-areas", views.ThematicAreasView, "areas")
add_view(bp, "/objectives", views.ObjectivesView, "objectives")
add_view(bp, "/principles", views.PrinciplesView, "principles")
add_view(bp, "/markers", views.MarkersView, "markers")
add_view(bp, "/budget-categories", views.BudgetCategoriesView, "budget_categories")
add_view(bp, "/criteria", views.CriteriaView, "criteria")
add_view(bp, "/organizations", views.OrganizationsView, "organizations")
add_view(bp, "/countries", views.CountriesView, "countries")
add_view(bp, "/switch", views.SwitchFundView, "switch")
add_view(bp, "/people", views.PeopleRolesView, "people")
add_view(bp, "/people.<fmt>", views.PeopleExportView, "people_export", heavy=True)
add_view(bp, "/people/<int:user_id>/<int:fund_id>/end", views.EndRoleView, "end_role")
