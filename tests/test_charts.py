"""Charts: drawn once per process for the same figures and language; shares on an axis from 0 to 100 %."""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from flask_babel import force_locale

from fundmgr import charts
from fundmgr.finance import charts as finance_charts
from fundmgr.finance.queries import ShareRow
from fundmgr.results.reports.rows import progress_chart


def test_a_chart_is_drawn_once_for_the_same_figures_and_language(app, monkeypatch):
    """Does the dashboard reuse a chart until its figures or the reader's language change?"""
    drawn = []
    render = pygal.Bar.render
    monkeypatch.setattr(
        pygal.Bar, "render", lambda chart, **kw: drawn.append(chart.config.title) or render(chart, **kw)
    )
    monkeypatch.setattr(charts, "DRAWN", type(charts.DRAWN)())
    deposits = {"Deposits": [Decimal("1250.00"), Decimal("9.99")]}
    with app.test_request_context():
        first = charts.bar_chart("Capitalization", ["2024", "2025"], deposits)
        again = charts.bar_chart(
            "Capitalization", ["2024", "2025"], {"Deposits": [Decimal("1250.00"), Decimal("9.99")]}
        )
        other = charts.bar_chart("Capitalization", ["2024", "2025"], {"Deposits": [Decimal("1250.00"), Decimal("10")]})
        with force_locale("fr"):
            french = charts.bar_chart("Capitalization", ["2024", "2025"], deposits)
    assert again == first
    assert other != first
    assert french != first
    assert drawn == ["Capitalization"] * 3


def value_axis_labels(svg: str, axis: str) -> list[str]:
    """The tick labels of a pygal chart's axis ("x" or "y")."""
    group = re.search(rf'<g class="axis {axis}[^"]*">(.*?)</g></g>', svg, re.DOTALL)
    assert group, f"no {axis} axis"
    return re.findall(r">([^<>]+)</text>", group.group(1))


def test_a_share_chart_runs_from_0_to_100_percent_whatever_the_largest_share(app):
    """Does a chart of shares whose largest is 28 % still show the whole axis, 0 % to 100 % (issue 19)?"""
    with app.test_request_context():
        svg = charts.share_chart(
            "Shares", {"A": Decimal("0.28"), "B": Decimal("0.05")}, {"A": Decimal("0.2"), "B": None}
        )
    labels = value_axis_labels(svg, "y")
    assert labels[0] == "0%"
    assert labels[-1] == "100%"


def test_a_progress_chart_runs_from_0_to_100_percent(app):
    """Do progress bars (programme and annual reports) sit on an axis fixed from 0 % to 100 %?"""
    with app.test_request_context():
        svg = progress_chart("Progress", [("1.a", Decimal("28")), ("1.b", Decimal("3")), ("1.c", None)])
    labels = value_axis_labels(svg, "x")
    assert labels[0] == "0%"
    assert labels[-1] == "100%"


def test_every_percentage_chart_of_the_pages_and_pdfs_has_a_fixed_axis(app):
    """The finance dashboard's and annual report's area and region charts, the portfolio's: all through share_chart."""
    rows = [ShareRow("TA1", "Area one", Decimal("100"), Decimal("0.28"), Decimal("0.3"))]
    with app.test_request_context():
        for svg in (finance_charts.area_chart(rows), finance_charts.region_chart(rows)):
            assert value_axis_labels(svg, "y")[-1] == "100%"
