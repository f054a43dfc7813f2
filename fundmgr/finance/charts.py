"""The finance dashboards' charts as SVG: the same functions serve pages and PDFs (the annual report).

Axes read in millions (the tables beside the charts give the exact amounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pygal
from flask_babel import gettext as _

from fundmgr import charts
from fundmgr.finance.queries import MarkerFigures, ShareRow, YearFigures
from fundmgr.funds.models import Fund
from fundmgr.i18n import format_number

MILLION = Decimal(1_000_000)


def millions(values: Sequence[Decimal]) -> list[Decimal]:
    return [value / MILLION for value in values]


def in_millions(title: str, currency: str) -> str:
    return _("%(title)s (%(currency)s millions)", title=title, currency=currency) if currency else title


def capitalization_chart(years: list[YearFigures], currency: str = "") -> str:
    """Commitments signed and deposits received, per year."""
    return charts.bar_chart(
        in_millions(_("Commitments and deposits by year"), currency),
        [str(y.year) for y in years],
        {
            _("Commitments signed"): millions([y.committed for y in years]),
            _("Deposits received"): millions([y.deposited for y in years]),
        },
        money=False,
    )


@charts.remembered
def cumulative_chart(years: list[YearFigures], currency: str = "") -> str:
    """Deposits and allocations cumulated over the years: the fund's capitalization against its use."""
    # fundmgr.charts.line_chart labels its axis in money (cents); in millions, one decimal reads better
    chart = pygal.Line(title=in_millions(_("Capitalization over time"), currency), dots_size=3, **charts.COMMON)
    chart.x_labels = [str(y.year) for y in years]
    chart.value_formatter = lambda v: format_number(v, 1)
    chart.add(
        _("Cumulative deposits"), [charts.as_number(v) for v in millions([y.cumulative_deposited for y in years])]
    )
    chart.add(
        _("Cumulative allocations"), [charts.as_number(v) for v in millions([y.cumulative_allocated for y in years])]
    )
    return charts.render(chart)


def share_against_target_chart(title: str, rows: list[ShareRow]) -> str:
    """Each slice's share of the allocations next to the fund's target share."""
    return charts.share_chart(
        title,
        {row.axis_label: row.share or Decimal(0) for row in rows},
        {row.axis_label: row.target for row in rows},
    )


def area_chart(rows: list[ShareRow]) -> str:
    return share_against_target_chart(_("Allocations by thematic area, against the targets"), rows)


def region_chart(rows: list[ShareRow]) -> str:
    return share_against_target_chart(_("Allocations by region, against the targets"), rows)


def organization_chart(rows: list[ShareRow], fund: Fund, currency: str = "") -> str:
    return charts.horizontal_bar_chart(
        in_millions(_("Allocations by %(organization)s", organization=fund.participant_label), currency),
        [(row.axis_label, row.amount / MILLION) for row in rows],
        money=False,
    )


def gender_chart(figures: MarkerFigures, currency: str = "") -> str:
    return charts.bar_chart(
        in_millions(_("Allocations by gender marker level"), currency),
        [row.axis_label for row in figures.rows],
        {_("Allocated"): millions([row.amount for row in figures.rows])},
        money=False,
    )
