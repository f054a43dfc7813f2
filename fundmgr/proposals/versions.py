"""Freezing a proposal into an immutable version: the snapshot everything later relies on.

The snapshot is plain data (JSON). Steering scores it, finance allocates from its
participants' totals, results builds the programme's live matrix from its matrix.
Decimal values are strings with their exact digits. Shape:

    reference, title, summary, country (ISO3|None), region (M49|None), countries [ISO3],
    primary_area (code|None), objectives [numbers], principles [codes],
    markers {code: {level, justification}}, duration_months, start_date (ISO|None),
    government_endorsement, lead (org code|None),
    participants [{organization_id, code, lead, indirect_rate, direct, indirect, total}],
    budget {years, lines [{organization_id, organization, category, year, amount}]},
    totals {direct, indirect, total},
    matrix [{statement, indicators [...], outputs [{statement, indicators [
        {name, unit, baseline, target, means_of_verification, disaggregation}]}]}],
    attachments [{id, kind, filename, size, sha256}]
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fundmgr.accounts.models import User
from fundmgr.db import db, to_cents, utcnow
from fundmgr.numbers import plain_text
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.models import MatrixIndicator, Proposal, ProposalVersion


def decimal_text(value: Decimal | None) -> str | None:
    """An amount with exactly two decimals."""
    return None if value is None else format(to_cents(value), "f")


def indicator_data(indicator: MatrixIndicator) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": plain_text(indicator.baseline),
        "target": plain_text(indicator.target),
        "means_of_verification": indicator.means_of_verification,
        "disaggregation": list(indicator.disaggregation or []),
    }


def matrix_data(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        {
            "statement": outcome.statement,
            "indicators": [indicator_data(i) for i in outcome.outcome_indicators],
            "outputs": [
                {"statement": output.statement, "indicators": [indicator_data(i) for i in output.indicators]}
                for output in outcome.outputs
            ],
        }
        for outcome in proposal.outcomes
    ]


def details_of(proposal: Proposal) -> dict[str, Any]:
    """The descriptive fields of a proposal (what its details form edits), as plain data."""
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "country": proposal.country.iso3 if proposal.country else None,
        "region": proposal.region_code,
        "countries": sorted(c.iso3 for c in proposal.countries),
        "primary_area": proposal.primary_area.code if proposal.primary_area else None,
        "objectives": [o.number for o in proposal.objectives],
        "principles": [p.code for p in proposal.principles],
        "duration_months": proposal.duration_months,
        "start_date": proposal.start_date.isoformat() if proposal.start_date else None,
        "government_endorsement": proposal.government_endorsement,
    }


def snapshot_of(proposal: Proposal) -> dict[str, Any]:
    """Everything the proposal holds now, as plain data."""
    totals = budget_totals(proposal)
    lead_id = proposal.lead_organization_id
    category_codes = {c.id: c.code for c in proposal.fund.budget_categories}
    org_codes = {p.organization_id: p.organization.code for p in proposal.participants}
    return {
        "reference": proposal.reference,
        **details_of(proposal),
        "markers": {m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers},
        "lead": proposal.lead_organization.code if proposal.lead_organization else None,
        "participants": [
            {
                "organization_id": p.organization_id,
                "code": p.organization.code,
                "lead": p.organization_id == lead_id,
                "indirect_rate": format(p.indirect_rate, "f"),
                "direct": decimal_text(totals.participants[p.organization_id].direct),
                "indirect": decimal_text(totals.participants[p.organization_id].indirect),
                "total": decimal_text(totals.participants[p.organization_id].total),
            }
            for p in proposal.participants
        ],
        "budget": {
            "years": totals.years,
            "lines": [
                {
                    "organization_id": line.organization_id,
                    "organization": org_codes.get(line.organization_id),
                    "category": category_codes.get(line.category_id),
                    "year": line.year,
                    "amount": decimal_text(line.amount),
                }
                for line in sorted(proposal.budget_lines, key=lambda ln: (ln.organization_id, ln.category_id, ln.year))
                if line.organization_id in totals.participants
            ],
        },
        "totals": {
            "direct": decimal_text(totals.direct),
            "indirect": decimal_text(totals.indirect),
            "total": decimal_text(totals.total),
        },
        "matrix": matrix_data(proposal),
        "attachments": [
            {"id": a.id, "kind": a.kind.value, "filename": a.filename, "size": a.size, "sha256": a.sha256}
            for a in proposal.attachments
            if a.removed_at is None
        ],
    }


def freeze_version(proposal: Proposal, *, actor: User) -> ProposalVersion:
    """Record the proposal's current content as its next immutable version."""
    data = snapshot_of(proposal)
    version = ProposalVersion(
        proposal=proposal,
        number=proposal.version_count + 1,
        submitted_by_id=actor.id,
        submitted_at=utcnow(),
        snapshot=data,
        direct_total=Decimal(data["totals"]["direct"]),
        indirect_total=Decimal(data["totals"]["indirect"]),
        total=Decimal(data["totals"]["total"]),
    )
    proposal.version_count = version.number
    db.session.add(version)
    db.session.flush()
    return version
