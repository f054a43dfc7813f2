"""What a call asks of the proposals submitted to it, listed with the fund's other submission problems."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.calls.models import Call, CallState
from fundmgr.i18n import format_money
from fundmgr.proposals.budget import requested_total
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.rules import SUBMISSION_RULES


def call_problems(proposal: Proposal) -> list[str]:
    """A first submission goes to an open call; every submission stays within the call's ceiling."""
    call = proposal.call
    if call is None:
        return []
    problems = []
    # a proposal returned or deferred for revision was received while the call was open: it may come back; so may a
    # programme document, developed from a concept note the call received
    if proposal.version_count == 0 and proposal.concept_note_id is None and not call.is_open:
        problems.append(closed_problem(call))
    total = requested_total(proposal)
    if total > call.ceiling:
        problems.append(
            _(
                "The total budget (%(total)s %(currency)s) exceeds the ceiling per joint programme of the call "
                "“%(call)s”: %(ceiling)s.",
                total=format_money(total),
                currency=proposal.fund.currency,
                call=call.label,
                ceiling=format_money(call.ceiling),
            )
        )
    return problems


def closed_problem(call: Call) -> str:
    """Why the call takes no proposal today."""
    today = clock.today(call.fund)
    if call.state is CallState.published and today < call.opens_on:
        return _("The call “%(call)s” opens on %(day)s: it takes no proposal before.", call=call.label,
                 day=format_date(call.opens_on, "long"))  # fmt: skip
    if call.state is CallState.draft:
        return _("The call “%(call)s” is not published: it takes no proposal.", call=call.label)
    return _("The call “%(call)s” is closed: it takes no more proposals.", call=call.label)


if (call_problems, "calls.proposal_call") not in SUBMISSION_RULES:
    SUBMISSION_RULES.append((call_problems, "calls.proposal_call"))
