"""A committee deciding by consensus, over the web: members state positions from their own devices, an objection
is confirmed on its own page and blocks an approval, the minutes record reservations and objections (named only
where asked) and never a tally; a committee deciding by vote takes votes only while a quorum is present."""

from __future__ import annotations

from io import BytesIO

import sqlalchemy as sa
from pypdf import PdfReader

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.steering.models import Position, Vote
from tests.factories import sign_in

JSON = {"Accept": "application/json"}


def text(response) -> str:
    return response.get_data(as_text=True)


def urls(item) -> tuple[str, str, str]:
    base = f"/steering/meetings/{item.meeting_id}"
    return f"{base}/items/{item.id}/position", f"{base}/board.json", f"{base}/items/{item.id}/decision"


def stances(item) -> dict[str, tuple[str, str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Position).where(Position.item_id == item.id))
    return {p.member.name: (p.stance.value, p.text, p.minute_by_name) for p in rows}


def test_an_objection_is_confirmed_blocks_approval_and_is_minuted_by_name_only_when_asked(client, committee, live_item):
    item = live_item()
    position, board, decide = urls(item)
    sign_in(client, committee.germany)
    assert client.post(position, data={"stance": "support"}).status_code == 302
    sign_in(client, committee.spain)
    refused = client.post(position, data={"stance": "reservation", "text": " "}, follow_redirects=True)
    assert "State your reservation." in text(refused)
    assert client.post(position, data={"stance": "reservation", "text": "Baselines first."}).status_code == 302

    sign_in(client, committee.morocco)
    objection = {"stance": "object", "text": "No return without consent.", "minute_by_name": "y"}
    confirm = client.post(position, data=objection)
    assert confirm.status_code == 200  # a page asking for confirmation, nothing stated yet
    page = text(confirm)
    assert "Object to" in page
    assert 'name="confirmed" value="yes"' in page
    assert "<script>" not in page
    assert "Yasmine Morocco" not in stances(item)
    assert client.post(position, data=objection | {"confirmed": "yes"}).status_code == 302
    assert stances(item) == {
        "Jonas Germany": ("support", "", False),
        "Carmen Spain": ("reservation", "Baselines first.", False),
        "Yasmine Morocco": ("object", "No return without consent.", True),
    }

    sign_in(client, committee.germany)  # every member sees the positions live
    live = client.get(board).json
    assert live["item"]["objections"] == 1
    assert live["item"]["consensus_holds"] is False
    assert "votes" not in live["item"]
    assert "Yasmine Morocco: Object" in live["html"]

    sign_in(client, committee.fmu)
    form = text(client.get(decide))
    assert "Approved by consensus" in form
    assert "No consensus" in form
    blocked = client.post(decide, data={"outcome": "approve", "approved_amount": "1,000,000.00"})
    assert blocked.status_code == 200
    assert "cannot be recorded while an objection stands" in text(blocked)
    assert client.post(decide, data={"outcome": "reject"}).status_code == 302
    db.session.expire_all()
    assert item.proposal.state is ProposalState.rejected

    minutes = "\n".join(p.extract_text() for p in PdfReader(BytesIO(
        client.get(f"/steering/meetings/{item.meeting_id}/minutes.pdf").data)).pages)  # fmt: skip
    assert "No consensus" in minutes
    assert "Yasmine Morocco: No return without consent." in minutes  # she asked for her name
    assert "A member: Baselines first." in minutes  # Spain did not
    assert "Carmen Spain:" not in minutes
    for tally_word in ("Support", "Vote", "Stand aside"):
        assert tally_word not in minutes


