"""No-cost extensions: the lead agency asks in time, the FMU decides or forwards to the Steering Committee."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import require_fund_manager, require_person_with_role
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.operations.rights import text_problem
from fundmgr.results.models import (
    EXTENSION_TRANSITIONS,
    OPEN_EXTENSION_STATES,
    Extension,
    ExtensionState,
    Programme,
)
from fundmgr.results.operations.dates import DATE_FIELDS, apply_programme_dates
from fundmgr.results.operations.establishing import add_months
from fundmgr.results.operations.rights import require, require_open
from fundmgr.workflow import require_transition

REASON_MAX = 4000


def last_day_to_ask(programme: Programme) -> date:
    """The last day a no-cost extension may be asked: the fund's notice (in months) before the programme ends."""
    return add_months(programme.end_date, -programme.proposal.fund.extension_notice_months)


def extension_problems(programme: Programme, new_end_date: Any, reason: Any) -> list[str]:
    """Everything wrong with a request, all at once."""
    problems = []
    if not isinstance(reason, str) or not reason.strip():
        problems.append(_("Give the reason for the extension."))
    else:
        problems += text_problem(reason, _("The reason"), REASON_MAX)
    if not isinstance(new_end_date, date):
        problems.append(_("The new end date is required."))
    elif new_end_date <= programme.end_date:
        problems.append(
            _("The new end date must be after the current one (%(date)s).", date=programme.end_date.isoformat())
        )
    elif new_end_date > add_months(programme.end_date, 60):
        problems.append(_("An extension can add at most five years."))
    deadline = last_day_to_ask(programme)
    if clock.is_past(deadline, clock.today(programme.proposal.fund)):
        problems.append(
            _(
                "A no-cost extension is asked no later than %(months)d months before the programme ends (by %(date)s).",
                months=programme.proposal.fund.extension_notice_months,
                date=deadline.isoformat(),
            )
        )
    pending = db.session.scalar(
        sa.select(Extension.id)
        .where(Extension.programme_id == programme.id, Extension.state.in_(OPEN_EXTENSION_STATES))
        .limit(1)
    )
    if pending is not None:
        problems.append(_("An extension of this programme is already waiting for a decision."))
    return problems


def request_extension(programme: Programme, *, new_end_date: date, reason: str, actor: User) -> Extension:
    """The lead agency asks for a no-cost extension: a new end date, with its reason."""
    require(programme.can_report(actor))
    # under the programme's lock: two requests at the same moment, the second sees the first
    proposal_ops.lock_proposal(programme.proposal)
    require_open(programme)
    problems = extension_problems(programme, new_end_date, reason)
    if problems:
        raise ValidationFailed(problems)
    extension = Extension(
        programme=programme,
        reason=reason.strip(),
        current_end_date=programme.end_date,
        new_end_date=new_end_date,
        requested_by_id=actor.id,
    )
    db.session.add(extension)
    db.session.flush()
    record_audit("extension.requested", extension, actor=actor, after=snapshot(extension), fund_id=programme.fund_id)
    return extension


DECISIONS = {"approve": ExtensionState.approved, "refuse": ExtensionState.refused, "forward": ExtensionState.forwarded}


def decide_extension(extension: Extension, *, decision: str, note: str, actor: User | None) -> None:
    """The FMU approves, refuses or (above the fund's threshold, where it must) forwards the request to the
    Steering Committee, whose member records the committee's decision; an approval moves the programme's end."""
    programme = extension.programme
    fund = programme.proposal.fund
    proposal_ops.lock_proposal(programme.proposal)
    db.session.refresh(extension, attribute_names=["state"])
    target = DECISIONS.get(decision)
    if target is None:
        raise ValidationFailed([_("Choose approve, refuse or forward to the Steering Committee.")])
    if extension.state is ExtensionState.forwarded:
        require_person_with_role(actor, fund, Role.sc_member)
    else:
        require_fund_manager(actor, fund)
    before = require_transition(extension, target, EXTENSION_TRANSITIONS)
    require_open(programme)
    problems = text_problem(note or "", _("The note"), REASON_MAX)
    if target is ExtensionState.approved and before is ExtensionState.requested and extension.for_committee():
        problems.append(
            _(
                "An extension of more than %(months)d months is decided by the Steering Committee: forward it.",
                months=fund.extension_committee_months,
            )
        )
    if target is ExtensionState.forwarded and not extension.for_committee():
        problems.append(_("The FMU decides an extension this short itself."))
    if target is not ExtensionState.approved and not (note or "").strip():
        problems.append(_("Give the reason in the note."))
    if problems:
        raise ValidationFailed(problems)
    extension.state = target
    extension.review_note = (note or "").strip()
    if target is not ExtensionState.forwarded:
        extension.decided_by_id = actor.id if actor else None
        extension.decided_at = clock.now()
    if target is ExtensionState.approved:
        before_dates = snapshot(programme, DATE_FIELDS)
        db.session.flush()  # the approved extension now counts in programme_end_date
        apply_programme_dates(programme, before_dates, actor=actor)  # the new end, and the periods up to it
        record_audit(
            "programme.extended",
            programme,
            actor=actor,
            before={"end_date": before_dates["end_date"]},
            after={"end_date": programme.end_date},
            fund_id=fund.id,
        )
    db.session.flush()
    record_audit(
        f"extension.{target.value}",
        extension,
        actor=actor,
        before={"state": before},
        after={"state": target, "note": extension.review_note},
        fund_id=fund.id,
    )
