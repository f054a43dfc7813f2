"""The fund definition file: its schema, and reading it with messages that name the field."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from fundmgr import clock
from fundmgr.accounts.models import OrganizationKind

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
REFERENCE_FILE = Path(__file__).parent / "data" / "reference.yaml"
M = TypeVar("M", bound=BaseModel)

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]
# Organization codes are their English acronyms, some of which have a space ("UN Women").
OrgCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\- ]{0,39}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Share = Annotated[Decimal, Field(ge=0, le=1)]


def known_time_zone(name: str) -> str:
    clock.time_zone(name)  # ValueError names the zone the time zone database does not know
    return name


# An IANA time zone name ("Europe/Zurich"): where the fund's calendar deadlines end at midnight.
TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(known_time_zone)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in each of the fund's languages."""

    en: NonEmpty
    fr: NonEmpty
    es: NonEmpty


class Term(Strict):
    """A term of the fund's vocabulary, in the singular and the plural (each in every language)."""

    singular: Text
    plural: Text


class Money(Strict):
    administrative_agent_fee_rate: Share
    indirect_cost_rate: Share
    budget_min: Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
    budget_max: Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
    duration_months_min: Annotated[int, Field(ge=1, le=240)]
    duration_months_max: Annotated[int, Field(ge=1, le=240)]
    min_participating_organizations: Annotated[int, Field(ge=1, le=50)]

    @model_validator(mode="after")
    def ranges_in_order(self) -> Money:
        if self.budget_min > self.budget_max:
            raise ValueError("budget_min must not exceed budget_max")
        if self.duration_months_min > self.duration_months_max:
            raise ValueError("duration_months_min must not exceed duration_months_max")
        return self


class MarkerShare(Strict):
    """A share of the allocated money the fund seeks for programmes rated at least `min_level` on a marker."""

    marker: Code
    min_level: Annotated[int, Field(ge=0, le=10)]
    share: Share


class Targets(Strict):
    thematic_area_share: dict[Code, Share]
    region_share: dict[Annotated[str, StringConstraints(pattern=r"^\d{3}$")], Share]
    # Which marker carries the fund's share target (the Migration MPTF: the gender marker); none when left out.
    marker_share: MarkerShare | None = None

    @model_validator(mode="after")
    def shares_sum_to_one(self) -> Targets:
        for name in ("thematic_area_share", "region_share"):
            shares = getattr(self, name)
            if shares and sum(shares.values()) != 1:
                raise ValueError(f"{name} must sum to 1 (it sums to {sum(shares.values())})")
        return self


class Review(Strict):
    disagreement_threshold: Annotated[Decimal, Field(gt=0, le=100)]
    decision_rule: Literal["consensus", "majority"]


class SeatSpec(Strict):
    """A seat on the committee: held by one person, with an alternate, for a term (terms live in the app)."""

    code: Code
    name: Text
    vice_chair: bool = False


class ConstituencySpec(Strict):
    """A constituency of the committee and its seats; `votes: false` for ex officio seats without a vote."""

    code: Code
    name: Text
    votes: bool = True
    seats: Annotated[list[SeatSpec], Field(min_length=1)]


class QuorumSpec(Strict):
    """An item is quorate when at least this many voting seats not conflicted on it are represented."""

    voting_seats_represented: Annotated[int, Field(ge=1, le=500)]


class ConflictPolicy(Strict):
    """What a member's organization taking part in a proposal means, and who presides over such an item."""

    participating_organization: Literal["no_scoring", "no_decision", "recusal"]
    chair_presides_when_conflicted: bool
    presiding_fallback: Literal["vice_chair", "designated"]
    secretariat_operates_board: bool = True


class Committee(Strict):
    """The Steering Committee: its constituencies and seats, its quorum and its conflict policy."""

    constituencies: Annotated[list[ConstituencySpec], Field(min_length=1)]
    quorum: QuorumSpec
    conflicts: ConflictPolicy

    @model_validator(mode="after")
    def seats_resolve(self) -> Committee:
        unique(self.constituencies, "code", "constituency")
        seats = [seat for c in self.constituencies for seat in c.seats]
        unique(seats, "code", "seat")
        if not any(c.code == "chair" for c in self.constituencies):
            raise ValueError("committee.constituencies must include the chair's (code: chair)")
        vice = [s for c in self.constituencies for s in c.seats if s.vice_chair]
        if len(vice) > 1:
            raise ValueError("at most one seat may be the vice-chair's")
        if any(not c.votes and s.vice_chair for c in self.constituencies for s in c.seats):
            raise ValueError("the vice-chair's seat must be a voting seat")
        if self.conflicts.presiding_fallback == "vice_chair" and not vice:
            raise ValueError("presiding_fallback vice_chair needs a seat marked vice_chair")
        voting = sum(len(c.seats) for c in self.constituencies if c.votes)
        if self.quorum.voting_seats_represented > voting:
            raise ValueError(f"quorum.voting_seats_represented exceeds the {voting} voting seats")
        return self


MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


class Reporting(Strict):
    """The reporting calendar (fundmgr.funds.calendar): the MPTF Office's defaults when the file says nothing.

    `basis: calendar_year`: an annual narrative report per calendar year, due `annual_narrative_due` ("MM-DD") of
    the next year; `programme_year`: a report every `period_months` from the programme's start, due
    `due_days_after_period` days after each period.
    """

    basis: Literal["calendar_year", "programme_year"] = "calendar_year"
    annual_narrative_due: MonthDay = "03-31"
    annual_financial_due: MonthDay = "04-30"
    final_narrative_months: Annotated[int, Field(ge=0, le=24)] = 4
    final_financial_due: MonthDay = "06-30"
    period_months: Annotated[int, Field(ge=1, le=24)] = 12
    due_days_after_period: Annotated[int, Field(ge=0, le=365)] = 60

    @model_validator(mode="after")
    def days_exist(self) -> Reporting:
        for name in ("annual_narrative_due", "annual_financial_due", "final_financial_due"):
            month, day = (int(part) for part in getattr(self, name).split("-"))
            if day > (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31):
                raise ValueError(f"{name} is not a day of the year")
        return self


class AfterApproval(Strict):
    """Changes to a funded programme and the early warning on the FMU's deadlines page.

    `extension_notice_months`: a no-cost extension is asked no later than this many months before the programme
    ends. `extension_committee_months`: an extension longer than this is decided by the Steering Committee, a
    shorter one by the FMU. `delivery_warning_gap`: a programme is flagged when its delivery rate lags the share of
    its time elapsed by more than this. `tranche_min_delivery`: the delivery rate an organization reaches before
    its next tranche is released (with its reports accepted). `top_up_committee_above`: a top-up (cost extension)
    above this amount is decided by the Steering Committee, a smaller one by the FMU (0: the committee decides all).
    `revision_committee_share`: a budget revision moving more than this share of the direct costs is decided by the
    Steering Committee.
    """

    extension_notice_months: Annotated[int, Field(ge=0, le=24)] = 3
    extension_committee_months: Annotated[int, Field(ge=0, le=60)] = 6
    delivery_warning_gap: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.25")
    tranche_min_delivery: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.70")
    top_up_committee_above: Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), decimal_places=2)] = Decimal(0)
    revision_committee_share: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.10")


class Reminders(Strict):
    """When people are reminded of their deadlines (scoring, written procedures, progress reports).

    `days_before`: how many days before a deadline a reminder goes out; a last one always follows on the
    deadline day (scoring, written procedures) or the day a report becomes overdue (fundmgr.deadlines).
    """

    days_before: Annotated[list[Annotated[int, Field(ge=1, le=365)]], Field(max_length=6)] = [14, 3]

    @model_validator(mode="after")
    def days_distinct(self) -> Reminders:
        if len(set(self.days_before)) != len(self.days_before):
            raise ValueError("days_before must not repeat a day")
        return self


class ConceptNote(Strict):
    """What a concept note asks beyond the common case: what the file leaves out, it does not ask.

    `migration_corridors`: a programme may be placed on migration corridors (origin > transit > destination) as
    well as on a country, a region or global scope. `knowledge_platform`: the concept note explains how the
    programme uses and feeds the UN Network on Migration's knowledge platform and connection hub (required).
    """

    migration_corridors: bool = False
    knowledge_platform: bool = False


class ThematicArea(Strict):
    code: Code
    number: Annotated[int, Field(ge=1)]
    name: Text
    objectives: Annotated[list[int], Field(min_length=1)]


class Objective(Strict):
    number: Annotated[int, Field(ge=1)]
    short_name: Text
    name: Text


class GuidingPrinciple(Strict):
    code: Code
    number: Annotated[int, Field(ge=1)]
    name: Text
    description: Text


class MarkerLevel(Strict):
    value: Annotated[int, Field(ge=0, le=10)]
    label: Text


class Marker(Strict):
    code: Code
    name: Text
    description: Text
    required_min_level: Annotated[int, Field(ge=0, le=10)] = 0
    levels: Annotated[list[MarkerLevel], Field(min_length=2)]


class BudgetCategory(Strict):
    code: Code
    number: Annotated[int, Field(ge=1)]
    name: Text


