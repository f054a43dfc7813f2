"""Portfolio proposals: the FMU asks for the best selection of the proposals before the committee under a budget
and the fund's targets; the run (rules, candidates, answer) is kept as computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_fund_manager
from fundmgr.steering.models import PortfolioRun
from fundmgr.steering.optimiser import Group
from fundmgr.steering.portfolio_proposal import candidate_rows, solve


@dataclass
class ShareLimits:
    """A floor and a ceiling (shares, 0 to 1; None for none) on one thematic area's or region's share."""

    group: Group
    code: str
    floor: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass
class PortfolioRequest:
    """What the FMU asks of a portfolio proposal (amounts in the fund's currency, shares from 0 to 1)."""

    budget: Decimal | None
    shares: list[ShareLimits] = field(default_factory=list)
    marker_floor: Decimal | None = None
    country_cap: Decimal | None = None
    organization_cap: Decimal | None = None
    per_country: int | None = None
    include: set[int] = field(default_factory=set)  # proposal ids
    exclude: set[int] = field(default_factory=set)


def request_problems(request: PortfolioRequest, candidates: list[dict[str, Any]]) -> list[str]:
    """What is wrong with a request, every problem at once."""
    problems = []
    if request.budget is None or request.budget <= 0:
        problems.append(_("The budget must be more than zero."))
    for limit in request.shares:
        for value in (limit.floor, limit.ceiling):
            if value is not None and not Decimal(0) <= value <= Decimal(1):
                problems.append(_("A share must be between 0 and 100%."))
        if limit.floor is not None and limit.ceiling is not None and limit.floor > limit.ceiling:
            problems.append(_("A floor is above its ceiling (%(code)s).", code=limit.code))
    if request.marker_floor is not None and not Decimal(0) <= request.marker_floor <= Decimal(1):
        problems.append(_("A share must be between 0 and 100%."))
    for cap in (request.country_cap, request.organization_cap):
        if cap is not None and cap <= 0:
            problems.append(_("A cap must be more than zero."))
    if request.per_country is not None and request.per_country < 1:
        problems.append(_("At most per country must be 1 or more."))
    known = {c["id"] for c in candidates}
    if not (request.include | request.exclude) <= known:
        problems.append(_("Only proposals before the committee can be included or excluded."))
    if request.include & request.exclude:
        problems.append(_("A proposal cannot be both included and excluded."))
    return list(dict.fromkeys(problems))


def propose_portfolio(fund: Fund, request: PortfolioRequest, *, actor: Any) -> PortfolioRun:
    """Compute and keep the best selection of the proposals before the committee under the FMU's rules."""
    require_fund_manager(actor, fund)
    candidates = candidate_rows(fund)
    problems = request_problems(request, candidates)
    if problems:
        raise ValidationFailed(problems)
    assert request.budget is not None  # refused above
    references = {c["id"]: c["reference"] for c in candidates}
    rules = {
        "budget": str(request.budget),
        "shares": [
            {
                "group": s.group.value,
                "code": s.code,
                "floor": str(s.floor) if s.floor is not None else None,
                "ceiling": str(s.ceiling) if s.ceiling is not None else None,
            }
            for s in request.shares
            if s.floor is not None or s.ceiling is not None
        ],
        "marker_floor": str(request.marker_floor) if request.marker_floor is not None else None,
        "country_cap": str(request.country_cap) if request.country_cap is not None else None,
        "organization_cap": str(request.organization_cap) if request.organization_cap is not None else None,
        "per_country": request.per_country,
        "include": sorted(references[i] for i in request.include),
        "exclude": sorted(references[i] for i in request.exclude),
    }
    result = solve(rules, candidates)
    run = PortfolioRun(
        fund=fund,
        created_by=actor,
        budget=request.budget,
        feasible=result["feasible"],
        rules=rules,
        candidates=candidates,
        result=result,
    )
    db.session.add(run)
    db.session.flush()
    record_audit(
        "portfolio.proposed",
        run,
        actor=actor,
        after={"budget": str(request.budget), "rules": rules, "selected": result["selected"]},
    )
    return run
