"""Writes to proposals. Every state change goes through `move_proposal`, checked and audited.

Each operation checks the acting user's rights and the proposal's state itself, flushes and
never commits; a refused rule raises a DomainError before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.audit import record_audit
from fundmgr.db import db, utcnow
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Country, Fund, GuidingPrinciple, Objective, ThematicArea
from fundmgr.funds.queries import active
from fundmgr.i18n import format_percent
from fundmgr.numbers import INDICATOR_VALUE, MONEY, number_text
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.models import (
    TRANSITIONS,
    Attachment,
    AttachmentKind,
    BudgetLine,
    MatrixIndicator,
    MatrixOutcome,
    MatrixOutput,
    Participant,
    Proposal,
    ProposalCounter,
    ProposalMarker,
    ProposalState,
    Screening,
    ScreeningItem,
    ScreeningOutcome,
)
from fundmgr.proposals.rules import submission_problems
from fundmgr.proposals.versions import details_of, freeze_version
from fundmgr.signals import proposal_state_changed
from fundmgr.storage import store_upload
from fundmgr.workflow import require_transition, title_of

DISAGGREGATIONS = ("sex", "age", "migratory_status", "disability")
MAX_DURATION_MONTHS = 240
MAX_TEXT = 20000


def move_proposal(
    proposal: Proposal,
    target: ProposalState,
    *,
    actor: User | None,
    action: str,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Move a proposal to another state if the transition table allows it, and audit the move."""
    before = require_transition(proposal, target, TRANSITIONS)
    proposal.state = target
    db.session.flush()
    record_audit(
        action,
        proposal,
        actor=actor,
        before={"state": before},
        after={"state": target} | (details or {}),
        summary=summary,
    )
    proposal_state_changed.send(proposal, before=before, after=target, actor=actor)


# --- Lifecycle moves made by the Steering Committee (fundmgr.steering) and the money side ---


def endorse_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC endorses the proposal: it enters the pipeline and waits for funds."""
    move_proposal(proposal, ProposalState.endorsed, actor=actor, action="proposal.endorsed", summary=summary)


def approve_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC approves the proposal for funding (allocations are created by the caller)."""
    move_proposal(proposal, ProposalState.approved, actor=actor, action="proposal.approved", summary=summary)


def defer_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC defers the proposal back to the agencies for revision; they may resubmit."""
    move_proposal(proposal, ProposalState.deferred, actor=actor, action="proposal.deferred", summary=summary)


def reject_proposal(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """The SC rejects the proposal (or drops it from the pipeline)."""
    move_proposal(proposal, ProposalState.rejected, actor=actor, action="proposal.rejected", summary=summary)


def activate_programme(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """An approved programme becomes active when its first transfer is made."""
    move_proposal(proposal, ProposalState.active, actor=actor, action="programme.activated", summary=summary)


def close_programme(proposal: Proposal, *, actor: User | None, summary: str = "") -> None:
    """An active programme is operationally closed."""
    move_proposal(proposal, ProposalState.closed, actor=actor, action="programme.closed", summary=summary)


# --- Who may change a proposal ---


def require_editor(proposal: Proposal, actor: User | None) -> None:
    """Refuse unless the actor is agency staff of the proposal and its state lets it be changed."""
    if actor is None or not proposal.can_edit(actor, check_state=False):
        raise NotAllowed(_("Only staff of the proposal’s participating organizations may change it."))
    if not proposal.is_editable:
        raise InvalidTransition(
            _(
                "%(what)s is “%(state)s”: it cannot be changed now.",
                what=proposal.display_name,
                state=title_of(proposal.state),
            )
        )


def require_lead(proposal: Proposal, actor: User | None) -> None:
    if actor is None or not proposal.is_lead(actor):
        raise NotAllowed(_("Only staff of the lead organization may do this."))


def require_fmu(actor: User | None) -> None:
    if actor is None or actor.role is not Role.fmu:
        raise NotAllowed(_("Only the Fund Management Unit may do this."))


def text_problem(value: str, label: str, limit: int = MAX_TEXT) -> list[str]:
    if len(value) > limit:
        return [_("%(field)s is longer than %(n)d characters.", field=label, n=limit)]
    return []


# --- Creating a draft and its details ---


@dataclass
class ProposalDetails:
    """What the details form of a proposal holds, as objects of the fund."""

    title: str
    summary: str = ""
    country: Country | None = None
    region_code: str | None = None
    countries: list[Country] = field(default_factory=list)
    primary_area: ThematicArea | None = None
    objectives: list[Objective] = field(default_factory=list)
    principles: list[GuidingPrinciple] = field(default_factory=list)
    duration_months: int | None = None
    start_date: date | None = None
    government_endorsement: bool = False


def next_reference(fund: Fund, year: int) -> str:
    """The next reference of the fund for the year, e.g. MIG-2026-0042; concurrent drafts never share one."""
    counter = locked_counter(fund, year)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(ProposalCounter(fund_id=fund.id, year=year, last_number=0))
        except IntegrityError:
            pass  # another transaction created it first; the lock below waits for it
        counter = locked_counter(fund, year)
    counter.last_number += 1
    return f"{fund.code}-{year}-{counter.last_number:04d}"


def locked_counter(fund: Fund, year: int) -> ProposalCounter | None:
    return db.session.scalar(
        sa.select(ProposalCounter)
        .where(ProposalCounter.fund_id == fund.id, ProposalCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def create_proposal(fund: Fund, details: ProposalDetails, *, actor: User) -> Proposal:
    """Start a draft led by the actor's organization, with a new reference."""
    if actor is None or actor.role is not Role.agency:
        raise NotAllowed(_("Only agency staff create proposals."))
    if actor.organization_id not in {o.id for o in fund.participating_organizations}:
        raise NotAllowed(_("Your organization is not a participating organization of this fund."))
    proposal = Proposal(
        fund=fund,
        reference=next_reference(fund, utcnow().year),
        title="",
        created_by=actor,
        lead_organization_id=actor.organization_id,
    )
    proposal.participants.append(
        Participant(organization_id=actor.organization_id, indirect_rate=fund.indirect_cost_rate)
    )
    db.session.add(proposal)
    apply_details(proposal, details)
    db.session.flush()
    record_audit("proposal.created", proposal, actor=actor, after=details_of(proposal), summary=proposal.title)
    return proposal


