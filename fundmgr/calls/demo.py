"""Demo data for calls (see fundmgr/demo/seed.py for the order of the steps): the fund's first call, which every
demo proposal of those years answered, opened, published and closed by an FMU officer as on the call pages; the call
open on the day the demo is seeded, with the few concept notes it has received so far; and the next call, a draft."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.calls import operations as ops
from fundmgr.calls.models import Call
from fundmgr.db import db
from fundmgr.funds.models import Fund, FundRole
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.demo import demo_user
from fundmgr.proposals.demo_call import Places, draft_note, lead_staff
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
    lines = [f"{len(calls)} calls; {attached} proposals answer {calls[0].reference}."]
    for call, spec in zip(calls, specs, strict=True):
        if spec.get("notes"):
            count = seed_call_notes(fund, call, spec)
            lines.append(f"{call.reference} (open until {call.closes_on}): {count} concept notes received so far.")
    return lines


def window_day(spec: dict, name: str, days: str, sign: int) -> date | None:
    """A date of the call's window: written as a date, or counted in days from the day the demo is seeded (a call
    the demo keeps open whenever it is tried)."""
    if spec.get(days) is not None:
        return clock.today() + timedelta(days=sign * int(spec[days]))
    return date.fromisoformat(str(spec[name])) if spec.get(name) else None


def seed_call_notes(fund: Fund, call: Call, spec: dict) -> int:
    """The concept notes the open call has received: each written by its lead organization's staff and submitted to
    the call on its day (`submitted_days_ago`); those the FMU has begun to screen (`outcome: screening`) the day
    after."""
    places = Places()
    officer = demo_user(Role.fmu)
    for note_spec in spec["notes"]:
        agency = lead_staff(note_spec)
        day = clock.today() - timedelta(days=int(note_spec["submitted_days_ago"]))
        with clock.as_of(day):
            note = draft_note(fund, note_spec, places, spec)
            ops.choose_call(note, call, actor=agency)
            proposal_ops.submit_proposal(note, actor=agency)
        if note_spec["outcome"] == "screening":
            with clock.as_of(day + timedelta(days=1)):
                proposal_ops.start_screening(note, actor=officer)
    db.session.flush()
    return len(spec["notes"])


def seed_call(fund: Fund, spec: dict, fmu: User | None) -> Call:
    areas = {a.code: a.id for a in fund.thematic_areas}
    objectives = {o.number: o.id for o in fund.objectives}
    details = ops.CallDetails(
        **{name: {language: (spec[name].get(language) or "").strip() for language in LANGUAGES} for name in ops.TEXTS},
        opens_on=window_day(spec, "opens_on", "opens_days_ago", -1),
        closes_on=window_day(spec, "closes_on", "closes_in_days", 1),
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
