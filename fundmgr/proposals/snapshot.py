"""The frozen content of a proposal version: its one schema, its stored form and its canonical hash.

A `ProposalSnapshot` is built once, when a proposal is submitted (`versions.snapshot_of`), and
stored in `ProposalVersion.snapshot` through `SnapshotColumn`, which gives readers the typed model
back. Every field is required and no other is allowed, so a missing or renamed key fails where the
snapshot is read instead of turning into blanks in a meeting pack.

Money stays exact: Decimal in Python, a string of digits in JSON, never a float.

Fields added with an empty default and left out of the stored form while empty (`STAGE_FIELDS`: the concept
note's and programme document's content) keep version 1: rows stored before them read with empty values and hash
as they did. Any other change of the shape means a new `SCHEMA_VERSION` and an upgrade of the stored rows (a data
migration, as b439c5f5ca48 labelled the unversioned rows version 1). Once hashes of decided versions are
recorded (issue 21), stored rows can no longer be rewritten without breaking them: a later version
must keep the older one's model and upgrade on reading. Other kinds of frozen document (issue 14:
concept note, programme document) subclass `FrozenDocument`, reusing the parts, and `read_snapshot`
chooses the model (a `kind` field as discriminator).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from fundmgr.db import to_cents

SCHEMA_VERSION = 1
RATE_QUANTUM = Decimal("0.000001")  # fundmgr.db.Rate() keeps six decimals


def exact_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal or a string of digits; floats (and JSON numbers) are refused."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"numbers in a snapshot are strings of digits, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def cents(value: Any) -> Decimal:
    number = exact_decimal(value)
    if to_cents(number) != number:
        raise ValueError(f"{value!r} has more than two decimals")
    return to_cents(number)


def rate(value: Any) -> Decimal:
    number = exact_decimal(value)
    if number.quantize(RATE_QUANTUM) != number:
        raise ValueError(f"{value!r} has more than six decimals")
    return number.quantize(RATE_QUANTUM)


def digits(value: Decimal) -> str:
    return format(value, "f")


# Each kind of number has one written form, so equal values serialise (and hash) alike.
Amount = Annotated[Decimal, BeforeValidator(cents), PlainSerializer(digits, return_type=str)]
Rate = Annotated[Decimal, BeforeValidator(rate), PlainSerializer(digits, return_type=str)]
# A share in percent, two decimals (60.00), as proposal_areas keeps it.
Percent = Annotated[Decimal, BeforeValidator(cents), PlainSerializer(digits, return_type=str)]
# Indicator baselines and targets: as many decimals as given, written without trailing zeros (200, 12.5).
Quantity = Annotated[
    Decimal, BeforeValidator(exact_decimal), PlainSerializer(lambda v: digits(v.normalize()), return_type=str)
]
# Stored as ISO text; strict mode would refuse the text JSON gives back.
IsoDate = Annotated[date, Field(strict=False)]


class Part(BaseModel):
    """A piece of a frozen document: every field required, no other allowed, types not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def stored(self) -> dict[str, Any]:
        """The JSON data kept in the database (money as strings)."""
        return self.model_dump(mode="json")


class Indicator(Part):
    name: str
    unit: str
    baseline: Quantity | None
    target: Quantity | None
    means_of_verification: str
    disaggregation: list[str]


class Output(Part):
    statement: str
    indicators: list[Indicator]


class Outcome(Part):
    statement: str
    indicators: list[Indicator]
    outputs: list[Output]


class MarkerRating(Part):
    level: int | None
    justification: str


class ParticipantShare(Part):
    """One participating organization and its part of the budget."""

    organization_id: int
    code: str
    lead: bool
    indirect_rate: Rate
    direct: Amount
    indirect: Amount
    total: Amount


class BudgetLine(Part):
    organization_id: int
    organization: str  # the organization's code
    category: str  # the budget category's code
    year: int
    amount: Amount


class Budget(Part):
    years: int
    lines: list[BudgetLine]


class Totals(Part):
    direct: Amount
    indirect: Amount
    total: Amount


class AttachmentRecord(Part):
    """A file attached at submission, identified by its content hash."""

    id: int
    kind: str  # an AttachmentKind value
    filename: str
    size: int
    sha256: str