def details_problems(proposal: Proposal, details: ProposalDetails) -> list[str]:
    """What makes the details ill-formed (rules that only submission checks are left out)."""
    fund = proposal.fund
    problems = []
    if not details.title.strip():
        problems.append(_("The title is required."))
    problems += text_problem(details.title.strip(), _("The title"), 300)
    problems += text_problem(details.summary, _("The summary"))
    if details.country is not None and details.region_code is not None:
        problems.append(_("Choose either one country or a region with several countries, not both."))
    if details.countries and details.region_code is None:
        problems.append(_("Choose the region of a multi-country programme."))
    foreign = [
        item
        for item in [details.primary_area, *details.objectives, *details.principles]
        if item is not None and item.fund_id != fund.id
    ]
    if foreign:
        problems.append(_("Choose thematic areas, objectives and principles of this fund."))
    if details.duration_months is not None and not 1 <= details.duration_months <= MAX_DURATION_MONTHS:
        problems.append(_("The duration is a number of months between 1 and %(n)d.", n=MAX_DURATION_MONTHS))
    return problems


def apply_details(proposal: Proposal, details: ProposalDetails) -> None:
    problems = details_problems(proposal, details)
    if problems:
        raise ValidationFailed(problems)
    proposal.title = details.title.strip()
    proposal.summary = details.summary.strip()
    proposal.country = details.country
    proposal.region_code = details.region_code
    proposal.countries = list(details.countries) if details.region_code else []
    proposal.primary_area = details.primary_area
    proposal.objectives = sorted(set(details.objectives), key=lambda o: o.number)
    proposal.principles = sorted(set(details.principles), key=lambda p: p.number)
    proposal.duration_months = details.duration_months
    proposal.start_date = details.start_date
    proposal.government_endorsement = details.government_endorsement


def update_details(proposal: Proposal, details: ProposalDetails, *, actor: User) -> None:
    """Change a draft's title, summary, place, alignment, duration, start and endorsement."""
    require_editor(proposal, actor)
    before = details_of(proposal)
    apply_details(proposal, details)
    refresh_total(proposal)  # the duration decides which years count
    db.session.flush()
    record_audit("proposal.details_updated", proposal, actor=actor, before=before, after=details_of(proposal))


# --- Participating organizations ---


