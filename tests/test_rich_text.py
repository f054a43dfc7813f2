"""No field is rich text: what people type is shown as text, line breaks kept by CSS, never turned into markup.

fundmgr has no rich-text or Markdown field, so there is nothing for a sanitizer (nh3) to clean: every text
is escaped by Jinja's autoescaping, and multi-line texts keep their lines with `white-space: pre-line`
(no newline is turned into <br>). The only HTML inserted unescaped is HTML the app makes itself: pygal
charts (which escape their labels) and the live board's fragment (an autoescaped template). A new
`|safe` or `Markup(` fails here until it is reviewed and listed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import url_for

from fundmgr.charts import bar_chart, horizontal_bar_chart, line_chart, pie_chart, share_chart
from tests.access import harness
from tests.access.harness import client_as
from tests.support import REPO

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

# Where HTML the app made itself is inserted as it is: (file, expression) -> what it is.
READY_MADE_HTML = {
    ("fundmgr/templates/finance/_macros.html", "svg|safe"): "a chart of fundmgr.charts (pygal escapes labels)",
    ("fundmgr/templates/steering/board.html", "fragment|safe"): "the board, rendered by the autoescaped _board.html",
    ("fundmgr/templates/steering/portfolio.html", "charts.areas|safe"): "a chart",
    ("fundmgr/templates/steering/portfolio.html", "charts.regions|safe"): "a chart",
    **{
        (f"fundmgr/templates/pdf/{name}", expression): "a chart in a PDF"
        for name, expressions in {
            "finance/funding_status.html": ["capitalization", "cumulative", "area", "region", "organization",
                                            "gender"],
            "results/programme_report.html": ["chart"],
            "results/annual_report.html": ["finance.charts.capitalization", "chart", "area_chart"],
        }.items()
        for expression in [
            f"d.charts.{e}|safe" if name.startswith("finance") else f"{e}|safe" for e in expressions
        ]
    },
}  # fmt: skip
UNSAFE = re.compile(r"\{\{\s*([^}]*?\|\s*safe)\s*\}\}|Markup\(|autoescape\s+false")


def test_only_html_the_app_makes_itself_is_inserted_unescaped():
    """Is every `|safe`, `Markup(` or disabled autoescape one of the reviewed insertions of ready-made HTML?"""
    found = set()
    for path in [*REPO.glob("fundmgr/templates/**/*.html"), *REPO.glob("fundmgr/**/*.py")]:
        for match in UNSAFE.finditer(path.read_text(encoding="utf-8")):
            expression = re.sub(r"\s+", "", match.group(1) or match.group(0))
            found.add((str(path.relative_to(REPO)), expression))
    assert found == set(READY_MADE_HTML)


HOSTILE = '<script>alert("x")</script><b onmouseover="alert(1)">bold</b>'


def test_charts_escape_the_labels_people_typed(app):
    """Do charts show typed labels (programme, indicator, series names) as text, so inserting them is safe?"""
    with app.test_request_context():
        charts = [
            bar_chart(HOSTILE, [HOSTILE], {HOSTILE: [Decimal("1.00")]}),
            horizontal_bar_chart(HOSTILE, [(HOSTILE, Decimal("2.00"))]),
            share_chart(HOSTILE, {HOSTILE: Decimal("0.5")}, {HOSTILE: Decimal("0.4")}),
            line_chart(HOSTILE, [HOSTILE], {HOSTILE: [Decimal("3.00")]}),
            pie_chart(HOSTILE, [(HOSTILE, Decimal("4.00"))]),
        ]
    for svg in charts:
        assert "<script" not in svg
        assert "<b " not in svg
        assert "&lt;script&gt;" in svg


def test_a_multi_line_text_keeps_its_lines_as_text(app, world):
    """Is a typed text with line breaks and markup shown with its lines, escaped, and no <br> inserted?"""
    html = client_as(app, world, "agency_lead").get(url_for("proposals.detail", proposal_id=world.proposals["draft"]))
    page = html.get_data(as_text=True)
    summary = re.search(r'<p class="text-pre-line">([^<]*)</p>', page)
    assert summary, "the summary is shown in a pre-line paragraph"
    assert "SUMMARY-DRAFT.\n&lt;i&gt;notes&lt;/i&gt; &amp; more" in summary.group(1)
    assert "<br" not in summary.group(0)
