"""The portfolio proposal page: the FMU asks for the best selection under a budget and the fund's targets; the
FMU and the committee see the latest proposal, how each target is met and why each proposal is left out."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.finance.queries import money_available
from fundmgr.funds.rights import is_fund_manager
from fundmgr.i18n import territory_name
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.forms import portfolio_form
from fundmgr.steering.optimiser import Group
from fundmgr.steering.portfolio_proposal import candidate_rows, seen_by
from fundmgr.steering.views import SteeringView
from fundmgr.web import refusals_shown_on


class PortfolioProposalView(SteeringView):
    """The latest portfolio proposal with its reasons; the FMU asks for a new one under its own rules."""

    methods = ["GET", "POST"]

    def can_access(self, user: User) -> bool:
        """Whoever works with the committee sees the proposal; only the FMU (and administrators) ask for one."""
        return request.method == "GET" or is_fund_manager(user, self.fund)

    def process(self):
        manager = is_fund_manager(current_user, self.fund)
        form = self.request_form() if manager else None
        if form is not None and form.validate_on_submit():
            with refusals_shown_on(form):
                ops.propose_portfolio(self.fund, self.request_of(form), actor=current_user)
                flash(_("The portfolio proposal is computed."), "success")
                return redirect(url_for("steering.portfolio_proposal"))
        run = q.latest_portfolio_run(self.fund)
        return self.render(
            "portfolio_proposal.html",
            form=form,
            view=seen_by(run, current_user),
            areas=self.areas(),
            regions=self.regions(),
        )

    def areas(self) -> list[Any]:
        return [a for a in self.fund.thematic_areas if not a.retired]

    def regions(self) -> list[str]:
        return list((self.fund.targets or {}).get("region_share", {}))

    def request_form(self) -> Any:
        """The request form, its budget filled on a first view with the money available for allocation."""
        candidates = candidate_rows(self.fund)
        areas = [(a.code, f"{a.number}. {a.label}") for a in self.areas()]
        regions = [(code, territory_name(code)) for code in self.regions()]
        form = portfolio_form(areas, regions, candidates)
        if request.method == "GET":
            form.budget.data = money_available(self.fund).available
        return form

    def request_of(self, form: Any) -> ops.PortfolioRequest:
        shares = [
            ops.ShareLimits(
                group, code, form[f"{group.value}_floor_{code}"].data, form[f"{group.value}_ceiling_{code}"].data
            )
            for group, codes in ((Group.area, [a.code for a in self.areas()]), (Group.region, self.regions()))
            for code in codes
        ]
        return ops.PortfolioRequest(
            budget=form.budget.data,
            shares=shares,
            marker_floor=form.marker_floor.data,
            country_cap=form.country_cap.data,
            organization_cap=form.organization_cap.data,
            per_country=form.per_country.data,
            include=set(form.include.data or []),
            exclude=set(form.exclude.data or []),
        )
