"""The fund's annual results report as PDF and Excel, and its headline figures."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.db import db
from fundmgr.exports import Sheet, xlsx_bytes
from fundmgr.finance import charts as finance_charts
from fundmgr.finance import queries as finance
from fundmgr.finance.models import LedgerEntry
from fundmgr.funds.models import Fund
from fundmgr.i18n import current_language, localize
from fundmgr.pdf import render_long_pdf
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalArea, ProposalState
from fundmgr.results import queries as q
from fundmgr.results.models import (
    ACCEPTED,
    ACHIEVED,
    COUNTRY,
    INDICATORS,
    REPORT_SECTIONS,
    REPORTED,
    STATE,
    Programme,
    ProgrammeIndicator,
    ProgrammeOutcome,
    ProgressReport,
    ReportingPeriod,
    ReportState,
    ResultsFramework,
)
from fundmgr.results.reports.rows import (
    all_indicator_rows,
    breakdown_cells,
    breakdown_header,
    fund_facts,
    indicator_cells,
    indicator_header,
    matrix_rows,
    number_cell,
    percent_number,
    programme_facts,
    progress_chart,
)
from fundmgr.results.rollup import mean, reaches_target


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def running_in(fund: Fund, year: int) -> list[sa.ColumnElement[bool]]:
    """Conditions on programmes joined to their proposals: the fund's funded programmes running in the year."""
    first, last = year_bounds(year)
    return [
        Proposal.fund_id == fund.id,
        Proposal.state.in_(FUNDED_STATES),
        Programme.start_date <= last,
        Programme.end_date >= first,
    ]


def programmes_of_year(fund: Fund, year: int) -> list[Programme]:
    """Funded programmes running at some time in the year, with everything the report shows loaded."""
    return list(
        db.session.scalars(
            sa.select(Programme)
            .join(Programme.proposal)
            .where(*running_in(fund, year))
            .order_by(Proposal.reference)
            .options(
                so.contains_eager(Programme.proposal).options(
                    so.joinedload(Proposal.lead_organization),
                    so.joinedload(Proposal.country),
                    so.joinedload(Proposal.primary_area),
                    so.selectinload(Proposal.participants),
                ),
                so.joinedload(Programme.version),
                so.selectinload(Programme.outcomes).selectinload(ProgrammeOutcome.outputs),
                so.selectinload(Programme.outcomes).selectinload(ProgrammeOutcome.indicators),
                so.selectinload(Programme.indicators).selectinload(ProgrammeIndicator.objectives),
                so.selectinload(Programme.indicators).joinedload(ProgrammeIndicator.fund_indicator),
                so.selectinload(Programme.periods)
                .selectinload(ReportingPeriod.report)
                .selectinload(ProgressReport.narratives),
            )
        ).unique()
    )


def latest_accepted_report(programme: Programme, cutoff: date) -> ProgressReport | None:
    """The programme's most recent accepted report on a period ending by the cutoff."""
    accepted = [
        p.report
        for p in programme.periods
        if p.report and p.report.state is ReportState.accepted and p.end_date <= cutoff
    ]
    return accepted[-1] if accepted else None


def area_rows(fund: Fund, cutoff: date, lang: str, framework: ResultsFramework | None) -> list[dict[str, Any]]:
    """Results by thematic area: each fund outcome and indicator rolled up, with progress bars."""
    result = []
    for area in q.area_rollups(fund, cutoff, framework):
        outcomes = [
            {
                "code": o.outcome.code,
                "statement": localize(o.outcome.statement, lang),
                "progress": percent_number(o.progress),
                "indicators": [
                    {
                        "code": r.indicator.code,
                        "name": localize(r.indicator.name, lang),
                        "unit": localize(r.indicator.unit, lang),
                        "rule": r.indicator.rule.title,
                        "baseline": r.indicator.baseline,
                        "target": r.indicator.target,
                        "actual": r.actual,
                        "programme_target": r.combined.target,
                        "count": r.combined.count,
                        "progress": r.progress,
                        "bar": percent_number(r.bar),
                    }
                    for r in o.indicators
                ],
            }
            for o in area.outcomes
        ]
        result.append(
            {
                "number": area.area.number,
                "name": localize(area.area.name, lang),
                "share": area.progress,
                "progress": percent_number(area.progress),
                "programme_count": area.programme_count,
                "outcomes": outcomes,
            }
        )
    return result


