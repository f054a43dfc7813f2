"""A proposal's draft results matrix: outcomes, outputs and indicators."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.proposals.models import MatrixIndicator, MatrixOutcome, MatrixOutput, Proposal
from fundmgr.proposals.operations.rights import require_editor, text_problem


@dataclass
class IndicatorValues:
    """What an indicator of a draft results matrix holds."""

    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    means_of_verification: str = ""
    disaggregation: list[str] = field(default_factory=list)


def statement_problems(statement: str) -> list[str]:
    if not statement.strip():
        return [_("Write the statement.")]
    return text_problem(statement, _("The statement"), 2000)


def indicator_problems(values: IndicatorValues, fund: Fund) -> list[str]:
    problems = []
    if not values.name.strip():
        problems.append(_("Name the indicator."))
    problems += text_problem(values.name, _("The indicator’s name"), 500)
    problems += text_problem(values.unit, _("The unit"), 100)
    problems += text_problem(values.means_of_verification, _("The means of verification"), 2000)
    for value in (values.baseline, values.target):
        if value is not None and (not value.is_finite() or abs(value) > INDICATOR_VALUE.largest):
            problems.append(
                _(
                    "Baselines and targets are numbers of at most %(largest)s.",
                    largest=number_text(INDICATOR_VALUE.largest, INDICATOR_VALUE),
                )
            )
            break
    if set(values.disaggregation) - set(fund.disaggregation_codes):
        problems.append(_("Unknown disaggregation."))
    return problems


def matrix_proposal(item: MatrixOutcome | MatrixOutput | MatrixIndicator) -> Proposal:
    outcome = item if isinstance(item, MatrixOutcome) else item.outcome
    return outcome.proposal


def add_outcome(proposal: Proposal, statement: str, *, actor: User) -> MatrixOutcome:
    """Add an outcome at the end of the draft results matrix."""
    require_editor(proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    outcome = MatrixOutcome(position=len(proposal.outcomes) + 1, statement=statement.strip())
    proposal.outcomes.append(outcome)
    db.session.flush()
    record_audit("proposal.outcome_added", proposal, actor=actor, after={"outcome": outcome.statement})
    return outcome


def add_output(outcome: MatrixOutcome, statement: str, *, actor: User) -> MatrixOutput:
    """Add an output at the end of an outcome."""
    require_editor(outcome.proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    output = MatrixOutput(position=len(outcome.outputs) + 1, statement=statement.strip())
    outcome.outputs.append(output)
    db.session.flush()
    record_audit("proposal.output_added", outcome.proposal, actor=actor, after={"output": output.statement})
    return output


def add_indicator(
    outcome: MatrixOutcome, output: MatrixOutput | None, values: IndicatorValues, *, actor: User
) -> MatrixIndicator:
    """Add an indicator to an outcome, or to one of its outputs."""
    require_editor(outcome.proposal, actor)
    if output is not None and output.outcome_id != outcome.id:
        raise ValidationFailed([_("The output does not belong to this outcome.")])
    if problems := indicator_problems(values, outcome.proposal.fund):
        raise ValidationFailed(problems)
    siblings = output.indicators if output else outcome.outcome_indicators
    indicator = MatrixIndicator(position=len(siblings) + 1)
    set_indicator_values(indicator, values, outcome.proposal.fund)
    outcome.indicators.append(indicator)  # appended on the parents' side, so the session takes it in
    if output is not None:
        output.indicators.append(indicator)
    db.session.flush()
    record_audit("proposal.indicator_added", outcome.proposal, actor=actor, after=indicator_state(indicator))
    return indicator


def set_indicator_values(indicator: MatrixIndicator, values: IndicatorValues, fund: Fund) -> None:
    indicator.name = values.name.strip()
    indicator.unit = values.unit.strip()
    indicator.baseline = values.baseline
    indicator.target = values.target
    indicator.means_of_verification = values.means_of_verification.strip()
    indicator.disaggregation = [d for d in fund.disaggregation_codes if d in values.disaggregation]


def indicator_state(indicator: MatrixIndicator) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": indicator.baseline,
        "target": indicator.target,
        "means_of_verification": indicator.means_of_verification,
        "disaggregation": list(indicator.disaggregation or []),
    }


def update_statement(item: MatrixOutcome | MatrixOutput, statement: str, *, actor: User) -> None:
    """Reword an outcome or an output."""
    proposal = matrix_proposal(item)
    require_editor(proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    before = item.statement
    item.statement = statement.strip()
    db.session.flush()
    record_audit("proposal.matrix_updated", proposal, actor=actor, before={"statement": before},
                 after={"statement": item.statement})  # fmt: skip


def update_indicator(indicator: MatrixIndicator, values: IndicatorValues, *, actor: User) -> None:
    """Change an indicator's name, unit, baseline, target, verification or disaggregation."""
    proposal = matrix_proposal(indicator)
    require_editor(proposal, actor)
    if problems := indicator_problems(values, proposal.fund):
        raise ValidationFailed(problems)
    before = indicator_state(indicator)
    set_indicator_values(indicator, values, proposal.fund)
    db.session.flush()
    record_audit("proposal.indicator_updated", proposal, actor=actor, before=before, after=indicator_state(indicator))


def remove_matrix_item(item: MatrixOutcome | MatrixOutput | MatrixIndicator, *, actor: User) -> None:
    """Remove an outcome (with its outputs and indicators), an output (with its indicators) or an indicator."""
    proposal = matrix_proposal(item)
    require_editor(proposal, actor)
    before = {"removed": getattr(item, "statement", None) or getattr(item, "name", "")}
    if isinstance(item, MatrixOutcome):
        proposal.outcomes.remove(item)
        renumber(proposal.outcomes)
    elif isinstance(item, MatrixOutput):
        outcome = item.outcome  # removing the item from its outcome's lists unsets item.outcome
        for indicator in list(item.indicators):
            outcome.indicators.remove(indicator)
        outcome.outputs.remove(item)
        renumber(outcome.outputs)
    else:
        outcome, output = item.outcome, item.output
        outcome.indicators.remove(item)
        if output is not None:
            output.indicators.remove(item)
            renumber(output.indicators)
        else:
            renumber(outcome.outcome_indicators)
    db.session.flush()
    record_audit("proposal.matrix_item_removed", proposal, actor=actor, before=before)


def renumber(items: list[Any]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
