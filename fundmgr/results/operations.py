"""Writes to results: the framework, programme matrices and periods, progress reports and their review.

Every operation checks the actor's rights and the rules itself, flushes, never commits, and audits.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db, utcnow
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.definition import DefinitionError
from fundmgr.funds.models import Fund, Objective, ThematicArea
from fundmgr.numbers import INDICATOR_VALUE, parse_number
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.results import framework as f
from fundmgr.results.models import (
    REPORT_TRANSITIONS,
    AggregationRule,
    Evidence,
    FundIndicator,
    FundOutcome,
    FundOutput,
    IndicatorStatus,
    IndicatorValue,
    Measure,
    OutcomeNarrative,
    Programme,
    ProgrammeIndicator,
    ProgrammeOutcome,
    ProgrammeOutput,
    ProgressReport,
    ReportingPeriod,
    ReportReview,
    ReportState,
    ResultsFramework,
    ReviewDecision,
)
from fundmgr.results.values import IndicatorEntry, check_entry
from fundmgr.signals import report_reviewed, report_submitted
from fundmgr.storage import DOCUMENT_TYPES, IMAGE_TYPES, delete_after_commit, store_upload
from fundmgr.workflow import require_transition

EVIDENCE_TYPES = DOCUMENT_TYPES | IMAGE_TYPES


def framework_of(fund: Fund) -> ResultsFramework | None:
    """The fund's results framework, if one has been loaded."""
    return db.session.scalar(sa.select(ResultsFramework).where(ResultsFramework.fund_id == fund.id))


def require(allowed: bool) -> None:
    """Refuse an action the actor has no right to."""
    if not allowed:
        raise NotAllowed(_("You do not have the rights to do this."))


# --- Loading the framework from its file ------------------------------------------------------


def load_framework(fund: Fund, spec: f.FrameworkDefinition, sha256: str, *, actor: User | None) -> tuple[Any, bool]:
    """Create or update a fund's framework from its file; returns it and whether anything changed.

    Items are matched by code; those the file no longer holds are retired, not deleted, because
    programme indicators may be linked to them. Loading an unchanged file does nothing.
    """
    if spec.fund != fund.code:
        raise DefinitionError(f"fund: the file is for fund {spec.fund}, not {fund.code}")
    areas = {a.code: a for a in fund.thematic_areas if not a.retired}
    unknown = sorted({o.area for o in spec.outcomes} - set(areas))
    if unknown:
        raise DefinitionError(f"outcomes: unknown thematic areas {unknown}")
    framework = framework_of(fund)
    if framework is not None and framework.source_sha256 == sha256:
        return framework, False
    created = framework is None
    if created:
        framework = ResultsFramework(fund_id=fund.id, goal={})
        db.session.add(framework)
    framework.goal = spec.goal.model_dump()
    framework.note = spec.note.model_dump()
    framework.dimensions = [d.model_dump() for d in spec.dimensions]
    framework.source_sha256 = sha256
    db.session.flush()
    sync_framework_items(framework, spec, areas)
    record_audit(
        "results_framework.loaded",
        framework,
        actor=actor,
        after={"sha256": sha256, "outcomes": len(spec.outcomes), "indicators": len(spec.all_indicators)},
        summary=f"framework {sha256[:12]}",
        fund_id=fund.id,
    )
    return framework, True


