"""The fund's results framework, loaded from its definition file."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.funds.definition import DefinitionError
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.results import framework as f
from fundmgr.results.models import AggregationRule, FundIndicator, FundOutcome, FundOutput, Measure, ResultsFramework


def framework_of(fund: Fund) -> ResultsFramework | None:
    """The fund's results framework, if one has been loaded."""
    return db.session.scalar(sa.select(ResultsFramework).where(ResultsFramework.fund_id == fund.id))


def load_framework(fund: Fund, spec: f.FrameworkDefinition, sha256: str, *, actor: User | None) -> tuple[Any, bool]:
    """Create or update a fund's framework from its file; returns it and whether anything changed.

    Items are matched by code; those the file no longer holds are retired, not deleted, because
    programme indicators may be linked to them. Loading an unchanged file does nothing.
    """
    if spec.fund != fund.code:
        raise DefinitionError(f"fund: the file is for fund {spec.fund}, not {fund.code}")
    areas = {a.code: a for a in fund.thematic_areas if not a.retired}
    unknown = sorted({o.area for o in spec.outcomes} - set(areas))
    if unknown:
        raise DefinitionError(f"outcomes: unknown thematic areas {unknown}")
    foreign = [d.code for d in spec.dimensions if d.code not in fund.disaggregation_codes]
    if foreign:  # the fund's definition says by what its indicators may be disaggregated; the framework adds groups
        raise DefinitionError(
            f"dimensions: {foreign} are not disaggregations of fund {fund.code} (its definition file names "
            f"{fund.disaggregation_codes})"
        )
    framework = framework_of(fund)
    if framework is not None and framework.source_sha256 == sha256:
        return framework, False
    if framework is None:
        framework = ResultsFramework(fund_id=fund.id, goal={})
        db.session.add(framework)
    framework.goal = spec.goal.model_dump()
    framework.note = spec.note.model_dump()
    framework.dimensions = [d.model_dump() for d in spec.dimensions]
    framework.source_sha256 = sha256
    db.session.flush()
    sync_framework_items(framework, spec, areas)
    record_audit(
        "results_framework.loaded",
        framework,
        actor=actor,
        after={"sha256": sha256, "outcomes": len(spec.outcomes), "indicators": len(spec.all_indicators)},
        summary=f"framework {sha256[:12]}",
        fund_id=fund.id,
    )
    return framework, True


def sync_framework_items(
    framework: ResultsFramework, spec: f.FrameworkDefinition, areas: dict[str, ThematicArea]
) -> None:
    """Make outcomes, outputs and indicators match the file: add, update, retire what it dropped."""
    outcomes = {
        o.code: o for o in db.session.scalars(sa.select(FundOutcome).where(FundOutcome.framework_id == framework.id))
    }
    indicators = {
        i.code: i
        for i in db.session.scalars(sa.select(FundIndicator).where(FundIndicator.framework_id == framework.id))
    }
    seen: set[str] = set()
    indicator_number = 0
    for number, outcome_spec in enumerate(spec.outcomes, start=1):
        outcome = outcomes.get(outcome_spec.code)
        if outcome is None:
            outcome = FundOutcome(code=outcome_spec.code)
            framework.outcomes.append(outcome)
        outcome.number, outcome.area, outcome.retired = number, areas[outcome_spec.area], False
        outcome.statement = outcome_spec.statement.model_dump()
        db.session.flush()
        seen.add(outcome.code)
        outputs = {o.code: o for o in outcome.outputs}
        for indicator_spec in outcome_spec.indicators:
            indicator_number += 1
            sync_indicator(framework, indicators, indicator_spec, outcome, None, indicator_number)
            seen.add(indicator_spec.code)
        for output_number, output_spec in enumerate(outcome_spec.outputs, start=1):
            output = outputs.get(output_spec.code)
            if output is None:
                output = FundOutput(code=output_spec.code)
                outcome.outputs.append(output)
            output.number, output.retired = output_number, False
            output.statement = output_spec.statement.model_dump()
            db.session.flush()
            seen.add(output.code)
            for indicator_spec in output_spec.indicators:
                indicator_number += 1
                sync_indicator(framework, indicators, indicator_spec, outcome, output, indicator_number)
                seen.add(indicator_spec.code)
    items: list[FundOutcome | FundIndicator] = [*outcomes.values(), *indicators.values()]
    for item in items:
        if item.code not in seen:
            item.retired = True
    for outcome in outcomes.values():
        for output in outcome.outputs:
            if output.code not in seen:
                output.retired = True


def sync_indicator(
    framework: ResultsFramework,
    existing: dict[str, FundIndicator],
    spec: f.Indicator,
    outcome: FundOutcome,
    output: FundOutput | None,
    number: int,
) -> None:
    indicator = existing.get(spec.code)
    if indicator is None:
        indicator = FundIndicator(code=spec.code)
        framework.indicators.append(indicator)
    indicator.outcome, indicator.output = outcome, output
    indicator.number, indicator.retired = number, False
    indicator.name, indicator.unit = spec.name.model_dump(), spec.unit.model_dump()
    indicator.measure, indicator.rule = Measure(spec.measure), AggregationRule(spec.rule)
    indicator.baseline, indicator.target = spec.baseline, spec.target
    indicator.means_of_verification = spec.means_of_verification.model_dump()
    indicator.disaggregation = list(spec.disaggregation)
    existing[spec.code] = indicator
