"""The list of proposals as rows for CSV and Excel."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.funds.models import Fund
from fundmgr.i18n import format_percent, territory_name
from fundmgr.proposals.models import Proposal


def location_text(proposal: Proposal) -> str:
    if proposal.is_multi_country:
        countries = ", ".join(sorted(c.label for c in proposal.countries))
        return f"{territory_name(proposal.region_code)}: {countries}"
    return proposal.country.label if proposal.country else ""


def share_text(share: Decimal) -> str:
    """A thematic area's share (percent) the language's way: "60%", "60 %", "33.33%"."""
    return format_percent(share / 100, digits=0 if share == share.to_integral_value() else 2)


def area_share_labels(proposal: Proposal) -> list[str]:
    """The thematic areas with their shares, the primary first: ["2. Labour mobility (60%)", ...]."""
    return [f"{area.number}. {area.label} ({share_text(share)})" for area, share in proposal.area_shares]


def export_rows(proposals: Sequence[Proposal], fund: Fund, user: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the filtered list; a recused SC member gets the title only."""
    markers = [m for m in fund.markers if not m.retired]
    header = [
        _("Reference"),
        _("Title"),
        _("Status"),
        _("Lead organization"),
        fund.participants_label,
        _("Country or region"),
        _("Primary thematic area"),
        _("Thematic areas (share)"),
        *[m.label for m in markers],
        _("Duration (months)"),
        _("Start date"),
        _("Total budget (%(currency)s)", currency=fund.currency),
        _("Versions"),
        _("Last submitted"),
    ]
    rows = []
    for p in proposals:
        if p.is_recused(user):
            rows.append([p.reference, p.title, _("You are recused from this proposal.")])
            continue
        levels = {m.marker_id: m.level for m in p.markers}
        rows.append(
            [
                p.reference,
                p.title,
                p.state.title,
                p.lead_organization.label if p.lead_organization else "",
                ", ".join(sorted(part.organization.label for part in p.participants)),
                location_text(p),
                p.primary_area.label if p.primary_area else "",
                ", ".join(area_share_labels(p)),
                *[levels.get(m.id) for m in markers],
                p.duration_months,
                p.start_date,
                p.total_amount,
                p.version_count,
                p.submitted_at,
            ]
        )
    return header, rows