class Criterion(Strict):
    code: Code
    name: Text
    guidance: Text
    weight: Annotated[Decimal, Field(gt=0, le=1)]
    scale_min: Annotated[int, Field(ge=0, le=100)] = 1
    scale_max: Annotated[int, Field(ge=1, le=100)] = 5

    @model_validator(mode="after")
    def scale_in_order(self) -> Criterion:
        if self.scale_min >= self.scale_max:
            raise ValueError("scale_min must be below scale_max")
        return self


class EligibilityCheck(Strict):
    code: Code
    text: Text


# An IATI organisation or activity identifier: no "/", "&", "|" or "?" (the IATI Standard Ruleset's pattern).
IatiRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{1,99}$")]


class Organization(Strict):
    code: OrgCode
    kind: OrganizationKind
    acronym: Text
    name: Text
    # Its IATI organisation identifier (XM-DAC-<code> for DAC members and multilateral agencies), if it has one.
    iati_identifier: IatiRef | None = None


class Disaggregation(Strict):
    """A dimension a programme's indicators may be disaggregated by (sex, age, migratory status...)."""

    code: Code
    name: Text


class Currency(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    name: Text


class IatiOrganization(Strict):
    """The organization that publishes the fund's IATI file: its IATI identifier, IATI type code and name."""

    ref: IatiRef
    type: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]  # IATI OrganisationType, e.g. 40 multilateral
    name: Text


class IatiSector(Strict):
    """A DAC 5-digit purpose code and the share of the fund's work it describes (percent)."""

    code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
    percentage: Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]


class IatiPolicyMarker(Strict):
    """One of the fund's markers published as an OECD DAC policy marker (IATI PolicyMarker, vocabulary 1), with the
    DAC significance (PolicySignificance: 0 not targeted, 1 significant, 2 principal) of each level of the scale."""

    marker: Code
    code: Annotated[str, StringConstraints(pattern=r"^[1-9]$")]
    significance: dict[int, Annotated[str, StringConstraints(pattern=r"^[0-4]$")]]


class Iati(Strict):
    """How the fund publishes IATI 2.03 activities (fundmgr/opendata): the fund is the parent activity, each
    funded programme a child identified as `<activity_identifier>-<programme reference>`."""

    reporting_org: IatiOrganization
    # The fund's own activity identifier: the reporting organization's identifier, then the fund's code.
    activity_identifier: IatiRef
    sectors: Annotated[list[IatiSector], Field(min_length=1)]
    # Where the fund's thematic areas (IATI vocabulary 99, the reporting organization's own) are described.
    thematic_vocabulary_uri: Annotated[str, StringConstraints(pattern=r"^https://\S{1,300}$")] | None = None
    # The markers with a DAC policy marker; the others are published in the reporting organization's vocabulary.
    policy_markers: list[IatiPolicyMarker] = []

    @model_validator(mode="after")
    def identifier_and_sectors(self) -> Iati:
        if not self.activity_identifier.startswith(self.reporting_org.ref + "-"):
            raise ValueError("iati.activity_identifier must start with the reporting organization's ref and a '-'")
        unique(self.sectors, "code", "sector")
        if sum(sector.percentage for sector in self.sectors) != 100:
            raise ValueError("iati.sectors: the percentages must sum to 100")
        return self


def unique(items: list, attr: str, what: str) -> None:
    seen: set = set()
    for item in items:
        key = getattr(item, attr)
        if key in seen:
            raise ValueError(f"{what} {attr} {key!r} appears twice")
        seen.add(key)


