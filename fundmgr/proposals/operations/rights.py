"""Who may change a proposal, and the length every proposal text is held to."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.accounts.models import Role, User
from fundmgr.errors import InvalidTransition, NotAllowed
from fundmgr.funds.rights import require_person_with_role
from fundmgr.proposals.models import Proposal
from fundmgr.workflow import title_of

MAX_TEXT = 20000


def require_editor(proposal: Proposal, actor: User | None) -> None:
    """Refuse unless the actor is agency staff of the proposal and its state lets it be changed."""
    if actor is None or not proposal.can_edit(actor, check_state=False):
        raise NotAllowed(
            _("Only staff of the proposal’s %(organizations)s may change it.",
              organizations=proposal.fund.participants_label)
        )  # fmt: skip
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


def require_screener(proposal: Proposal, actor: User | None) -> None:
    """An officer of the FMU screens: the screening names its screener, and administrators do not screen."""
    require_person_with_role(actor, proposal.fund, Role.fmu)


def text_problem(value: str, label: str, limit: int = MAX_TEXT) -> list[str]:
    if len(value) > limit:
        return [_("%(field)s is longer than %(n)d characters.", field=label, n=limit)]
    return []