def finance_data(fund: Fund, year: int) -> dict[str, Any]:
    """Capitalization and allocations from finance, as they stood at the end of the report's year."""
    years = [y for y in finance.capitalization_by_year(fund) if y.year <= year]
    year_end = date(year, 12, 31)
    by_area = finance.allocations_by_area(fund, as_of=year_end)
    by_region = finance.allocations_by_region(fund, as_of=year_end)
    by_organization = finance.allocations_by_organization(fund, as_of=year_end)
    return {
        "years": years,
        **money_totals(years, sum((row.amount for row in by_area), Decimal("0.00")), year),
        "by_area": by_area,
        "by_region": by_region,
        "by_organization": by_organization,
        "charts": {
            "capitalization": finance_charts.cumulative_chart(years) if years else "",
            "area": finance_charts.area_chart(by_area) if by_area else "",
            "region": finance_charts.region_chart(by_region) if by_region else "",
            "organization": finance_charts.organization_chart(by_organization, fund) if by_organization else "",
        },
    }


def funding_status_at(fund: Fund, year: int) -> dict[str, Any]:
    """The Gateway's funding-status table, each organization's money and donors' outstanding commitments at 31 Dec."""
    year_end = date(year, 12, 31)
    balances = finance.balances(fund, year_end)
    return {
        "as_at": year_end,
        "status": finance.funding_status_rows(balances, fund),
        "with_organizations": finance.organization_status_rows(balances, fund),
        "share_with_organizations": balances.share_with_organizations,
        "organizations": finance.money_by_organization(fund, year_end),
        "donors": finance.contributions_by_donor(fund, year_end),
    }


def delivery_by_programme(fund: Fund, year: int) -> dict[int, list[finance.OrganizationMoney]]:
    """Per programme (proposal id): each organization's transfers, refunds, expenditure and delivery at 31 Dec (an
    organization's top-ups counted with its first allocation)."""
    result: dict[int, dict[int, finance.OrganizationMoney]] = {}
    for proposal_id, organization_id, money in finance.money_by_allocation(fund, date(year, 12, 31)).values():
        rows = result.setdefault(proposal_id, {})
        rows.setdefault(organization_id, finance.OrganizationMoney(money.code, money.label)).add(money)
    return {key: sorted(rows.values(), key=lambda m: m.code) for key, rows in result.items()}


def top_up_row(top_up: Any) -> dict[str, Any]:
    """A top-up approved in the year, as the report states it."""
    return {
        "number": top_up.number,
        "organization": top_up.organization.label,
        "amount": top_up.amount,
        "decided_on": top_up.decided_on,
        "reference": top_up.reference,
    }


def missing_reports(programme: Programme, cutoff: date) -> list[dict[str, Any]]:
    """The programme's periods ended by the cutoff whose report was not received or not yet accepted."""
    return [
        {
            "number": period.number,
            "start": period.start_date,
            "end": period.end_date,
            "due": period.due_date,
            "state": period.report.state.title if period.report else _("Not received"),
        }
        for period in programme.periods
        if period.end_date <= cutoff and (period.report is None or period.report.state is not ReportState.accepted)
    ]


def money_totals(years: list[finance.YearFigures], allocated: Decimal, year: int) -> dict[str, Decimal]:
    """Deposits of the year and to its end, and everything allocated, for the summary."""
    this_year = next((y for y in years if y.year == year), None)
    return {
        "deposited_year": this_year.deposited if this_year else Decimal("0.00"),
        "deposited_total": years[-1].cumulative_deposited if years else Decimal("0.00"),
        "allocated_total": allocated,
    }


