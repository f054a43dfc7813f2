"""Pagination of the PDFs (issue 19): no page ends with a heading, a long table repeats its header on each page it
spans, no page but the last is left nearly empty. The rules live in one stylesheet, static/css/pdf.css."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.pdf import render_pdf
from fundmgr.results import reports
from tests.factories import sign_in
from tests.results.test_pdfs import year_2025  # noqa: F401 - a fixture
from tests.steering.test_documents import held  # noqa: F401 - a fixture
from tests.support.jobs import document
from tests.support.pdf_pages import nearly_empty_pages, pages_ending_with_a_heading, pages_of

ANNEX_HEADER = re.compile(r"^Programme Code Indicator Unit Baseline Target Actual As of")


def assert_paginated(pdf: bytes) -> list:
    pages = pages_of(pdf)
    assert pages_ending_with_a_heading(pages) == []
    assert nearly_empty_pages(pages) == []
    return pages


def long_annual_report(fund, copies: int) -> bytes:
    """The annual report with each programme's pages repeated `copies` times: a long document with a long annex."""
    data = reports.annual_report_data(fund, 2025, "en")
    data["programmes"] = data["programmes"] * copies
    with force_locale("en"):
        return render_pdf("results/annual_report.html", data)


def test_the_annual_report_keeps_headings_with_their_tables_and_repeats_the_annex_header(app, fund, year_2025):  # noqa: F811
    with app.test_request_context():
        pdf = long_annual_report(fund, 12)
    pages = assert_paginated(pdf)
    lines = [[text for _top, text, _size in page.lines()] for page in pages]
    start = next(n for n, page in enumerate(lines) if "Annex: programme indicators" in page)
    first = lines[start][lines[start].index(next(t for t in lines[start] if "Annex: programme indicators" in t)) :]
    assert any(ANNEX_HEADER.search(line) for line in first)
    assert len(lines) - start >= 3, "the annex spans several pages"
    for page in lines[start + 1 :]:
        assert any(ANNEX_HEADER.search(line) for line in page[:2]), page[:2]


def test_the_annual_report_of_two_programmes_is_paginated(app, fund, year_2025):  # noqa: F811
    with app.test_request_context():
        assert_paginated(reports.annual_report_pdf(fund, 2025, "en"))


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_version_pdf_is_paginated(client, submitted, make_user, lang):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu))
    assert_paginated(client.get(f"/proposals/{proposal.id}/versions/1.pdf?lang={lang}").data)


def test_the_decision_letter_and_minutes_are_paginated(client, held, committee):  # noqa: F811
    sign_in(client, committee.germany)
    letter = client.get(f"/steering/decisions/{held.items[0].decision.id}/letter.pdf").data
    assert len(PdfReader(io.BytesIO(letter)).pages) == 1, "a letter does not spill onto a second page"
    assert_paginated(client.get(f"/steering/meetings/{held.id}/minutes.pdf").data)


# The parts of the meeting pack in Spanish, each the first line of a page of its own: the agenda (after the pack's
# title), the ranking, each proposal.
PACK_PARTS = ("Orden del día", "Clasificación de las propuestas del orden del día", "1. TEST-", "2. TEST-")


def test_each_part_of_the_meeting_pack_starts_on_a_page_of_its_own(client, held, committee):  # noqa: F811
    """Asked for in Spanish from an English page: does the cover stand alone, does each part (agenda, ranking, each
    proposal) open its page, does no page end with a heading, and is a page left nearly empty only where the next
    part begins?"""
    sign_in(client, committee.fmu)
    response = document(client, f"/steering/meetings/{held.id}/pack.pdf?lang=es")
    pages = pages_of(response.data)
    assert pages_ending_with_a_heading(pages) == []
    firsts = [page.lines()[0][1] if page.lines() else "" for page in pages]
    assert "Documentación de la reunión" in " ".join(text for _top, text, _size in pages[0].lines())
    assert firsts[1].startswith("Documentación de la reunión")  # the pack's title, then the agenda, after the cover
    assert pages[1].lines()[1][1] == PACK_PARTS[0]
    for part in PACK_PARTS[1:]:
        assert any(first.startswith(part) for first in firsts), (part, firsts)
    starts = {n for n, first in enumerate(firsts, start=1) if first.startswith(PACK_PARTS) or n == 2}
    assert [n for n in nearly_empty_pages(pages) if n + 1 not in starts and n != 1] == []


def test_wherever_a_heading_falls_it_is_never_the_last_line_of_a_page(app, submitted):
    """The version PDF with summaries of 1 to 50 lines (two lines apart, less than a heading's height) moves every
    heading that follows across the page: none may end one, and no page may be left nearly empty."""
    from fundmgr.proposals.display import describe_version

    proposal = submitted()
    with app.test_request_context(), force_locale("en"):
        described = describe_version(proposal.latest_version)
        version = {"number": 1, "submitted_at": "1 March 2026", "submitted_by": "Agency"}
        ended, empty = {}, {}
        for lines in range(1, 51, 2):
            data = {"d": described | {"summary": "\n".join(f"Line {n} of the summary." for n in range(lines))}}
            pages = pages_of(render_pdf("proposals/version.html", data | {"version": version}))
            if found := pages_ending_with_a_heading(pages):
                ended[lines] = found
            if found := nearly_empty_pages(pages):
                empty[lines] = found
    assert ended == {}
    assert empty == {}
