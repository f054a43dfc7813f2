"""Links from a programme's indicators to the fund's framework, for the fund-level roll-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.errors import ValidationFailed
from fundmgr.funds.models import Objective
from fundmgr.results.models import FundIndicator, Measure, Programme, ProgrammeIndicator
from fundmgr.results.operations.rights import require, require_open
from fundmgr.results.standings import refresh_programme_results


@dataclass
class IndicatorLink:
    """The FMU's choice for one programme indicator."""

    indicator: ProgrammeIndicator
    fund_indicator: FundIndicator | None
    objectives: Sequence[Objective]
    measure: Measure


def set_indicator_links(programme: Programme, links: Sequence[IndicatorLink], *, actor: User) -> None:
    """Link programme indicators to fund indicators and the fund's objectives; a link must compare like with like."""
    require(programme.can_manage(actor))
    require_open(programme)
    problems = []
    for link in links:
        target = link.fund_indicator
        if link.indicator.programme_id != programme.id:
            problems.append(_("An indicator of another programme was sent."))
        elif target is not None and (target.framework.fund_id != programme.fund_id or target.retired):
            problems.append(_("%(indicator)s: choose a current indicator of the fund.", indicator=link.indicator.name))
        elif target is not None and target.measure is not link.measure:
            problems.append(
                _(
                    "%(indicator)s: a %(measure)s cannot roll up into “%(fund)s”, which is a %(fund_measure)s.",
                    indicator=link.indicator.name,
                    measure=link.measure.title.lower(),
                    fund=target.label,
                    fund_measure=target.measure.title.lower(),
                )
            )
        if any(o.fund_id != programme.fund_id for o in link.objectives):
            problems.append(_("%(indicator)s: choose objectives of the fund.", indicator=link.indicator.name))
    if problems:
        raise ValidationFailed(problems)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    linked_before = [indicator.fund_indicator_id for indicator in programme.indicators]
    for link in links:
        indicator = link.indicator
        old = link_state(indicator)
        indicator.fund_indicator = link.fund_indicator
        indicator.objectives = list(link.objectives)
        indicator.measure = link.measure
        new = link_state(indicator)
        if old != new:
            before[str(indicator.id)], after[str(indicator.id)] = old, new
    if after:
        refresh_programme_results(programme.id, linked_before=linked_before)  # the fund's roll-ups follow the links
        record_audit("programme.links_changed", programme, actor=actor, before=before, after=after)


def link_state(indicator: ProgrammeIndicator) -> dict[str, Any]:
    return {
        "fund_indicator": indicator.fund_indicator.code if indicator.fund_indicator else None,
        "objectives": [o.number for o in indicator.objectives],
        "measure": indicator.measure.value,
    }
