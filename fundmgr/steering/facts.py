"""Key facts of a proposal version, as plain data for pages and PDFs (read from the frozen snapshot)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import Organization
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund
from fundmgr.i18n import localize, territory_name
from fundmgr.proposals.models import ProposalVersion
from fundmgr.proposals.snapshot import ProposalSnapshot


def key_facts(fund: Fund, version: ProposalVersion) -> dict[str, Any]:
    """What the Steering Committee looks at first: place, area, objectives, organizations, money, markers."""
    snapshot = version.snapshot
    areas = {a.code: f"{a.number}. {a.label}" for a in fund.thematic_areas}
    objectives = {o.number: o.label for o in fund.objectives}
    markers = {m.code: m for m in fund.markers}
    codes = [p.code for p in snapshot.participants]
    organizations = {
        o.code: o.label for o in db.session.scalars(sa.select(Organization).where(Organization.code.in_(codes)))
    }
    return {
        "reference": snapshot.reference,
        "title": snapshot.title,
        "summary": snapshot.summary,
        "version": version.number,
        "submitted_on": version.submitted_at.date(),
        "place": place_of(snapshot),
        "area": areas.get(snapshot.primary_area, ""),
        "objectives": [objectives.get(n, str(n)) for n in snapshot.objectives],
        "lead": organizations.get(snapshot.lead, snapshot.lead or ""),
        "participants": [
            {"name": organizations.get(p.code, p.code), "lead": p.lead, "total": version.requested_by(p)}
            for p in snapshot.participants
        ],
        "duration_months": snapshot.duration_months,
        "start_date": snapshot.start_date,
        "total": version.requested,
        "indicative": version.is_concept_note,  # a concept note's amounts are indicative: no direct/indirect split
        "direct": version.direct_total,
        "indirect": version.indirect_total,
        "markers": [
            {"name": localize(markers[code].name), "level": markers[code].level_label(rating.level)}
            for code, rating in snapshot.markers.items()
            if code in markers
        ],
        "government_endorsement": snapshot.government_endorsement,
    }


def place_of(snapshot: ProposalSnapshot) -> str:
    """The country's name, or the region's with its countries, in the current language."""
    if snapshot.country:
        iso2 = db.session.scalar(sa.select(Country.iso2).where(Country.iso3 == snapshot.country))
        return territory_name(iso2) if iso2 else snapshot.country
    if snapshot.region:
        countries = db.session.scalars(sa.select(Country.iso2).where(Country.iso3.in_(snapshot.countries)))
        names = sorted(territory_name(c) for c in countries)
        region = territory_name(snapshot.region)
        return f"{region} ({', '.join(names)})" if names else region
    return ""
