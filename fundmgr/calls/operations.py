"""Writes to calls: open (a draft), edit while draft, publish, close; and the call a proposal answers.

Each operation checks the actor's rights and the call's state itself, takes the call's row lock before it decides,
flushes, never commits, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.calls.models import CALL_TRANSITIONS, Call, CallState
from fundmgr.calls.submission import closed_problem
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.models import Fund, Objective, Region, ThematicArea
from fundmgr.funds.rights import require_fund_manager
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.operations import lock_proposal
from fundmgr.proposals.operations.rights import MAX_TEXT, require_editor
from fundmgr.workflow import require_transition

MAX_TITLE = 300
TEXTS = ("title", "description", "eligibility", "documents")


@dataclass
class CallDetails:
    """What the FMU writes into a call (texts are {language: text})."""

    title: dict[str, str]
    description: dict[str, str]
    eligibility: dict[str, str]
    documents: dict[str, str]
    opens_on: date
    closes_on: date | None
    ceiling: Decimal
    area_ids: list[int]
    region_codes: list[str]
    objective_ids: list[int]


def details_problems(fund: Fund, details: CallDetails) -> list[str]:
    """Every problem of the details at once (the form checks the same; the operation is the rule)."""
    problems = []
    for language in LANGUAGES:
        if not details.title.get(language, "").strip():
            problems.append(_("Give the call a title in every language (%(language)s is missing).",
                              language=language))  # fmt: skip
    if any(len(details.title.get(language, "")) > MAX_TITLE for language in LANGUAGES):
        problems.append(_("A title is longer than %(n)d characters.", n=MAX_TITLE))
    for name in TEXTS[1:]:
        if any(len(getattr(details, name).get(language, "")) > MAX_TEXT for language in LANGUAGES):
            problems.append(_("A text is longer than %(n)d characters.", n=MAX_TEXT))
            break
    if details.closes_on is not None and details.closes_on < details.opens_on:
        problems.append(_("The call cannot close before it opens."))
    if details.ceiling <= 0:
        problems.append(_("The ceiling per joint programme must be more than zero."))
    elif details.ceiling > fund.budget_max:
        problems.append(_("The ceiling per joint programme may not exceed the fund’s largest budget."))
    if not {a.id for a in fund.thematic_areas} >= set(details.area_ids):
        problems.append(_("Choose thematic areas of this fund."))
    if not {o.id for o in fund.objectives} >= set(details.objective_ids):
        problems.append(_("Choose objectives of this fund."))
    return problems


def lock_call(call: Call) -> Call:
    """Re-read the call under its row lock, held to the end of the transaction; check its state after this."""
    query = sa.select(Call).where(Call.id == call.id).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def snapshot(call: Call) -> dict[str, Any]:
    """What the audit log keeps of a call."""
    return {
        "title": dict(call.title),
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat() if call.closes_on else None,
        "ceiling": str(call.ceiling),
        "areas": [a.code for a in call.areas],
        "regions": [r.code for r in call.regions],
        "objectives": [o.number for o in call.objectives],
        "state": call.state.value,
    }


def apply_details(call: Call, details: CallDetails) -> None:
    for name in TEXTS:
        setattr(call, name, {language: getattr(details, name).get(language, "").strip() for language in LANGUAGES})
    call.opens_on, call.closes_on, call.ceiling = details.opens_on, details.closes_on, details.ceiling
    call.areas = list(db.session.scalars(sa.select(ThematicArea).where(ThematicArea.id.in_(details.area_ids))))
    call.regions = list(db.session.scalars(sa.select(Region).where(Region.code.in_(details.region_codes))))
    call.objectives = list(db.session.scalars(sa.select(Objective).where(Objective.id.in_(details.objective_ids))))


def next_reference(fund: Fund, year: int) -> str:
    prefix = f"{fund.code}-CALL-{year}-"
    taken = db.session.scalar(sa.select(sa.func.count()).where(Call.reference.like(f"{prefix}%"))) or 0
    return f"{prefix}{taken + 1:02d}"


def open_call(fund: Fund, details: CallDetails, *, actor: User | None) -> Call:
    """The FMU opens a call for the fund: a draft, published when it is ready."""
    require_fund_manager(actor, fund)
    if problems := details_problems(fund, details):
        raise ValidationFailed(problems)
    call = Call(fund=fund, reference=next_reference(fund, details.opens_on.year), created_by=actor,
                state=CallState.draft)  # fmt: skip
    apply_details(call, details)
    db.session.add(call)
    db.session.flush()
    record_audit("call.opened", call, actor=actor, after=snapshot(call), summary=call.label, fund_id=fund.id)
    return call


def edit_call(call: Call, details: CallDetails, *, actor: User | None) -> None:
    """Change a call while it is a draft; once published its terms hold for everyone who answers it."""
    require_fund_manager(actor, call.fund)
    call = lock_call(call)
    if not call.is_draft:
        raise InvalidTransition(_("%(what)s is published: its terms can no longer change.", what=call.display_name))
    if problems := details_problems(call.fund, details):
        raise ValidationFailed(problems)
    before = snapshot(call)
    apply_details(call, details)
    db.session.flush()
    record_audit("call.edited", call, actor=actor, before=before, after=snapshot(call), fund_id=call.fund_id)


def publish_call(call: Call, *, actor: User | None) -> None:
    """Publish a draft call: it shows on the public list and takes proposals within its window."""
    require_fund_manager(actor, call.fund)
    call = lock_call(call)
    before = require_transition(call, CallState.published, CALL_TRANSITIONS)
    call.state, call.published_at = CallState.published, clock.now()
    db.session.flush()
    record_audit("call.published", call, actor=actor, before={"state": before.value},
                 after={"state": call.state.value}, fund_id=call.fund_id)  # fmt: skip


def close_call(call: Call, *, actor: User | None) -> None:
    """Close a published call: it takes no more proposals (those received go on through the cycle)."""
    require_fund_manager(actor, call.fund)
    call = lock_call(call)
    before = require_transition(call, CallState.closed, CALL_TRANSITIONS)
    call.state, call.closed_at = CallState.closed, clock.now()
    db.session.flush()
    record_audit("call.closed", call, actor=actor, before={"state": before.value},
                 after={"state": call.state.value}, fund_id=call.fund_id)  # fmt: skip


def choose_call(proposal: Proposal, call: Call | None, *, actor: User | None) -> None:
    """Say which open call of its fund a proposal answers (None: none). Staff change it while they may edit
    the proposal, before its first submission; the system (actor None) records a past answer, as the demo does."""
    proposal = lock_proposal(proposal)
    if actor is not None:
        require_editor(proposal, actor)
        if proposal.version_count > 0:
            raise InvalidTransition(_("%(what)s was already submitted to its call.", what=proposal.display_name))
    if call is not None:
        if call.fund_id != proposal.fund_id:
            raise ValidationFailed([_("Choose a call of the proposal’s fund.")])
        if actor is not None and not call.is_open:
            raise ValidationFailed([closed_problem(call)])
    before = {"call": proposal.call_id}
    proposal.call_id = call.id if call is not None else None
    db.session.flush()
    record_audit("proposal.call_chosen", proposal, actor=actor, before=before, after={"call": proposal.call_id},
                 summary=call.reference if call else "", fund_id=proposal.fund_id)  # fmt: skip
