"""The benchmark's second floor: a signed-in page that renders only the layout.

`/health` measures the server and one SQL statement; a real page also pays for what every signed-in page pays: the
session and its user, the CSRF token, the translations, the fund and the navigation. This page pays for exactly that
and nothing of its own, so each page's throughput as a share of it says what the page itself costs. It lives in the
benchmark, not in fundmgr, because no user needs an empty page.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

from bench.pages import LAYOUT_FLOOR_PATH
from fundmgr.funds.queries import current_fund
from fundmgr.web import FundView, add_view


class LayoutFloorView(FundView):
    """A signed-in page of the current fund with the layout alone."""

    def process(self) -> ResponseReturnValue:
        return render_template("bench_layout_floor.html", fund=current_fund())


def add_layout_floor(app: Flask) -> Flask:
    """Serve the layout floor at LAYOUT_FLOOR_PATH in this app."""
    bp = Blueprint("bench", __name__, template_folder="templates")
    add_view(bp, LAYOUT_FLOOR_PATH, LayoutFloorView, "layout_floor")
    app.register_blueprint(bp)
    return app