def participants_state(proposal: Proposal) -> dict[str, Any]:
    return {
        "lead": proposal.lead_organization.code if proposal.lead_organization else None,
        "participants": {p.organization.code: p.indirect_rate for p in proposal.participants},
    }


def set_participants(proposal: Proposal, *, lead: Organization, organizations: list[Organization], actor: User) -> None:
    """Set the lead and the other participating organizations; an organization that leaves takes its budget."""
    require_editor(proposal, actor)
    eligible = {o.id for o in proposal.fund.participating_organizations}
    wanted = {lead.id: lead} | {o.id: o for o in organizations}
    ineligible = sorted(o.label for o in wanted.values() if o.id not in eligible)
    if ineligible:
        raise ValidationFailed(
            [_("These organizations cannot take part in this fund: %(orgs)s.", orgs=", ".join(ineligible))]
        )
    before = participants_state(proposal)
    current = {p.organization_id: p for p in proposal.participants}
    for org in sorted(wanted.values(), key=lambda o: (o.id != lead.id, o.code)):
        if org.id not in current:
            proposal.participants.append(Participant(organization=org, indirect_rate=proposal.fund.indirect_cost_rate))
    for org_id, participant in current.items():
        if org_id not in wanted:
            proposal.participants.remove(participant)
            for line in [ln for ln in proposal.budget_lines if ln.organization_id == org_id]:
                proposal.budget_lines.remove(line)
    proposal.lead_organization = lead
    refresh_total(proposal)
    db.session.flush()
    record_audit(
        "proposal.participants_updated", proposal, actor=actor, before=before, after=participants_state(proposal)
    )


# --- Markers ---


def save_markers(proposal: Proposal, ratings: dict[int, tuple[int | None, str]], *, actor: User) -> None:
    """Rate the proposal on each marker of the fund (marker id -> level or None, justification)."""
    require_editor(proposal, actor)
    markers = active(proposal.fund.markers)
    problems = []
    for marker in markers:
        level, justification = ratings.get(marker.id, (None, ""))
        if level is not None and level not in marker.values:
            problems.append(_("The %(marker)s has no level %(level)d.", marker=marker.label, level=level))
        problems += text_problem(justification, marker.label)
    if problems:
        raise ValidationFailed(problems)
    before = {m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers}
    current = {m.marker_id: m for m in proposal.markers}
    for marker in markers:
        level, justification = ratings.get(marker.id, (None, ""))
        rating = current.get(marker.id)
        if rating is None:
            rating = ProposalMarker(marker=marker)
            proposal.markers.append(rating)
        rating.level = level
        rating.justification = justification.strip()
    db.session.flush()
    after = {m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers}
    record_audit("proposal.markers_updated", proposal, actor=actor, before=before, after=after)


# --- Budget ---


def refresh_total(proposal: Proposal) -> None:
    """Keep the list's denormalized total in step with the budget."""
    proposal.total_amount = budget_totals(proposal).total


def budget_problems(
    proposal: Proposal, amounts: dict[tuple[int, int, int], Decimal], rates: dict[int, Decimal]
) -> list[str]:
    """What makes a budget ill-formed: unknown cells, negative or absurd amounts, rates above the cap."""
    fund = proposal.fund
    participants = {p.organization_id: p for p in proposal.participants}
    categories = {c.id for c in fund.budget_categories}
    problems = []
    for (org_id, category_id, year), amount in amounts.items():
        if org_id not in participants or category_id not in categories or not 1 <= year <= 100:
            problems.append(_("The budget names an organization, category or year the proposal does not have."))
            break
        if amount < 0 or amount > MONEY.largest:
            problems.append(
                _("Amounts must be zero or more, and at most %(largest)s.", largest=number_text(MONEY.largest, MONEY))
            )
            break
    for org_id, rate in rates.items():
        if org_id not in participants:
            problems.append(_("The budget names an organization, category or year the proposal does not have."))
        elif rate < 0 or rate > fund.indirect_cost_rate:
            problems.append(
                _(
                    "The indirect cost rate of %(org)s must lie between 0 and the fund’s cap of %(cap)s.",
                    org=participants[org_id].organization.label,
                    cap=format_percent(fund.indirect_cost_rate, 0),
                )
            )
    return problems


