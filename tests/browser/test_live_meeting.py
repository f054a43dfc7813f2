"""A live Steering Committee meeting in several browsers: members state positions, the boards update without
reloading, and what a member is typing survives the updates."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.browser.keyboard import focus_is_visible, press_on, sign_in_with_keyboard, tab_to
from tests.support.browser import artifact, signed_in


def open_board(live_server, contexts_maker, email: str, meeting_id: int) -> Page:
    page = signed_in(live_server, contexts_maker, email)
    page.goto(f"{live_server.url}/steering/meetings/{meeting_id}/board")
    return page


def test_two_members_state_positions_while_the_board_updates_without_reloading(
    live_server, contexts, request, live_meeting
):
    make = request.node.make_context
    board = open_board(live_server, make, "admin@fundmgr.example", live_meeting)  # runs the meeting like the FMU
    expect(board.locator("#board-item")).to_contain_text("Ecuador")
    expect(board.locator("#positions-stated")).to_have_text("(0)")
    board.evaluate("window.notReloaded = true")  # a reload would wipe this

    jonas = open_board(live_server, make, "jonas.becker@fundmgr.example", live_meeting)
    ingrid = open_board(live_server, make, "ingrid.solberg@fundmgr.example", live_meeting)
    ingrid.locator("#stance-reservation").check()
    ingrid.locator("#position-text").fill("Baselines before the first transfer.")
    jonas.locator("#state-position").click()  # support, the first choice
    expect(jonas.locator("#my-position")).to_contain_text("Your position: Support.")
    # Jonas's position reaches Ingrid's board while she is still writing: her answer stays as she left it
    expect(ingrid.locator("#positions-stated")).to_have_text("(1)", timeout=20_000)
    expect(ingrid.locator("#position-text")).to_have_value("Baselines before the first transfer.")
    expect(ingrid.locator("#stance-reservation")).to_be_checked()
    ingrid.locator("#state-position").click()
    expect(ingrid.locator("#my-position")).to_contain_text("Support with a reservation")

    # the secretariat's board shows both positions as they came in, without a reload
    expect(board.locator("#position-list")).to_contain_text("Jonas Becker: Support", timeout=20_000)
    expect(board.locator("#position-list")).to_contain_text(
        "Ingrid Solberg: Support with a reservation · “Baselines before the first transfer.”"
    )
    expect(board.locator("#positions-stated")).to_have_text("(2)")
    expect(board.locator("#consensus-state")).to_have_text("No objection stands")
    assert board.evaluate("window.notReloaded") is True
    # the chair's organization (IOM) takes part in the programme: everyone's board says she does not decide
    expect(board.locator("#board")).to_contain_text("Not taking part in the decision: Helena Marchetti")

    # the secretariat closes the item; the members' boards follow without a reload
    jonas.evaluate("window.notReloaded = true")
    board.locator("#close-item").click()
    expect(board.locator("#confirm-dialog")).to_contain_text("Close the item")  # a final step asks first
    expect(jonas.locator("#item-state")).not_to_have_text("Votes closed")  # nothing happens until confirmed
    board.locator("#confirm-dialog-yes").click()
    expect(board.locator("#item-state")).to_have_text("Votes closed")
    expect(jonas.locator("#item-state")).to_have_text("Votes closed", timeout=20_000)
    assert jonas.evaluate("window.notReloaded") is True
    expect(ingrid.locator("#position-form")).to_have_count(0)
    board.screenshot(path=str(artifact("live-board.png")), full_page=True)


def test_a_member_states_a_position_with_the_keyboard_and_keeps_the_focus_while_the_board_updates(
    live_server, contexts, request, live_meeting
):
    make = request.node.make_context
    grace = make("en-GB").new_page()
    sign_in_with_keyboard(grace, live_server.url, "grace.wanjiru@fundmgr.example", DEFAULT_PASSWORD)
    grace.goto(f"{live_server.url}/steering/meetings/{live_meeting}")
    press_on(grace, "main a:text('Live board')")
    tab_to(grace, "#state-position")
    assert focus_is_visible(grace)

    # another member states a position: Grace's board is replaced under her keyboard, her focus stays on her button
    karim = open_board(live_server, make, "karim.haddad@fundmgr.example", live_meeting)
    karim.locator("#state-position").click()
    expect(grace.locator("#positions-stated")).to_have_text("(1)", timeout=20_000)
    assert grace.evaluate("document.activeElement.id") == "state-position"

    with grace.expect_navigation():
        grace.keyboard.press("Enter")
    expect(grace.locator("#my-position")).to_contain_text("Your position: Support.")
    expect(grace.locator("#positions-stated")).to_have_text("(2)")
