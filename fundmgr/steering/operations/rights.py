"""Members acting for themselves and not recused, and the text limits the Steering Committee's forms share."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.accounts.models import Role, User
from fundmgr.errors import NotAllowed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_person_with_role
from fundmgr.proposals.models import Proposal
from fundmgr.steering.models import standing

MAX_TEXT = 10_000


def require_sc_member(actor: User | None, member: User, fund: Fund) -> None:
    """An SC member of the fund acting for themselves."""
    require_person_with_role(member, fund, Role.sc_member)
    if actor is not None and actor.id != member.id:
        raise NotAllowed(_("Members act for themselves only."))


def require_may_decide(proposal: Proposal, member: User) -> None:
    """The member takes part in the proposal's decision (a position, a vote, an answer to its written procedure)."""
    if not standing(proposal, member).decides:
        raise NotAllowed(_("You do not take part in the decision on %(proposal)s.", proposal=proposal.reference))


def text_problems(value: str, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> list[str]:
    if required and not value.strip():
        return [_("%(field)s is required.", field=label)]
    if len(value) > limit:
        return [_("%(field)s is too long (at most %(n)d characters).", field=label, n=limit)]
    return []
