"""State machines: one transition table per workflow, checked by every operation that moves state."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import gettext as _

from fundmgr.errors import InvalidTransition

State = TypeVar("State", bound=enum.Enum)


def require_transition(
    obj: Any,
    target: State,
    table: Mapping[State, frozenset[State]],
    *,
    attr: str = "state",
) -> State:
    """Refuse (InvalidTransition) unless the table allows obj's current state to move to target.

    Returns the current state, for the audit entry's "before".
    """
    current: State = getattr(obj, attr)
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(
            _(
                "This action is not possible: it would move %(what)s from “%(current)s” to “%(target)s”.",
                what=getattr(obj, "display_name", type(obj).__name__),
                current=title_of(current),
                target=title_of(target),
            )
        )
    return current


def title_of(state: enum.Enum) -> str:
    """The translated title of a state, when its enum provides one."""
    return str(getattr(state, "title", state.value))
