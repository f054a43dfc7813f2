"""PDF documents: one helper renders a template from templates/pdf/ with WeasyPrint.

Templates get plain data (no ORM objects, so rendering cannot touch the database), and
WeasyPrint may fetch nothing but the app's own static files: no file://, no network.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template, send_file
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "fundmgr-static:/"

# WeasyPrint's user-agent stylesheet gives every element of the document the styles of pseudo-elements it only has
# in some documents: `::marker` (list items), `::footnote-*` and `::note-*` (elements floated to the footnotes). Each
# such rule makes the cascade compute one more style per element, six in all: most of the cascade of a 250-page
# report, for boxes that are never made. Our PDFs have no footnotes; markers are kept for list items.
UNIVERSAL_PSEUDO_RULE = re.compile(r"^::(footnote|note)-[a-z]+ \{[^}]*\}$", re.MULTILINE)


class RestrictedFetcher(URLFetcher):
    """Serve only files under the app's static folders; refuse everything else."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("data", "fundmgr-static"))
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "fundmgr-static":
            raise ValueError(f"PDF rendering may not fetch {url!r}")
        relative = parts.path.lstrip("/")
        for root in self.roots:
            path = (root / relative).resolve()
            if path.is_relative_to(root) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        raise ValueError(f"no static file {relative!r}")


@cache
def lean_user_agent_stylesheet() -> CSS:
    """WeasyPrint's user-agent stylesheet without its universal pseudo-element rules (see UNIVERSAL_PSEUDO_RULE)."""
    from weasyprint.html import UA_COUNTER_STYLE

    source = (files("weasyprint") / "css" / "html5_ua.css").read_text(encoding="utf-8")
    lean, removed = UNIVERSAL_PSEUDO_RULE.subn("", source)
    lean, markers = re.subn(r"^::marker \{", "li::marker, summary::marker {", lean, flags=re.MULTILINE)
    if (removed, markers) != (5, 1):  # a WeasyPrint upgrade changed the sheet: look at it again
        raise RuntimeError(f"WeasyPrint's user-agent stylesheet changed ({removed} note rules, {markers} marker)")
    return CSS(string=lean, counter_style=UA_COUNTER_STYLE)


class LeanHTML(HTML):
    """An HTML document styled with the lean user-agent stylesheet: the same boxes, a cascade several times lighter."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        from weasyprint.html import UA_FORM_STYLESHEET

        return [lean_user_agent_stylesheet(), *([UA_FORM_STYLESHEET] if forms else [])]


def static_folder() -> Path:
    """The app's static folder (create_app always sets one)."""
    assert current_app.static_folder is not None
    return Path(current_app.static_folder)


def static_roots() -> list[Path]:
    return [static_folder()]


def app_stylesheet(fetcher: URLFetcher, font_config: FontConfiguration | None = None) -> CSS:
    """The app's PDF stylesheet (static/css/pdf.css)."""
    source = (static_folder() / "css" / "pdf.css").read_text(encoding="utf-8")
    return CSS(string=source, url_fetcher=fetcher, font_config=font_config)


