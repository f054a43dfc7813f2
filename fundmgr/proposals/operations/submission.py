"""Submission, screening by the FMU, return for revision and withdrawal."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.queries import active
from fundmgr.proposals.models import TRANSITIONS, Proposal, ProposalState, Screening, ScreeningItem, ScreeningOutcome
from fundmgr.proposals.operations.drafts import CONCEPT_SUFFIX, next_reference
from fundmgr.proposals.operations.lifecycle import lock_proposal, move_proposal
from fundmgr.proposals.operations.rights import MAX_TEXT, require_lead, require_screener
from fundmgr.proposals.rules import submission_problems
from fundmgr.proposals.versions import freeze_version
from fundmgr.workflow import require_transition


def submit_proposal(proposal: Proposal, *, actor: User) -> None:
    """Check every rule, freeze the next version and submit it (resubmission after a return or deferral too)."""
    require_lead(proposal, actor)
    lock_proposal(proposal)  # a second click, or another person's act, waits and sees this one's result
    require_transition(proposal, ProposalState.submitted, TRANSITIONS)
    if problems := submission_problems(proposal):
        message = _("The proposal cannot be submitted yet: %(n)d problems.", n=len(problems))
        raise ValidationFailed(list[str](problems), message)
    if proposal.reference_number is None:  # the first submission gives the reference, of its year
        suffix = CONCEPT_SUFFIX if proposal.is_concept_note else ""
        proposal.reference_number = next_reference(proposal.fund, clock.today(proposal.fund).year) + suffix
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
    require_screener(proposal, actor)
    lock_proposal(proposal)
    require_transition(proposal, ProposalState.screening, TRANSITIONS)
    checks = active(proposal.fund.eligibility_checks)
    version = proposal.latest_version
    earlier = previous_answers(proposal)
    items = [ScreeningItem(check=c, passed=earlier.get(c.id, (None, ""))[0], comment=earlier.get(c.id, (None, ""))[1])
             for c in checks]  # fmt: skip
    screening = Screening(version=version, screener=actor, items=items)
    db.session.add(screening)
    move_proposal(proposal, ProposalState.screening, actor=actor, action="proposal.screening_started")
    return screening


def previous_answers(proposal: Proposal) -> dict[int, tuple[bool | None, str]]:
    """The answers of the last screening of an earlier version: check id -> (passed, comment); a re-screening
    starts from them."""
    for version in reversed(proposal.versions[:-1]):
        if version.screening is not None:
            return {item.check_id: (item.passed, item.comment) for item in version.screening.items}
    return {}


def current_screening(proposal: Proposal) -> Screening:
    screening = proposal.latest_screening
    if proposal.state is not ProposalState.screening or screening is None:
        raise InvalidTransition(_("%(what)s is not in screening.", what=proposal.display_name))
    return screening


def record_screening(proposal: Proposal, answers: dict[int, tuple[bool | None, str]], *, actor: User) -> None:
    """Record the checklist: eligibility check id -> passed (True/False, None: not decided yet), comment."""
    require_screener(proposal, actor)
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
    require_screener(proposal, actor)
    lock_proposal(proposal)
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
    screening.completed_at = clock.now()
    move_proposal(proposal, ProposalState.in_review, actor=actor, action="proposal.forwarded_to_review")


def return_for_revision(proposal: Proposal, reasons: str, *, actor: User) -> None:
    """Send a screened proposal back to the agencies with the reasons; they revise and resubmit."""
    require_screener(proposal, actor)
    lock_proposal(proposal)
    screening = current_screening(proposal)
    if not reasons.strip():
        raise ValidationFailed([_("Tell the agencies why the proposal is returned.")])
    screening.outcome = ScreeningOutcome.returned
    screening.completed_at = clock.now()
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
    lock_proposal(proposal)
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
