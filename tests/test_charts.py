"""Charts: drawn once per process for the same figures and language."""

from __future__ import annotations

from decimal import Decimal

import pygal
from flask_babel import force_locale

from fundmgr import charts


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
