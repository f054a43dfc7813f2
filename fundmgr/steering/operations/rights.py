"""Who may act on the Steering Committee's work, and the text limits its forms share."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.accounts.models import Role, User
from fundmgr.errors import NotAllowed
from fundmgr.proposals.models import Proposal

LANGUAGES = ("en", "fr", "es")
MAX_TEXT = 10_000


def require_fmu(actor: User | None) -> None:
    """The FMU (or an administrator, or the system) only."""
    if actor is not None and not actor.manages_fund:
        raise NotAllowed(_("Only the Fund Management Unit may do this."))


def require_sc_member(actor: User | None, member: User) -> None:
    """An SC member acting for themselves."""
    if member.role is not Role.sc_member:
        raise NotAllowed(_("Only members of the Steering Committee may do this."))
    if actor is not None and actor.id != member.id:
        raise NotAllowed(_("Members act for themselves only."))


def require_not_recused(proposal: Proposal, member: User) -> None:
    if proposal.is_recused(member):
        raise NotAllowed(_("You are recused from %(proposal)s.", proposal=proposal.reference))


def text_problems(value: str, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> list[str]:
    if required and not value.strip():
        return [_("%(field)s is required.", field=label)]
    if len(value) > limit:
        return [_("%(field)s is too long (at most %(n)d characters).", field=label, n=limit)]
    return []