class AreaShare(Part):
    """A thematic area of the programme with its share in percent."""

    area: str  # thematic area code
    share: Percent


class NationalPartnerRecord(Part):
    name: str
    kind: str  # a PartnerKind value
    role: str


class WorkplanActivity(Part):
    year: int
    activity: str


class RiskRecord(Part):
    risk: str
    likelihood: str  # a RiskLevel value
    impact: str
    mitigation: str
    owner: str


class FrozenDocument(Part):
    """A document frozen at submission: versioned, stored as JSON, hashed in one canonical form."""

    def canonical_json(self) -> str:
        """The one serialisation of this content: sorted keys, no spaces, amounts as fixed strings."""
        return json.dumps(self.stored(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def sha256(self) -> str:
        """The hex SHA-256 of the canonical JSON: equal content, equal hash; any change, another."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


class ProposalSnapshot(FrozenDocument):
    """Everything a proposal held when it was submitted (codes, not names; money exact)."""

    schema_version: Literal[1]
    reference: str
    title: str
    summary: str
    country: str | None  # ISO3, for a single-country programme
    region: str | None  # M49 code, for a multi-country programme
    countries: list[str]  # ISO3
    primary_area: str | None  # thematic area code
    objectives: list[int]  # objective numbers
    principles: list[str]  # guiding principle codes
    duration_months: int | None
    start_date: IsoDate | None
    government_endorsement: bool
    markers: dict[str, MarkerRating]  # by marker code
    lead: str | None  # the lead organization's code
    participants: list[ParticipantShare]
    budget: Budget
    totals: Totals
    matrix: list[Outcome]
    attachments: list[AttachmentRecord]
    # The two stages' content (issue 14), added to schema version 1 without a new version: every field has an
    # empty default and is left out of the stored (and hashed) form while empty, so a snapshot stored before reads
    # with empty values and keeps the hash a decision record holds; nothing is written back to the old rows.
    areas: list[AreaShare] = Field(default_factory=list)  # every area with its share (empty: all in the primary)
    problem_statement: str = ""
    theory_of_change: str = ""
    corridors: list[list[str]] = Field(default_factory=list)  # ISO3 codes, origin -> transit -> destination
    global_scope: bool = False
    national_partners: list[NationalPartnerRecord] = Field(default_factory=list)
    sdg_targets: list[str] = Field(default_factory=list)  # SDG target codes (10.7)
    cooperation_framework: str = ""
    rc_endorsement: bool = False
    knowledge_platform: str = ""
    indicative_amounts: dict[str, Amount] = Field(default_factory=dict)  # by organization code
    workplan: list[WorkplanActivity] = Field(default_factory=list)
    risks: list[RiskRecord] = Field(default_factory=list)
    me_plan: str = ""
    sustainability: str = ""

    def stored(self) -> dict[str, Any]:
        data = super().stored()
        for name in STAGE_FIELDS:
            if getattr(self, name) == ProposalSnapshot.model_fields[name].get_default(call_default_factory=True):
                del data[name]
        return data


# The fields ProposalSnapshot gained after rows were stored, left out while empty (see `ProposalSnapshot.stored`).
STAGE_FIELDS = ("areas", "problem_statement", "theory_of_change", "corridors", "global_scope", "national_partners",
                "sdg_targets", "cooperation_framework", "rc_endorsement", "knowledge_platform", "indicative_amounts",
                "workplan", "risks", "me_plan", "sustainability")  # fmt: skip


def read_snapshot(data: Mapping[str, Any]) -> ProposalSnapshot:
    """A stored snapshot as the model; a missing, renamed, extra or mistyped field raises ValidationError."""
    return ProposalSnapshot.model_validate(data)


class SnapshotColumn(sa.types.TypeDecorator):
    """A JSON column holding a ProposalSnapshot: validated on the way in, read back as the model."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> dict[str, Any] | None:
        if value is None or isinstance(value, ProposalSnapshot):
            return None if value is None else value.stored()
        # plain data (a restored backup, the benchmark's bulk rows) is written only if it reads as a snapshot
        return read_snapshot(value).stored()

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> ProposalSnapshot | None:
        return None if value is None else read_snapshot(value)
