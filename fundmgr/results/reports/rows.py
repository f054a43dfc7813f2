"""What both results reports share: indicator and breakdown rows, facts, charts, and their Excel cells."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr import charts
from fundmgr.funds.models import Fund
from fundmgr.i18n import localize, territory_name
from fundmgr.results import queries as q
from fundmgr.results.models import Programme, ProgrammeIndicator, ProgrammeOutput, ProgressReport, ResultsFramework

HUNDRED = Decimal(100)


def letter(position: int) -> str:
    """a, b, ... z, aa, ab: indicator letters within their outcome or output."""
    text = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def indicator_code(indicator: ProgrammeIndicator, outputs: dict[int, ProgrammeOutput], outcome_position: int) -> str:
    """1.a for an outcome's own indicator, 1.2.a for an indicator of output 1.2."""
    if indicator.output_id:
        return f"{outcome_position}.{outputs[indicator.output_id].position}.{letter(indicator.position)}"
    return f"{outcome_position}.{letter(indicator.position)}"


def percent_number(share: Decimal | None) -> Decimal | None:
    """A share (0.75) as a percentage number (75) for bar widths."""
    return None if share is None else (share * HUNDRED).quantize(Decimal("0.1"))


def breakdown_rows(value: Any, framework: ResultsFramework | None, lang: str) -> list[dict[str, Any]]:
    """An indicator value's parts, labelled in the report's language: [{dimension, parts: [(label, value)]}]."""
    rows = []
    for code, parts in (value.breakdown if value else {}).items():
        dimension = framework.dimension(code) if framework else None
        names = {c["code"]: localize(c["name"], lang) for c in (dimension or {}).get("categories", [])}
        rows.append(
            {
                "dimension": localize(dimension["name"], lang) if dimension else code,
                "parts": [(names.get(category, category), Decimal(text)) for category, text in parts.items()],
            }
        )
    return rows


def indicator_row(item: q.IndicatorProgress, code: str, framework: ResultsFramework | None, lang: str) -> dict:
    """One indicator as the reports show it: definition, actual, progress (real and bounded), status, parts."""
    indicator, value = item.indicator, item.value
    return {
        "code": code,
        "name": indicator.name,
        "unit": indicator.unit,
        "measure": indicator.measure.value,
        "baseline": indicator.baseline,
        "target": indicator.target,
        "actual": item.actual,
        "as_of": item.as_of,
        "progress": item.progress,
        "bar": percent_number(item.bar),
        "status": value.status.title if value and value.status else "",
        "status_code": value.status.value if value and value.status else "",
        "comment": value.comment if value else "",
        "breakdown": breakdown_rows(value, framework, lang),
        "means_of_verification": indicator.means_of_verification,
        "fund_indicator": indicator.fund_indicator.code if indicator.fund_indicator else "",
        "objectives": [o.number for o in indicator.objectives],
    }


def matrix_rows(
    programme: Programme,
    items: dict[int, q.IndicatorProgress],
    framework: ResultsFramework | None,
    lang: str,
    report: ProgressReport | None = None,
) -> list[dict[str, Any]]:
    """The programme's matrix with figures: outcomes, their own indicators, outputs and theirs."""
    outcomes = []
    for outcome in programme.outcomes:
        outputs = {o.id: o for o in outcome.outputs}
        rows = {
            i.id: indicator_row(items[i.id], indicator_code(i, outputs, outcome.position), framework, lang)
            for i in outcome.indicators
        }
        share = q.outcome_progress(items[i.id] for i in outcome.indicators)
        outcomes.append(
            {
                "position": outcome.position,
                "statement": outcome.statement,
                "share": share,
                "progress": percent_number(share),
                "narrative": report.narrative_for(outcome.id) if report else "",
                "indicators": [rows[i.id] for i in outcome.outcome_indicators],
                "outputs": [
                    {
                        "code": f"{outcome.position}.{output.position}",
                        "statement": output.statement,
                        "indicators": [rows[i.id] for i in outcome.indicators if i.output_id == output.id],
                    }
                    for output in outcome.outputs
                ],
            }
        )
        outcomes[-1]["rows"] = outcomes[-1]["indicators"] + [
            r for o in outcomes[-1]["outputs"] for r in o["indicators"]
        ]
    return outcomes