def allocated_to_areas(fund: Fund, as_of: date, *, kept: bool = False) -> Decimal:
    """What the allocations by thematic area add up to (`finance.allocations_by_area`), summed in the database: every
    net allocation to a programme that has a thematic area (a programme's parts over its areas add up to its amount
    to the cent). `kept`: the day is today or later, so every allocation counts (money is never dated in the future):
    read from the totals per area kept as entries are added, not from the ledger's rows."""
    if kept:
        return sum((amount for area_id, amount in finance.allocated_by_area(fund).items() if area_id), Decimal("0.00"))
    with_area = sa.select(Proposal.id).where(
        sa.or_(Proposal.primary_area_id.is_not(None), Proposal.id.in_(sa.select(ProposalArea.proposal_id)))
    )
    total = db.session.scalar(
        sa.select(sa.func.sum(LedgerEntry.amount)).where(
            *finance.allocated_in(fund, as_of), LedgerEntry.proposal_id.in_(with_area)
        )
    )
    return -total if total else Decimal("0.00")


def annual_report_data(fund: Fund, year: int, lang: str, *, with_charts: bool = True) -> dict[str, Any]:
    """Everything the fund's annual results report shows for a year (accepted figures only)."""
    first, cutoff = year_bounds(year)
    framework = q.framework_for(fund)
    programmes = programmes_of_year(fund, year)
    readings = q.latest_accepted([i.id for p in programmes for i in p.indicators], cutoff)
    allocated = finance.allocated_by_proposal(fund, as_of=cutoff)
    delivery = delivery_by_programme(fund, year)
    top_ups = finance.top_ups_approved(fund, first, cutoff)
    programme_rows = []
    for programme in programmes:
        items = q.programme_progress(programme, readings)
        report = latest_accepted_report(programme, cutoff)
        outcomes = matrix_rows(programme, items, framework, lang, report)
        programme_rows.append(
            {
                "facts": programme_facts(programme, lang, allocated.get(programme.proposal_id)),
                "outcomes": outcomes,
                "rows": all_indicator_rows(outcomes),
                "progress": percent_number(mean(o["share"] for o in outcomes)),
                "report_period": report.period.number if report else None,
                "lessons": report.lessons_learned if report else "",
                "sections": [(str(title), getattr(report, column)) for column, title, _help in REPORT_SECTIONS]
                if report
                else [],
                "delivery": delivery.get(programme.proposal_id, []),
                "top_ups": [top_up_row(t) for t in top_ups.get(programme.proposal_id, [])],
                "missing": missing_reports(programme, cutoff),
            }
        )
    areas = area_rows(fund, cutoff, lang, framework)
    money = finance_data(fund, year)
    if not with_charts:
        money["charts"] = {}
    return {
        "lang": lang,
        "fund": fund_facts(fund, lang),
        "year": year,
        "goal": localize(framework.goal, lang) if framework else "",
        "summary": summary(programmes, programme_rows, areas, money, first, cutoff),
        "finance": money,
        "status": funding_status_at(fund, year),
        "areas": areas,
        "area_chart": progress_chart(
            _("Progress towards the fund's targets, by thematic area (%)"),
            [(str(a["number"]), a["progress"]) for a in areas],
        )
        if with_charts
        else "",
        "programmes": programme_rows,
        "generated": clock.today(fund),
    }


def summary(programmes, programme_rows, areas, money, first: date, cutoff: date) -> dict[str, Any]:
    """The executive summary's figures."""
    states = Counter(p.proposal.state for p in programmes)
    countries = {p.proposal.country_id for p in programmes if p.proposal.country_id}
    accepted_in_year = [
        p.report
        for programme in programmes
        for p in programme.periods
        if p.report and p.report.state is ReportState.accepted and first <= p.end_date <= cutoff
    ]
    indicator_rows = [row for programme in programme_rows for row in programme["rows"]]
    return {
        "programmes": len(programmes),
        "active": states.get(ProposalState.active, 0),
        "closed": states.get(ProposalState.closed, 0),
        "approved": states.get(ProposalState.approved, 0),
        "countries": len(countries),
        "reports_accepted": len(accepted_in_year),
        "indicators": len(indicator_rows),
        "indicators_reported": sum(1 for row in indicator_rows if row["actual"] is not None),
        "indicators_achieved": sum(1 for row in indicator_rows if row["progress"] is not None and row["progress"] >= 1),
        "average_progress": percent_number(mean(a["share"] for a in areas)),
        "deposited_year": money["deposited_year"],
        "deposited_total": money["deposited_total"],
        "allocated_total": money["allocated_total"],
    }


