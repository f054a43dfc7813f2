"""A programme's implementation dates: its first transfer starts it, or the FMU sets its start with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.finance.models import Allocation, Transfer
from fundmgr.proposals.models import FUNDED_STATES, ProposalState
from fundmgr.proposals.operations import lock_proposal
from fundmgr.results.models import Programme, ReportingPeriod
from fundmgr.results.operations.rights import require
from fundmgr.results.schedule import FIRST_TRANSFER, SET_BY_FMU, calendar_periods, programme_end_date
from fundmgr.results.standings import refresh_programme_results

DATE_FIELDS = ["start_date", "end_date", "start_source", "start_reason", "duration_months"]
REASON_MAX = 2000


def reported_outside(programme: Programme, start: date, end: date) -> list[str]:
    """Problems when a period with a progress report would lie outside new programme dates."""
    return [
        _(
            "Period %(n)d has a progress report and would lie outside the programme's dates (%(start)s to %(end)s).",
            n=period.number,
            start=start.isoformat(),
            end=end.isoformat(),
        )
        for period in programme.periods
        if period.report is not None and (period.start_date < start or period.end_date > end)
    ]


def regenerate_periods(programme: Programme) -> None:
    """The periods from the programme's dates and the fund's calendar; a period with a report is kept as it is."""
    kept = [period for period in programme.periods if period.report is not None]
    dropped = [period for period in programme.periods if period.report is None]
    for period in dropped:
        programme.periods.remove(period)
    for period in kept:  # out of the way of the new numbers until all are known
        period.number = -period.number
    db.session.flush()
    for period in dropped:  # deleted: SQLite may give a new period the same id, which the session must not hold
        if period in db.session:
            db.session.expunge(period)
    fresh = [
        ReportingPeriod(start_date=start, end_date=end, due_date=due)
        for start, end, due in calendar_periods(
            programme.start_date, programme.end_date, programme.proposal.fund.calendar
        )
        if not any(k.start_date <= end and start <= k.end_date for k in kept)
    ]
    for number, period in enumerate(sorted([*kept, *fresh], key=lambda p: p.start_date), start=1):
        period.number = number
        if period not in kept:
            programme.periods.append(period)
    db.session.flush()
    db.session.expire(programme, ["periods"])
    refresh_programme_results(programme.id)  # the kept periods' numbers may change


def apply_programme_dates(programme: Programme, before: dict[str, Any], *, actor: User | None) -> None:
    """Recompute the end from the start, regenerate the periods, and audit the change of dates."""
    programme.end_date = programme_end_date(programme)
    regenerate_periods(programme)
    record_audit(
        "programme.dates_changed",
        programme,
        actor=actor,
        before=before,
        after={**snapshot(programme, DATE_FIELDS), "periods": len(programme.periods)},
        fund_id=programme.proposal.fund_id,
    )


def first_transfer_date(programme: Programme) -> date | None:
    """The date of the earliest transfer to any of the programme's organizations."""
    return db.session.scalar(
        sa.select(sa.func.min(Transfer.on_date))
        .join(Allocation, Allocation.id == Transfer.allocation_id)
        .where(Allocation.proposal_id == programme.proposal_id)
    )


def start_on_first_transfer(transfer: Transfer, *, actor: User | None, **signal_data: Any) -> None:
    """Signal receiver: the programme starts on the date of its first transfer, unless the FMU set its start."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == transfer.allocation.proposal_id))
    if programme is None or programme.start_source == SET_BY_FMU:
        return
    first = first_transfer_date(programme)
    if first is None or (programme.start_source == FIRST_TRANSFER and first == programme.start_date):
        return
    if reported_outside(programme, first, programme_end_date_from(programme, first)):
        return  # reports on the planned periods exist already: the FMU decides (set_programme_start)
    before = snapshot(programme, DATE_FIELDS)
    programme.start_date, programme.start_source = first, FIRST_TRANSFER
    apply_programme_dates(programme, before, actor=actor)


def programme_end_date_from(programme: Programme, start: date) -> date:
    """What the programme's end would be with another start (the same rule: programme_end_date)."""
    current = programme.start_date
    programme.start_date = start
    try:
        return programme_end_date(programme)
    finally:
        programme.start_date = current


def set_programme_start(programme: Programme, *, start: date | None, reason: str, actor: User) -> None:
    """The FMU sets the date a programme started (e.g. a later start agreed with the organizations), with a reason."""
    require(programme.can_manage(actor))
    proposal = lock_proposal(programme.proposal)
    if proposal.state not in FUNDED_STATES or proposal.state is ProposalState.closed:
        raise InvalidTransition(_("Only the dates of approved or active programmes can be changed."))
    problems = []
    if start is None:
        problems.append(_("Give the date the programme started."))
    if not reason.strip():
        problems.append(_("Give the reason for this start date."))
    elif len(reason) > REASON_MAX:
        problems.append(_("Keep the reason under %(n)d characters.", n=REASON_MAX))
    if start is not None:
        problems += reported_outside(programme, start, programme_end_date_from(programme, start))
    if problems:
        raise ValidationFailed(problems)
    assert start is not None
    before = snapshot(programme, DATE_FIELDS)
    programme.start_date, programme.start_source, programme.start_reason = start, SET_BY_FMU, reason.strip()
    apply_programme_dates(programme, before, actor=actor)
