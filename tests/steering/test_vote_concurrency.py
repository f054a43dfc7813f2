"""Many members taking part at once on PostgreSQL: every position and vote recorded once, none lost, none after
the close, each change in the audit trail once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.models import AgendaItem, ItemState, MeetingMode, Position, Stance, Vote, VoteChoice
from tests.factories import sign_in
from tests.support.concurrency import run_at_once

pytestmark = pytest.mark.postgres_only
MEMBERS = 50


@pytest.fixture(params=["consensus", "majority"])
def open_item(request, committed, fund, make_user, make_proposal):
    """A meeting under way with MEMBERS present members and one item open, in a fund deciding by consensus or by
    majority (put back afterwards); returns (item id, member ids, FMU id)."""
    rule, fund_id = fund.decision_rule, fund.id
    fund.decision_rule = request.param
    members = [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(MEMBERS)]
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
    yield ids
    with committed.app_context():
        db.session.execute(sa.update(Fund).where(Fund.id == fund_id).values(decision_rule=rule))
        db.session.commit()


def takes_part(item_id: int, member_id: int, stance: Stance, choice: VoteChoice):
    """A member states a position (consensus) or votes (majority), as the item's fund decides."""

    def job():
        member = db.session.get(User, member_id)
        item = db.session.get(AgendaItem, item_id)
        if item.meeting.by_consensus:
            text = "Baselines first." if stance.needs_text else ""
            ops.state_position(item, member, ops.PositionData(stance, text), actor=member)
        else:
            ops.cast_vote(item, member, choice, actor=member)

    return job


def recorded(item_id: int) -> tuple[dict[int, str], Counter]:
    """Each member's one recorded position or vote, and the audit trail's entries by action."""
    rows = db.session.execute(sa.select(Position.member_id, Position.stance).where(Position.item_id == item_id)).all()
    rows += db.session.execute(sa.select(Vote.member_id, Vote.choice).where(Vote.item_id == item_id)).all()
    actions = Counter(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.in_(["position.stated", "position.changed", "vote.cast", "vote.changed"]))))  # fmt: skip
    assert len(rows) == len({member for member, _ in rows})  # nothing recorded twice
    return {member: value.value for member, value in rows}, actions


def test_every_member_changes_then_confirms_at_once_and_nothing_is_lost_or_recorded_twice(committed, open_item):
    """50 members each send two different answers at the same instant (100 threads), then all confirm their last
    one at once: one row per member holding one of their answers, one entry per change, none for a confirmation."""
    item_id, member_ids, _fmu = open_item
    jobs = [takes_part(item_id, m, Stance.support, VoteChoice.approve) for m in member_ids]
    jobs += [takes_part(item_id, m, Stance.object, VoteChoice.reject) for m in member_ids]
    assert Counter(run_at_once(committed, jobs)) == {"ok": 2 * MEMBERS}
    with committed.app_context():
        answers, actions = recorded(item_id)
        assert set(answers) == set(member_ids)
        assert set(answers.values()) <= {"support", "object", "approve", "reject"}
        assert sorted(actions.values()) == [MEMBERS, MEMBERS]  # stated (or cast) once, changed once, per member
    last = {m: (Stance(a), VoteChoice.reject) if a in ("support", "object") else (Stance.support, VoteChoice(a))
            for m, a in answers.items()}  # fmt: skip
    confirm = [takes_part(item_id, m, last[m][0], last[m][1]) for m in member_ids]
    assert Counter(run_at_once(committed, confirm)) == {"ok": MEMBERS}
    with committed.app_context():
        assert recorded(item_id) == (answers, actions)


