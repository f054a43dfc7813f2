"""The one refusal every results operation gives an actor without the right."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.proposals.closure import content_closed_problems
from fundmgr.results.models import Programme


def require(allowed: bool) -> None:
    """Refuse an action the actor has no right to."""
    if not allowed:
        raise NotAllowed(_("You do not have the rights to do this."))


def require_open(programme: Programme) -> None:
    """Refuse any change to a closed programme's results (its periods, links, reports and evidence)."""
    problems = content_closed_problems(programme.proposal)
    if problems:
        raise ValidationFailed(problems)
