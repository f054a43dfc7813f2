"""Progress reports: written by the programme, submitted, then accepted or returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.proposals.models import FUNDED_STATES
from fundmgr.results.models import (
    REPORT_SECTIONS,
    REPORT_TRANSITIONS,
    IndicatorStatus,
    IndicatorValue,
    OutcomeNarrative,
    Programme,
    ProgressReport,
    ReportingPeriod,
    ReportReview,
    ReportState,
    ReviewDecision,
)
from fundmgr.results.operations.loading import framework_of
from fundmgr.results.operations.rights import require, require_open
from fundmgr.results.standings import note_report_state, refresh_programme_results
from fundmgr.results.values import IndicatorEntry, check_entry
from fundmgr.signals import report_reviewed, report_submitted
from fundmgr.workflow import require_transition


@dataclass
class ReportInput:
    """Everything a lead agency types into a progress report."""

    entries: dict[int, IndicatorEntry] = field(default_factory=dict)  # by programme indicator id
    narratives: dict[int, str] = field(default_factory=dict)  # by programme outcome id
    lessons_learned: str = ""
    sections: dict[str, str] = field(default_factory=dict)  # by REPORT_SECTIONS column


def report_state(report: ProgressReport) -> dict[str, Any]:
    """A report's content for the audit log."""
    return {
        "state": report.state,
        "values": {
            str(v.indicator_id): {
                "actual": v.actual,
                "status": v.status,
                "breakdown": v.breakdown,
                "comment": v.comment,
            }
            for v in report.values
        },
        "narratives": {str(n.outcome_id): n.text for n in report.narratives},
        "lessons_learned": report.lessons_learned,
        **{column: getattr(report, column) for column, _title, _help in REPORT_SECTIONS},
    }


def why_no_report(period: ReportingPeriod) -> str | None:
    """Why the period cannot take a report now (the programme is not funded, the period has not started), or None."""
    programme = period.programme
    if programme.proposal.state not in FUNDED_STATES:
        return _("Only funded programmes report progress.")
    if not period.has_started(clock.today(programme.proposal.fund)):
        return _(
            "This period starts on %(day)s: its report can be written from then on.", day=period.start_date.isoformat()
        )
    return None


def save_report(period: ReportingPeriod, data: ReportInput, *, actor: User) -> ProgressReport:
    """Save the lead agency's progress report on a period as a draft; values are checked, every problem listed."""
    programme = period.programme
    report = period.report
    require(report.can_edit(actor) if report else programme.can_report(actor))
    require_open(programme)
    closed = why_no_report(period)
    if closed:
        raise InvalidTransition(closed)
    checked, problems = check_report_values(programme, data)
    if problems:
        raise ValidationFailed(problems)
    before = report_state(report) if report else None
    if report is None:
        report = ProgressReport(period=period, created_by=actor)
        db.session.add(report)
    write_report(report, programme, data, checked)
    db.session.flush()
    record_audit("progress_report.saved", report, actor=actor, before=before, after=report_state(report))
    return report


def check_report_values(programme: Programme, data: ReportInput) -> tuple[dict[int, Any], list[str]]:
    """Read every indicator's entry; returns the readings and all problems found."""
    framework = framework_of(programme.proposal.fund)
    problems: list[str] = []
    checked = {}
    for indicator in programme.indicators:
        entry = data.entries.get(indicator.id, IndicatorEntry())
        dimensions = [framework.dimension(code) for code in indicator.disaggregation] if framework else []
        result = check_entry(
            entry, name=indicator.name, measure=indicator.measure, dimensions=[d for d in dimensions if d]
        )
        problems += result.problems
        status = None
        if entry.status:
            try:
                status = IndicatorStatus(entry.status)
            except ValueError:
                problems.append(_("%(indicator)s: choose a status from the list.", indicator=indicator.name))
        checked[indicator.id] = (result, status, entry.comment.strip())
    return checked, problems