def test_nothing_is_recorded_after_the_close(committed, open_item):
    """Members answer while the FMU closes the item: each answer is in before the close, or refused; none is lost."""
    item_id, member_ids, fmu_id = open_item

    def close():
        ops.close_item(db.session.get(AgendaItem, item_id), actor=db.session.get(User, fmu_id))

    jobs = [takes_part(item_id, m, Stance.stand_aside, VoteChoice.defer) for m in member_ids] + [close]
    counts = Counter(run_at_once(committed, jobs))
    with committed.app_context():
        item = db.session.get(AgendaItem, item_id)
        answers, _actions = recorded(item_id)
        times = db.session.scalars(sa.select(Position.updated_at).where(Position.item_id == item_id)).all()
        times += db.session.scalars(sa.select(Vote.cast_at).where(Vote.item_id == item_id)).all()
        refusal = (
            "Positions on this item are closed." if item.meeting.by_consensus else "Voting on this item is closed."
        )
        assert counts["ok"] == len(answers) + 1  # the close succeeded too
        assert counts[refusal] == MEMBERS - len(answers)
        assert all(t <= item.closed_at for t in times)


def post_at_once(app, requests: list[tuple[FlaskClient, str, dict[str, str]]]) -> list[int]:
    """Each (client, url, form) POSTed at the same instant, asking for JSON; the status codes in the same order."""
    start, now = threading.Barrier(len(requests)), clock.now()
    statuses = [0] * len(requests)

    def send(n: int, client: FlaskClient, url: str, form: dict[str, str]) -> None:
        start.wait()
        with clock.as_of(now):  # the test's clock, which the sessions were opened at
            statuses[n] = client.post(url, data=form, headers={"Accept": "application/json"}).status_code

    threads = [threading.Thread(target=send, args=(n, *request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def route_and_forms(committed, item_id: int) -> tuple[str, dict[str, str], dict[str, str]]:
    """The item's answer route as the board's buttons post to it
    and two different answers' forms, as the item's fund decides."""
    with committed.app_context():
        item = db.session.get(AgendaItem, item_id)
        base = f"/steering/meetings/{item.meeting_id}/items/{item_id}"
        if item.meeting.by_consensus:
            return f"{base}/position", {"stance": "support"}, {"stance": "object", "text": "Baselines first."}
        return f"{base}/vote", {"choice": "approve", "confirmed": "yes"}, {"choice": "reject", "confirmed": "yes"}


def test_two_devices_of_every_member_answering_through_the_route_at_once_record_one_answer_each(committed, open_item):
    """Every member sends two different answers from two devices at the same instant through the route: all are
    acknowledged, one row per member holding one of them, stated once and changed once, each audited once."""
    item_id, member_ids, _fmu = open_item
    url, first, second = route_and_forms(committed, item_id)
    members = [db.session.get(User, m) for m in member_ids]
    requests = [(sign_in(committed.test_client(), m), url, form) for m in members for form in (first, second)]
    db.session.close()
    assert Counter(post_at_once(committed, requests)) == {201: 2 * MEMBERS}
    with committed.app_context():
        answers, actions = recorded(item_id)
        assert set(answers) == set(member_ids)
        assert sorted(actions.values()) == [MEMBERS, MEMBERS]  # stated (or cast) once, changed once, per member


def test_no_answer_through_the_route_is_recorded_after_the_close(committed, open_item):
    """Members answer through the route while the FMU closes the item: each answer acknowledged is recorded before
    the close, each other one refused as closed; none is recorded without being acknowledged."""
    item_id, member_ids, fmu_id = open_item
    url, first, _second = route_and_forms(committed, item_id)
    requests = [(sign_in(committed.test_client(), db.session.get(User, m)), url, first) for m in member_ids]
    close = url.rsplit("/", 1)[0] + "/close"
    requests.append((sign_in(committed.test_client(), db.session.get(User, fmu_id)), close, {"confirmed": "yes"}))
    db.session.close()
    statuses = post_at_once(committed, requests)
    assert statuses[-1] < 400, statuses[-1]
    with committed.app_context():
        item = db.session.get(AgendaItem, item_id)
        answers, _actions = recorded(item_id)
        times = db.session.scalars(sa.select(Position.updated_at).where(Position.item_id == item_id)).all()
        times += db.session.scalars(sa.select(Vote.cast_at).where(Vote.item_id == item_id)).all()
    assert item.state is ItemState.closed
    assert statuses[:-1].count(201) == len(answers)
    assert set(statuses[:-1]) <= {201, 409}  # recorded, or refused as closed
    assert all(t <= item.closed_at for t in times)