def headline_figures(fund: Fund, year: int) -> dict[str, Any]:
    """The annual report's summary and areas, for the page where it is downloaded.

    The same figures as annual_report_data's (tests compare them), read from the totals the operations keep per year
    (`queries.year_totals`) instead of from every programme of the year loaded with its matrix and reports.
    """
    _first, cutoff = year_bounds(year)
    areas = area_rows(fund, cutoff, current_language(), q.framework_for(fund))
    figures = q.year_totals(fund, year)  # kept as the operations change them: a few rows, however long the history
    states = {ProposalState(key): n for (figure, key), n in figures.items() if figure == STATE}
    countries = sum(1 for figure, _key in figures if figure == COUNTRY)
    reports_accepted, indicators = figures[(ACCEPTED, "")], figures[(INDICATORS, "")]
    if q.reads_standings(cutoff, clock.today(fund)):  # the indicators' standings are this year's
        reported, at_target = figures[(REPORTED, "")], figures[(ACHIEVED, "")]
    else:  # an earlier year's latest values, from the reports accepted by its end
        running = sa.select(Programme.id).join(Programme.proposal).where(*running_in(fund, year))
        latest = q.latest_values(cutoff, ProgrammeIndicator.programme_id.in_(running))
        achieved = sa.case((reaches_target(latest.c.actual, latest.c.baseline, latest.c.target), 1))
        reported, at_target = db.session.execute(
            sa.select(sa.func.count(), sa.func.count(achieved)).select_from(latest)
        ).one()
    years = [y for y in finance.capitalization_by_year(fund) if y.year <= year]
    summary = {
        "programmes": sum(states.values()),
        "active": states.get(ProposalState.active, 0),
        "closed": states.get(ProposalState.closed, 0),
        "approved": states.get(ProposalState.approved, 0),
        "countries": countries,
        "reports_accepted": reports_accepted,
        "indicators": indicators,
        "indicators_reported": reported,
        "indicators_achieved": at_target,
        "average_progress": percent_number(mean(a["share"] for a in areas)),
        **money_totals(
            years, allocated_to_areas(fund, cutoff, kept=q.reads_standings(cutoff, clock.today(fund))), year
        ),
    }
    return {"summary": summary, "areas": areas}


def annual_report_pdf(fund: Fund, year: int, lang: str) -> bytes:
    """The fund's annual results report as PDF, in the given language."""
    with force_locale(lang):
        return render_long_pdf("results/annual_report.html", annual_report_data(fund, year, lang))


def annual_report_filename(fund: Fund, year: int, lang: str, extension: str) -> str:
    return f"{fund.code}-results-{year}-{lang}.{extension}"


def annual_report_xlsx(fund: Fund, year: int, lang: str) -> bytes:
    """The annual results report's tables as an Excel workbook."""
    with force_locale(lang):
        data = annual_report_data(fund, year, lang, with_charts=False)
        programmes = data["programmes"]
        money = data["finance"]
        return xlsx_bytes(
            [
                Sheet(_("Summary"), [_("Figure"), _("Value")], summary_cells(data["summary"])),
                Sheet(_("Fund indicators"), fund_indicator_header(), fund_indicator_cells(data["areas"])),
                Sheet(_("Programmes"), programme_header(), [programme_cells(p) for p in programmes]),
                Sheet(
                    _("Programme indicators"),
                    indicator_header(fund, with_programme=True),
                    [indicator_cells(row, p["facts"]["reference"]) for p in programmes for row in p["rows"]],
                ),
                Sheet(
                    _("Disaggregation"),
                    breakdown_header(with_programme=True),
                    [cells for p in programmes for cells in breakdown_cells(p["rows"], p["facts"]["reference"])],
                ),
                Sheet(
                    _("Allocations by area"),
                    [_("Thematic area"), _("Allocated"), _("Share (%)"), _("Target (%)")],
                    [
                        [r.label, r.amount, number_cell(percent_number(r.share)), number_cell(percent_number(r.target))]
                        for r in money["by_area"]
                    ],
                ),
                Sheet(
                    _("Capitalization"),
                    [_("Year"), _("Deposits"), _("Cumulative deposits"), _("Allocations"), _("Cumulative allocations")],
                    [
                        [y.year, y.deposited, y.cumulative_deposited, y.allocated, y.cumulative_allocated]
                        for y in money["years"]
                    ],
                ),
                *status_sheets(data["status"], programmes),
            ]
        )


