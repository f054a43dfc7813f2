"""Browsing a fund's definition and the reference data it uses."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for

from fundmgr.accounts.models import OrganizationKind
from fundmgr.funds import queries as q
from fundmgr.funds.models import Fund, RegionLevel
from fundmgr.funds.seats import rules_of
from fundmgr.web import FundView, safe_next_url


class FundReferenceView(FundView):
    """Base for reference pages: they all show the current fund."""

    def load(self) -> None:
        self.fund: Fund | None = q.current_fund()
        if self.fund is None:
            abort(404)

    def render(self, template: str, **context):
        return render_template(f"funds/{template}", fund=self.fund, **context)


class FundOverviewView(FundReferenceView):
    """The fund: money rules, budget range, allocation targets, review settings."""

    def process(self):
        return self.render("overview.html", areas=q.active_areas(self.fund), committee_rules=rules_of(self.fund))


class ThematicAreasView(FundReferenceView):
    """The thematic areas and the objectives each one clusters."""

    def process(self):
        return self.render("areas.html", areas=q.active_areas(self.fund))


class ObjectivesView(FundReferenceView):
    """All objectives and the thematic areas they belong to."""

    def process(self):
        return self.render("objectives.html", objectives=q.active(self.fund.objectives))


class PrinciplesView(FundReferenceView):
    """The guiding principles."""

    def process(self):
        return self.render("principles.html", principles=q.active(self.fund.guiding_principles))


class MarkersView(FundReferenceView):
    """The marker scales."""

    def process(self):
        return self.render("markers.html", markers=q.active(self.fund.markers))


class BudgetCategoriesView(FundReferenceView):
    """The budget categories and the money rules that apply to budgets."""

    def process(self):
        return self.render("budget_categories.html", categories=q.active(self.fund.budget_categories))


class CriteriaView(FundReferenceView):
    """Scoring criteria and the screening checklist."""

    def process(self):
        return self.render(
            "criteria.html",
            criteria=q.active(self.fund.criteria),
            checks=q.active(self.fund.eligibility_checks),
        )


class OrganizationsView(FundReferenceView):
    """The organizations: participating UN organizations of the fund, donors and others."""

    def process(self):
        participating = {org.id for org in self.fund.participating_organizations}
        kinds = [(kind, q.organizations(kind)) for kind in OrganizationKind]
        return self.render("organizations.html", kinds=kinds, participating=participating)


class CountriesView(FundReferenceView):
    """Countries and UN M49 regions, filterable by region."""

    def process(self):
        region = request.args.get("region", "")
        all_regions = q.regions()
        if region and region not in {r.code for r in all_regions}:
            region = ""
        return self.render(
            "countries.html",
            countries=q.countries(region or None),
            regions=q.regions(RegionLevel.region),
            subregions=[r for r in all_regions if r.level is not RegionLevel.region],
            selected=region,
        )


class SwitchFundView(FundView):
    """Work in another fund (when more than one is loaded)."""

    methods = ["POST"]

    def process(self):
        code = request.form.get("fund", "")
        if code in {fund.code for fund in q.all_funds()}:
            session["fund"] = code
        return redirect(safe_next_url(request.form.get("next")) or url_for("pages.home"))
