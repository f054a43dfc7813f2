"""The lean user-agent stylesheet PDFs are rendered with (fundmgr.pdf.LeanHTML): the same pages, a lighter cascade."""

from __future__ import annotations

import io

from flask import render_template
from flask_babel import force_locale
from pypdf import PdfReader
from weasyprint import CSS, HTML

from fundmgr.pdf import STATIC_PREFIX, LeanHTML, RestrictedFetcher, static_roots
from fundmgr.results import reports
from tests.results.test_pdfs import year_2025  # noqa: F401 - a fixture

LISTS_AND_TABLES = """<!doctype html><html><body><h1>Title</h1><ul><li>one</li><li>two</li></ul>
<ol><li>first</li><li>second</li></ol><table><thead><tr><th>Code</th><th class="money">Amount</th></tr></thead>
<tbody><tr><td>A</td><td class="money">1,000.00</td></tr></tbody></table><p>Text <b>bold</b> <i>italic</i></p>
</body></html>"""


def drawn_pages(document_class: type[HTML], html: str) -> list[bytes]:
    """Each page's drawing (its content stream), with the app's PDF stylesheet."""
    fetcher = RestrictedFetcher(static_roots())
    document = document_class(string=html, url_fetcher=fetcher, base_url=STATIC_PREFIX)
    stylesheet = CSS(filename=str(static_roots()[0] / "css" / "pdf.css"), url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[stylesheet], uncompressed_pdf=True)
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_lean_stylesheet_keeps_list_markers_and_draws_what_weasyprint_s_own_draws(app):
    """Are lists (their markers), headings and tables drawn exactly as with WeasyPrint's own user-agent sheet?"""
    with app.app_context():
        lean = drawn_pages(LeanHTML, LISTS_AND_TABLES)
        assert lean == drawn_pages(HTML, LISTS_AND_TABLES)


def test_the_annual_report_is_drawn_the_same_with_the_lean_stylesheet(app, fund, year_2025):  # noqa: F811
    """The annual report (cover, charts, tables, bars, annex): the same drawing on every page."""
    with app.test_request_context(), force_locale("en"):
        data = reports.annual_report_data(fund, 2025, "en")
        html = render_template("pdf/results/annual_report.html", static=STATIC_PREFIX, **data)
        lean = drawn_pages(LeanHTML, html)
        assert len(lean) > 3
        assert lean == drawn_pages(HTML, html)
