"""Reading calls: a fund's calls, the open ones anyone may read, and a call's outcome from its proposals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.calls.models import Call, CallState
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.proposals.visibility import visible_to

S = ProposalState
# How a call's outcome counts what it received: each concept note submitted to it, and each proposal submitted without
# one (a programme document developed from a concept note is that note's sequel, counted with it), each bucket by the
# states that put a proposal in it (a proposal counts in every bucket it reached: a selected one was received and
# screened too; a concept note selected for development stays selected while its programme document goes on).
OUTCOME = (
    ("received", _l("Received"), frozenset(S)),
    (
        "screened",
        _l("Screened"),
        frozenset({S.in_review, S.endorsed, S.selected, S.approved, S.active, S.closed, S.deferred, S.rejected}),
    ),
    ("selected", _l("Selected for development or approved"), frozenset({S.selected, S.approved, S.active, S.closed})),
    ("pipelined", _l("In the pipeline (endorsed)"), frozenset({S.endorsed})),
    ("not_selected", _l("Not selected"), frozenset({S.rejected})),
)


@dataclass(frozen=True)
class OutcomeLine:
    """One bucket of a call's outcome."""

    key: str
    title: Any
    count: int
    amount: Decimal


def calls_of(fund: Fund, user: Any) -> sa.Select[tuple[Call]]:
    """The fund's calls the user may see (drafts: its managers only), newest first."""
    query = sa.select(Call).where(Call.fund_id == fund.id)
    if not is_fund_manager(user, fund):
        query = query.where(Call.state != CallState.draft)
    return query.order_by(Call.opens_on.desc(), Call.id.desc())


def open_calls(fund: Fund) -> list[Call]:
    """The fund's calls taking proposals today."""
    query = sa.select(Call).where(Call.fund_id == fund.id, Call.state == CallState.published)
    return [call for call in db.session.scalars(query.order_by(Call.opens_on, Call.id)) if call.is_open]


def public_calls() -> list[Call]:
    """Every fund's published calls whose window has not ended: what anyone may read without signing in."""
    query = sa.select(Call).where(Call.state == CallState.published).order_by(Call.opens_on, Call.id)
    return [call for call in db.session.scalars(query)
            if call.closes_on is None or not clock.is_past(call.closes_on, clock.today(call.fund))]  # fmt: skip


def outcome(call: Call) -> list[OutcomeLine]:
    """How many of the call's concept notes (and proposals submitted without one) reached each bucket, and what they
    ask for (a concept note: its indicative total)."""
    query = (
        sa.select(Proposal.state, sa.func.count(), sa.func.coalesce(sa.func.sum(Proposal.total_amount), 0))
        .where(Proposal.call_id == call.id, Proposal.version_count > 0, Proposal.concept_note_id.is_(None))
        .group_by(Proposal.state)
    )
    by_state = {state: (count, Decimal(amount)) for state, count, amount in db.session.execute(query)}
    lines = []
    for key, title, states in OUTCOME:
        count = sum(by_state.get(state, (0, Decimal(0)))[0] for state in states)
        amount = sum((by_state.get(state, (0, Decimal(0)))[1] for state in states), Decimal("0.00"))
        lines.append(OutcomeLine(key, title, count, amount))
    return lines


def proposals_of(call: Call, user: Any) -> sa.Select[tuple[Proposal]]:
    """The call's proposals the user may know about."""
    return (
        sa.select(Proposal).where(Proposal.call_id == call.id, visible_to(user, call.fund)).order_by(Proposal.reference)
    )
