"""The fund's results framework edited on the web: goal, outcomes, outputs and indicators."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.models import ThematicArea
from fundmgr.i18n import LANGUAGES
from fundmgr.numbers import INDICATOR_VALUE, parse_number
from fundmgr.results.models import AggregationRule, FundIndicator, FundOutcome, FundOutput, Measure, ResultsFramework
from fundmgr.results.operations.rights import require

INDICATOR_FIELDS = [
    "code", "name", "unit", "measure", "baseline", "target", "means_of_verification", "disaggregation", "rule",
    "outcome_id", "output_id", "retired",
]  # fmt: skip


def update_goal(framework: ResultsFramework, goal: Mapping[str, str], *, actor: User) -> None:
    """Change the fund's goal statement (in every language)."""
    require(framework.can_edit(actor))
    texts = required_texts(goal, _("The goal"))
    before = {"goal": framework.goal}
    framework.goal = texts
    record_audit("results_framework.goal_changed", framework, actor=actor, before=before, after={"goal": texts})


def required_texts(texts: Mapping[str, str], what: str) -> dict[str, str]:
    """A text given in every language, trimmed; refused when one language is missing."""
    cleaned = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES}
    missing = [lang.upper() for lang, text in cleaned.items() if not text]
    if missing:
        raise ValidationFailed([_("%(what)s is missing in: %(langs)s.", what=what, langs=", ".join(missing))])
    return cleaned


def save_outcome(
    framework: ResultsFramework,
    outcome: FundOutcome | None,
    *,
    area: ThematicArea,
    statement: Mapping[str, str],
    actor: User,
) -> FundOutcome:
    """Add an outcome to the framework, or change one; an outcome belongs to one thematic area."""
    require(framework.can_edit(actor))
    problems = []
    if area.fund_id != framework.fund_id or area.retired:
        problems.append(_("Choose one of the fund's thematic areas."))
    try:
        texts = required_texts(statement, _("The statement"))
    except ValidationFailed as exc:
        problems += exc.problems
    if problems:
        raise ValidationFailed(problems)
    before = snapshot(outcome, ["code", "area_id", "statement"]) if outcome else None
    if outcome is None:
        number = len(framework.outcomes) + 1
        outcome = FundOutcome(code=next_code(framework, "OC", number), number=number)
        framework.outcomes.append(outcome)
    outcome.area, outcome.statement = area, texts
    db.session.flush()
    after = snapshot(outcome, ["code", "area_id", "statement"])
    record_audit("fund_outcome.saved", outcome, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return outcome


def save_output(
    framework: ResultsFramework,
    outcome: FundOutcome,
    output: FundOutput | None,
    *,
    statement: Mapping[str, str],
    actor: User,
) -> FundOutput:
    """Add an output under an outcome of the framework, or change one."""
    require(framework.can_edit(actor))
    if outcome.framework_id != framework.id:
        raise ValidationFailed([_("Choose one of the framework's outcomes.")])
    texts = required_texts(statement, _("The statement"))
    before = snapshot(output, ["code", "statement"]) if output else None
    if output is None:
        number = len(outcome.outputs) + 1
        output = FundOutput(code=next_code(framework, f"OP{outcome.number}.", number), number=number)
        outcome.outputs.append(output)
    output.statement = texts
    db.session.flush()
    after = snapshot(output, ["code", "statement"])
    record_audit("fund_output.saved", output, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return output


@dataclass
class IndicatorSpec:
    """What the FMU typed for a fund indicator."""

    outcome: FundOutcome
    output: FundOutput | None
    name: dict[str, str]
    unit: dict[str, str]
    measure: Measure
    rule: AggregationRule
    baseline: str = ""
    target: str = ""
    means_of_verification: dict[str, str] = field(default_factory=dict)
    disaggregation: list[str] = field(default_factory=list)


def save_fund_indicator(
    framework: ResultsFramework, indicator: FundIndicator | None, spec: IndicatorSpec, *, actor: User
) -> FundIndicator:
    """Add an indicator to the framework, or change one; every problem is listed at once."""
    require(framework.can_edit(actor))
    problems: list[str] = []
    texts = {}
    for key, what in (("name", _("The name")), ("unit", _("The unit"))):
        try:
            texts[key] = required_texts(getattr(spec, key), what)
        except ValidationFailed as exc:
            problems += exc.problems
    numbers = {}
    for key, what in (("baseline", _("The baseline")), ("target", _("The target"))):
        try:
            numbers[key] = parse_number(getattr(spec, key), INDICATOR_VALUE)
        except ValueError as exc:
            problems.append(f"{what}: {exc}")
    if spec.outcome.framework_id != framework.id or (spec.output and spec.output.outcome_id != spec.outcome.id):
        problems.append(_("Choose an outcome of the framework, and an output of that outcome."))
    if spec.measure is Measure.percentage and spec.rule is AggregationRule.sum:
        problems.append(_("Percentages cannot be added up: choose average, highest or most recent value."))
    known = {d["code"] for d in framework.dimensions}
    if set(spec.disaggregation) - known:
        problems.append(_("Choose disaggregation dimensions from the framework's list."))
    if problems:
        raise ValidationFailed(problems)
    before = snapshot(indicator, INDICATOR_FIELDS) if indicator else None
    if indicator is None:
        number = max((i.number for i in framework.indicators), default=0) + 1
        indicator = FundIndicator(code=next_code(framework, "IN", number), number=number)
        framework.indicators.append(indicator)
    indicator.outcome, indicator.output = spec.outcome, spec.output
    indicator.name, indicator.unit = texts["name"], texts["unit"]
    indicator.measure, indicator.rule = spec.measure, spec.rule
    indicator.baseline, indicator.target = numbers["baseline"], numbers["target"]
    indicator.means_of_verification = {k: (v or "").strip() for k, v in spec.means_of_verification.items()}
    indicator.disaggregation = [d["code"] for d in framework.dimensions if d["code"] in spec.disaggregation]
    db.session.flush()
    after = snapshot(indicator, INDICATOR_FIELDS)
    record_audit("fund_indicator.saved", indicator, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return indicator


def set_indicator_retired(indicator: FundIndicator, retired: bool, *, actor: User) -> None:
    """Retire a fund indicator (it stays linked for history, but takes no new links), or bring it back."""
    require(indicator.framework.can_edit(actor))
    if indicator.retired != retired:
        indicator.retired = retired
        record_audit(
            "fund_indicator.retired" if retired else "fund_indicator.restored",
            indicator,
            actor=actor,
            before={"retired": not retired},
            after={"retired": retired},
            fund_id=indicator.framework.fund_id,
        )


def next_code(framework: ResultsFramework, prefix: str, number: int) -> str:
    """A code for an item added on the web that no item of the framework uses yet."""
    taken = {o.code for o in framework.outcomes} | {i.code for i in framework.indicators}
    taken |= {p.code for o in framework.outcomes for p in o.outputs}
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"
