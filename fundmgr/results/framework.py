"""The results framework file: its schema, and reading it with messages that name the field.

A fund's framework is data, like its definition: a second fund ships a second file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from fundmgr.funds.definition import Strict, Text, parse_yaml_model, read_yaml_model

DATA_DIR = Path(__file__).parent / "data"
ItemCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,40}$")]
Value = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]


class OptionalText(Strict):
    """A text that may be left empty in every language (e.g. a means of verification not yet known)."""

    en: str = ""
    fr: str = ""
    es: str = ""


class Category(Strict):
    code: ItemCode
    name: Text


class Dimension(Strict):
    code: ItemCode
    name: Text
    categories: Annotated[list[Category], Field(min_length=2)]


class Indicator(Strict):
    code: ItemCode
    name: Text
    unit: Text
    measure: Literal["number", "percentage"] = "number"
    baseline: Value | None = None
    target: Value | None = None
    means_of_verification: OptionalText = OptionalText()
    disaggregation: list[ItemCode] = []
    rule: Literal["sum", "average", "max", "latest"] = "sum"

    @model_validator(mode="after")
    def rule_fits_measure(self) -> Indicator:
        if self.measure == "percentage" and self.rule == "sum":
            raise ValueError(f"indicator {self.code}: percentages cannot be summed; use average, max or latest")
        return self


class Output(Strict):
    code: ItemCode
    statement: Text
    indicators: list[Indicator] = []


class Outcome(Strict):
    code: ItemCode
    area: ItemCode
    statement: Text
    indicators: list[Indicator] = []
    outputs: list[Output] = []


class FrameworkDefinition(Strict):
    """A fund's results framework: goal, outcomes by thematic area, outputs, indicators."""

    fund: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_\-]{2,20}$")]
    goal: Text
    note: OptionalText = OptionalText()
    dimensions: list[Dimension] = []
    outcomes: Annotated[list[Outcome], Field(min_length=1)]

    @property
    def all_indicators(self) -> list[Indicator]:
        found = []
        for outcome in self.outcomes:
            found += outcome.indicators
            for output in outcome.outputs:
                found += output.indicators
        return found

    @model_validator(mode="after")
    def codes_unique_and_known(self) -> FrameworkDefinition:
        seen: set[str] = set()
        codes = [o.code for o in self.outcomes] + [p.code for o in self.outcomes for p in o.outputs]
        codes += [i.code for i in self.all_indicators]
        for code in codes:
            if code in seen:
                raise ValueError(f"code {code!r} appears twice")
            seen.add(code)
        dimensions = {d.code for d in self.dimensions}
        for indicator in self.all_indicators:
            unknown = sorted(set(indicator.disaggregation) - dimensions)
            if unknown:
                raise ValueError(f"indicator {indicator.code} names unknown dimensions {unknown}")
        return self


def parse_framework(text: str) -> FrameworkDefinition:
    """Validate a framework given as YAML text."""
    return parse_yaml_model(text, FrameworkDefinition)


def read_framework(path: Path) -> tuple[FrameworkDefinition, str]:
    """Read and validate a framework file; returns it with the file's SHA-256."""
    return read_yaml_model(path, FrameworkDefinition)


def bundled_framework(code: str = "migration-mptf") -> Path:
    """The path of a framework shipped in the package."""
    return DATA_DIR / f"{code}-framework.yaml"
