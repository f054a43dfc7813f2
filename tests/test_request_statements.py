"""What every signed-in request, the live board's poll and a member's position cost in SQL statements: a constant,
whatever the meeting's agenda, its history and the number of members who have spoken (issue 18). Performance is
measured by the benchmark; these counts keep the costs from growing back."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.operations import end_role
from fundmgr.steering import operations as ops
from fundmgr.steering.models import Stance
from tests.factories import sign_in

JSON = {"Accept": "application/json"}

# What every signed-in page pays: the session row with its user, their organization, their roles and the funds
# they hold them on (one statement); the unread notifications of the bell (one).
SIGNED_IN_PAGE = 2
# The board's poll: the user and their roles (1); the meeting, its items with their proposals and decisions, its
# attendance with the members and their roles (4); the committee's rules, seats and the standings on the items
# (4); the open item's positions (1); its scores for those who see them (at most 6).
BOARD_POLL = 14
# A member's position: the user (1); the item with its meeting and proposal (1); the item's lock (1); the member's
# attendance under its lock with their standing (1); their position (1); it written (1); its audit entry (1).
POSITION = 7
# A member's vote: as a position, and the quorum, which a vote needs: the voting seats' terms on the day (1); the
# invited members and the seats' people with their presence, roles and standings, and the rules' number (1).
VOTE = POSITION + 2


def statements(client, send: Callable[[], object], status: int) -> list[str]:
    """The SQL statements one request runs (it must answer `status`)."""
    counted: list[str] = []

    def count(*args, **_kwargs) -> None:
        text = " ".join(args[2].split())
        if "SAVEPOINT" not in text:  # the tests' own transaction around each request's, not the request's work
            counted.append(text)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = send()
        assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return counted


def test_a_signed_in_page_reads_the_session_the_user_and_their_roles_in_one_statement(client, make_user):
    """A signed-in page showing only the layout (here the page of an unknown address) pays one statement for the
    session, the user, their organization, roles and funds, and one for the bell; a role ended counts at once."""
    user = make_user(Role.fmu)
    sign_in(client, user)
    read = statements(client, lambda: client.get("/no-such-page"), 404)
    assert len(read) == SIGNED_IN_PAGE, read
    assert "user_sessions" in read[0]
    assert "fund_roles" in read[0]
    assert client.get("/finance/").status_code == 200
    end_role(user, user.fund_roles[0].fund, actor=None)
    db.session.commit()
    assert client.get("/finance/").status_code == 403  # the next request reads the roles afresh


def test_the_board_poll_costs_the_same_whatever_the_agenda_and_its_history(client, committee, live_item, in_review):
    """board.json, polled by every member every few seconds, reads each kind of row once: as many statements for an
    agenda of one item as for one of four, some closed, reopened and answered (and as many for the FMU)."""
    item = live_item()
    board = f"/steering/meetings/{item.meeting_id}/board.json"
    sign_in(client, committee.germany)
    assert client.post(f"/steering/meetings/{item.meeting_id}/items/{item.id}/position",
                       data={"stance": "support"}, headers=JSON).status_code == 201  # fmt: skip

    def poll(member) -> list[str]:
        sign_in(client, member)
        client.get(board)  # the process's first answer may fill caches of its own
        return statements(client, lambda: client.get(board), 200)

    few = {member.name: poll(member) for member in (committee.germany, committee.fmu, committee.chair)}
    assert max(len(read) for read in few.values()) <= BOARD_POLL, few

    meeting = item.meeting
    others = ops.add_agenda_items(meeting, [in_review(), in_review(), in_review()], actor=committee.fmu)
    ops.close_item(item, actor=committee.fmu)
    ops.open_item(others[0], actor=committee.fmu)
    for member in (committee.spain, committee.morocco):
        ops.state_position(others[0], member, ops.PositionData(Stance.support, "", False), actor=member)
    ops.close_item(others[0], actor=committee.fmu)
    ops.open_item(item, actor=committee.fmu)
    db.session.commit()
    many = {member.name: poll(member) for member in (committee.germany, committee.fmu, committee.chair)}
    assert {name: len(read) for name, read in many.items()} == {name: len(read) for name, read in few.items()}, many


def test_a_position_costs_a_few_statements(client, committee, live_item):
    """A member's position (JSON, from their device): the item and what the rule needs, each read once."""
    item = live_item()
    sign_in(client, committee.germany)
    url = f"/steering/meetings/{item.meeting_id}/items/{item.id}/position"
    first = statements(client, lambda: client.post(url, data={"stance": "support"}, headers=JSON), 201)
    assert len(first) <= POSITION, first
    changed = statements(client, lambda: client.post(url, data={"stance": "stand_aside"}, headers=JSON), 201)
    assert len(changed) == len(first), changed


def test_a_vote_costs_a_few_statements(client, committee, live_item, by_majority):
    """A member's vote (JSON, from their device) in a fund deciding by majority: a position's statements and two for
    the quorum, however many members the committee has."""
    item = live_item()
    sign_in(client, committee.germany)
    url = f"/steering/meetings/{item.meeting_id}/items/{item.id}/vote"
    first = statements(client, lambda: client.post(url, data={"choice": "approve"}, headers=JSON), 201)
    assert len(first) <= VOTE, first
    changed = statements(client, lambda: client.post(url, data={"choice": "reject"}, headers=JSON), 201)
    assert len(changed) == len(first), changed