def write_html(html: str) -> bytes:
    """An HTML document laid out whole, as PDF bytes."""
    fetcher = RestrictedFetcher(static_roots())
    document = LeanHTML(string=html, url_fetcher=fetcher, base_url=STATIC_PREFIX)
    return document.write_pdf(stylesheets=[app_stylesheet(fetcher)])


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render templates/pdf/<template> with plain-data context into PDF bytes."""
    return write_html(render_template(f"pdf/{template}", static=STATIC_PREFIX, **context))


def pdf_response(data: bytes, filename: str) -> Any:
    """A download answer for PDF bytes."""
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)


# --- Long documents, laid out a part at a time ---------------------------------------------------------------------
#
# WeasyPrint keeps every page of a document laid out (its boxes and a Pango layout per line) until it is written:
# for the 250-page annual report, most of a render's memory. A template written for `render_long_pdf` marks its
# body's top-level blocks ("units"), and the blocks that hold units (a programme's section, a long table's body):
#
#     head  <!--u--> unit  <!--c--> <section> <!--in--> <!--u--> unit ... <!--out--> </section>  <!--end--> tail
#
# Read whole, the markers are comments and the template renders as ever. Here the units are laid out in parts of
# about PART_CHARACTERS of HTML. A part ends on a page that starts with a unit (nothing of it on the page before):
# its pages up to that one are kept and written, the next part starts again from that unit, and the one before is
# freed. The part starts with a spacer taller than a page (`SPACER`), inside the blocks still open at that unit (a
# section's border stays on the spacer's page), so the unit opens the part's second page after an unforced break,
# exactly as in the whole document: the spacer's page is dropped. The parts are drawn without their running
# footers; the footers (page X / Y and the title string) are then laid out once for all pages, as a document of
# empty pages, and drawn over them; the outline (bookmarks) is made from all parts' headings.
MARKER = re.compile(r"<!--(u|c|in|out|end)-->")
# Of HTML: about 20 pages of the annual report at a time. On the 200-programme report (254 pages) parts of 100,000
# characters peak 30 MB lower than parts of 250,000 for some 5 % more CPU time; smaller parts cost more CPU (a
# spacer page and a page laid out twice per part) and save no more memory (the rest is the data and the footers).
PART_CHARACTERS = 100_000
NO_FOOTERS = (
    "@page { @top-left { content: none } @top-center { content: none } @top-right { content: none } "
    "@bottom-left { content: none } @bottom-center { content: none } @bottom-right { content: none } }"
)
SPACER_STYLE = "height: 400mm"  # taller than any page
SPACER = f'<div style="{SPACER_STYLE}"></div>'


@dataclass
class Block:
    """A block that holds units: its opening and closing HTML."""

    opening: str
    closing: str


@dataclass
class Unit:
    """One top-level element of the body, inside the block `holder` (an index of `Marked.blocks`) or not."""

    html: str
    holder: int | None


@dataclass
class Marked:
    head: str
    units: list[Unit]
    blocks: list[Block]
    tail: str


def marked_parts(html: str) -> Marked | None:
    """The units of a template rendered with markers; None without markers (a document laid out whole)."""
    pieces = MARKER.split(html)
    if len(pieces) == 1:
        return None
    head, units, blocks, tail = pieces[0], [], [], ""
    holder: int | None = None
    for marker, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if marker == "u":
            units.append(Unit(text, holder))
        elif marker == "c":
            blocks.append(Block(text, ""))
        elif marker == "in":
            holder = len(blocks) - 1
            blocks[holder].opening += text
        elif marker == "out":
            assert holder is not None
            blocks[holder].closing = text
            holder = None
        else:
            tail = text
    return Marked(head, units, blocks, tail)


def spacer_in(previous: str) -> str:
    """The spacer inside a block, after the unit `previous`: in a table, that row again as high as the spacer (its
    cells' borders collapse with the next row's as they did), else SPACER."""
    row = re.match(r"\s*<tr\b", previous)
    return previous.replace("<tr", f'<tr style="{SPACER_STYLE}"', 1) if row else SPACER


def part_html(marked: Marked, start: int, end: int) -> tuple[str, int, int]:
    """The HTML of units [start, end) as a document of its own, with the spacer that opens a part after the first:
    outside every block (1, 0) or inside the block the first unit continues (0, 1)."""
    units = marked.units
    holder = units[start].holder
    inner = int(start > 0 and holder is not None and units[start - 1].holder == holder)
    outer = int(start > 0 and not inner)
    out = [marked.head, SPACER * outer]
    if holder is not None:
        out.append(marked.blocks[holder].opening)
        if inner:
            out.append(spacer_in(marked.units[start - 1].html))
    for n in range(start, end):
        unit = units[n]
        if unit.holder != holder:
            if holder is not None:
                out.append(marked.blocks[holder].closing)
            if unit.holder is not None:
                out.append(marked.blocks[unit.holder].opening)
            holder = unit.holder
        out.append(unit.html)
    if holder is not None:
        out.append(marked.blocks[holder].closing)
    out.append(marked.tail)
    return "".join(out), outer, inner


def elements(parent: Any) -> list[Any]:
    """An element's child elements (comments left out)."""
    return [child for child in parent if isinstance(child.tag, str)]


def unit_elements(root: Any, marked: Marked, start: int, end: int, outer: int, inner: int) -> tuple[dict, dict]:
    """The elements of a part's units and blocks (by id) with their indexes, found in the part's tree."""
    body = next(child for child in elements(root) if child.tag == "body")
    units: dict[int, int] = {}
    blocks: dict[int, int] = {}
    top = iter(elements(body)[outer:])
    holder: int | None = None
    inside: Any = None
    for n in range(start, end):
        unit = marked.units[n]
        if unit.holder is None:
            holder = None
            units[id(next(top))] = n
            continue
        if unit.holder != holder:
            holder = unit.holder
            element = next(top)
            blocks[id(element)] = holder
            container = elements(element)[-1] if element.tag == "table" else element
            inside = iter(elements(container)[inner if n == start else 0 :])
        units[id(next(inside))] = n
    return units, blocks


