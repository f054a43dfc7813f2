"""PDF documents: one helper renders a template from templates/pdf/ with WeasyPrint.

Templates get plain data (no ORM objects, so rendering cannot touch the database), and
WeasyPrint may fetch nothing but the app's own static files: no file://, no network.
"""

from __future__ import annotations

import mimetypes
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template, send_file
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "fundmgr-static:/"


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


def static_folder() -> Path:
    """The app's static folder (create_app always sets one)."""
    assert current_app.static_folder is not None
    return Path(current_app.static_folder)


def static_roots() -> list[Path]:
    return [static_folder()]


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render templates/pdf/<template> with plain-data context into PDF bytes."""
    html = render_template(f"pdf/{template}", static=STATIC_PREFIX, **context)
    document = HTML(string=html, url_fetcher=RestrictedFetcher(static_roots()), base_url=STATIC_PREFIX)
    stylesheet = CSS(
        string=(static_folder() / "css" / "pdf.css").read_text(encoding="utf-8"),
        url_fetcher=RestrictedFetcher(static_roots()),
    )
    return document.write_pdf(stylesheets=[stylesheet])


def pdf_response(data: bytes, filename: str) -> Any:
    """A download answer for PDF bytes."""
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)
