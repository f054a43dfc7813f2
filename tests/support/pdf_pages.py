"""Where text sits on a PDF's pages (pypdf), for the pagination tests: which lines end a page, how full a page is."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader


@dataclass
class Run:
    """A run of text and where it starts, in points from the page's top-left corner, with its font size."""

    text: str
    x: float
    top: float
    size: float


@dataclass
class Page:
    number: int
    width: float
    height: float
    runs: list[Run]

    def lines(self, bottom_margin: float = 0) -> list[tuple[float, str]]:
        """The page's body text as lines (runs at the same height joined, left to right), top to bottom; runs in
        the bottom `bottom_margin` points (the running footer) left out."""
        rows: dict[float, list[Run]] = {}
        for run in self.runs:
            if run.top > self.height - bottom_margin or not run.text.strip():
                continue
            key = next((k for k in rows if abs(k - run.top) < 2), run.top)
            rows.setdefault(key, []).append(run)
        return [(top, " ".join(r.text.strip() for r in sorted(rows[top], key=lambda r: r.x))) for top in sorted(rows)]


def pages_of(pdf: bytes) -> list[Page]:
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        height = float(page.mediabox.height)
        runs: list[Run] = []

        def visit(text, cm, tm, _font, size, runs=runs, height=height):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[3] * cm[3]) or 1
            if text.strip():
                runs.append(Run(text, x, height - y, size * scale))

        page.extract_text(visitor_text=visit)
        pages.append(Page(number, float(page.mediabox.width), height, runs))
    return pages
