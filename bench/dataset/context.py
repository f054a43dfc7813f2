"""The generated fund's sizes, the world every part reads, and the fixed texts its rows are made of."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from fundmgr.funds.models import Fund
from fundmgr.proposals.models import ProposalState
from fundmgr.results.models import ResultsFramework

S = ProposalState
BENCH_PASSWORD = "bench-fundmgr-2026"  # noqa: S105 - the throwaway benchmark accounts' password
EMAIL_DOMAIN = "bench.fundmgr.example"
MEMBERS = 50
LIVE_ITEMS = 6
ZERO = Decimal("0.00")
FEE_RATE_FALLBACK = Decimal("0.01")
CURRENCIES = {
    "GOV-DEU": "EUR",
    "GOV-ESP": "EUR",
    "GOV-FRA": "EUR",
    "GOV-BEL": "EUR",
    "GOV-IRL": "EUR",
    "GOV-PRT": "EUR",
    "GOV-CYP": "EUR",
    "GOV-NLD": "EUR",
    "GOV-GBR": "GBP",
    "GOV-NOR": "NOK",
    "GOV-DNK": "DKK",
}
USD_RATES = {"EUR": Decimal("1.10"), "GBP": Decimal("1.27"), "NOK": Decimal("0.098"), "DKK": Decimal("0.147")}
STAKEHOLDERS = [
    ("CS-MIGRANTS", "Global Forum of Migrant Associations"),
    ("CS-DIASPORA", "Diaspora Development Network"),
    ("CS-EMPLOYERS", "International Employers' Council"),
    ("CS-UNIONS", "Migrant Workers' Union Alliance"),
    ("CS-YOUTH", "Youth on the Move"),
    ("CS-CITIES", "Mayors Mechanism on Migration"),
    ("CS-ACADEMIA", "Migration Research Consortium"),
]
QUALIFIERS = [
    "",
    " in target municipalities",
    " in border areas",
    " among returnees",
    " in urban areas",
    " in rural areas",
    " along the corridor",
    " in host communities",
    " at national level",
    " in pilot sites",
]
THEMES = {
    "TA1": [
        "Migration data for evidence-based policy",
        "Migration profiles and policy coherence",
        "Strengthening national migration statistics",
    ],
    "TA2": [
        "Protection of migrants in vulnerable situations",
        "Safe access to services for migrant children",
        "Protecting migrants' human rights at the borders",
    ],
    "TA3": [
        "Border governance and counter-trafficking",
        "Countering smuggling of migrants",
        "Integrated border management",
    ],
    "TA4": ["Fair recruitment and decent work", "Cheaper and safer remittances", "Skills partnerships for mobility"],
    "TA5": [
        "Social cohesion and inclusion of migrants",
        "Access to basic services for migrants",
        "Local integration and participation",
    ],
}
NARRATIVE = (
    "{lead} and its partners report progress in period {period}: activities ran as planned in most sites, "
    "partners met quarterly, and the data collected confirm the direction of change described in the "
    "programme document."
)
LESSONS = "Joint planning with the national authorities from the start shortened approvals and kept partners aligned."


@dataclass(frozen=True)
class Size:
    """How much to generate: 5,000 proposals and 2,000 funded programmes at scale 1."""

    scale: float
    proposals: int
    programmes: int
    members: int = MEMBERS
    years: int = 10

    @classmethod
    def at(cls, scale: float) -> Size:
        return cls(scale, max(LIVE_ITEMS + 20, round(5000 * scale)), max(4, round(2000 * scale)))


def rand_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def moment(rng: random.Random, day: date) -> datetime:
    """A time during the working day (UTC)."""
    return datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59)), UTC)


def month_start_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass
class Member:
    id: int
    organization_id: int
    name: str


@dataclass
class World:
    """Reference data and people, read once (ids and codes only, no ORM objects in the hot loops)."""

    fund: Fund
    today: date
    rng: random.Random
    fee_rate: Decimal
    first_year: int
    areas: list[dict[str, Any]]
    objective_numbers: dict[int, int]
    principles: list[tuple[int, int, str]]
    markers: list[tuple[int, str, int]]
    categories: list[tuple[int, str]]
    criteria: list[tuple[int, Decimal]]
    checks: list[int]
    punos: list[tuple[int, str]]
    neutral_punos: list[int]
    donors: list[tuple[int, str]]
    countries: list[tuple[int, str, str, str | None]]
    regions: dict[str, list[int]]
    fmus: list[int]
    admin: int
    agencies: dict[int, list[int]]
    members: list[Member]
    templates: dict[int, list[dict[str, Any]]]
    framework: ResultsFramework | None = None
