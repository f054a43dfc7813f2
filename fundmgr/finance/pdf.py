"""The funding status as a PDF: the dashboard's tables and charts, in the user's language."""

from __future__ import annotations

from fundmgr import clock
from fundmgr.finance.dashboard import Dashboard
from fundmgr.funds.models import Fund
from fundmgr.pdf import render_pdf


def funding_status_pdf(fund: Fund, figures: Dashboard) -> bytes:
    """Render templates/pdf/finance/funding_status.html from plain figures."""
    return render_pdf(
        "finance/funding_status.html",
        {
            "fund_name": fund.name,
            "as_of": figures.as_at or clock.today(fund),
            "d": figures,
            "organization": fund.participant_label,
            "organizations": fund.participants_label,
        },
    )
