"""The one refusal every results operation gives an actor without the right."""

from __future__ import annotations

from flask_babel import gettext as _

from fundmgr.errors import NotAllowed


def require(allowed: bool) -> None:
    """Refuse an action the actor has no right to."""
    if not allowed:
        raise NotAllowed(_("You do not have the rights to do this."))