def write_report(report: ProgressReport, programme: Programme, data: ReportInput, checked: dict[int, Any]) -> None:
    values = {v.indicator_id: v for v in report.values}
    for indicator in programme.indicators:
        result, status, comment = checked[indicator.id]
        value = values.get(indicator.id)
        if value is None:
            value = IndicatorValue(indicator=indicator)
            report.values.append(value)
        value.actual, value.breakdown, value.status, value.comment = result.actual, result.breakdown, status, comment
    narratives = {n.outcome_id: n for n in report.narratives}
    for outcome in programme.outcomes:
        text = (data.narratives.get(outcome.id) or "").strip()
        narrative = narratives.get(outcome.id)
        if narrative is None:
            report.narratives.append(OutcomeNarrative(outcome_id=outcome.id, text=text))
        else:
            narrative.text = text
    report.lessons_learned = data.lessons_learned.strip()
    for column, _title, _help in REPORT_SECTIONS:
        setattr(report, column, (data.sections.get(column) or "").strip())


def missing_for_submission(report: ProgressReport) -> list[str]:
    """What a report lacks before submission: a status and a value (or why not) per indicator, outcome narratives."""
    programme = report.programme
    problems = []
    for indicator in programme.indicators:
        value = report.value_for(indicator.id)
        if value is None or value.status is None:
            problems.append(_("%(indicator)s: choose a status.", indicator=indicator.name))
        if value is None or (value.actual is None and not value.comment):
            problems.append(
                _(
                    "%(indicator)s: give the value reached, or explain in the comment why there is none.",
                    indicator=indicator.name,
                )
            )
    for outcome in programme.outcomes:
        if not report.narrative_for(outcome.id):
            problems.append(_("Outcome %(n)d: describe the progress made.", n=outcome.position))
    return problems


def submit_report(report: ProgressReport, *, actor: User) -> None:
    """The lead agency hands a complete report in for the FMU's review, once the period has ended."""
    require(report.programme.can_report(actor))
    require_open(report.programme)
    before = require_transition(report, ReportState.submitted, REPORT_TRANSITIONS)
    problems = []
    if report.period.end_date > clock.today(report.programme.proposal.fund):
        problems.append(
            _("The period ends on %(day)s; submit the report after that.", day=report.period.end_date.isoformat())
        )
    problems += missing_for_submission(report)
    if problems:
        raise ValidationFailed(problems)
    report.state = ReportState.submitted
    report.submitted_at, report.submitted_by = clock.now(), actor
    note_report_state(report)
    record_audit(
        "progress_report.submitted", report, actor=actor, before={"state": before}, after={"state": report.state}
    )
    report_submitted.send(report, actor=actor)


def review_report(report: ProgressReport, decision: ReviewDecision, comment: str, *, actor: User) -> ReportReview:
    """The FMU returns a submitted report with comments, or accepts it (its figures then count in the roll-ups)."""
    require(report.can_review(actor))
    require_open(report.programme)
    target = ReportState(decision.value)
    before = require_transition(report, target, REPORT_TRANSITIONS)
    comment = comment.strip()
    if decision is ReviewDecision.returned and not comment:
        raise ValidationFailed([_("Say what the lead agency should change.")])
    report.state = target
    note_report_state(report)
    if target is ReportState.accepted:
        report.accepted_at = clock.now()
        refresh_programme_results(report.period.programme_id)  # its figures now count
    review = ReportReview(report=report, reviewer=actor, decision=decision, comment=comment)
    db.session.add(review)
    record_audit(
        f"progress_report.{decision.value}",
        report,
        actor=actor,
        before={"state": before},
        after={"state": target, "comment": comment},
    )
    report_reviewed.send(report, review=review, actor=actor)
    return review


def return_report(report: ProgressReport, comment: str, *, actor: User) -> ReportReview:
    """The FMU sends a submitted report back to the lead agency with what to change."""
    return review_report(report, ReviewDecision.returned, comment, actor=actor)


def accept_report(report: ProgressReport, comment: str = "", *, actor: User) -> ReportReview:
    """The FMU accepts a submitted report; its figures are then published and rolled up."""
    return review_report(report, ReviewDecision.accepted, comment, actor=actor)