def page_contents(page_box: Any, units: dict[int, int], blocks: dict[int, int]) -> tuple[list[int], set[int], list]:
    """The units on a laid-out page (in order), the blocks, and the string-set values of the units on it."""
    found: list[int] = []
    holders: set[int] = set()
    strings: list = []

    def walk(box: Any) -> None:
        element = box.element
        key = id(element)
        if element is not None and key in units:
            if not found or found[-1] != units[key]:
                found.append(units[key])
            strings.extend(getattr(box, "string_set", None) or [])
            return
        if element is not None and key in blocks:
            holders.add(blocks[key])
        for child in getattr(box, "children", ()):
            walk(child)

    walk(page_box)
    return found, holders, strings


@dataclass
class KeptPage:
    """What the merged document needs of a part's page once its layout is freed."""

    width: float
    height: float
    name: str
    bookmarks: list
    strings: list


def render_long_pdf(template: str, context: dict[str, Any], part_characters: int = PART_CHARACTERS) -> bytes:
    """Render a marked template of templates/pdf/ (see MARKER) a part at a time: the same pages as render_pdf,
    a fraction of its memory. A template without markers, or a short one, is laid out whole."""
    html = render_template(f"pdf/{template}", static=STATIC_PREFIX, **context)
    marked = marked_parts(html)
    if marked is None or sum(len(unit.html) for unit in marked.units) <= part_characters:
        return write_html(html)
    del html
    fetcher = RestrictedFetcher(static_roots())
    font_config = FontConfiguration()
    stylesheet = app_stylesheet(fetcher, font_config)
    parts: list[bytes] = []  # each part's kept pages
    kept: list[KeptPage] = []
    start, count = 0, len(marked.units)
    while start < count:
        end, size = start, 0
        while end < count and size < part_characters:
            size += len(marked.units[end].html)
            end += 1
        while True:
            source, outer, inner = part_html(marked, start, end)
            document = LeanHTML(string=source, url_fetcher=fetcher, base_url=STATIC_PREFIX).render(
                stylesheets=[stylesheet, CSS(string=NO_FOOTERS, font_config=font_config)], font_config=font_config
            )
            units, blocks = unit_elements(document._html.etree_element, marked, start, end, outer, inner)
            contents = [page_contents(page._page_box, units, blocks) for page in document.pages]
            first = 1 if start else 0  # the spacer's page
            restart = count if end == count else restart_at(marked, contents, start, first)
            if restart is not None:
                break
            end = min(count, end + (end - start))  # no page of this part starts with a unit: a longer one
        last = (
            len(document.pages)
            if restart == count
            else next(
                n
                for n, (found, _holders, _strings) in enumerate(contents)
                if n >= first and found and found[0] == restart
            )
        )
        for page, (_found, _holders, strings) in zip(document.pages[first:last], contents[first:last], strict=True):
            kept.append(KeptPage(page.width, page.height, page._page_box.page_type.name, page.bookmarks, strings))
        # only the kept pages are drawn: the spacer's page and those laid out again by the next part are not
        parts.append(document.copy(document.pages[first:last]).write_pdf())
        del document, units, blocks, contents
        start = restart
    return merged_pdf(parts, kept, marked, fetcher)


def restart_at(marked: Marked, contents: list, start: int, first: int) -> int | None:
    """The last unit after `start` that opens a page of the part (nothing of it, or of the block it opens, on the
    page before), the part's last page included: the break before it is the whole document's, since the page before
    was laid out with the unit after it; None if none."""
    for n in range(len(contents) - 1, first, -1):
        found, _holders, _strings = contents[n]
        before, held_before, _strings = contents[n - 1]
        if not found or found[0] <= start or found[0] in before:
            continue
        unit = found[0]
        holder = marked.units[unit].holder
        if holder is None or marked.units[unit - 1].holder == holder or holder not in held_before:
            return unit
    return None


def footers_html(marked: Marked, kept: list[KeptPage]) -> str:
    """A document of empty pages, one per page of the merged document with its page's name and the strings set on
    it (the running title): laid out, its pages hold the running footers alone."""
    pages = []
    for n, page in enumerate(kept):
        style = [f"page: {page.name or 'auto'}"]
        if n < len(kept) - 1:
            style.append("break-after: page")
        for name, text in page.strings:
            quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            style.append(f'string-set: {name} "{quoted}"')
        pages.append(f'<div style="{escape("; ".join(style))}"></div>')
    return marked.head + "".join(pages) + marked.tail


