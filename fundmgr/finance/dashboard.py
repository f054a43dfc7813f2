"""The dashboard's figures and charts, computed once for the page and for its PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    charts: dict[str, str] = field(default_factory=dict)


def dashboard(fund: Fund) -> Dashboard:
    """Every figure of the funding dashboard, with its charts once the fund has money."""
    balances = q.balances(fund)
    result = Dashboard(
        currency=fund.currency,
        balances=balances,
        status=q.funding_status_rows(balances, fund),
        with_organizations=q.organization_status_rows(balances, fund),
        years=q.capitalization_by_year(fund),
        donors=q.contributions_by_donor(fund),
        by_area=q.allocations_by_area(fund),
        by_region=q.allocations_by_region(fund),
        by_organization=q.allocations_by_organization(fund),
        gender=q.allocations_by_target_marker(fund),
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
