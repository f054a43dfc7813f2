"""The dashboard's figures and charts, computed once for the page and for its PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fundmgr.finance import charts
from fundmgr.finance import queries as q
from fundmgr.funds.models import Fund


@dataclass
class Dashboard:
    """Plain figures (no database objects): safe to hand to a PDF template."""

    currency: str
    balances: q.Balances
    status: list[tuple[str, Any, str]]
    years: list[q.YearFigures]
    donors: list[q.DonorFigures]
    by_area: list[q.ShareRow]
    by_region: list[q.ShareRow]
    by_organization: list[q.ShareRow]
    gender: q.MarkerFigures
    with_organizations: list[tuple[str, Decimal, str]] = field(default_factory=list)
    participants_label: str = ""  # what the fund calls the organizations it finances (its definition file)
    organizations: list[q.OrganizationMoney] = field(default_factory=list)
    as_at: date | None = None  # the figures as at this day (None: everything recorded)
    charts: dict[str, str] = field(default_factory=dict)


def dashboard(fund: Fund, as_at: date | None = None) -> Dashboard:
    """Every figure of the funding dashboard as at a date (the page, its Excel export and its PDF call this)."""
    spent = q.expenditure_by_organization(fund, as_at)  # read once for the balances and the organizations
    balances = q.balances(fund, as_at, spent)
    result = Dashboard(
        currency=fund.currency,
        balances=balances,
        status=q.funding_status_rows(balances, fund),
        with_organizations=q.organization_status_rows(balances, fund),
        participants_label=fund.participants_label,
        organizations=q.money_by_organization(fund, as_at, spent),
        as_at=as_at,
        years=q.capitalization_by_year(fund, as_at),
        donors=q.contributions_by_donor(fund, as_at),
        by_area=q.allocations_by_area(fund, as_at),
        by_region=q.allocations_by_region(fund, as_at),
        by_organization=q.allocations_by_organization(fund, as_at),
        gender=q.allocations_by_target_marker(fund, as_at),
    )
    if result.years:
        result.charts = {
            "capitalization": charts.capitalization_chart(result.years, fund.currency),
            "cumulative": charts.cumulative_chart(result.years, fund.currency),
            "area": charts.area_chart(result.by_area),
            "region": charts.region_chart(result.by_region),
            "organization": charts.organization_chart(result.by_organization, fund, fund.currency),
            "gender": charts.gender_chart(result.gender, fund.currency),
        }
    return result
