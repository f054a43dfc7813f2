"""Writes to funds and their reference data; every one audited."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.funds import definition as d
from fundmgr.funds.models import (
    BudgetCategory,
    Country,
    Criterion,
    EligibilityCheck,
    Fund,
    FundItem,
    FundRole,
    GuidingPrinciple,
    Marker,
    Objective,
    Region,
    RegionLevel,
    ThematicArea,
    fund_own_organizations,
)
from fundmgr.funds.queries import organizations_renamed
from fundmgr.funds.seats import CommitteeConstituency, CommitteeRules, ConflictRule, PresidingFallback, Seat

M49_FILE = Path(__file__).parent / "data" / "m49.csv"


def organization_values(spec: d.Organization) -> dict[str, Any]:
    return {"kind": spec.kind, "acronym": spec.acronym.model_dump(), "name": spec.name.model_dump()}


def upsert_organization(spec: d.Organization, *, actor: User | None, fund: Fund | None = None) -> Organization:
    """Create an organization or update its names, by its stable code (the reference data's own loader).

    With `fund`, the organization is that fund's own (shown with it only), e.g. its civil-society partners.
    """
    org = db.session.scalar(sa.select(Organization).where(Organization.code == spec.code))
    values = organization_values(spec)
    if org is None:
        org = Organization(code=spec.code, **values)
        db.session.add(org)
        record_audit("organization.created", org, actor=actor, after=values)
    elif any(getattr(org, k) != v for k, v in values.items()):
        before = {k: getattr(org, k) for k in values}
        for key, value in values.items():
            setattr(org, key, value)
        record_audit("organization.updated", org, actor=actor, before=before, after=values)
        organizations_renamed()
    if fund is not None and org not in fund.own_organizations:
        fund.own_organizations.append(org)
    return org


def owned_by(org: Organization) -> set[int]:
    """The funds whose own organization this is (none: shared reference data)."""
    query = sa.select(fund_own_organizations.c.fund_id).where(fund_own_organizations.c.organization_id == org.id)
    return set(db.session.scalars(query))


def add_fund_organizations(spec: d.FundDefinition, fund: Fund | None, *, actor: User | None) -> list[Organization]:
    """Add the organizations a fund file defines of its own; one that exists already must be defined alike.

    A fund never redefines shared reference data nor another fund's organization: a different kind or name
    for an existing code is refused, naming the field, and nothing is written. Its own organizations (this
    fund's alone) it may rename.
    """
    conflicts, added = [], []
    for index, org_spec in enumerate(spec.organizations):
        org = org_by_code(org_spec.code)
        values = organization_values(org_spec)
        if org is None:
            org = Organization(code=org_spec.code, **values)
            db.session.add(org)
            record_audit("organization.created", org, actor=actor, after=values)
            added.append(org)
        else:
            differing = sorted(key for key, value in values.items() if getattr(org, key) != value)
            if differing and fund is not None and owned_by(org) == {fund.id}:
                upsert_organization(org_spec, actor=actor)
            elif differing:
                conflicts.append(
                    f"organizations.{index}: {org_spec.code!r} is already defined (shared reference data or "
                    f"another fund) with another {', '.join(differing)}; a fund file may only add organizations "
                    "that do not exist yet: name it in participating_organizations and leave it out here"
                )
    if conflicts:
        raise d.DefinitionError("\n".join(conflicts))
    return added


def load_reference(spec: d.ReferenceData, *, actor: User | None, only_missing: bool = False) -> int:
    """Load the shared reference data: organizations, countries and regions; returns the rows added.

    `only_missing` adds what is not there and changes nothing else (what `flask fund load` does when the
    reference data was never loaded); otherwise names are brought in line with the reference file.
    """
    existing = set(db.session.scalars(sa.select(Organization.code)))
    added = 0
    for org_spec in spec.organizations:
        if org_spec.code not in existing:
            added += 1
        if org_spec.code not in existing or not only_missing:
            upsert_organization(org_spec, actor=actor)
    db.session.flush()
    if not only_missing or not db.session.scalar(sa.select(sa.func.count()).select_from(Country)):
        added += load_geography()
    return added


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
    "reporting_period_months", "report_due_days", "reporting_calendar", "reminder_days", "objectives_title",
    "disaggregations", "participants_title", "iati", "extension_notice_months", "extension_committee_months",
    "delivery_warning_gap", "tranche_min_delivery", "top_up_committee_above",
    "revision_committee_share", "concept_note",
]  # fmt: skip


def iati_settings(spec: d.FundDefinition) -> dict[str, Any]:
    """The definition's `iati:` section as the fund keeps it, with the IATI identifiers of the organizations the
    file defines of its own (those of the shared reference data are read from its file); {} when not published."""
    if spec.iati is None:
        return {}
    own = {org.code: org.iati_identifier for org in spec.organizations if org.iati_identifier}
    return spec.iati.model_dump(mode="json") | ({"organization_identifiers": own} if own else {})


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
        "reporting_calendar": spec.reporting.model_dump(),
        "reminder_days": sorted(spec.reminders.days_before, reverse=True),
        "objectives_title": spec.objectives_title.model_dump(),
        "disaggregations": [dimension.model_dump() for dimension in spec.disaggregations],
        "iati": iati_settings(spec),
        "extension_notice_months": spec.after_approval.extension_notice_months,
        "extension_committee_months": spec.after_approval.extension_committee_months,
        "delivery_warning_gap": spec.after_approval.delivery_warning_gap,
        "tranche_min_delivery": spec.after_approval.tranche_min_delivery,
        "top_up_committee_above": spec.after_approval.top_up_committee_above,
        "revision_committee_share": spec.after_approval.revision_committee_share,
        "participants_title": spec.participating_organizations_title.model_dump(),
        "concept_note": spec.concept_note.model_dump(),
    }


def load_fund_file(path: Path, *, actor: User | None) -> tuple[Fund, bool, int]:
    """Load a fund from its file, adding the shared reference data it finds missing first.

    Returns the fund, whether it changed, and how many reference rows were added; a fund loads into an
    empty database on its own.
    """
    spec, sha256 = d.read_definition(path)
    added = load_reference(d.read_reference(), actor=actor, only_missing=True)
    fund, changed = load_fund(spec, sha256, actor=actor)
    return fund, changed, added


def load_fund(spec: d.FundDefinition, sha256: str, *, actor: User | None) -> tuple[Fund, bool]:
    """Create or update a fund from its definition; returns the fund and whether anything changed.

    Loading the same file twice changes nothing and records nothing the second time.
    """
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == spec.code))
    if fund is not None and fund.definition_sha256 == sha256:
        return fund, False
    if spec.currency not in {c.code for c in d.read_reference().currencies}:
        raise d.DefinitionError(f"currency: {spec.currency} is not a currency of the reference data")
    own = add_fund_organizations(spec, fund, actor=actor)
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
    fund.own_organizations.extend(org for org in own if org not in fund.own_organizations)
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


def require_administrator(actor: User | None) -> None:
    """Refuse unless an administrator (or the system) acts: who holds which role is the installation's business."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(_("Only administrators may grant or end roles on a fund."))


def grant_role(user: User | None, fund: Fund, role: Role | str, *, actor: User | None) -> FundRole:
    """Give a person a role on a fund; refuses an unknown person or role, an administrator, and a second role."""
    require_administrator(actor)
    problems = []
    try:
        role = Role(role)
    except ValueError:
        problems.append(_("Unknown role."))
    else:
        if role is Role.admin:
            problems.append(_("Administrators hold their role on the whole installation, not on one fund."))
    if user is None:
        problems.append(_("Unknown person."))
    elif user.is_admin:
        problems.append(_("%(name)s is an administrator, who holds every role on every fund.", name=user.name))
    elif any(held.fund_id == fund.id for held in user.fund_roles):
        problems.append(_("%(name)s already holds a role on this fund; end it first.", name=user.name))
    if problems:
        raise ValidationFailed(problems)
    assert user is not None  # refused above
    assert isinstance(role, Role)  # refused above
    held = FundRole(user=user, fund=fund, role=role)
    db.session.add(held)
    record_audit("fund_role.granted", user, actor=actor, fund_id=fund.id,
                 after={"fund": fund.code, "role": role})  # fmt: skip
    return held


def end_role(user: User | None, fund: Fund, *, actor: User | None) -> Role:
    """End the role a person holds on a fund (they no longer see it); refuses when they hold none there."""
    require_administrator(actor)
    held = next((h for h in user.fund_roles if h.fund_id == fund.id), None) if user is not None else None
    if user is None:
        raise ValidationFailed([_("Unknown person.")])
    if held is None:
        raise ValidationFailed([_("%(name)s holds no role on this fund.", name=user.name)])
    role = held.role
    user.fund_roles.remove(held)
    db.session.delete(held)
    record_audit("fund_role.ended", user, actor=actor, fund_id=fund.id,
                 before={"fund": fund.code, "role": role, "since": held.since})  # fmt: skip
    return role


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