def sync_framework_items(framework: ResultsFramework, spec: f.FrameworkDefinition, areas: dict) -> None:
    """Make outcomes, outputs and indicators match the file: add, update, retire what it dropped."""
    outcomes = {
        o.code: o for o in db.session.scalars(sa.select(FundOutcome).where(FundOutcome.framework_id == framework.id))
    }
    indicators = {
        i.code: i
        for i in db.session.scalars(sa.select(FundIndicator).where(FundIndicator.framework_id == framework.id))
    }
    seen: set[str] = set()
    indicator_number = 0
    for number, outcome_spec in enumerate(spec.outcomes, start=1):
        outcome = outcomes.get(outcome_spec.code)
        if outcome is None:
            outcome = FundOutcome(code=outcome_spec.code)
            framework.outcomes.append(outcome)
        outcome.number, outcome.area, outcome.retired = number, areas[outcome_spec.area], False
        outcome.statement = outcome_spec.statement.model_dump()
        db.session.flush()
        seen.add(outcome.code)
        outputs = {o.code: o for o in outcome.outputs}
        for indicator_spec in outcome_spec.indicators:
            indicator_number += 1
            sync_indicator(framework, indicators, indicator_spec, outcome, None, indicator_number)
            seen.add(indicator_spec.code)
        for output_number, output_spec in enumerate(outcome_spec.outputs, start=1):
            output = outputs.get(output_spec.code)
            if output is None:
                output = FundOutput(code=output_spec.code)
                outcome.outputs.append(output)
            output.number, output.retired = output_number, False
            output.statement = output_spec.statement.model_dump()
            db.session.flush()
            seen.add(output.code)
            for indicator_spec in output_spec.indicators:
                indicator_number += 1
                sync_indicator(framework, indicators, indicator_spec, outcome, output, indicator_number)
                seen.add(indicator_spec.code)
    for item in [*outcomes.values(), *indicators.values()]:
        if item.code not in seen:
            item.retired = True
    for outcome in outcomes.values():
        for output in outcome.outputs:
            if output.code not in seen:
                output.retired = True


def sync_indicator(
    framework: ResultsFramework,
    existing: dict[str, FundIndicator],
    spec: f.Indicator,
    outcome: FundOutcome,
    output: FundOutput | None,
    number: int,
) -> None:
    indicator = existing.get(spec.code)
    if indicator is None:
        indicator = FundIndicator(code=spec.code)
        framework.indicators.append(indicator)
    indicator.outcome, indicator.output = outcome, output
    indicator.number, indicator.retired = number, False
    indicator.name, indicator.unit = spec.name.model_dump(), spec.unit.model_dump()
    indicator.measure, indicator.rule = Measure(spec.measure), AggregationRule(spec.rule)
    indicator.baseline, indicator.target = spec.baseline, spec.target
    indicator.means_of_verification = spec.means_of_verification.model_dump()
    indicator.disaggregation = list(spec.disaggregation)
    existing[spec.code] = indicator


# --- Editing the framework on the web -----------------------------------------------------------

INDICATOR_FIELDS = [
    "code", "name", "unit", "measure", "baseline", "target", "means_of_verification", "disaggregation", "rule",
    "outcome_id", "output_id", "retired",
]  # fmt: skip


def update_goal(framework: ResultsFramework, goal: Mapping[str, str], *, actor: User) -> None:
    """Change the fund's goal statement (in every language)."""
    require(framework.can_edit(actor))
    texts = required_texts(goal, _("The goal"))
    before = {"goal": framework.goal}
    framework.goal = texts
    record_audit("results_framework.goal_changed", framework, actor=actor, before=before, after={"goal": texts})


def required_texts(texts: Mapping[str, str], what: str) -> dict[str, str]:
    """A text given in every language, trimmed; refused when one language is missing."""
    cleaned = {lang: (texts.get(lang) or "").strip() for lang in ("en", "fr", "es")}
    missing = [lang.upper() for lang, text in cleaned.items() if not text]
    if missing:
        raise ValidationFailed([_("%(what)s is missing in: %(langs)s.", what=what, langs=", ".join(missing))])
    return cleaned


