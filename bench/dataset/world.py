"""The world: reference data read once, people created, framework templates per area."""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bench.dataset.context import BENCH_PASSWORD, EMAIL_DOMAIN, FEE_RATE_FALLBACK, MEMBERS, STAKEHOLDERS, Member, World
from bench.writer import BulkWriter
from fundmgr.accounts.models import Organization, OrganizationKind, Role
from fundmgr.accounts.operations import hasher
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund, Region, RegionLevel
from fundmgr.funds.seats import seats_of
from fundmgr.results import operations as results_ops
from fundmgr.results.models import Measure

FIRST_NAMES = [
    "Amina",
    "Bruno",
    "Chen",
    "Dolores",
    "Emeka",
    "Farida",
    "Gustavo",
    "Hana",
    "Ivan",
    "Jalila",
    "Kofi",
    "Lucia",
    "Mehdi",
    "Nora",
    "Omar",
    "Paula",
    "Quang",
    "Rania",
    "Sven",
    "Tariq",
    "Ulla",
    "Víctor",
    "Wanjiru",
    "Xavier",
    "Yasmin",
    "Zoran",
]
LAST_NAMES = [
    "Abebe",
    "Bianchi",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fofana",
    "García",
    "Hussain",
    "Ito",
    "Jansen",
    "Kowalski",
    "López",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Santos",
    "Tanaka",
]


def person(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}"


