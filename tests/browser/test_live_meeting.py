"""A live Steering Committee meeting in three browsers: two members vote, the board updates without reloading."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.clock import today
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import Meeting, MeetingMode
from tests.browser.conftest import artifact

ECUADOR = "Supporting Ecuador's national plan to implement the Global Compact for Migration"


@pytest.fixture
def live_meeting(live_server) -> int:
    """The demo's Steering Committee in session: everyone present, the Ecuador proposal (in review) open for votes."""
    with live_server.app.app_context():
        fund = current_fund()
        proposal = db.session.scalar(sa.select(Proposal).where(Proposal.title == ECUADOR))
        assert proposal.state is ProposalState.in_review
        people = demo_people()
        meeting = ops.schedule_meeting(
            fund, ops.MeetingData("Extraordinary session (browser test)", today(), MeetingMode.virtual),
            actor=people.fmu,
        )  # fmt: skip
        (item,) = ops.add_agenda_items(meeting, [proposal], actor=people.fmu)
        ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
        ops.start_meeting(meeting, actor=people.fmu)
        ops.open_item(item, actor=people.fmu)
        db.session.commit()
        meeting_id = meeting.id
    yield meeting_id
    with live_server.app.app_context():  # leave the demo as it was: the meeting ends, the proposal stays in review
        meeting = db.session.get(Meeting, meeting_id)
        if meeting.open_item is not None:
            ops.close_item(meeting.open_item, actor=None)
        ops.end_meeting(meeting, actor=None)
        db.session.commit()


def open_board(live_server, contexts_maker, email: str, meeting_id: int) -> Page:
    page = contexts_maker("en-GB").new_page()
    live_server.login(page, email)
    page.goto(f"{live_server.url}/steering/meetings/{meeting_id}/board")
    return page


def test_two_members_vote_while_the_board_updates_without_reloading(live_server, contexts, request, live_meeting):
    make = request.node.make_context
    board = open_board(live_server, make, "admin@fundmgr.example", live_meeting)  # runs the meeting like the FMU
    expect(board.locator("#board-item")).to_contain_text("Ecuador")
    expect(board.locator("#votes-cast")).to_have_text("(0)")
    board.evaluate("window.notReloaded = true")  # a reload would wipe this

    jonas = open_board(live_server, make, "jonas.becker@fundmgr.example", live_meeting)
    ingrid = open_board(live_server, make, "ingrid.solberg@fundmgr.example", live_meeting)
    jonas.locator("#vote-approve").click()
    expect(jonas.locator("#my-vote")).to_contain_text("Approve")
    ingrid.locator("#vote-approve_with_conditions").click()
    expect(ingrid.locator("#my-vote")).to_contain_text("Approve with conditions")

    # the secretariat's board shows both votes as they came in, without a reload
    expect(board.locator("#vote-list")).to_contain_text("Jonas Becker: Approve", timeout=20_000)
    expect(board.locator("#vote-list")).to_contain_text("Ingrid Solberg: Approve with conditions")
    expect(board.locator("#votes-cast")).to_have_text("(2)")
    assert board.evaluate("window.notReloaded") is True
    # the chair is recused (IOM takes part in the programme): everyone's board says so
    expect(board.locator("#board")).to_contain_text("Recused: Helena Marchetti")

    # the secretariat closes the votes; the members' boards follow without a reload
    jonas.evaluate("window.notReloaded = true")
    board.locator("#close-item").click()
    expect(board.locator("#item-state")).to_have_text("Votes closed")
    expect(jonas.locator("#item-state")).to_have_text("Votes closed", timeout=20_000)
    assert jonas.evaluate("window.notReloaded") is True
    expect(ingrid.locator("#vote-form")).to_have_count(0)
    board.screenshot(path=str(artifact("live-board.png")), full_page=True)
