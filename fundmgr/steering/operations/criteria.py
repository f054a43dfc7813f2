"""The fund's scoring criteria, edited by the FMU."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.models import Criterion, Fund
from fundmgr.funds.rights import require_fund_manager
from fundmgr.i18n import LANGUAGES
from fundmgr.steering.models import Score
from fundmgr.steering.operations.rights import MAX_TEXT, text_problems

MAX_NAME = 300  # a criterion's name, as the criteria form allows
CODE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


@dataclass
class CriterionData:
    """One row of the FMU's criteria form. `criterion` is None for a new criterion (then `code` is needed)."""

    criterion: Criterion | None
    name: dict[str, str]
    guidance: dict[str, str]
    weight: Decimal | None
    scale_min: int | None
    scale_max: int | None
    retired: bool = False
    code: str = ""

    @property
    def label(self) -> str:
        return self.name.get("en") or self.code or (self.criterion.code if self.criterion else "?")


def criterion_problems(fund: Fund, row: CriterionData, scored_ids: set[int]) -> list[str]:
    """What is wrong with one criterion row, each problem naming the criterion."""
    problems: list[str] = []
    label = row.label
    if row.criterion is None:
        if not CODE.match(row.code or ""):
            problems.append(_("%(c)s: the code may hold only letters, digits, - and _.", c=label))
        elif any(c.code == row.code for c in fund.criteria):
            problems.append(_("%(c)s: the code %(code)s is already used.", c=label, code=row.code))
    for language in LANGUAGES:
        if not (row.name.get(language) or "").strip():
            problems.append(_("%(c)s: the name in %(lang)s is required.", c=label, lang=language))
        if not (row.guidance.get(language) or "").strip():
            problems.append(_("%(c)s: the guidance in %(lang)s is required.", c=label, lang=language))
    problems += criterion_text_problems(row)
    if row.retired:
        return problems
    if row.weight is None or not (0 < row.weight <= 1):
        problems.append(_("%(c)s: the weight must be more than 0 %% and at most 100 %%.", c=label))
    if row.scale_min is None or row.scale_max is None or not (0 <= row.scale_min < row.scale_max <= 100):
        problems.append(_("%(c)s: the scale must run from a lower to a higher whole number (0 to 100).", c=label))
    elif row.criterion is not None and scale_changed(row) and row.criterion.id in scored_ids:
        problems.append(_("%(c)s: members have already scored on this scale; it cannot change.", c=label))
    return problems


def criterion_text_problems(row: CriterionData) -> list[str]:
    """Names and guidance longer than the criteria form allows (the form's own labels name them)."""
    labels = {
        ("name", "en"): _("Name (English)"), ("name", "fr"): _("Name (French)"), ("name", "es"): _("Name (Spanish)"),
        ("guidance", "en"): _("Guidance (English)"), ("guidance", "fr"): _("Guidance (French)"),
        ("guidance", "es"): _("Guidance (Spanish)"),
    }  # fmt: skip
    problems = []
    for (attribute, language), label in labels.items():
        text = getattr(row, attribute).get(language) or ""
        problems += text_problems(text, f"{row.label} · {label}", limit=MAX_NAME if attribute == "name" else MAX_TEXT)
    return problems


def scale_changed(row: CriterionData) -> bool:
    return row.criterion is not None and (row.scale_min, row.scale_max) != (
        row.criterion.scale_min,
        row.criterion.scale_max,
    )


def criteria_problems(fund: Fund, rows: Sequence[CriterionData]) -> list[str]:
    """Every problem of the criteria form: per row, then weights summing to 100 % and one common scale."""
    scored_ids = set(db.session.scalars(sa.select(Score.criterion_id).where(Score.value.is_not(None)).distinct()))
    problems = [p for row in rows for p in criterion_problems(fund, row, scored_ids)]
    active = [row for row in rows if not row.retired]
    if not active:
        problems.append(_("At least one criterion must stay in use."))
    weights = [row.weight for row in active if row.weight is not None]
    if len(weights) == len(active) and sum(weights, Decimal(0)) != 1:
        problems.append(
            _("The weights must add up to 100 %% (they add up to %(sum)s %%).", sum=sum(weights, Decimal(0)) * 100)
        )
    # Weighted means compare proposals only when every criterion uses the same scale.
    scales = {(row.scale_min, row.scale_max) for row in active if row.scale_min is not None}
    if len(scales) > 1:
        problems.append(_("All criteria in use must have the same scale, so that weighted means compare."))
    return problems


CRITERION_FIELDS = ["code", "name", "guidance", "weight", "scale_min", "scale_max", "retired"]


def update_criteria(fund: Fund, rows: Sequence[CriterionData], *, actor: User | None) -> None:
    """Save the whole set of scoring criteria at once, so that their weights keep adding up to 100 %."""
    require_fund_manager(actor, fund)
    problems = criteria_problems(fund, rows)
    if problems:
        raise ValidationFailed(problems)
    next_number = max((c.number for c in fund.criteria), default=0) + 1
    for row in rows:
        criterion = row.criterion
        values = {
            "name": {k: row.name[k].strip() for k in LANGUAGES},
            "guidance": {k: row.guidance[k].strip() for k in LANGUAGES},
            "retired": row.retired,
        }
        if not row.retired:
            values |= {"weight": row.weight, "scale_min": row.scale_min, "scale_max": row.scale_max}
        if criterion is None:
            criterion = Criterion(fund_id=fund.id, code=row.code, number=next_number, **values)
            next_number += 1
            db.session.add(criterion)
            record_audit("criterion.created", criterion, actor=actor, after=snapshot(criterion, CRITERION_FIELDS))
            continue
        before = snapshot(criterion, CRITERION_FIELDS)
        for key, value in values.items():
            setattr(criterion, key, value)
        after = snapshot(criterion, CRITERION_FIELDS)
        if after != before:
            record_audit("criterion.updated", criterion, actor=actor, before=before, after=after)
    db.session.flush()