def test_a_member_changes_their_position_while_the_item_is_open_and_the_last_one_counts(
    client, committee, live_item, make_deposit
):
    make_deposit("2000000.00")
    item = live_item()
    position, board, decide = urls(item)
    sign_in(client, committee.germany)
    client.post(position, data={"stance": "support"})
    client.post(position, data={"stance": "object", "text": "Too costly.", "confirmed": "yes"})
    client.post(position, data={"stance": "support", "text": "ignored for support"})
    client.post(position, data={"stance": "support"})  # the same again: nothing changes
    assert stances(item) == {"Jonas Germany": ("support", "", False)}
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("position.%")).order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["position.stated", "position.changed", "position.changed"]
    (stated,) = db.session.scalars(sa.select(Position).where(Position.item_id == item.id))
    # each entry names the one row, who stated it, what it was before and what it became
    assert {(e.object_type, e.object_id, e.actor_id, e.fund_id) for e in entries} == {
        ("position", str(stated.id), committee.germany.id, item.meeting.fund_id)}  # fmt: skip
    assert entries[0].after == {"item": item.id, "stance": "support", "text": "", "minute_by_name": False}
    assert entries[1].before == {"stance": "support", "text": "", "minute_by_name": False}
    assert entries[1].after == {"item": item.id, "stance": "object", "text": "Too costly.", "minute_by_name": False}
    assert entries[2].before == {"stance": "object", "text": "Too costly.", "minute_by_name": False}
    assert "Your position: Support." in client.get(board).json["html"]

    sign_in(client, committee.fmu)  # the objection was withdrawn: consensus holds
    assert client.post(decide, data={"outcome": "approve", "approved_amount": "1,000,000.00"}).status_code == 302
    sign_in(client, committee.germany)
    late = client.post(position, data={"stance": "object", "text": "Too late.", "confirmed": "yes"},
                       follow_redirects=True)  # fmt: skip
    assert "Positions on this item are closed." in text(late)
    assert stances(item) == {"Jonas Germany": ("support", "", False)}


def test_ending_the_meeting_is_confirmed_on_a_page_without_script(client, committee, meeting):
    """The meeting page's button asks in the dialog; without script the end route answers the shared confirmation
    page, and only a confirmed request ends the meeting."""
    sign_in(client, committee.chair)
    client.post(f"/steering/meetings/{meeting.id}/start")
    page = text(client.get(f"/steering/meetings/{meeting.id}"))
    assert f'action="/steering/meetings/{meeting.id}/end" data-confirm="End the meeting?"' in page
    confirm = client.post(f"/steering/meetings/{meeting.id}/end")
    assert confirm.status_code == 200
    assert "End the meeting?" in text(confirm)
    assert 'name="confirmed" value="yes"' in text(confirm)
    assert "<script>" not in text(confirm)
    db.session.expire_all()
    assert meeting.state.value == "in_progress"
    assert client.post(f"/steering/meetings/{meeting.id}/end", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert meeting.state.value == "closed"


def test_votes_wait_for_a_quorum_and_the_board_says_so(client, committee, by_majority, live_item):
    item = live_item(present=[committee.germany, committee.spain])
    sign_in(client, committee.germany)
    board = client.get(f"/steering/meetings/{item.meeting_id}/board.json").json
    assert board["item"]["can_vote"] is False
    assert "Votes are taken only while a quorum is present." in board["html"]
    refused = client.post(f"/steering/meetings/{item.meeting_id}/items/{item.id}/vote", data={"choice": "approve"},
                          headers=JSON)  # fmt: skip
    assert refused.status_code == 409
    assert "only while a quorum is present" in refused.json["error"]
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0


def test_a_position_reads_only_the_members_own_rows_whatever_the_number_of_members(client, committee, live_item):
    """Stating or changing a position runs as many SQL statements for the first member as once the others have
    stated theirs: it reads the member's own attendance and position, not the meeting's or the item's."""
    item = live_item()
    position, _board, _decide = urls(item)
    counted: list[str] = []

    def count(*args, **_kwargs) -> None:
        counted.append(args[2])

    def statements(member, form) -> list[str]:
        sign_in(client, member)
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.post(position, data=form, headers=JSON).status_code == 201
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return [" ".join(statement.split()) for statement in counted]

    def whole_tables(read: list[str]) -> list[str]:
        """The statements reading attendance, positions or participants other than the member's own rows."""
        tables = ("FROM meeting_attendance", "FROM positions", "FROM participants")
        return [s for s in read if any(t in s for t in tables) and "member_id" not in s.split(" WHERE ", 1)[-1]]

    first = statements(committee.germany, {"stance": "support"})
    assert whole_tables(first) == []
    for member in (committee.spain, committee.morocco, committee.stakeholder):
        statements(member, {"stance": "stand_aside"})
    changed = statements(committee.spain, {"stance": "support"})  # a change: the row is rewritten
    assert len(changed) == len(first)
    assert whole_tables(changed) == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Position.id)).where(Position.item_id == item.id)) == 4
