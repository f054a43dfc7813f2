"""What every results page shares: the base view and the language asked for."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template

from fundmgr.funds.queries import current_fund
from fundmgr.web import FundView


class ResultsView(FundView):
    """Base of results pages: the current fund, and templates under templates/results/."""

    def load(self, **view_args: Any) -> None:
        self.fund = current_fund()
        if self.fund is None:
            abort(404)

    def render(self, template: str, **context: Any) -> str:
        return render_template(f"results/{template}", fund=self.fund, **context)
