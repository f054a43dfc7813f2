"""Which proposals (and so which programmes) a person may know about: one rule, written twice side by side.

`may_see(user, proposal)` answers for one proposal in Python; `visible_to(user, fund)` is the SQL condition
that selects the same proposals, for lists, counts and exports. They must agree (tests/test_visibility.py
checks them on the whole access world): change both or neither.

The fund's managers (FMU, administrators) see every proposal; agency staff those they take part in; the
Steering Committee's members those in review and later; viewers what the fund publishes; technical reviewers
those the FMU invited them to comment on (the invitation not withdrawn). A member
recused from a proposal still sees that it exists (its title), never its content: that is
`Proposal.can_see_content`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, role_on
from fundmgr.proposals.models import PUBLISHED_STATES, REVIEW_AND_LATER, Participant, Proposal, ReviewInvitation

# The states of a fund's proposals that each of these roles sees.
STATES_SEEN = {Role.sc_member: REVIEW_AND_LATER, Role.viewer: PUBLISHED_STATES}


def takes_part(user: Any, proposal: Proposal) -> bool:
    """The user works for one of the proposal's organizations (the lead included), or created the proposal."""
    if not user.is_authenticated:
        return False
    return user.organization_id in proposal.organization_ids or user.id == proposal.created_by_id


def may_see(user: Any, proposal: Proposal) -> bool:
    """Whether the user may know the proposal exists (see its title, find it in lists)."""
    fund = proposal.fund
    if is_fund_manager(user, fund):
        return True
    role = role_on(user, fund)
    if role is Role.agency:
        return takes_part(user, proposal)
    if role is Role.technical_reviewer:
        return proposal.id is not None and is_invited(user, proposal.id)
    return role in STATES_SEEN and proposal.state in STATES_SEEN[role]


def taking_part(user: Any) -> sa.ColumnElement[bool]:
    """SQL: `takes_part` for every proposal at once."""
    return sa.or_(
        Proposal.lead_organization_id == user.organization_id,
        sa.exists().where(Participant.proposal_id == Proposal.id, Participant.organization_id == user.organization_id),
        Proposal.created_by_id == user.id,
    )


def is_invited(user: Any, proposal_id: int) -> bool:
    """The technical reviewer's invitation to the proposal stands (`invited` for one proposal)."""
    query = sa.select(ReviewInvitation.id).where(
        ReviewInvitation.proposal_id == proposal_id,
        ReviewInvitation.reviewer_id == user.id,
        ReviewInvitation.withdrawn_at.is_(None),
    )
    return db.session.scalar(query.limit(1)) is not None


def invited(user: Any) -> sa.ColumnElement[bool]:
    """SQL: the technical reviewer's invitation to the proposal stands."""
    return sa.exists().where(
        ReviewInvitation.proposal_id == Proposal.id,
        ReviewInvitation.reviewer_id == user.id,
        ReviewInvitation.withdrawn_at.is_(None),
    )


def visible_to(user: Any, fund: Fund) -> sa.ColumnElement[bool]:
    """SQL: `may_see` for every proposal at once; the fund's proposals the user may know about."""
    of_fund = Proposal.fund_id == fund.id
    if is_fund_manager(user, fund):
        return of_fund
    role = role_on(user, fund)
    if role is Role.agency:
        return sa.and_(of_fund, taking_part(user))
    if role is Role.technical_reviewer:
        return sa.and_(of_fund, invited(user))
    if role in STATES_SEEN:
        return sa.and_(of_fund, Proposal.state.in_(STATES_SEEN[role]))
    return sa.false()
