"""The demo's first call of the Migration MPTF: closed, in three languages, its proposals' outcome counted."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.calls.models import Call, CallState
from fundmgr.calls.queries import outcome
from fundmgr.db import db
from fundmgr.proposals.models import Proposal


def test_the_demo_holds_the_first_call_with_every_proposal_received(demo_app):
    """Is the 2019-2020 call closed, titled in every language, answered by every proposal ever submitted?"""
    call = db.session.scalar(sa.select(Call).order_by(Call.id))
    assert call.state is CallState.closed
    assert (call.opens_on.year, call.closes_on.year) == (2019, 2020)
    assert all(call.title[language] for language in ("en", "fr", "es"))
    received = db.session.scalars(sa.select(Proposal).where(Proposal.version_count > 0)).all()
    assert received
    assert {p.call_id for p in received} == {call.id}
    counts = {line.key: line.count for line in outcome(call)}
    assert counts["received"] == len(received)
    assert counts["selected"] >= 6
    assert counts["pipelined"] > 0
