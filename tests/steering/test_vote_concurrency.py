"""Many members voting at once on PostgreSQL: every vote counted once, none lost, none after the close."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Constituency, Role, User
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.models import AgendaItem, MeetingMode, Vote, VoteChoice
from tests.support.concurrency import run_at_once

pytestmark = pytest.mark.postgres_only
MEMBERS = 24


@pytest.fixture
def open_item(committed, fund, make_user, make_proposal):
    """A meeting under way with MEMBERS present members and one item open; returns (item id, member ids)."""
    members = [make_user(Role.sc_member, org="GOV-DEU", constituency=Constituency.donor) for _ in range(MEMBERS)]
    fmu = make_user(Role.fmu)
    proposal = make_proposal(ProposalState.in_review, lead="UNDP", partners=("UNFPA",))
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Concurrency", date(2027, 1, 1), MeetingMode.virtual),
                                   actor=fmu)  # fmt: skip
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=fmu)
    ops.record_attendance(meeting, {m.id for m in members}, actor=fmu)
    ops.start_meeting(meeting, actor=fmu)
    ops.open_item(item, actor=fmu)
    db.session.commit()
    ids = (item.id, [m.id for m in members], fmu.id)
    db.session.remove()
    return ids


def vote_job(item_id: int, member_id: int, choice: VoteChoice):
    def job():
        member = db.session.get(User, member_id)
        ops.cast_vote(db.session.get(AgendaItem, item_id), member, choice, actor=member)

    return job


def test_every_vote_is_counted_once_when_all_vote_twice_at_once(committed, open_item):
    """24 members each vote twice at the same instant (48 threads): 24 votes stored, 24 duplicates refused."""
    item_id, member_ids, _fmu = open_item
    jobs = [vote_job(item_id, m, VoteChoice.approve) for m in member_ids]
    jobs += [vote_job(item_id, m, VoteChoice.reject) for m in member_ids]
    results = run_at_once(committed, jobs)
    assert Counter(results) == {"ok": MEMBERS, "You have already voted on this item.": MEMBERS}
    with committed.app_context():
        votes = db.session.scalars(sa.select(Vote).where(Vote.item_id == item_id)).all()
        assert sorted(v.member_id for v in votes) == sorted(member_ids)


def test_no_vote_is_counted_after_the_close(committed, open_item):
    """Members vote while the FMU closes the item: each vote is in before the close, or refused; none is lost."""
    item_id, member_ids, fmu_id = open_item

    def close():
        ops.close_item(db.session.get(AgendaItem, item_id), actor=db.session.get(User, fmu_id))

    results = run_at_once(committed, [vote_job(item_id, m, VoteChoice.defer) for m in member_ids] + [close])
    counts = Counter(results)
    with committed.app_context():
        item = db.session.get(AgendaItem, item_id)
        votes = db.session.scalars(sa.select(Vote).where(Vote.item_id == item_id)).all()
        assert counts["ok"] == len(votes) + 1  # the close succeeded too
        assert counts["Voting on this item is closed."] == MEMBERS - len(votes)
        assert all(v.cast_at <= item.closed_at for v in votes)