def save_budget(
    proposal: Proposal,
    *,
    amounts: dict[tuple[int, int, int], Decimal],
    rates: dict[int, Decimal] | None = None,
    actor: User,
) -> None:
    """Save the budget grid: (organization id, category id, year) -> direct cost; organization id -> rate."""
    require_editor(proposal, actor)
    rates = rates or {}
    problems = budget_problems(proposal, amounts, rates)
    if problems:
        raise ValidationFailed(problems)
    before_totals = budget_totals(proposal)
    lines = {(ln.organization_id, ln.category_id, ln.year): ln for ln in proposal.budget_lines}
    changed = {}
    for key, amount in amounts.items():
        line = lines.get(key)
        if (line.amount if line else Decimal("0.00")) == amount:
            continue
        changed["/".join(map(str, key))] = amount
        if line is None:
            proposal.budget_lines.append(
                BudgetLine(organization_id=key[0], category_id=key[1], year=key[2], amount=amount)
            )
        elif amount == 0:
            proposal.budget_lines.remove(line)
        else:
            line.amount = amount
    for participant in proposal.participants:
        if participant.organization_id in rates:
            participant.indirect_rate = rates[participant.organization_id]
    refresh_total(proposal)
    totals = budget_totals(proposal)
    record_audit(
        "proposal.budget_updated",
        proposal,
        actor=actor,
        before={"direct": before_totals.direct, "indirect": before_totals.indirect, "total": before_totals.total},
        after={"direct": totals.direct, "indirect": totals.indirect, "total": totals.total, "cells": changed},
    )


# --- Results matrix draft ---


@dataclass
class IndicatorValues:
    """What an indicator of a draft results matrix holds."""

    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    means_of_verification: str = ""
    disaggregation: list[str] = field(default_factory=list)


def statement_problems(statement: str) -> list[str]:
    if not statement.strip():
        return [_("Write the statement.")]
    return text_problem(statement, _("The statement"), 2000)


def indicator_problems(values: IndicatorValues) -> list[str]:
    problems = []
    if not values.name.strip():
        problems.append(_("Name the indicator."))
    problems += text_problem(values.name, _("The indicator’s name"), 500)
    problems += text_problem(values.unit, _("The unit"), 100)
    problems += text_problem(values.means_of_verification, _("The means of verification"), 2000)
    for value in (values.baseline, values.target):
        if value is not None and (not value.is_finite() or abs(value) > INDICATOR_VALUE.largest):
            problems.append(
                _(
                    "Baselines and targets are numbers of at most %(largest)s.",
                    largest=number_text(INDICATOR_VALUE.largest, INDICATOR_VALUE),
                )
            )
            break
    if set(values.disaggregation) - set(DISAGGREGATIONS):
        problems.append(_("Unknown disaggregation."))
    return problems


def matrix_proposal(item: MatrixOutcome | MatrixOutput | MatrixIndicator) -> Proposal:
    outcome = item if isinstance(item, MatrixOutcome) else item.outcome
    return outcome.proposal


