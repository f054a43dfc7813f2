"""Demo data for calls (see fundmgr/demo/seed.py for the order of the steps): the fund's first call, which every
demo proposal answered, opened, published and closed by an FMU officer as on the call pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.calls import operations as ops
from fundmgr.calls.models import Call
from fundmgr.db import db
from fundmgr.funds.models import Fund, FundRole
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import Proposal
from fundmgr.scenario import demo_data


def seed_calls(fund: Fund) -> list[str]:
    """The scenario's calls, the demo proposals received attached to the first (drafts answer none yet)."""
    specs = demo_data().get("calls") or []
    if not specs or db.session.scalar(sa.select(Call.id).where(Call.fund_id == fund.id).limit(1)):
        return []
    fmu = db.session.scalar(
        sa.select(User).join(FundRole).where(FundRole.fund_id == fund.id, FundRole.role == Role.fmu).order_by(User.id)
    )
    calls = [seed_call(fund, spec, fmu) for spec in specs]
    received = sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.version_count > 0)
    proposals = db.session.scalars(received.where(Proposal.call_id.is_(None)).order_by(Proposal.id))
    attached = 0
    for proposal in proposals:
        ops.choose_call(proposal, calls[0], actor=None)  # the system records the call each one answered
        attached += 1
    db.session.flush()
    return [f"{len(calls)} calls; {attached} proposals answer {calls[0].reference}."]


def seed_call(fund: Fund, spec: dict, fmu: User | None) -> Call:
    areas = {a.code: a.id for a in fund.thematic_areas}
    objectives = {o.number: o.id for o in fund.objectives}
    details = ops.CallDetails(
        **{name: {language: (spec[name].get(language) or "").strip() for language in LANGUAGES} for name in ops.TEXTS},
        opens_on=date.fromisoformat(str(spec["opens_on"])),
        closes_on=date.fromisoformat(str(spec["closes_on"])) if spec.get("closes_on") else None,
        ceiling=Decimal(str(spec["ceiling"])),
        area_ids=[areas[code] for code in spec.get("areas") or []],
        region_codes=list(spec.get("regions") or []),
        objective_ids=[objectives[number] for number in spec.get("objectives") or []],
    )
    call = ops.open_call(fund, details, actor=fmu)
    if spec.get("state") in ("published", "closed"):
        ops.publish_call(call, actor=fmu)
    if spec.get("state") == "closed":
        ops.close_call(call, actor=fmu)
    return call
