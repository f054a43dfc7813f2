"""A consensus meeting on the demo, where the chair's organization (IOM) takes part in the item: she presides and
abstains, members state positions from their own devices (one on a phone, arriving from the home page), the
decision is recorded, the letter is signed by her and the minutes carry the reservation minuted by name."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fundmgr.db import db
from fundmgr.steering.models import Meeting, MeetingState
from tests.demo_meeting import end_meeting, meeting_in_session
from tests.support.browser import artifact, signed_in

GUATEMALA = (
    "Regular pathways and protection-sensitive screening and referral for migrants in vulnerable situations in "
    "Guatemala"
)  # OHCHR leads, IOM takes part
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def guatemala_meeting(live_server) -> Iterator[int]:
    """The demo committee in session, everyone present, the Guatemala proposal's item open (IOM takes part)."""
    with live_server.app.app_context():
        meeting_id = meeting_in_session("Consensus session (browser test)", GUATEMALA).id
        db.session.commit()
        db.session.remove()
    yield meeting_id
    with live_server.app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        if meeting.state is MeetingState.in_progress:
            end_meeting(meeting_id)
        db.session.commit()
        db.session.remove()


def pdf_text(page: Page, url: str) -> str:
    response = page.context.request.get(url)
    assert response.ok
    reader = PdfReader(io.BytesIO(response.body()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_the_chair_presides_a_consensus_meeting_on_her_organizations_item(
    live_server, contexts, request, guatemala_meeting
):
    make = request.node.make_context
    url = live_server.url
    board_url = f"{url}/steering/meetings/{guatemala_meeting}/board"

    # --- A member on a phone: told in the app, one tap from the home page to the item and its controls
    jonas = signed_in(live_server, make, "jonas.becker@fundmgr.example")
    jonas.set_viewport_size(PHONE)
    jonas.goto(f"{url}/notifications/")
    expect(jonas.locator("main")).to_contain_text("Open now in")
    jonas.goto(f"{url}/")
    jonas.locator(f"#live-meeting-{guatemala_meeting}").click()
    expect(jonas.locator("#board-item")).to_contain_text("Guatemala")
    # measured once the page has loaded: before its stylesheet applies, the phone's menu is not yet collapsed
    jonas.wait_for_load_state("load")
    for control in ("#board-item", "#stance-object", "#state-position"):
        box = jonas.locator(control).bounding_box()
        assert box is not None, control
        assert box["y"] + box["height"] <= PHONE["height"], control
    jonas.screenshot(path=str(artifact("live-board-phone.png")))

    # --- The chair presides over the item of her organization and abstains: the board gives her the controls
    helena = signed_in(live_server, make, "helena.marchetti@fundmgr.example")
    helena.goto(board_url)
    expect(helena.locator("#presiding")).to_contain_text("Helena Marchetti (presides and abstains)")
    expect(helena.locator("#close-item")).to_be_visible()
    expect(helena.locator("#position-form")).to_have_count(0)

    # --- A reservation minuted by name
    ingrid = signed_in(live_server, make, "ingrid.solberg@fundmgr.example")
    ingrid.goto(board_url)
    ingrid.locator("#stance-reservation").check()
    ingrid.locator("#position-text").fill("Referral pathways agreed with UNHCR first.")
    ingrid.locator("#position-minute-by-name").check()
    ingrid.locator("#state-position").click()
    expect(ingrid.locator("#my-position")).to_contain_text("Support with a reservation")

    # --- An objection, confirmed on its own page (no script needed), then reconsidered
    jonas.locator("#stance-object").check()
    jonas.locator("#position-text").fill("The budget for screening is not costed.")
    jonas.locator("#state-position").click()
    expect(jonas.get_by_role("heading", level=1)).to_contain_text("Object to")
    jonas.locator("#confirm-objection").click()
    expect(jonas.locator("#my-position")).to_contain_text("Your position: Object")
    expect(jonas.locator("#my-position")).to_be_in_viewport()
    expect(helena.locator("#consensus-state")).to_have_text("1 objection stands", timeout=20_000)
    jonas.locator("#stance-support").check()
    jonas.locator("#state-position").click()
    expect(jonas.locator("#my-position")).to_contain_text("Your position: Support.")
    expect(helena.locator("#consensus-state")).to_have_text("No objection stands", timeout=20_000)

    # --- She records the decision; the letter is signed by her; the minutes are complete
    helena.locator("#close-item").click()
    expect(helena.locator("#confirm-dialog")).to_contain_text("Members can no longer state or change their positions")
    helena.locator("#confirm-dialog-yes").click()
    expect(helena.locator("#item-state")).to_have_text("Votes closed")
    helena.locator("#record-decision").click()
    helena.get_by_label("Approved by consensus", exact=True).check()
    helena.get_by_role("button", name="Record the decision").click()
    expect(helena.locator("#decision")).to_contain_text("Approved by consensus")
    decision_href = helena.locator("#decision a").get_attribute("href")
    letter = pdf_text(helena, f"{url}{decision_href}/letter.pdf")
    assert "Helena Marchetti" in letter

    helena.goto(board_url.removesuffix("/board"))
    helena.get_by_role("button", name="End the meeting").click()
    expect(helena.locator("#confirm-dialog")).to_contain_text("End the meeting?")
    helena.locator("#confirm-dialog-yes").click()
    expect(helena.locator("main")).to_contain_text(
        "The meeting has ended; its minutes are drafted for the committee to approve."
    )
    minutes = pdf_text(helena, f"{url}/steering/meetings/{guatemala_meeting}/minutes.pdf")
    assert "Approved by consensus" in minutes
    assert "Ingrid Solberg" in minutes
    assert "Referral pathways agreed with UNHCR first." in minutes
    assert "Helena Marchetti" in minutes
    assert "The budget for screening is not costed." not in minutes  # reconsidered: no objection stands