def add_outcome(proposal: Proposal, statement: str, *, actor: User) -> MatrixOutcome:
    """Add an outcome at the end of the draft results matrix."""
    require_editor(proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    outcome = MatrixOutcome(position=len(proposal.outcomes) + 1, statement=statement.strip())
    proposal.outcomes.append(outcome)
    db.session.flush()
    record_audit("proposal.outcome_added", proposal, actor=actor, after={"outcome": outcome.statement})
    return outcome


def add_output(outcome: MatrixOutcome, statement: str, *, actor: User) -> MatrixOutput:
    """Add an output at the end of an outcome."""
    require_editor(outcome.proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    output = MatrixOutput(position=len(outcome.outputs) + 1, statement=statement.strip())
    outcome.outputs.append(output)
    db.session.flush()
    record_audit("proposal.output_added", outcome.proposal, actor=actor, after={"output": output.statement})
    return output


def add_indicator(
    outcome: MatrixOutcome, output: MatrixOutput | None, values: IndicatorValues, *, actor: User
) -> MatrixIndicator:
    """Add an indicator to an outcome, or to one of its outputs."""
    require_editor(outcome.proposal, actor)
    if output is not None and output.outcome_id != outcome.id:
        raise ValidationFailed([_("The output does not belong to this outcome.")])
    if problems := indicator_problems(values):
        raise ValidationFailed(problems)
    siblings = output.indicators if output else outcome.outcome_indicators
    indicator = MatrixIndicator(position=len(siblings) + 1)
    set_indicator_values(indicator, values)
    outcome.indicators.append(indicator)  # appended on the parents' side, so the session takes it in
    if output is not None:
        output.indicators.append(indicator)
    db.session.flush()
    record_audit("proposal.indicator_added", outcome.proposal, actor=actor, after=indicator_state(indicator))
    return indicator


def set_indicator_values(indicator: MatrixIndicator, values: IndicatorValues) -> None:
    indicator.name = values.name.strip()
    indicator.unit = values.unit.strip()
    indicator.baseline = values.baseline
    indicator.target = values.target
    indicator.means_of_verification = values.means_of_verification.strip()
    indicator.disaggregation = [d for d in DISAGGREGATIONS if d in values.disaggregation]


def indicator_state(indicator: MatrixIndicator) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "baseline": indicator.baseline,
        "target": indicator.target,
        "means_of_verification": indicator.means_of_verification,
        "disaggregation": list(indicator.disaggregation or []),
    }


def update_statement(item: MatrixOutcome | MatrixOutput, statement: str, *, actor: User) -> None:
    """Reword an outcome or an output."""
    proposal = matrix_proposal(item)
    require_editor(proposal, actor)
    if problems := statement_problems(statement):
        raise ValidationFailed(problems)
    before = item.statement
    item.statement = statement.strip()
    db.session.flush()
    record_audit("proposal.matrix_updated", proposal, actor=actor, before={"statement": before},
                 after={"statement": item.statement})  # fmt: skip


def update_indicator(indicator: MatrixIndicator, values: IndicatorValues, *, actor: User) -> None:
    """Change an indicator's name, unit, baseline, target, verification or disaggregation."""
    proposal = matrix_proposal(indicator)
    require_editor(proposal, actor)
    if problems := indicator_problems(values):
        raise ValidationFailed(problems)
    before = indicator_state(indicator)
    set_indicator_values(indicator, values)
    db.session.flush()
    record_audit("proposal.indicator_updated", proposal, actor=actor, before=before, after=indicator_state(indicator))


def remove_matrix_item(item: MatrixOutcome | MatrixOutput | MatrixIndicator, *, actor: User) -> None:
    """Remove an outcome (with its outputs and indicators), an output (with its indicators) or an indicator."""
    proposal = matrix_proposal(item)
    require_editor(proposal, actor)
    before = {"removed": getattr(item, "statement", None) or getattr(item, "name", "")}
    if isinstance(item, MatrixOutcome):
        proposal.outcomes.remove(item)
        renumber(proposal.outcomes)
    elif isinstance(item, MatrixOutput):
        outcome = item.outcome  # removing the item from its outcome's lists unsets item.outcome
        for indicator in list(item.indicators):
            outcome.indicators.remove(indicator)
        outcome.outputs.remove(item)
        renumber(outcome.outputs)
    else:
        outcome, output = item.outcome, item.output
        outcome.indicators.remove(item)
        if output is not None:
            output.indicators.remove(item)
            renumber(output.indicators)
        else:
            renumber(outcome.outcome_indicators)
    db.session.flush()
    record_audit("proposal.matrix_item_removed", proposal, actor=actor, before=before)


def renumber(items: list[Any]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


# --- Attachments ---


def add_attachment(proposal: Proposal, kind: AttachmentKind, upload: FileStorage | None, *, actor: User) -> Attachment:
    """Attach a PDF, Word or Excel file (checked by content, size-limited) to a draft."""
    require_editor(proposal, actor)
    stored = store_upload(upload)
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by=actor,
    )
    db.session.add(attachment)
    db.session.flush()
    record_audit(
        "proposal.attachment_added",
        proposal,
        actor=actor,
        after={"attachment": attachment.id, "kind": kind, "filename": attachment.filename, "size": attachment.size},
    )
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User) -> None:
    """Take a file off the draft; the file stays for the versions that include it."""
    require_editor(attachment.proposal, actor)
    if attachment.removed_at is not None:
        return
    attachment.removed_at = utcnow()
    db.session.flush()
    record_audit(
        "proposal.attachment_removed",
        attachment.proposal,
        actor=actor,
        before={"attachment": attachment.id, "filename": attachment.filename},
    )


# --- Submission, screening, withdrawal ---


