"""Key facts of a proposal version, as plain data for pages and PDFs (read from the frozen snapshot)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import Organization
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund
from fundmgr.i18n import localize, territory_name
from fundmgr.proposals.models import ProposalVersion


def key_facts(fund: Fund, version: ProposalVersion) -> dict[str, Any]:
    """What the Steering Committee looks at first: place, area, objectives, organizations, money, markers."""
    data = version.snapshot or {}
    areas = {a.code: f"{a.number}. {a.label}" for a in fund.thematic_areas}
    objectives = {o.number: o.label for o in fund.objectives}
    markers = {m.code: m for m in fund.markers}
    codes = [p["code"] for p in data.get("participants", [])]
    organizations = {
        o.code: o.label for o in db.session.scalars(sa.select(Organization).where(Organization.code.in_(codes)))
    }
    return {
        "reference": data.get("reference", version.proposal.reference),
        "title": data.get("title", version.proposal.title),
        "summary": data.get("summary", ""),
        "version": version.number,
        "submitted_on": version.submitted_at.date(),
        "place": place_of(data),
        "area": areas.get(data.get("primary_area"), ""),
        "objectives": [objectives.get(n, str(n)) for n in data.get("objectives", [])],
        "lead": organizations.get(data.get("lead"), data.get("lead") or ""),
        "participants": [
            {"name": organizations.get(p["code"], p["code"]), "lead": p.get("lead"), "total": Decimal(p["total"])}
            for p in data.get("participants", [])
        ],
        "duration_months": data.get("duration_months"),
        "start_date": data.get("start_date"),
        "total": version.total,
        "direct": version.direct_total,
        "indirect": version.indirect_total,
        "markers": [
            {"name": localize(markers[code].name), "level": markers[code].level_label(rating.get("level"))}
            for code, rating in (data.get("markers") or {}).items()
            if code in markers
        ],
        "government_endorsement": data.get("government_endorsement", False),
    }


def place_of(data: dict[str, Any]) -> str:
    """The country's name, or the region's with its countries, in the current language."""
    if data.get("country"):
        iso2 = db.session.scalar(sa.select(Country.iso2).where(Country.iso3 == data["country"]))
        return territory_name(iso2) if iso2 else data["country"]
    if data.get("region"):
        countries = db.session.scalars(sa.select(Country.iso2).where(Country.iso3.in_(data.get("countries") or [])))
        names = sorted(territory_name(c) for c in countries)
        region = territory_name(data["region"])
        return f"{region} ({', '.join(names)})" if names else region
    return ""
