"""PDF documents: one helper renders a template from templates/pdf/ with WeasyPrint.

Templates get plain data (no ORM objects, so rendering cannot touch the database), and
WeasyPrint may fetch nothing but the app's own static files: no file://, no network.
"""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template, send_file
from weasyprint import CSS, HTML
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


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render templates/pdf/<template> with plain-data context into PDF bytes."""
    html = render_template(f"pdf/{template}", static=STATIC_PREFIX, **context)
    document = LeanHTML(string=html, url_fetcher=RestrictedFetcher(static_roots()), base_url=STATIC_PREFIX)
    stylesheet = CSS(
        string=(static_folder() / "css" / "pdf.css").read_text(encoding="utf-8"),
        url_fetcher=RestrictedFetcher(static_roots()),
    )
    return document.write_pdf(stylesheets=[stylesheet])


def pdf_response(data: bytes, filename: str) -> Any:
    """A download answer for PDF bytes."""
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)