def submit_proposal(proposal: Proposal, *, actor: User) -> None:
    """Check every rule, freeze the next version and submit it (resubmission after a return or deferral too)."""
    require_lead(proposal, actor)
    require_transition(proposal, ProposalState.submitted, TRANSITIONS)
    if problems := submission_problems(proposal):
        raise ValidationFailed(problems, _("The proposal cannot be submitted yet: %(n)d problems.", n=len(problems)))
    version = freeze_version(proposal, actor=actor)
    proposal.submitted_at = version.submitted_at
    move_proposal(
        proposal,
        ProposalState.submitted,
        actor=actor,
        action="proposal.submitted",
        summary=_("Version %(n)d submitted.", n=version.number),
        details={"version": version.number, "total": version.total},
    )


def start_screening(proposal: Proposal, *, actor: User) -> Screening:
    """The FMU takes up a submitted proposal: a checklist of the fund's eligibility checks for its latest version."""
    require_fmu(actor)
    require_transition(proposal, ProposalState.screening, TRANSITIONS)
    checks = active(proposal.fund.eligibility_checks)
    version = proposal.latest_version
    screening = Screening(
        version=version, screener=actor, items=[ScreeningItem(check=c, passed=None, comment="") for c in checks]
    )
    db.session.add(screening)
    move_proposal(proposal, ProposalState.screening, actor=actor, action="proposal.screening_started")
    return screening


def current_screening(proposal: Proposal) -> Screening:
    screening = proposal.latest_screening
    if proposal.state is not ProposalState.screening or screening is None:
        raise InvalidTransition(_("%(what)s is not in screening.", what=proposal.display_name))
    return screening


def record_screening(proposal: Proposal, answers: dict[int, tuple[bool | None, str]], *, actor: User) -> None:
    """Record the checklist: eligibility check id -> passed (True/False, None: not decided yet), comment."""
    require_fmu(actor)
    screening = current_screening(proposal)
    before = {item.check.code: item.passed for item in screening.items}
    for item in screening.items:
        if item.check_id in answers:
            passed, comment = answers[item.check_id]
            item.passed = passed
            item.comment = comment.strip()[:MAX_TEXT]
    screening.screener = actor
    db.session.flush()
    record_audit("proposal.screening_recorded", proposal, actor=actor, before=before,
                 after={item.check.code: item.passed for item in screening.items})  # fmt: skip


def forward_to_review(proposal: Proposal, *, actor: User) -> None:
    """Send a screened proposal to the Steering Committee: every eligibility check must have passed."""
    require_fmu(actor)
    screening = current_screening(proposal)
    problems = [
        _("Screening item “%(check)s” has not passed.", check=item.check.label)
        for item in screening.items
        if item.passed is not True
    ]
    if problems:
        raise ValidationFailed(problems, _("Every eligibility check must pass before the review: %(n)d have not.",
                                           n=len(problems)))  # fmt: skip
    screening.outcome = ScreeningOutcome.forwarded
    screening.completed_at = utcnow()
    move_proposal(proposal, ProposalState.in_review, actor=actor, action="proposal.forwarded_to_review")


def return_for_revision(proposal: Proposal, reasons: str, *, actor: User) -> None:
    """Send a screened proposal back to the agencies with the reasons; they revise and resubmit."""
    require_fmu(actor)
    screening = current_screening(proposal)
    if not reasons.strip():
        raise ValidationFailed([_("Tell the agencies why the proposal is returned.")])
    screening.outcome = ScreeningOutcome.returned
    screening.completed_at = utcnow()
    screening.reasons = reasons.strip()[:MAX_TEXT]
    move_proposal(
        proposal,
        ProposalState.returned,
        actor=actor,
        action="proposal.returned",
        summary=screening.reasons[:500],
        details={"reasons": screening.reasons},
    )


def withdraw_proposal(proposal: Proposal, reason: str, *, actor: User) -> None:
    """The lead organization withdraws the proposal before the Steering Committee decides."""
    require_lead(proposal, actor)
    require_transition(proposal, ProposalState.withdrawn, TRANSITIONS)
    if not reason.strip():
        raise ValidationFailed([_("Say why the proposal is withdrawn.")])
    proposal.withdrawal_reason = reason.strip()[:MAX_TEXT]
    move_proposal(
        proposal,
        ProposalState.withdrawn,
        actor=actor,
        action="proposal.withdrawn",
        summary=proposal.withdrawal_reason[:500],
        details={"reason": proposal.withdrawal_reason},
    )