def all_indicator_rows(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for outcome in outcomes for row in outcome["rows"]]


def programme_facts(programme: Programme, lang: str, allocated: Decimal | None = None) -> dict[str, Any]:
    """A programme's identity as plain data."""
    proposal = programme.proposal
    place = (
        territory_name(proposal.country.iso2, lang)
        if proposal.country
        else territory_name(proposal.region_code, lang)
        if proposal.region_code
        else ""
    )
    return {
        "id": programme.id,
        "reference": proposal.reference,
        "title": proposal.title,
        "state": proposal.state.title,
        "lead": localize(proposal.lead_organization.acronym, lang) if proposal.lead_organization else "",
        "participants": [localize(p.organization.acronym, lang) for p in proposal.participants],
        "place": place,
        "area": localize(proposal.primary_area.name, lang) if proposal.primary_area else "",
        "area_number": proposal.primary_area.number if proposal.primary_area else None,
        "start": programme.start_date,
        "end": programme.end_date,
        "version": programme.version.number,
        "budget": programme.version.total,
        "allocated": allocated,
    }


def fund_facts(fund: Fund, lang: str) -> dict[str, Any]:
    return {
        "name": localize(fund.name, lang),
        "short_name": localize(fund.short_name, lang),
        "currency": fund.currency,
        "participant": localize(fund.participants_title.get("singular") or {}, lang),
        "participants": localize(fund.participants_title.get("plural") or {}, lang),
    }


# --- Charts and Excel cells, the same in both reports ---------------------------------------------


def progress_chart(title: str, items: list[tuple[str, Decimal | None]]) -> str:
    """Horizontal bars of progress on an axis from 0 to 100 %, one per labelled item; items without a value are
    left out."""
    shown = [(label, value) for label, value in items if value is not None]
    return charts.percent_bar_chart(title, shown) if shown else ""


def indicator_header(fund: Fund, with_programme: bool = False) -> list[str]:
    """The columns of the indicator sheets; the objectives column is headed with the fund's own word for them."""
    header = [
        _("Code"), _("Indicator"), _("Unit"), _("Baseline"), _("Target"), _("Actual"), _("As of"),
        _("Progress (%)"), _("Status"), _("Fund indicator"), fund.objectives_label, _("Comment"),
    ]  # fmt: skip
    return ([_("Programme")] if with_programme else []) + header


def number_cell(value: Decimal | None) -> Any:
    """Indicator values as numbers in Excel (not money: no forced two decimals)."""
    return None if value is None else float(value) if value != value.to_integral() else int(value)


def indicator_cells(row: dict[str, Any], reference: str | None = None) -> list[Any]:
    cells = [
        row["code"], row["name"], row["unit"], number_cell(row["baseline"]), number_cell(row["target"]),
        number_cell(row["actual"]), row["as_of"], number_cell(percent_number(row["progress"])), row["status"],
        row["fund_indicator"], ", ".join(str(n) for n in row["objectives"]), row["comment"],
    ]  # fmt: skip
    return ([reference] if reference is not None else []) + cells


def breakdown_header(with_programme: bool = False) -> list[str]:
    return ([_("Programme")] if with_programme else []) + [
        _("Code"),
        _("Indicator"),
        _("Dimension"),
        _("Group"),
        _("Value"),
    ]


def breakdown_cells(rows: list[dict[str, Any]], reference: str | None = None) -> list[list[Any]]:
    prefix = [reference] if reference is not None else []
    return [
        [*prefix, row["code"], row["name"], part["dimension"], label, number_cell(value)]
        for row in rows
        for part in row["breakdown"]
        for label, value in part["parts"]
    ]