def save_outcome(
    framework: ResultsFramework,
    outcome: FundOutcome | None,
    *,
    area: ThematicArea,
    statement: Mapping[str, str],
    actor: User,
) -> FundOutcome:
    """Add an outcome to the framework, or change one; an outcome belongs to one thematic area."""
    require(framework.can_edit(actor))
    problems = []
    if area.fund_id != framework.fund_id or area.retired:
        problems.append(_("Choose one of the fund's thematic areas."))
    try:
        texts = required_texts(statement, _("The statement"))
    except ValidationFailed as exc:
        problems += exc.problems
    if problems:
        raise ValidationFailed(problems)
    before = snapshot(outcome, ["code", "area_id", "statement"]) if outcome else None
    if outcome is None:
        number = len(framework.outcomes) + 1
        outcome = FundOutcome(code=next_code(framework, "OC", number), number=number)
        framework.outcomes.append(outcome)
    outcome.area, outcome.statement = area, texts
    db.session.flush()
    after = snapshot(outcome, ["code", "area_id", "statement"])
    record_audit("fund_outcome.saved", outcome, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return outcome


def save_output(
    framework: ResultsFramework,
    outcome: FundOutcome,
    output: FundOutput | None,
    *,
    statement: Mapping[str, str],
    actor: User,
) -> FundOutput:
    """Add an output under an outcome of the framework, or change one."""
    require(framework.can_edit(actor))
    if outcome.framework_id != framework.id:
        raise ValidationFailed([_("Choose one of the framework's outcomes.")])
    texts = required_texts(statement, _("The statement"))
    before = snapshot(output, ["code", "statement"]) if output else None
    if output is None:
        number = len(outcome.outputs) + 1
        output = FundOutput(code=next_code(framework, f"OP{outcome.number}.", number), number=number)
        outcome.outputs.append(output)
    output.statement = texts
    db.session.flush()
    after = snapshot(output, ["code", "statement"])
    record_audit("fund_output.saved", output, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return output


@dataclass
class IndicatorSpec:
    """What the FMU typed for a fund indicator."""

    outcome: FundOutcome
    output: FundOutput | None
    name: dict[str, str]
    unit: dict[str, str]
    measure: Measure
    rule: AggregationRule
    baseline: str = ""
    target: str = ""
    means_of_verification: dict[str, str] = field(default_factory=dict)
    disaggregation: list[str] = field(default_factory=list)


def save_fund_indicator(
    framework: ResultsFramework, indicator: FundIndicator | None, spec: IndicatorSpec, *, actor: User
) -> FundIndicator:
    """Add an indicator to the framework, or change one; every problem is listed at once."""
    require(framework.can_edit(actor))
    problems: list[str] = []
    texts = {}
    for key, what in (("name", _("The name")), ("unit", _("The unit"))):
        try:
            texts[key] = required_texts(getattr(spec, key), what)
        except ValidationFailed as exc:
            problems += exc.problems
    numbers = {}
    for key, what in (("baseline", _("The baseline")), ("target", _("The target"))):
        try:
            numbers[key] = parse_number(getattr(spec, key), INDICATOR_VALUE)
        except ValueError as exc:
            problems.append(f"{what}: {exc}")
    if spec.outcome.framework_id != framework.id or (spec.output and spec.output.outcome_id != spec.outcome.id):
        problems.append(_("Choose an outcome of the framework, and an output of that outcome."))
    if spec.measure is Measure.percentage and spec.rule is AggregationRule.sum:
        problems.append(_("Percentages cannot be added up: choose average, highest or most recent value."))
    known = {d["code"] for d in framework.dimensions}
    if set(spec.disaggregation) - known:
        problems.append(_("Choose disaggregation dimensions from the framework's list."))
    if problems:
        raise ValidationFailed(problems)
    before = snapshot(indicator, INDICATOR_FIELDS) if indicator else None
    if indicator is None:
        number = max((i.number for i in framework.indicators), default=0) + 1
        indicator = FundIndicator(code=next_code(framework, "IN", number), number=number)
        framework.indicators.append(indicator)
    indicator.outcome, indicator.output = spec.outcome, spec.output
    indicator.name, indicator.unit = texts["name"], texts["unit"]
    indicator.measure, indicator.rule = spec.measure, spec.rule
    indicator.baseline, indicator.target = numbers["baseline"], numbers["target"]
    indicator.means_of_verification = {k: (v or "").strip() for k, v in spec.means_of_verification.items()}
    indicator.disaggregation = [d["code"] for d in framework.dimensions if d["code"] in spec.disaggregation]
    db.session.flush()
    after = snapshot(indicator, INDICATOR_FIELDS)
    record_audit("fund_indicator.saved", indicator, actor=actor, before=before, after=after, fund_id=framework.fund_id)
    return indicator


def set_indicator_retired(indicator: FundIndicator, retired: bool, *, actor: User) -> None:
    """Retire a fund indicator (it stays linked for history, but takes no new links), or bring it back."""
    require(indicator.framework.can_edit(actor))
    if indicator.retired != retired:
        indicator.retired = retired
        record_audit(
            "fund_indicator.retired" if retired else "fund_indicator.restored",
            indicator,
            actor=actor,
            before={"retired": not retired},
            after={"retired": retired},
            fund_id=indicator.framework.fund_id,
        )


def next_code(framework: ResultsFramework, prefix: str, number: int) -> str:
    """A code for an item added on the web that no item of the framework uses yet."""
    taken = {o.code for o in framework.outcomes} | {i.code for i in framework.indicators}
    taken |= {p.code for o in framework.outcomes for p in o.outputs}
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


# --- Establishing a funded programme ----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day of the month, months later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_periods(start: date, end: date, months: int, due_days: int) -> list[tuple[date, date, date]]:
    """(start, end, due) of each period: every `months` from the start; the last one ends with the programme."""
    periods = []
    number = 0
    while True:
        period_start = add_months(start, number * months)
        if period_start > end:
            return periods
        period_end = min(add_months(start, (number + 1) * months) - timedelta(days=1), end)
        periods.append((period_start, period_end, period_end + timedelta(days=due_days)))
        number += 1


PERCENT_WORDS = ("%", "percent", "pourcent", "porcentaje", "share of", "proportion")


def guess_measure(unit: str, name: str) -> Measure:
    """Percentage when the unit (or the name) says so; the FMU can correct it on the matrix."""
    text = f"{unit} {name if not unit else ''}".lower()
    return Measure.percentage if any(word in text for word in PERCENT_WORDS) else Measure.number


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def establish_programme(proposal: Proposal, *, actor: User | None) -> Programme:
    """Give an approved proposal its live results matrix (from the approved version) and its reporting periods.

    Idempotent: a programme already established is returned unchanged.
    """
    existing = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
    if existing is not None:
        return existing
    if proposal.state not in FUNDED_STATES:
        raise InvalidTransition(_("Only approved programmes report results."))
    version = proposal.latest_version
    if version is None:
        raise InvalidTransition(_("The programme has no approved version to take its results matrix from."))
    data = version.snapshot
    start = date.fromisoformat(data["start_date"]) if data.get("start_date") else proposal.start_date or date.today()
    duration = data.get("duration_months") or proposal.duration_months or proposal.fund.reporting_period_months
    programme = Programme(
        proposal=proposal, version=version, start_date=start, end_date=add_months(start, duration) - timedelta(days=1)
    )
    db.session.add(programme)
    build_matrix(programme, data.get("matrix") or [])
    fund = proposal.fund
    for number, (period_start, period_end, due) in enumerate(
        default_periods(programme.start_date, programme.end_date, fund.reporting_period_months, fund.report_due_days),
        start=1,
    ):
        programme.periods.append(
            ReportingPeriod(number=number, start_date=period_start, end_date=period_end, due_date=due)
        )
    db.session.flush()
    record_audit(
        "programme.established",
        programme,
        actor=actor,
        after={
            "proposal": proposal.reference,
            "version": version.number,
            "start_date": programme.start_date,
            "end_date": programme.end_date,
            "indicators": len(programme.indicators),
            "periods": len(programme.periods),
        },
        fund_id=proposal.fund_id,
    )
    return programme


def build_matrix(programme: Programme, matrix: list[dict[str, Any]]) -> None:
    """Copy the approved version's results matrix into the programme's live matrix."""
    for outcome_position, outcome_data in enumerate(matrix, start=1):
        outcome = ProgrammeOutcome(position=outcome_position, statement=outcome_data.get("statement", ""))
        programme.outcomes.append(outcome)
        add_indicators(programme, outcome, None, outcome_data.get("indicators") or [])
        for output_position, output_data in enumerate(outcome_data.get("outputs") or [], start=1):
            output = ProgrammeOutput(position=output_position, statement=output_data.get("statement", ""))
            outcome.outputs.append(output)
            add_indicators(programme, outcome, output, output_data.get("indicators") or [])


def add_indicators(
    programme: Programme, outcome: ProgrammeOutcome, output: ProgrammeOutput | None, items: list[dict[str, Any]]
) -> None:
    for position, item in enumerate(items, start=1):
        programme.indicators.append(
            ProgrammeIndicator(
                outcome=outcome,
                output=output,
                position=position,
                name=item.get("name", ""),
                unit=item.get("unit") or "",
                measure=guess_measure(item.get("unit") or "", item.get("name", "")),
                baseline=decimal_or_none(item.get("baseline")),
                target=decimal_or_none(item.get("target")),
                means_of_verification=item.get("means_of_verification") or "",
                disaggregation=list(item.get("disaggregation") or []),
            )
        )


def establish_on_approval(proposal: Proposal, *, after: Any, actor: User | None, **signal_data: Any) -> None:
    """Signal receiver: a proposal that becomes approved gets its programme in the same transaction."""
    if after in FUNDED_STATES:
        establish_programme(proposal, actor=actor)


# --- Linking a programme's indicators to the fund's framework ---------------------------------------


@dataclass
class IndicatorLink:
    """The FMU's choice for one programme indicator."""

    indicator: ProgrammeIndicator
    fund_indicator: FundIndicator | None
    objectives: Sequence[Objective]
    measure: Measure


def set_indicator_links(programme: Programme, links: Sequence[IndicatorLink], *, actor: User) -> None:
    """Link programme indicators to fund indicators and GCM objectives; a link must compare like with like."""
    require(programme.can_manage(actor))
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
    before, after = {}, {}
    for link in links:
        indicator = link.indicator
        old = link_state(indicator)
        indicator.fund_indicator = link.fund_indicator
        indicator.objectives = list(link.objectives)
        indicator.measure = link.measure
        new = link_state(indicator)
        if old != new:
            before[indicator.id], after[indicator.id] = old, new
    if after:
        record_audit("programme.links_changed", programme, actor=actor, before=before, after=after)


def link_state(indicator: ProgrammeIndicator) -> dict[str, Any]:
    return {
        "fund_indicator": indicator.fund_indicator.code if indicator.fund_indicator else None,
        "objectives": [o.number for o in indicator.objectives],
        "measure": indicator.measure.value,
    }


# --- Adjusting reporting periods -------------------------------------------------------------------


def check_period_dates(
    programme: Programme, period: ReportingPeriod | None, start: date | None, end: date | None, due: date | None
) -> list[str]:
    """What is wrong with a period's dates: order, and overlap with the programme's other periods."""
    if start is None or end is None or due is None:
        return [_("Give the start, end and due dates.")]
    problems = []
    if start > end:
        problems.append(_("The period must start before it ends."))
    if due < end:
        problems.append(_("The report cannot be due before the period ends."))
    for other in programme.periods:
        if other is not period and other.start_date <= end and start <= other.end_date:
            problems.append(_("The dates overlap period %(n)d.", n=other.number))
    return problems


def update_period(period: ReportingPeriod, *, start: date, end: date, due: date, actor: User) -> None:
    """Change a period's dates and due date (e.g. after a no-cost extension)."""
    programme = period.programme
    require(programme.can_manage(actor))
    problems = check_period_dates(programme, period, start, end, due)
    if problems:
        raise ValidationFailed(problems)
    fields = ["start_date", "end_date", "due_date"]
    before = snapshot(period, fields)
    period.start_date, period.end_date, period.due_date = start, end, due
    record_audit("reporting_period.changed", period, actor=actor, before=before, after=snapshot(period, fields))


def add_period(programme: Programme, *, start: date, end: date, due: date, actor: User) -> ReportingPeriod:
    """Add a reporting period after the programme's last one."""
    require(programme.can_manage(actor))
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


# --- Progress reports ----------------------------------------------------------------------------------


@dataclass
class ReportInput:
    """Everything a lead agency types into a progress report."""

    entries: dict[int, IndicatorEntry] = field(default_factory=dict)  # by programme indicator id
    narratives: dict[int, str] = field(default_factory=dict)  # by programme outcome id
    lessons_learned: str = ""


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
    }


def save_report(
    period: ReportingPeriod, data: ReportInput, *, actor: User, today: date | None = None
) -> ProgressReport:
    """Save the lead agency's progress report on a period as a draft; values are checked, every problem listed."""
    programme = period.programme
    report = period.report
    require(report.can_edit(actor) if report else programme.can_report(actor))
    today = today or date.today()
    if programme.proposal.state not in FUNDED_STATES:
        raise InvalidTransition(_("Only funded programmes report progress."))
    if period.start_date > today:
        raise InvalidTransition(_("This period has not started yet."))
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


def submit_report(report: ProgressReport, *, actor: User, today: date | None = None) -> None:
    """The lead agency hands a complete report in for the FMU's review, once the period has ended."""
    require(report.programme.can_report(actor))
    before = require_transition(report, ReportState.submitted, REPORT_TRANSITIONS)
    today = today or date.today()
    problems = []
    if report.period.end_date > today:
        problems.append(
            _("The period ends on %(day)s; submit the report after that.", day=report.period.end_date.isoformat())
        )
    problems += missing_for_submission(report)
    if problems:
        raise ValidationFailed(problems)
    report.state = ReportState.submitted
    report.submitted_at, report.submitted_by = utcnow(), actor
    record_audit(
        "progress_report.submitted", report, actor=actor, before={"state": before}, after={"state": report.state}
    )
    report_submitted.send(report, actor=actor)


def review_report(report: ProgressReport, decision: ReviewDecision, comment: str, *, actor: User) -> ReportReview:
    """The FMU returns a submitted report with comments, or accepts it (its figures then count in the roll-ups)."""
    require(report.can_review(actor))
    target = ReportState(decision.value)
    before = require_transition(report, target, REPORT_TRANSITIONS)
    comment = comment.strip()
    if decision is ReviewDecision.returned and not comment:
        raise ValidationFailed([_("Say what the lead agency should change.")])
    report.state = target
    if target is ReportState.accepted:
        report.accepted_at = utcnow()
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


# --- Evidence -------------------------------------------------------------------------------------------


def add_evidence(report: ProgressReport, upload: FileStorage | None, caption: str, *, actor: User) -> Evidence:
    """Attach a file (PDF, Word, Excel, PNG or JPEG photo, checked by content) to a report being written."""
    require(report.can_edit(actor))
    if len(caption.strip()) > 300:
        raise ValidationFailed([_("The caption may have at most 300 characters.")])
    stored = store_upload(upload, allowed=EVIDENCE_TYPES)
    evidence = Evidence(
        report=report,
        caption=caption.strip(),
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by=actor,
    )
    db.session.add(evidence)
    db.session.flush()
    record_audit(
        "report_evidence.added",
        evidence,
        actor=actor,
        after={"filename": stored.filename, "sha256": stored.sha256, "size": stored.size},
        fund_id=report.fund_id,
    )
    return evidence


def remove_evidence(evidence: Evidence, *, actor: User) -> None:
    """Remove a file from a report being written; the file itself is deleted once the removal is committed."""
    require(evidence.report.can_edit(actor))
    record_audit(
        "report_evidence.removed",
        evidence,
        actor=actor,
        before={"filename": evidence.filename, "sha256": evidence.sha256},
        fund_id=evidence.report.fund_id,
    )
    delete_after_commit(evidence.storage_key)
    evidence.report.evidence.remove(evidence)
    db.session.flush()
