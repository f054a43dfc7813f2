"""A programme's reporting periods, adjusted by the FMU."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.results.models import Programme, ReportingPeriod
from fundmgr.results.operations.rights import require, require_open
from fundmgr.results.standings import refresh_programme_results


def check_period_dates(
    programme: Programme, period: ReportingPeriod | None, start: date | None, end: date | None, due: date | None
) -> list[str]:
    """What is wrong with a period's dates: order, the programme's dates, and overlap with its other periods."""
    if start is None or end is None or due is None:
        return [_("Give the start, end and due dates.")]
    problems = []
    if start > end:
        problems.append(_("The period must start before it ends."))
    if due < end:
        problems.append(_("The report cannot be due before the period ends."))
    if start < programme.start_date or end > programme.end_date:
        problems.append(
            _(
                "A period must lie within the programme's dates, %(start)s to %(end)s.",
                start=programme.start_date.isoformat(),
                end=programme.end_date.isoformat(),
            )
        )
    for other in programme.periods:
        if other is not period and other.start_date <= end and start <= other.end_date:
            problems.append(_("The dates overlap period %(n)d.", n=other.number))
    return problems


def update_period(period: ReportingPeriod, *, start: date, end: date, due: date, actor: User) -> None:
    """Change a period's dates and due date (e.g. after a no-cost extension)."""
    programme = period.programme
    require(programme.can_manage(actor))
    require_open(programme)
    problems = check_period_dates(programme, period, start, end, due)
    if period.handed_in and end is not None and end > clock.today(programme.proposal.fund):
        problems.append(_("The report on this period is handed in: the period cannot end after today."))
    if problems:
        raise ValidationFailed(problems)
    fields = ["start_date", "end_date", "due_date"]
    before = snapshot(period, fields)
    period.start_date, period.end_date, period.due_date = start, end, due
    refresh_programme_results(programme.id)  # the latest accepted value goes by the periods' ends
    record_audit("reporting_period.changed", period, actor=actor, before=before, after=snapshot(period, fields))


def add_period(programme: Programme, *, start: date, end: date, due: date, actor: User) -> ReportingPeriod:
    """Add a reporting period after the programme's last one."""
    require(programme.can_manage(actor))
    require_open(programme)
    problems = check_period_dates(programme, None, start, end, due)
    if not problems and programme.periods and start <= programme.periods[-1].end_date:
        problems.append(_("A new period starts after the last one."))
    if problems:
        raise ValidationFailed(problems)
    number = programme.periods[-1].number + 1 if programme.periods else 1
    period = ReportingPeriod(number=number, start_date=start, end_date=end, due_date=due)
    programme.periods.append(period)
    db.session.flush()
    record_audit(
        "reporting_period.added",
        period,
        actor=actor,
        after=snapshot(period, ["number", "start_date", "end_date", "due_date"]),
    )
    return period


def remove_period(period: ReportingPeriod, *, actor: User) -> None:
    """Remove the programme's last period, as long as nothing was reported on it."""
    programme = period.programme
    require(programme.can_manage(actor))
    require_open(programme)
    if period.report is not None:
        raise ValidationFailed([_("A period with a progress report cannot be removed.")])
    if period is not programme.periods[-1]:
        raise ValidationFailed([_("Only the last period can be removed.")])
    record_audit(
        "reporting_period.removed",
        period,
        actor=actor,
        before=snapshot(period, ["number", "start_date", "end_date", "due_date"]),
    )
    programme.periods.remove(period)
    db.session.flush()
