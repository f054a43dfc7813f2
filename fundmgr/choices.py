"""Enums whose members have translated titles, and the options of a select or a checkbox list.

A titled enum subclasses `TitledEnum` and gives every member its lazily translated title once, after the class:
`Kind.set_titles({Kind.a: _l("A"), ...})` (a mapping may hold other enums' titles too). Then `member.title` is the
title in the language of the moment, `Kind.titles()` the lazy strings, and `Kind.choices()` the options of a form
field built at import (the labels stay lazy, so each page shows them in its own language).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from wtforms import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; its stubs (3.2) predate it

_TITLES: dict[type[enum.Enum], dict[Any, Any]] = {}


class TitledEnum(enum.Enum):
    """An enum whose members have a translated title (see the module)."""

    @classmethod
    def set_titles(cls, titles: Mapping[Any, Any]) -> None:
        """Give the members their (lazily translated) titles; every member needs one."""
        missing = [member.name for member in cls if member not in titles]
        if missing:
            raise TypeError(f"{cls.__name__} has members without a title: {', '.join(missing)}")
        _TITLES[cls] = {member: titles[member] for member in cls}

    @classmethod
    def titles(cls) -> dict[Any, Any]:
        """Each member's lazily translated title."""
        return _TITLES[cls]

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """Every member as an option, its label lazily translated (for forms built at import)."""
        return options((member.value, title) for member, title in _TITLES[cls].items())

    @property
    def title(self) -> str:
        """The member's title in the language of the moment."""
        return str(_TITLES[type(self)][self])


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """The options of a select or a checkbox list, from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
