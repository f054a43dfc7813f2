"""Where text sits on a PDF's pages (pypdf), for the pagination tests: which lines end a page, how full a page is."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

FOOTER = 62  # points: pdf.css's bottom page margin (22 mm), where the running footer sits
HEADING = 10.5  # points: headings are set larger (h3 11 pt), body text smaller (9.5 pt)


@dataclass
class Run:
    """A run of text and where it starts, in points from the page's top-left corner, with its font size."""

    text: str
    x: float
    top: float
    size: float
    bold: bool = False


@dataclass
class Page:
    number: int
    width: float
    height: float
    runs: list[Run]

    def lines(self, bottom_margin: float = FOOTER) -> list[tuple[float, str, float]]:
        """The page's body text as lines (top, text, largest bold font size; runs at the same height joined, left
        to right), top to bottom; runs in the bottom `bottom_margin` points (the running footer) left out."""
        rows: dict[float, list[Run]] = {}
        for run in self.runs:
            if run.top > self.height - bottom_margin or not run.text.strip():
                continue
            key = next((k for k in rows if abs(k - run.top) < 2), run.top)
            rows.setdefault(key, []).append(run)
        return [
            (
                top,
                " ".join(r.text.strip() for r in sorted(rows[top], key=lambda r: r.x)),
                max((r.size for r in rows[top] if r.bold), default=0),
            )
            for top in sorted(rows)
        ]


def pages_of(pdf: bytes) -> list[Page]:
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        height = float(page.mediabox.height)
        runs: list[Run] = []

        def visit(text, cm, tm, font, size, runs=runs, height=height):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[3] * cm[3]) or 1
            if text.strip():
                bold = "Bold" in str((font or {}).get("/BaseFont", ""))
                runs.append(Run(text, x, height - y, size * scale, bold))

        page.extract_text(visitor_text=visit)
        pages.append(Page(number, float(page.mediabox.width), height, runs))
    return pages


def pages_ending_with_a_heading(pages: list[Page]) -> list[tuple[int, str]]:
    """(page, heading) for every page but the last whose last line of body text is a heading."""
    ended = []
    for page in pages[:-1]:
        lines = page.lines()
        if lines and lines[-1][2] >= HEADING:
            ended.append((page.number, lines[-1][1]))
    return ended


def nearly_empty_pages(pages: list[Page], share: float = 0.3) -> list[int]:
    """Every page but the last whose text stops in the top `share` of the page."""
    return [p.number for p in pages[:-1] if not p.lines() or p.lines()[-1][0] < share * p.height]
