"""Writes to funds and their reference data; every one audited."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import Organization, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.funds import definition as d
from fundmgr.funds.models import (
    BudgetCategory,
    Country,
    Criterion,
    EligibilityCheck,
    Fund,
    FundItem,
    GuidingPrinciple,
    Marker,
    Objective,
    Region,
    RegionLevel,
    ThematicArea,
)
from fundmgr.funds.seats import CommitteeConstituency, CommitteeRules, ConflictRule, PresidingFallback, Seat

M49_FILE = Path(__file__).parent / "data" / "m49.csv"


def upsert_organization(spec: d.Organization, *, actor: User | None) -> Organization:
    """Create an organization or update its names, by its stable code."""
    org = db.session.scalar(sa.select(Organization).where(Organization.code == spec.code))
    values = {"kind": spec.kind, "acronym": spec.acronym.model_dump(), "name": spec.name.model_dump()}
    if org is None:
        org = Organization(code=spec.code, **values)
        db.session.add(org)
        record_audit("organization.created", org, actor=actor, after=values)
    elif any(getattr(org, k) != v for k, v in values.items()):
        before = {k: getattr(org, k) for k in values}
        for key, value in values.items():
            setattr(org, key, value)
        record_audit("organization.updated", org, actor=actor, before=before, after=values)
    return org


def sync_items(fund: Fund, model: type[FundItem], specs: list[tuple[str, int, dict[str, Any]]]) -> dict[str, Any]:
    """Make a fund's list of one kind match the file: add, update, retire what the file dropped.

    Items are retired rather than deleted because proposals and reviews may refer to them.
    """
    existing = {item.code: item for item in db.session.scalars(sa.select(model).where(model.fund_id == fund.id))}
    seen = set()
    for code, number, values in specs:
        seen.add(code)
        item = existing.get(code)
        if item is None:
            item = model(fund_id=fund.id, code=code, number=number, **values)
            db.session.add(item)
            existing[code] = item
        else:
            item.number = number
            item.retired = False
            for key, value in values.items():
                setattr(item, key, value)
    for code, item in existing.items():
        if code not in seen:
            item.retired = True
    return existing


FUND_FIELDS = [
    "gateway_code", "name", "short_name", "description", "currency", "established", "time_zone", "aa_fee_rate",
    "indirect_cost_rate", "budget_min", "budget_max", "duration_months_min", "duration_months_max",
    "min_participating_organizations", "targets", "disagreement_threshold", "decision_rule",
    "reporting_period_months", "report_due_days", "reminder_days",
]  # fmt: skip


def fund_values(spec: d.FundDefinition) -> dict[str, Any]:
    """The fund row's columns, from the definition."""
    return {
        "gateway_code": spec.gateway_code,
        "name": spec.name.model_dump(),
        "short_name": spec.short_name.model_dump(),
        "description": spec.description.model_dump(),
        "currency": spec.currency,
        "established": spec.established,
        "time_zone": spec.time_zone,
        "aa_fee_rate": spec.money.administrative_agent_fee_rate,
        "indirect_cost_rate": spec.money.indirect_cost_rate,
        "budget_min": spec.money.budget_min,
        "budget_max": spec.money.budget_max,
        "duration_months_min": spec.money.duration_months_min,
        "duration_months_max": spec.money.duration_months_max,
        "min_participating_organizations": spec.money.min_participating_organizations,
        "targets": spec.targets.model_dump(mode="json"),
        "disagreement_threshold": spec.review.disagreement_threshold,
        "decision_rule": spec.review.decision_rule,
        "reporting_period_months": spec.reporting.period_months,
        "report_due_days": spec.reporting.due_days_after_period,
        "reminder_days": sorted(spec.reminders.days_before, reverse=True),
    }


def load_fund(spec: d.FundDefinition, sha256: str, *, actor: User | None) -> tuple[Fund, bool]:
    """Create or update a fund from its definition; returns the fund and whether anything changed.

    Loading the same file twice changes nothing and records nothing the second time.
    """
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == spec.code))
    if fund is not None and fund.definition_sha256 == sha256:
        return fund, False
    for org_spec in spec.organizations:
        upsert_organization(org_spec, actor=actor)
    db.session.flush()
    participants = {code: org_by_code(code) for code in spec.participating_organizations}
    unknown = [code for code, org in participants.items() if org is None]
    if unknown:
        raise d.DefinitionError(f"participating_organizations: unknown organization codes {unknown}")

    values = fund_values(spec)
    created = fund is None
    before = None if fund is None else {key: getattr(fund, key) for key in FUND_FIELDS}
    if fund is None:
        fund = Fund(code=spec.code, **values)
        db.session.add(fund)
    else:
        for key, value in values.items():
            setattr(fund, key, value)
    fund.definition_sha256 = sha256
    db.session.flush()
    sync_reference_lists(fund, spec)
    sync_committee(fund, spec.committee)
    fund.participating_organizations = [org for org in participants.values() if org is not None]
    db.session.flush()
    record_audit(
        "fund.created" if created else "fund.updated",
        fund,
        actor=actor,
        before=before,
        after={key: getattr(fund, key) for key in FUND_FIELDS} | {"definition_sha256": sha256},
        summary=f"definition {sha256[:12]}",
        fund_id=fund.id,
    )
    return fund, True