class FundDefinition(Strict):
    """Everything that makes a fund this fund; a second fund is a second file like this."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_\-]{2,20}$")]
    gateway_code: str | None = None
    name: Text
    short_name: Text
    description: Text
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    established: date | None = None
    # Deadlines (scoring, written procedures, report due dates) are calendar dates in this zone: the fund's
    # secretariat's. A deadline is overdue from 00:00 of the next day there.
    time_zone: TimeZoneName = clock.DEFAULT_ZONE
    money: Money
    targets: Targets
    review: Review
    committee: Committee
    reporting: Reporting = Reporting()
    reminders: Reminders = Reminders()
    after_approval: AfterApproval = AfterApproval()
    concept_note: ConceptNote = ConceptNote()
    thematic_areas: Annotated[list[ThematicArea], Field(min_length=1)]
    # What the fund calls its objectives, in headings and columns ("GCM objectives", "SDG targets").
    objectives_title: Text
    objectives: Annotated[list[Objective], Field(min_length=1)]
    guiding_principles: list[GuidingPrinciple]
    markers: list[Marker]
    budget_categories: Annotated[list[BudgetCategory], Field(min_length=1)]
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    eligibility_checks: Annotated[list[EligibilityCheck], Field(min_length=1)]
    disaggregations: list[Disaggregation] = []
    # What the fund calls the organizations it finances ("Participating UN Organization"), as it writes it.
    participating_organizations_title: Term
    # Codes of organizations of the shared reference data (or of `organizations` below).
    participating_organizations: Annotated[list[OrgCode], Field(min_length=1)]
    # Organizations of this fund alone: added when no organization has the code yet, never redefining one.
    organizations: list[Organization] = []
    # IATI 2.03 publication (/iati/activities.xml); a fund without this section is not published there.
    iati: Iati | None = None

    @model_validator(mode="after")
    def references_resolve(self) -> FundDefinition:
        unique(self.thematic_areas, "code", "thematic area")
        unique(self.objectives, "number", "objective")
        unique(self.guiding_principles, "code", "guiding principle")
        unique(self.markers, "code", "marker")
        unique(self.budget_categories, "code", "budget category")
        unique(self.criteria, "code", "criterion")
        unique(self.eligibility_checks, "code", "eligibility check")
        unique(self.organizations, "code", "organization")
        unique(self.disaggregations, "code", "disaggregation")
        if self.iati is not None:
            unknown_markers = sorted({m.marker for m in self.iati.policy_markers} - {m.code for m in self.markers})
            if unknown_markers:
                raise ValueError(f"iati.policy_markers names markers {unknown_markers} that are not defined")
        numbers = {o.number for o in self.objectives}
        for area in self.thematic_areas:
            missing = sorted(set(area.objectives) - numbers)
            if missing:
                raise ValueError(f"thematic area {area.code} names objectives {missing} that are not defined")
        weights = sum(c.weight for c in self.criteria)
        if weights != 1:
            raise ValueError(f"criteria weights must sum to 1 (they sum to {weights})")
        areas = {a.code for a in self.thematic_areas}
        unknown = sorted(set(self.targets.thematic_area_share) - areas)
        if unknown:
            raise ValueError(f"targets.thematic_area_share names unknown thematic areas {unknown}")
        target = self.targets.marker_share
        if target is not None:
            marker = next((m for m in self.markers if m.code == target.marker), None)
            if marker is None:
                raise ValueError(f"targets.marker_share names the unknown marker {target.marker!r}")
            if target.min_level not in {level.value for level in marker.levels}:
                raise ValueError(f"targets.marker_share.min_level {target.min_level} is not a level of {marker.code}")
        return self


class ReferenceData(Strict):
    """Data every fund of the installation shares: organizations and currencies (countries: m49.csv)."""

    currencies: Annotated[list[Currency], Field(min_length=1)]
    organizations: Annotated[list[Organization], Field(min_length=1)]

    @model_validator(mode="after")
    def codes_unique(self) -> ReferenceData:
        unique(self.currencies, "code", "currency")
        unique(self.organizations, "code", "organization")
        return self


class DefinitionError(Exception):
    """A fund definition file that cannot be loaded; the message names the field."""


def describe(error: ValidationError) -> str:
    """One line per problem, each starting with the path of the field."""
    lines = []
    for problem in error.errors():
        path = ".".join(str(part) for part in problem["loc"]) or "(file)"
        lines.append(f"{path}: {problem['msg']}")
    return "\n".join(lines)


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one silently: a
    section written twice would replace the first without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml_model(text: str, model: type[M]) -> M:
    """Validate a YAML document against a pydantic model; errors name the field."""
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError("the file must hold a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(describe(exc)) from exc


def read_yaml_model(path: Path, model: type[M]) -> tuple[M, str]:
    """Read and validate a YAML file; returns it with the file's SHA-256 (for idempotent loads)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(f"cannot read {path}: {exc.strerror}") from exc
    return parse_yaml_model(raw.decode("utf-8"), model), hashlib.sha256(raw).hexdigest()


def parse_definition(text: str) -> FundDefinition:
    """Validate a fund definition given as YAML text."""
    return parse_yaml_model(text, FundDefinition)


def read_definition(path: Path) -> tuple[FundDefinition, str]:
    """Read and validate a fund definition file; returns it with the file's SHA-256."""
    return read_yaml_model(path, FundDefinition)


def read_reference(path: Path = REFERENCE_FILE) -> ReferenceData:
    """Read and validate the shared reference file."""
    return read_yaml_model(path, ReferenceData)[0]


def bundled_definition(code: str = "migration-mptf") -> Path:
    """The path of a definition shipped in the package."""
    return DEFINITIONS_DIR / f"{code}.yaml"
