"""Deadline test data: the day the deadlines fall due, and what a run of the reminders sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.support import TODAY

DUE = TODAY + timedelta(days=30)  # a scoring or procedure deadline the tests move towards


@dataclass
class Sent:
    """What a run of the reminders sent: (recipient e-mail, subject) pairs, and the count per kind."""

    messages: list
    counts: dict

    @property
    def recipients(self) -> list[str]:
        return sorted(m.recipients[0] for m in self.messages)

    @property
    def subjects(self) -> list[str]:
        return [m.subject for m in self.messages]
