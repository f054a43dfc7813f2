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


def remove_matrix_item(item: MatrixOutcome | MatrixOutput | MatrixIndicator, *, actor: User) -> dict[str, Any]:
    """Remove an outcome (with its outputs and indicators), an output (with its indicators) or an indicator;
    returns what was removed, for `restore_matrix_item` to put back."""
    proposal = matrix_proposal(item)
    require_editor(proposal, actor)
    removed = removed_tree(item)
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
    return removed


def indicator_tree(indicator: MatrixIndicator) -> dict[str, Any]:
    return {
        "position": indicator.position,
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": None if indicator.baseline is None else str(indicator.baseline),
        "target": None if indicator.target is None else str(indicator.target),
        "means_of_verification": indicator.means_of_verification,
        "disaggregation": list(indicator.disaggregation or []),
    }


def output_tree(output: MatrixOutput) -> dict[str, Any]:
    return {"position": output.position, "statement": output.statement,
            "indicators": [indicator_tree(i) for i in output.indicators]}  # fmt: skip


def removed_tree(item: MatrixOutcome | MatrixOutput | MatrixIndicator) -> dict[str, Any]:
    """An item of the matrix and everything under it, as plain data (JSON), with where it stood."""
    if isinstance(item, MatrixOutcome):
        return {"kind": "outcomes", "position": item.position, "statement": item.statement,
                "outputs": [output_tree(o) for o in item.outputs],
                "indicators": [indicator_tree(i) for i in item.outcome_indicators]}  # fmt: skip
    if isinstance(item, MatrixOutput):
        return {"kind": "outputs", "outcome_id": item.outcome_id, **output_tree(item)}
    return {"kind": "indicators", "outcome_id": item.outcome_id, "output_id": item.output_id, **indicator_tree(item)}


def new_indicator(tree: dict[str, Any]) -> MatrixIndicator:
    return MatrixIndicator(
        position=tree["position"], name=tree["name"], unit=tree["unit"],
        baseline=None if tree["baseline"] is None else Decimal(tree["baseline"]),
        target=None if tree["target"] is None else Decimal(tree["target"]),
        means_of_verification=tree["means_of_verification"], disaggregation=list(tree["disaggregation"]),
    )  # fmt: skip


def new_output(tree: dict[str, Any], outcome: MatrixOutcome) -> MatrixOutput:
    output = MatrixOutput(position=tree["position"], statement=tree["statement"])
    for child in tree["indicators"]:
        indicator = new_indicator(child)
        output.indicators.append(indicator)
        outcome.indicators.append(indicator)
    return output


def put_back(items: list[Any], item: Any, position: int) -> None:
    items.insert(max(0, min(position - 1, len(items))), item)
    renumber(items)


def restore_matrix_item(proposal: Proposal, tree: dict[str, Any], *, actor: User) -> None:
    """Put back what `remove_matrix_item` removed from a draft, where it stood (its parent must still exist)."""
    require_editor(proposal, actor)
    outcomes = {o.id: o for o in proposal.outcomes}
    if tree["kind"] == "outcomes":
        outcome = MatrixOutcome(position=tree["position"], statement=tree["statement"])
        for child in tree["outputs"]:
            outcome.outputs.append(new_output(child, outcome))
        outcome.indicators.extend(new_indicator(child) for child in tree["indicators"])
        put_back(proposal.outcomes, outcome, tree["position"])
        name = tree["statement"]
    else:
        parent = outcomes.get(tree["outcome_id"])
        if parent is None:
            raise ValidationFailed([_("What held the removed item was removed too; it cannot be put back.")])
        if tree["kind"] == "outputs":
            put_back(parent.outputs, new_output(tree, parent), tree["position"])
            name = tree["statement"]
        else:
            indicator = new_indicator(tree)
            output = next((o for o in parent.outputs if o.id == tree["output_id"]), None)
            if tree["output_id"] is not None and output is None:
                raise ValidationFailed([_("What held the removed item was removed too; it cannot be put back.")])
            siblings = output.indicators if output is not None else parent.outcome_indicators
            parent.indicators.append(indicator)
            if output is not None:
                output.indicators.append(indicator)
            ordered = [i for i in siblings if i is not indicator]
            put_back(ordered, indicator, tree["position"])
            name = tree["name"]
    db.session.flush()
    record_audit("proposal.matrix_item_restored", proposal, actor=actor, after={"restored": name})


def renumber(items: list[Any]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