def status_sheets(status: dict[str, Any], programmes: list[dict[str, Any]]) -> list[Sheet]:
    """The funding status at the year's end, delivery by programme and organization, and the reports missing."""
    as_at = status["as_at"].isoformat()
    lines = [[label, amount] for label, amount, _style in [*status["status"], *status["with_organizations"]]]
    money_header = [_("Transfers"), _("Refunds"), _("Expenditure"), _("Balance with the organization")]
    return [
        Sheet(_("Funding status"), [_("Line"), _("Amount as at %(date)s", date=as_at)], lines),
        Sheet(
            _("Delivery"),
            [_("Programme"), _("Organization"), *money_header, _("Delivery rate (%)")],
            [
                [
                    p["facts"]["reference"],
                    m.label,
                    m.transferred,
                    m.refunded,
                    m.expenditure,
                    m.balance,
                    number_cell(percent_number(m.rate)),
                ]
                for p in programmes
                for m in p["delivery"]
            ],
        ),
        Sheet(
            _("Reports not received"),
            [_("Programme"), _("Period"), _("Start"), _("End"), _("Due"), _("State")],
            [
                [p["facts"]["reference"], m["number"], m["start"], m["end"], m["due"], m["state"]]
                for p in programmes
                for m in p["missing"]
            ],
        ),
    ]


def fund_indicator_header() -> list[str]:
    return [
        _("Thematic area"), _("Outcome"), _("Code"), _("Indicator"), _("Unit"), _("Roll-up"), _("Baseline"),
        _("Target"), _("Actual"), _("Progress (%)"), _("Programmes reporting"),
    ]  # fmt: skip


def fund_indicator_cells(areas: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            area["number"], outcome["code"], row["code"], row["name"], row["unit"], row["rule"],
            number_cell(row["baseline"]), number_cell(row["target"]), number_cell(row["actual"]),
            number_cell(percent_number(row["progress"])), row["count"],
        ]
        for area in areas
        for outcome in area["outcomes"]
        for row in outcome["indicators"]
    ]  # fmt: skip


def programme_header() -> list[str]:
    return [
        _("Reference"), _("Title"), _("State"), _("Lead"), _("Thematic area"), _("Start"), _("End"),
        _("Allocated"), _("Progress (%)"),
    ]  # fmt: skip


def programme_cells(programme: dict[str, Any]) -> list[Any]:
    facts = programme["facts"]
    return [
        facts["reference"], facts["title"], facts["state"], facts["lead"], facts["area_number"], facts["start"],
        facts["end"], facts["allocated"], number_cell(programme["progress"]),
    ]  # fmt: skip


def summary_cells(figures: dict[str, Any]) -> list[list[Any]]:
    labels = {
        "programmes": _("Programmes running in the year"),
        "active": _("Active"),
        "closed": _("Closed"),
        "approved": _("Approved, starting"),
        "countries": _("Countries"),
        "reports_accepted": _("Progress reports accepted for the year"),
        "indicators": _("Programme indicators"),
        "indicators_reported": _("Indicators with an accepted value"),
        "indicators_achieved": _("Indicators at or above target"),
        "average_progress": _("Average progress towards the fund's targets (%)"),
        "deposited_year": _("Deposits received in the year"),
        "deposited_total": _("Deposits received since the start"),
        "allocated_total": _("Allocated to programmes"),
    }
    # money stays Decimal (written with two decimals); the progress percentage is a plain number
    return [
        [label, number_cell(figures[key]) if key == "average_progress" else figures[key]]
        for key, label in labels.items()
    ]