def merged_pdf(parts: list[bytes], kept: list[KeptPage], marked: Marked, fetcher: URLFetcher) -> bytes:
    """The parts (their kept pages) in one PDF, with the running footers drawn over them, the outline and the named
    destinations of the whole document, its title and language."""
    from pypdf import PdfReader, PdfWriter

    writer: Any = PdfWriter()
    destinations: list[tuple[str, int, Any, Any]] = []
    for data in parts:
        reader: Any = PdfReader(BytesIO(data))
        if not writer.pages:
            keep_document_facts(reader, writer)
        offset = len(writer.pages)
        for name, destination in reader.named_destinations.items():
            number = reader.get_destination_page_number(destination)
            destinations.append((name, number + offset, destination.left, destination.top))
        for page in reader.pages:
            writer.add_page(page)
    footers = LeanHTML(string=footers_html(marked, kept), url_fetcher=fetcher, base_url=STATIC_PREFIX)
    draw_over(writer, PdfReader(BytesIO(footers.write_pdf(stylesheets=[app_stylesheet(fetcher)]))))
    outline(writer, kept)
    named_destinations(writer, destinations)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def keep_document_facts(reader: Any, writer: Any) -> None:
    """The title, producer and language of the first part, for the merged document."""
    from pypdf.generic import NameObject

    metadata = reader.metadata or {}
    writer.add_metadata({key: metadata[key] for key in ("/Title", "/Producer") if key in metadata})
    catalog = reader.trailer["/Root"]
    if "/Lang" in catalog:
        writer.root_object[NameObject("/Lang")] = catalog["/Lang"]


def draw_over(writer: Any, over: Any) -> None:
    """Draw each page of `over` on the writer's page of the same number, as a form drawn last (the page's own
    drawing left as it is, in a saved graphics state)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    if len(over.pages) != len(writer.pages):
        raise RuntimeError(f"{len(over.pages)} pages to draw over {len(writer.pages)}")
    resources: dict[int, Any] = {}
    opening = DecodedStreamObject()
    opening.set_data(b"q\n")
    save = writer._add_object(opening)
    for number, (page, top) in enumerate(zip(writer.pages, over.pages, strict=True)):
        shared = top.get("/Resources")  # one dictionary for all pages of a WeasyPrint document
        if id(shared) not in resources:
            resources[id(shared)] = writer._add_object(shared.clone(writer)) if shared is not None else None
        form = DecodedStreamObject()
        drawing = top.get_contents()
        form.set_data(drawing.get_data() if drawing is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(top.mediabox)
        if resources[id(shared)] is not None:
            form[NameObject("/Resources")] = resources[id(shared)]
        name = NameObject(f"/fundmgrOver{number}")
        page_resources = page["/Resources"].get_object()
        if "/XObject" not in page_resources:
            page_resources[NameObject("/XObject")] = DictionaryObject()
        page_resources["/XObject"].get_object()[name] = writer._add_object(form.flate_encode())
        contents = page.raw_get("/Contents")  # the streams' references, not the streams
        drawn = list(contents.get_object()) if isinstance(contents.get_object(), list) else [contents]
        closing = DecodedStreamObject()
        closing.set_data(f"\nQ\nq {name} Do Q\n".encode())
        page[NameObject("/Contents")] = ArrayObject([save, *drawn, writer._add_object(closing)])


def named_destinations(writer: Any, destinations: list[tuple[str, int, Any, Any]]) -> None:
    """The parts' named destinations (the charts' ids), on their pages of the merged document."""
    from pypdf.generic import Destination, Fit, TextStringObject

    for name, number, left, top in destinations:
        page = writer.pages[number].indirect_reference
        writer.add_named_destination_object(Destination(TextStringObject(name), page, Fit.xyz(left, top, 0)))


def outline(writer: Any, kept: list[KeptPage]) -> None:
    """The bookmarks of the merged pages, nested by heading level as WeasyPrint nests them."""
    from pypdf.generic import Fit
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    scale = 0.75  # CSS pixels to PDF points, as write_pdf
    root: list = []
    skipped: list = []
    last_by_depth = [root]
    previous = 0
    for number, page in enumerate(kept):
        matrix = Matrix(a=scale, d=-scale, f=page.height * scale)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, matrix)

    def add(items: list, parent: Any) -> None:
        for label, (number, x, y), children, state in items:
            fit = Fit.xyz(x, y, 0)
            item = writer.add_outline_item(
                title=label, page_number=number, parent=parent, fit=fit, is_open=state != "closed"
            )
            add(children, item)

    add(root, None)
