"""PDFs that carry their text but no layout, for the sweeps of every route that read a PDF's words, never its pages.

The access matrix asks every route as every role: a route answering a PDF renders its template for each of them,
and WeasyPrint then lays it out, seconds a document, for a test that only searches its words (a title a role may
not know, a recused member's summary). With the harness's `text_only_pdfs` the template is rendered as ever (its
data, its escaping, its language), and the laying out is replaced by a real one-page PDF holding the text of that
HTML (tests.access.harness.pdf_text reads it back). Real WeasyPrint PDFs are tested where their pages or their
printed text are looked at: tests/test_pdf_*.py, tests/test_hostile_output.py, tests/results/, tests/steering/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest

from fundmgr import pdf

LAY_OUT = pdf.write_html  # WeasyPrint's laying out, whatever a test put in its place

TEXT_KEY = "/FundmgrTestText"  # the page's entry holding the text (a PDF reader ignores keys it does not know)
UNSHOWN = {"head", "style", "script", "title"}  # what WeasyPrint does not draw on a page


class VisibleText(HTMLParser):
    """The text a PDF of the HTML would show (entities decoded, what is not drawn left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.hidden += tag in UNSHOWN

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in UNSHOWN and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def text_only_pdf(html: str) -> bytes:
    """A real one-page PDF (blank) whose page carries the visible text of the HTML under TEXT_KEY."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    parser = VisibleText()
    parser.feed(html)
    parser.close()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)  # A4 in points
    page[NameObject(TEXT_KEY)] = TextStringObject(re.sub(r"\s+", " ", " ".join(parser.parts)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_text(page) -> str:
    """The text of a page: drawn, or carried by a text-only PDF."""
    return (page.extract_text() or "") + str(page.get(TEXT_KEY, ""))


@contextmanager
def laid_out_pdfs() -> Iterator[None]:
    """Real PDFs within (WeasyPrint), where a module made them text only: what is kept beyond a test (the access
    world's stored documents) must be what any module would have got."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "write_html", LAY_OUT)
        yield
