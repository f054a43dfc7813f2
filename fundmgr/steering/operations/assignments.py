"""Reviewers assigned to a proposal, and the conflicts of interest members declare."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import is_sc_member, require_fund_manager
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.signals import reviewers_assigned
from fundmgr.steering.models import Assignment, Conflict, Review, standing
from fundmgr.steering.operations.rights import require_sc_member, text_problems


def assign_reviewers(proposal: Proposal, members: Sequence[User], due_on: date | None, *, actor: User | None) -> None:
    """Ask these SC members to score the proposal's current version by a date; unticked members without a review
    are released. The deadline applies to every member assigned to the version."""
    require_fund_manager(actor, proposal.fund)
    version = proposal.latest_version
    problems = []
    if proposal.state is not ProposalState.in_review or version is None:
        problems.append(_("Only proposals in Steering Committee review are assigned for scoring."))
    if due_on is None:
        problems.append(_("The scoring deadline is required."))
    elif clock.is_past(due_on, clock.today(proposal.fund)):
        problems.append(_("The scoring deadline cannot be in the past."))
    if not members:
        problems.append(_("Choose at least one member."))
    for member in members:
        if not is_sc_member(member, proposal.fund) or not member.is_active:
            problems.append(_("%(name)s is not a member of the Steering Committee.", name=member.name))
        elif not standing(proposal, member).scores:
            problems.append(_("%(name)s may not score this proposal.", name=member.name))
    existing = {} if version is None else {a.member_id: a for a in version_assignments(version)}
    chosen = {m.id for m in members}
    released = [a for member_id, a in existing.items() if member_id not in chosen]
    started = set() if version is None else reviewers_of(version)
    for assignment in released:
        if assignment.member_id in started:
            problems.append(_("%(name)s has started a review and stays assigned.", name=assignment.member.name))
    if problems:
        raise ValidationFailed(problems)
    assert version is not None  # refused above when missing
    assert due_on is not None
    before = {"members": sorted(existing), "due_on": max((a.due_on for a in existing.values()), default=None)}
    for assignment in released:
        db.session.delete(assignment)
    for member in members:
        kept = existing.get(member.id)
        if kept is None:
            db.session.add(
                Assignment(
                    proposal_id=proposal.id,
                    version_id=version.id,
                    member_id=member.id,
                    due_on=due_on,
                    assigned_by_id=actor and actor.id,
                )
            )
        else:
            kept.due_on = due_on
    db.session.flush()
    record_audit(
        "review.assigned",
        proposal,
        actor=actor,
        before=before,
        after={"members": sorted(chosen), "due_on": due_on, "version": version.number},
        summary=f"{proposal.reference} v{version.number}: {len(chosen)} members, due {due_on.isoformat()}",
    )
    reviewers_assigned.send(proposal, members=list(members), due_on=due_on, before=before, actor=actor)


def version_assignments(version: ProposalVersion) -> list[Assignment]:
    return list(db.session.scalars(sa.select(Assignment).where(Assignment.version_id == version.id)))


def reviewers_of(version: ProposalVersion) -> set[int]:
    """Members who have a review (draft or submitted) of the version."""
    return set(db.session.scalars(sa.select(Review.member_id).where(Review.version_id == version.id)))


def declare_conflict(proposal: Proposal, member: User, reason: str, *, actor: User | None) -> Conflict:
    """An SC member declares a conflict of interest on a proposal, with the reason; they are recused from then on."""
    require_sc_member(actor, member, proposal.fund)
    problems = text_problems(reason, _("The reason"), required=True, limit=2000)
    if not proposal.can_view(member):
        problems.append(_("This proposal is not before the Steering Committee."))
    existing = db.session.scalar(
        sa.select(Conflict).where(Conflict.proposal_id == proposal.id, Conflict.member_id == member.id)
    )
    if existing is not None:
        problems.append(_("You have already declared a conflict on this proposal."))
    if problems:
        raise ValidationFailed(problems)
    conflict = Conflict(proposal_id=proposal.id, member_id=member.id, reason=reason.strip())
    db.session.add(conflict)
    db.session.flush()
    record_audit(
        "conflict.declared",
        conflict,
        actor=actor,
        after={"proposal": proposal.reference, "member": member.id, "reason": conflict.reason},
        fund_id=proposal.fund_id,
        summary=f"{proposal.reference}: {member.name}",
    )
    return conflict


def waive_conflict(conflict: Conflict, reason: str, *, actor: User | None) -> None:
    """The FMU waives a declared conflict with a reason: the member takes part again."""
    require_fund_manager(actor, conflict.proposal.fund)
    problems = text_problems(reason, _("The reason for the waiver"), required=True, limit=2000)
    if conflict.is_waived:
        problems.append(_("This conflict has already been waived."))
    if problems:
        raise ValidationFailed(problems)
    conflict.waived_at = clock.now()
    conflict.waived_by_id = actor and actor.id
    conflict.waiver_reason = reason.strip()
    db.session.flush()
    record_audit(
        "conflict.waived",
        conflict,
        actor=actor,
        before={"waived": False},
        after={"waived": True, "reason": conflict.waiver_reason},
        fund_id=conflict.proposal.fund_id,
        summary=f"{conflict.proposal.reference}: {conflict.member.name}",
    )
