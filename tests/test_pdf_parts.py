"""A long PDF laid out a part at a time (fundmgr.pdf.render_long_pdf): the same pages as laid out whole."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from fundmgr.pdf import marked_parts, render_long_pdf, render_pdf
from fundmgr.results import reports
from tests.results.test_pdfs import year_2025  # noqa: F401 - a fixture

TEMPLATE = "results/annual_report.html"


def outline_of(reader: PdfReader, items: list | None = None) -> list:
    """The outline as (title, page number, [children]) from the top."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found[-1] = (*found[-1][:2], outline_of(reader, item))
        else:
            found.append((item.title, reader.get_destination_page_number(item), []))
    return found


def page_images(pdf: bytes, folder: Path, prefix: str) -> list[bytes]:
    """Each page as a PNG at 50 dpi (poppler's pdftoppm)."""
    (folder / f"{prefix}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(folder / f"{prefix}.pdf"), str(folder / prefix)], check=True)
    return [path.read_bytes() for path in sorted(folder.glob(f"{prefix}-*.png"))]


@pytest.fixture
def long_report(app, fund, year_2025):  # noqa: F811
    """The annual report's data with each programme repeated 12 times: some 30 pages, a long annex."""
    with app.test_request_context():
        data = reports.annual_report_data(fund, 2025, "en")
    data["programmes"] = data["programmes"] * 12
    return data


def test_the_report_in_parts_has_the_pages_outline_and_facts_of_the_whole(app, long_report, tmp_path):
    """Laid out in parts of 8 kB of HTML (a part ending inside a programme and inside the annex's table), is
    every page drawn the same, with the same running footers, outline, title and language?"""
    with app.test_request_context(), force_locale("en"):
        whole = render_pdf(TEMPLATE, long_report)
        parts = render_long_pdf(TEMPLATE, long_report, part_characters=8_000)
    assert parts != whole
    whole_reader, parts_reader = PdfReader(io.BytesIO(whole)), PdfReader(io.BytesIO(parts))
    assert len(parts_reader.pages) == len(whole_reader.pages) > 20
    assert outline_of(parts_reader) == outline_of(whole_reader)
    assert parts_reader.metadata == whole_reader.metadata
    assert parts_reader.trailer["/Root"]["/Lang"] == "en"
    for number, (part, page) in enumerate(zip(parts_reader.pages, whole_reader.pages, strict=True), start=1):
        assert part.extract_text().split() == page.extract_text().split(), number  # with the footer "n / N"
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm is not installed: pages compared by their text only")
    assert page_images(parts, tmp_path, "parts") == page_images(whole, tmp_path, "whole")


def test_a_short_report_is_laid_out_whole(app, fund, year_2025):  # noqa: F811
    """Two programmes are less than a part: the report is WeasyPrint's own PDF, as before."""
    with app.test_request_context(), force_locale("en"):
        data = reports.annual_report_data(fund, 2025, "en")
        pdf = render_long_pdf(TEMPLATE, data)
    assert PdfReader(io.BytesIO(pdf)).metadata["/Producer"].startswith("WeasyPrint")
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 3


def test_the_markers_split_the_body_into_units_inside_their_blocks():
    html = (
        "<html><body><!--u--><h1>A</h1><!--c--><section><!--in--><!--u--><p>1</p><!--u--><p>2</p><!--out--></section>"
    )
    html += "<!--u--><p>B</p><!--end--></body></html>"
    marked = marked_parts(html)
    assert marked is not None
    assert marked.head == "<html><body>"
    assert [(unit.html, unit.holder) for unit in marked.units] == [
        ("<h1>A</h1>", None),
        ("<p>1</p>", 0),
        ("<p>2</p>", 0),
        ("<p>B</p>", None),
    ]
    assert (marked.blocks[0].opening, marked.blocks[0].closing) == ("<section>", "</section>")
    assert marked.tail == "</body></html>"
    assert marked_parts("<html><body><p>no markers</p></body></html>") is None
