"""The one rule on closed programmes: what can no longer change once a programme is closed.

Operational closure (the state `closed`) freezes the programme's content: reports, periods, links, transfers.
Its money stays open until the financial closure: the organizations certify their final expenditure and
refund what they did not spend. Financial closure freezes everything.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.proposals.models import Proposal, ProposalState


def content_closed_problems(proposal: Proposal) -> list[str]:
    """The refusal of any change to an operationally closed programme's content (empty while it is open)."""
    if proposal.state is ProposalState.closed:
        return [_("Programme %(reference)s is closed: it is read-only.", reference=proposal.reference)]
    return []


def money_closed_problems(proposal: Proposal) -> list[str]:
    """The refusal of any movement of a financially closed programme's money or expenditure."""
    if proposal.financially_closed_on is not None:
        return [
            _(
                "Programme %(reference)s is financially closed (%(date)s): its money and expenditure are read-only.",
                reference=proposal.reference,
                date=proposal.financially_closed_on.isoformat(),
            )
        ]
    return []


def closure_date_problems(proposal: Proposal, closed_on: object, not_before: date | None) -> list[str]:
    """A closure's date: given, not in the future (the fund's day), not before what it follows."""
    if not isinstance(closed_on, date):
        return [_("The closure date is required.")]
    if closed_on > clock.today(proposal.fund):
        return [_("The closure date cannot be in the future.")]
    if not_before is not None and closed_on < not_before:
        return [_("The closure date cannot be before %(date)s.", date=not_before.isoformat())]
    return []
