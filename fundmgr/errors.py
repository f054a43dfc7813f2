"""Domain errors: what an operation raises when a rule refuses an action.

Messages are translated when raised (inside a request they follow the user's language).
Views turn them into a flash message or a 4xx answer; nothing is written when one is raised.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the fund refused the action; the message says why, for the user."""

    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The acting user may not do this."""

    status_code = 403


class InvalidTransition(DomainError):
    """The object's current state does not allow this action."""


class ValidationFailed(DomainError):
    """The input breaks one or more rules; every problem is listed at once."""

    status_code = 422

    def __init__(self, problems: list[str], message: str | None = None) -> None:
        super().__init__(message or "; ".join(problems))
        self.problems = problems


class InsufficientFunds(DomainError):
    """The fund (or an earmark) does not hold the money an action needs."""


class ConcurrentChange(DomainError):
    """Another request changed the same data at the same moment: this one was rolled back (fundmgr.web)."""
