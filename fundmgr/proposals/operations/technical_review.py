"""Technical review: the FMU invites technical reviewers to comment on a proposal; they comment.

A technical reviewer (an expert of the Network's working groups, role `technical_reviewer` on the fund) sees only
the proposals they are invited to, while the invitation stands. The conflict-of-interest rules are the Steering
Committee's (`Proposal.is_recused`): a reviewer whose organization takes part, or who declared a conflict not
waived, is not invited and may not comment. Their comments go to the FMU and the Steering Committee; they neither
score nor vote. Each operation locks the proposal, so an invitation, a withdrawal and a comment on one proposal
happen one after the other, and is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.funds.rights import is_technical_reviewer, require_person_with_role
from fundmgr.proposals.models import COMMENTABLE_STATES, Proposal, ReviewComment, ReviewInvitation
from fundmgr.proposals.operations.lifecycle import lock_proposal
from fundmgr.proposals.operations.rights import text_problem

COMMENT_LIMIT = 20000


def require_commentable(proposal: Proposal) -> None:
    if proposal.state not in COMMENTABLE_STATES:
        raise ValidationFailed([_("Technical review is open from submission until the Steering Committee decides.")])


def invite_reviewer(proposal: Proposal, reviewer: User, *, actor: User) -> ReviewInvitation:
    """The FMU invites a technical reviewer of the fund to comment on the proposal (again, after a withdrawal)."""
    require_person_with_role(actor, proposal.fund, Role.fmu, Role.admin)
    proposal = lock_proposal(proposal)
    require_commentable(proposal)
    if not is_technical_reviewer(reviewer, proposal.fund):
        raise ValidationFailed([_("Choose a technical reviewer of this fund.")])
    if proposal.is_recused(reviewer):
        raise ValidationFailed(
            [_("%(name)s has a conflict of interest on this proposal and cannot review it.", name=reviewer.name)]
        )
    invitation = db.session.scalar(
        sa.select(ReviewInvitation).where(
            ReviewInvitation.proposal_id == proposal.id, ReviewInvitation.reviewer_id == reviewer.id
        )
    )
    if invitation is not None and invitation.is_open:
        raise ValidationFailed([_("%(name)s is already invited to review this proposal.", name=reviewer.name)])
    if invitation is None:
        invitation = ReviewInvitation(proposal_id=proposal.id, reviewer_id=reviewer.id)
        db.session.add(invitation)
    invitation.invited_by_id = actor.id
    invitation.invited_at = clock.now()
    invitation.withdrawn_at = None
    db.session.flush()
    record_audit("review.invited", invitation, actor=actor, after={"proposal": proposal.reference,
                 "reviewer": reviewer.id}, fund_id=proposal.fund_id, summary=proposal.reference)  # fmt: skip
    return invitation


def withdraw_invitation(invitation: ReviewInvitation, *, actor: User) -> None:
    """The FMU withdraws an invitation: the reviewer no longer sees the proposal; their comments stay."""
    proposal = invitation.proposal
    require_person_with_role(actor, proposal.fund, Role.fmu, Role.admin)
    lock_proposal(proposal)
    db.session.refresh(invitation)
    if not invitation.is_open:
        raise ValidationFailed([_("This invitation has already been withdrawn.")])
    invitation.withdrawn_at = clock.now()
    db.session.flush()
    record_audit("review.invitation_withdrawn", invitation, actor=actor, after={"proposal": proposal.reference,
                 "reviewer": invitation.reviewer_id}, fund_id=proposal.fund_id, summary=proposal.reference)  # fmt: skip


def comment_on(proposal: Proposal, body: str, *, actor: User) -> ReviewComment:
    """An invited technical reviewer comments on the proposal, for the FMU and the Steering Committee."""
    require_person_with_role(actor, proposal.fund, Role.technical_reviewer)
    proposal = lock_proposal(proposal)
    invitation = db.session.scalar(
        sa.select(ReviewInvitation).where(
            ReviewInvitation.proposal_id == proposal.id,
            ReviewInvitation.reviewer_id == actor.id,
            ReviewInvitation.withdrawn_at.is_(None),
        )
    )
    if invitation is None:
        raise NotAllowed(_("You are not invited to review this proposal."))
    if proposal.is_recused(actor):
        raise NotAllowed(_("You have a conflict of interest on this proposal and cannot review it."))
    require_commentable(proposal)
    problems = [] if body.strip() else [_("The comment is required.")]
    problems += text_problem(body, _("The comment"), COMMENT_LIMIT)
    if problems:
        raise ValidationFailed(problems)
    comment = ReviewComment(invitation=invitation, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    record_audit("review.commented", comment, actor=actor, after={"proposal": proposal.reference,
                 "body": comment.body}, fund_id=proposal.fund_id, summary=proposal.reference)  # fmt: skip
    return comment