def sync_reference_lists(fund: Fund, spec: d.FundDefinition) -> None:
    """Bring every list of the fund in line with the definition."""
    objectives = sync_items(
        fund,
        Objective,
        [
            (str(o.number), o.number, {"short_name": o.short_name.model_dump(), "name": o.name.model_dump()})
            for o in spec.objectives
        ],
    )
    areas = sync_items(
        fund, ThematicArea, [(a.code, a.number, {"name": a.name.model_dump()}) for a in spec.thematic_areas]
    )
    db.session.flush()
    for area_spec in spec.thematic_areas:
        areas[area_spec.code].objectives = [objectives[str(n)] for n in area_spec.objectives]
    sync_items(
        fund,
        GuidingPrinciple,
        [
            (p.code, p.number, {"name": p.name.model_dump(), "description": p.description.model_dump()})
            for p in spec.guiding_principles
        ],
    )
    sync_items(
        fund,
        Marker,
        [
            (
                m.code,
                position,
                {
                    "name": m.name.model_dump(),
                    "description": m.description.model_dump(),
                    "required_min_level": m.required_min_level,
                    "levels": [level.model_dump() for level in m.levels],
                },
            )
            for position, m in enumerate(spec.markers, start=1)
        ],
    )
    sync_items(
        fund,
        BudgetCategory,
        [(c.code, c.number, {"name": c.name.model_dump()}) for c in spec.budget_categories],
    )
    sync_items(
        fund,
        Criterion,
        [
            (
                c.code,
                position,
                {
                    "name": c.name.model_dump(),
                    "guidance": c.guidance.model_dump(),
                    "weight": c.weight,
                    "scale_min": c.scale_min,
                    "scale_max": c.scale_max,
                },
            )
            for position, c in enumerate(spec.criteria, start=1)
        ],
    )
    sync_items(
        fund,
        EligibilityCheck,
        [(c.code, position, {"text": c.text.model_dump()}) for position, c in enumerate(spec.eligibility_checks, 1)],
    )


def org_by_code(code: str) -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.code == code))


def load_geography(path: Path = M49_FILE) -> int:
    """Load or refresh countries and UN M49 regions from the bundled table; returns rows added."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    countries = {c.iso3: c for c in db.session.scalars(sa.select(Country))}
    added = 0

    def ensure_region(code: str, level: RegionLevel, parent: str | None) -> None:
        nonlocal added
        if code and code not in regions:
            regions[code] = Region(code=code, level=level, parent_code=parent or None)
            db.session.add(regions[code])
            added += 1

    for row in rows:
        ensure_region(row["region_m49"], RegionLevel.region, None)
        ensure_region(row["subregion_m49"], RegionLevel.subregion, row["region_m49"])
        ensure_region(row["intermediate_m49"], RegionLevel.intermediate, row["subregion_m49"])
    db.session.flush()
    for row in rows:
        values = {
            "iso2": row["iso2"],
            "m49": row["m49"],
            "region_code": row["region_m49"] or None,
            "subregion_code": row["subregion_m49"] or None,
            "intermediate_code": row["intermediate_m49"] or None,
            "ldc": row["ldc"] == "1",
            "lldc": row["lldc"] == "1",
            "sids": row["sids"] == "1",
        }
        country = countries.get(row["iso3"])
        if country is None:
            db.session.add(Country(iso3=row["iso3"], **values))
            added += 1
        else:
            for key, value in values.items():
                setattr(country, key, value)
    db.session.flush()
    return added


def sync_committee(fund: Fund, spec: d.Committee) -> None:
    """Bring the committee's rules, constituencies and seats in line with the definition. Seats the file no
    longer names are retired, never deleted: their terms are the committee's history."""
    rules = db.session.scalar(sa.select(CommitteeRules).where(CommitteeRules.fund_id == fund.id))
    if rules is None:
        rules = CommitteeRules(fund_id=fund.id)
        db.session.add(rules)
    rules.quorum_voting_seats = spec.quorum.voting_seats_represented
    rules.conflict_rule = ConflictRule(spec.conflicts.participating_organization)
    rules.chair_presides_when_conflicted = spec.conflicts.chair_presides_when_conflicted
    rules.presiding_fallback = PresidingFallback(spec.conflicts.presiding_fallback)
    rules.secretariat_operates_board = spec.conflicts.secretariat_operates_board
    constituencies = {
        c.code: c
        for c in db.session.scalars(sa.select(CommitteeConstituency).where(CommitteeConstituency.fund_id == fund.id))
    }
    seats = {s.code: s for s in db.session.scalars(sa.select(Seat).where(Seat.fund_id == fund.id))}
    for c in constituencies.values():
        c.retired = True
    for s in seats.values():
        s.retired = True
    seat_position = 0
    for position, c_spec in enumerate(spec.constituencies, start=1):
        constituency = constituencies.get(c_spec.code)
        if constituency is None:
            constituency = CommitteeConstituency(fund_id=fund.id, code=c_spec.code, position=position, name={})
            db.session.add(constituency)
        constituency.name, constituency.votes = c_spec.name.model_dump(), c_spec.votes
        constituency.position, constituency.retired = position, False
        db.session.flush()
        for s_spec in c_spec.seats:
            seat_position += 1
            seat = seats.get(s_spec.code)
            if seat is None:
                seat = Seat(fund_id=fund.id, code=s_spec.code, position=seat_position, name={},
                            constituency_id=constituency.id)  # fmt: skip
                db.session.add(seat)
            seat.constituency_id, seat.name = constituency.id, s_spec.name.model_dump()
            seat.position, seat.vice_chair, seat.retired = seat_position, s_spec.vice_chair, False
    db.session.flush()
