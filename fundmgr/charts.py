"""Charts as SVG (pygal), the same in pages and in PDFs. Every chart is shown next to its table."""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import is_dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from fundmgr.i18n import current_language, format_money, format_percent

# pygal appends an old-style import hook (for its map plugins, unused here) to sys.meta_path; every
# later failed optional import (WeasyPrint's, openpyxl's probes) then raises an ImportWarning.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

UN_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#6c757d",
    opacity=".9",
    opacity_hover="1",
    colors=("#005a9c", "#4f9fd6", "#f2a900", "#7cb342", "#c2185b", "#6a1b9a", "#00897b", "#8d6e63"),
    font_family="DejaVu Sans, Liberation Sans, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=11,
    title_font_size=14,
    value_font_size=10,
)

COMMON = {
    "style": UN_STYLE,
    "js": [],  # no script: the page's CSP allows none inline and PDFs run none
    "disable_xml_declaration": True,
    "explicit_size": False,
    "print_values": False,
    "legend_at_bottom": True,
    "truncate_legend": 40,
    "width": 800,
    "height": 380,
}


# A share's axis always runs from 0 to 100 %: an axis that stops at the largest value (28 %) makes a small share
# look like a full one, and two charts side by side cannot be compared.
SHARE_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1]
PERCENT_TICKS = [0, 20, 40, 60, 80, 100]


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
# Drawing a chart costs pygal tens of milliseconds; a dashboard shows the same ones until money moves.
DRAWN: OrderedDict[tuple[Any, ...], str] = OrderedDict()
DRAWN_MAX = 256


def frozen(value: Any) -> Any:
    """A hashable copy of a chart's inputs (labels, Decimals, series), for the cache key."""
    if isinstance(value, dict):
        return tuple((frozen(k), frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if value is None or isinstance(value, str | int | float | Decimal | date):
        return value
    if is_dataclass(value):
        return type(value).__name__, frozen(vars(value))
    return str(value)  # lazily translated strings


def remembered(draw: Callable[..., str]) -> Callable[..., str]:
    """A chart is a pure function of its figures and the language: each one is drawn once per process."""

    @wraps(draw)
    def cached(*args: Any, **kwargs: Any) -> str:
        key = (draw.__name__, current_language(), frozen(args), frozen(sorted(kwargs.items())))
        svg = DRAWN.get(key)
        if svg is None:
            svg = DRAWN[key] = draw(*args, **kwargs)
            if len(DRAWN) > DRAWN_MAX:
                DRAWN.popitem(last=False)
        else:
            DRAWN.move_to_end(key)
        return svg

    return cached


def render(chart: pygal.graph.graph.Graph) -> str:
    """The chart's SVG without pygal's configuration script (pages allow no inline script)."""
    return SCRIPT.sub("", chart.render(is_unicode=True))


def as_number(value: Decimal | int | float | None) -> float:
    """Chart geometry only: plotting needs floats; the tables beside charts show exact amounts."""
    return float(value or 0)


@remembered
def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]], money: bool = True) -> str:
    """A vertical bar chart of one or more series over labels."""
    chart = pygal.Bar(title=title, x_label_rotation=20 if len(labels) > 6 else 0, **COMMON)
    chart.x_labels = list(labels)
    chart.value_formatter = (lambda v: format_money(Decimal(str(v)))) if money else (lambda v: f"{v:g}")
    for name, values in series.items():
        chart.add(name, [as_number(v) for v in values])
    return render(chart)


@remembered
def horizontal_bar_chart(title: str, items: Sequence[tuple[str, Decimal]], money: bool = True) -> str:
    """A horizontal bar per item (label, value); good for long names such as thematic areas."""
    chart = pygal.HorizontalBar(title=title, show_legend=False, **COMMON)
    chart.x_labels = [label for label, _value in items]
    chart.value_formatter = (lambda v: format_money(Decimal(str(v)))) if money else (lambda v: f"{v:g}")
    chart.add(title, [as_number(value) for _label, value in items])
    return render(chart)


@remembered
def percent_bar_chart(title: str, items: Sequence[tuple[str, Decimal]]) -> str:
    """A horizontal bar per item (label, percentage 0..100) on an axis fixed from 0 to 100 %."""
    chart = pygal.HorizontalBar(title=title, show_legend=False, range=(0, 100), y_labels=PERCENT_TICKS, **COMMON)
    chart.x_labels = [label for label, _value in items]
    chart.value_formatter = lambda v: format_percent(Decimal(str(v)) / 100, 0)
    chart.add(title, [min(max(as_number(value), 0.0), 100.0) for _label, value in items])
    return render(chart)


@remembered
def share_chart(title: str, actual: dict[str, Decimal], target: dict[str, Decimal | None]) -> str:
    """Actual shares next to target shares (0..1) for the same keys, on an axis fixed from 0 to 100 %."""
    chart = pygal.Bar(
        title=title, x_label_rotation=20 if len(actual) > 6 else 0, range=(0, 1), y_labels=SHARE_TICKS, **COMMON
    )
    chart.x_labels = list(actual)
    chart.value_formatter = lambda v: format_percent(Decimal(str(v)), 0)
    chart.add(_("Actual"), [as_number(v) for v in actual.values()])
    chart.add(_("Target"), [as_number(target.get(k)) if target.get(k) is not None else None for k in actual])
    return render(chart)


@remembered
def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]]) -> str:
    """Lines over time (e.g. cumulative capitalization by year)."""
    chart = pygal.Line(title=title, x_label_rotation=0, dots_size=3, **COMMON)
    chart.x_labels = list(labels)
    chart.value_formatter = lambda v: format_money(Decimal(str(v)))
    for name, values in series.items():
        chart.add(name, [as_number(v) for v in values])
    return render(chart)


@remembered
def pie_chart(title: str, items: Sequence[tuple[str, Decimal]]) -> str:
    chart = pygal.Pie(title=title, inner_radius=0.45, **COMMON)
    chart.value_formatter = lambda v: format_money(Decimal(str(v)))
    for label, value in items:
        chart.add(label, as_number(value))
    return render(chart)