def indicator_range(measure: Measure, fund_target: Decimal | None):
    """How a programme indicator's baseline and target are drawn, after the fund indicator it serves."""
    if measure is Measure.percentage:

        def percentage(rng: random.Random) -> tuple[Decimal, Decimal]:
            baseline = rng.randint(10, 40)
            return Decimal(baseline), Decimal(min(95, baseline + rng.randint(15, 40)))

        return percentage
    high = max(10, int((fund_target or Decimal(500)) * Decimal("0.15")))

    def number(rng: random.Random) -> tuple[Decimal, Decimal]:
        target = rng.randint(max(3, high // 10), high)
        return Decimal(0 if rng.random() < 0.7 else rng.randint(0, max(1, target // 10))), Decimal(target)

    return number


def build_world(fund: Fund, today: date, rng: random.Random, out: BulkWriter) -> World:
    """Read the fund's reference data and create the benchmark's organizations and people."""
    from fundmgr.i18n import localize

    framework = results_ops.framework_of(fund)
    first_year = today.year - 9
    areas = []
    for area in fund.thematic_areas:
        if area.retired:
            continue
        areas.append(
            {
                "id": area.id,
                "code": area.code,
                "number": area.number,
                "objectives": [o.number for o in area.objectives if not o.retired],
                "objective_ids": [o.id for o in area.objectives if not o.retired],
                "weight": fund.target_share("thematic_area_share", area.code) or Decimal("0.2"),
            }
        )
    templates: dict[int, list[dict[str, Any]]] = {}
    for area in areas:
        pool = []
        for outcome in framework.outcomes:
            if outcome.area_id != area["id"] or outcome.retired:
                continue
            for n, indicator in enumerate(i for i in outcome.indicators if not i.retired):
                name, unit = localize(indicator.name, "en"), localize(indicator.unit, "en")
                measure = results_ops.guess_measure(unit, name)
                output = indicator.output or (outcome.outputs[0] if outcome.outputs else None)
                pool.append(
                    {
                        "level": "outcome" if indicator.output_id is None else "output",
                        "id": indicator.id if measure is indicator.measure else None,
                        "name": name,
                        "unit": unit,
                        "mov": localize(indicator.means_of_verification, "en") or "Programme records",
                        "disaggregation": list(indicator.disaggregation or []),
                        "range": indicator_range(measure, indicator.target),
                        "outcome_statement": localize(outcome.statement, "en"),
                        "output_statement": localize(output.statement, "en")
                        if output
                        else "Capacities are strengthened",
                        "objective": area["objective_ids"][n % len(area["objective_ids"])]
                        if area["objective_ids"]
                        else None,
                    }
                )
        templates[area["id"]] = pool
    punos = sorted(((o.id, o.code) for o in fund.participating_organizations), key=lambda o: o[1])
    donors = [
        (o.id, o.code)
        for o in db.session.scalars(
            sa.select(Organization).where(Organization.kind == OrganizationKind.donor).order_by(Organization.code)
        )
    ]
    regions = defaultdict(list)
    countries = []
    region_levels = dict(db.session.execute(sa.select(Region.code, Region.level)).all())
    for country in db.session.scalars(
        sa.select(Country).where(Country.region_code.is_not(None)).order_by(Country.iso3)
    ):
        countries.append((country.id, country.iso2, country.iso3, country.region_code))
        if country.subregion_code and region_levels.get(country.subregion_code) is RegionLevel.subregion:
            regions[country.subregion_code].append(country.id)
    regions = {code: ids for code, ids in regions.items() if len(ids) >= 4}

    password = hasher.hash(BENCH_PASSWORD)

    def user(email: str, name: str, role: Role, organization: int) -> int:
        ident = out.next_id("users")
        out.add(
            "users",
            {
                "id": ident,
                "email": f"{email}@{EMAIL_DOMAIN}",
                "name": name,
                "password_hash": password,
                "role": role,
                "organization_id": organization,
                "locale": "en",
                "is_active_account": True,
                "session_token": secrets.token_hex(16),
                "created_at": datetime.combine(date(first_year, 1, 2), time(9), UTC),
            },
        )
        if role is not Role.admin:  # administrators hold theirs on the installation
            since = datetime.combine(date(first_year, 1, 2), time(9), UTC)
            out.add("fund_roles", {"id": out.next_id("fund_roles"), "user_id": ident, "fund_id": fund.id,
                                   "role": role, "since": since})  # fmt: skip
        return ident

    codes = {code: ident for ident, code in punos}
    home = codes.get("IOM", punos[0][0])
    admin = user("admin", "Bench Administrator", Role.admin, home)
    fmus = [user(f"fmu{n}", person(n), Role.fmu, home) for n in range(1, 5)]
    for n, (donor_id, _code) in enumerate(donors[:2], start=1):
        user(f"viewer{n}", person(40 + n), Role.viewer, donor_id)
    agencies = {
        org: [user(f"agency-{code.lower()}-{n}", person(100 + 3 * i + n), Role.agency, org) for n in range(1, 4)]
        for i, (org, code) in enumerate(punos)
    }
    stakeholders = []
    for code, name in STAKEHOLDERS:
        ident = out.next_id("organizations")
        out.add(
            "organizations",
            {
                "id": ident,
                "code": code,
                "kind": OrganizationKind.civil_society,
                "acronym": {"en": code[3:].title(), "fr": code[3:].title(), "es": code[3:].title()},
                "name": {"en": name, "fr": name, "es": name},
            },
        )
        stakeholders.append(ident)
    un_network = [org for org, _code in punos if org != home][:12]
    seats = (
        [(home, "CHAIR")]
        + [(org, "UN-") for org in un_network]
        + [(donors[n % len(donors)][0], "MS-DONOR-") for n in range(15)]
        + [(donors[-1 - n % len(donors)][0], "MS-CHAMPION-") for n in range(15)]
        + [(stakeholders[n % len(stakeholders)], "CSO-") for n in range(7)]
    )
    members = [
        Member(user(f"member{n:02d}", person(200 + n), Role.sc_member, org), org, person(200 + n))
        for n, (org, _seat) in enumerate(seats[:MEMBERS], start=1)
    ]
    # each member holds the voting seat of the same rank (the fund's committee has as many: see prepare_fund)
    voting = [seat for seat in seats_of(fund) if seat.votes]
    for member_id, seat in zip((m.id for m in members), voting, strict=True):
        out.add("seat_terms", {"id": out.next_id("seat_terms"), "seat_id": seat.id, "holder_id": member_id,
                               "alternate_id": None, "starts_on": date(first_year, 1, 1), "ends_on": None,
                               "appointed_by_id": None,
                               "appointed_at": datetime.combine(date(first_year, 1, 2), time(9), UTC)})  # fmt: skip
    sitting = {m.organization_id for m in members}
    world = World(
        fund=fund,
        today=today,
        rng=rng,
        fee_rate=fund.aa_fee_rate or FEE_RATE_FALLBACK,
        first_year=first_year,
        areas=areas,
        objective_numbers={o.number: o.id for o in fund.objectives},
        principles=[(p.id, p.number, p.code) for p in fund.guiding_principles if not p.retired],
        markers=[(m.id, m.code, m.required_min_level) for m in fund.markers if not m.retired],
        categories=[(c.id, c.code) for c in fund.budget_categories if not c.retired],
        criteria=[(c.id, c.weight) for c in fund.criteria if not c.retired],
        checks=[c.id for c in fund.eligibility_checks if not c.retired],
        punos=punos,
        neutral_punos=[org for org, _code in punos if org not in sitting],
        donors=donors,
        countries=countries,
        regions=regions,
        fmus=fmus,
        admin=admin,
        agencies=agencies,
        members=members,
        templates=templates,
        framework=framework,
    )
    return world
