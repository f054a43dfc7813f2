"""The committee, at its next meeting, approves the minutes of the one before: whoever presides signs them, they are
frozen (the FMU can no longer edit them, the stored PDF is served) and the approval is in the decision register;
the same meeting decides a matter of the fund (the allocation targets) as a whole."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from fundmgr import clock
from fundmgr.db import db
from fundmgr.funds.queries import current_fund
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import Meeting, MeetingMode, MeetingState
from tests.demo_meeting import end_meeting, meeting_in_session
from tests.support.browser import signed_in

SUMMARY = "The chair opened the session and welcomed the members (browser test)."
TARGETS = "The Steering Committee adopts the allocation targets of the fund for the next allocation round."


@pytest.fixture
def two_meetings(live_server) -> Iterator[tuple[int, str, int]]:
    """A meeting held and ended (its minutes a draft), and the next one in session with everyone present."""
    with live_server.app.app_context():
        held = meeting_in_session("Held meeting (browser test)")
        end_meeting(held.id)
        people = demo_people(held.fund)
        following = ops.schedule_meeting(
            current_fund(), ops.MeetingData("Next meeting (browser test)", clock.today(), MeetingMode.virtual),
            actor=people.fmu,
        )  # fmt: skip
        ops.record_attendance(following, {m.id for m in people.members}, actor=people.fmu)
        ops.start_meeting(following, actor=people.fmu)
        ids = (held.id, held.reference, following.id)
        db.session.commit()
        db.session.remove()
    yield ids
    with live_server.app.app_context():
        meeting = db.session.get(Meeting, ids[2])
        if meeting.state is MeetingState.in_progress:
            end_meeting(meeting.id)
        db.session.commit()
        db.session.remove()


def test_the_minutes_are_approved_at_the_next_meeting_signed_and_frozen(live_server, contexts, request, two_meetings):
    make = request.node.make_context
    url = live_server.url
    held_id, held_reference, next_id = two_meetings
    record_url = f"{url}/steering/meetings/{held_id}/minutes"

    # --- The secretariat writes the draft's summary
    secretariat = signed_in(live_server, make, "admin@fundmgr.example")  # the FMU's stand-in, reading English
    secretariat.goto(record_url)
    expect(secretariat.locator("main")).to_contain_text("Draft")
    secretariat.get_by_label("Summary of the discussion").fill(SUMMARY)
    secretariat.get_by_role("button", name="Save the draft").click()
    expect(secretariat.locator("main")).to_contain_text("The draft minutes are saved.")

    # --- At the next meeting the chair records the committee's approval: she presides, so she signs
    helena = signed_in(live_server, make, "helena.marchetti@fundmgr.example")
    helena.goto(f"{url}/steering/meetings/{next_id}")
    helena.get_by_role("button", name=f"The committee approves these minutes {held_reference}").click()
    expect(helena.locator("#confirm-dialog")).to_contain_text(f"approves the minutes of {held_reference}?")
    helena.locator("#confirm-dialog-yes").click()
    expect(helena.locator("main")).to_contain_text(f"The minutes of {held_reference} are approved and signed.")

    # --- The same meeting adopts the allocation targets, a matter of the fund decided as a whole
    helena.get_by_role("link", name="Record a decision on a matter of the fund").click()
    helena.get_by_label("Adoption of the allocation targets").check()
    helena.get_by_label("Approved by consensus", exact=True).check()
    helena.get_by_label("The decision as the committee words it").fill(TARGETS)
    helena.get_by_role("button", name="Record the decision").click()
    expect(helena.locator("#matters-heading")).to_be_visible()
    expect(helena.locator("main")).to_contain_text("Adoption of the allocation targets: Approved by consensus")

    # --- Frozen: signed by her, no longer editable, the stored PDF served as approved
    secretariat.goto(record_url)
    expect(secretariat.locator("main")).to_contain_text("Approved")
    expect(secretariat.locator("main")).to_contain_text("signed by Helena Marchetti")
    expect(secretariat.get_by_label("Summary of the discussion")).to_have_count(0)
    digest = secretariat.locator("main code").first.inner_text()
    pdf = secretariat.context.request.get(f"{url}/steering/meetings/{held_id}/minutes.pdf")
    assert pdf.ok
    assert hashlib.sha256(pdf.body()).hexdigest() == digest
    refused = secretariat.context.request.post(record_url, form={"summary": "Rewritten afterwards."})
    assert refused.status in (400, 403, 409, 422)

    # --- Both are in the decision register
    secretariat.goto(f"{url}/steering/decisions")
    register = secretariat.locator("main")
    expect(register).to_contain_text("Adoption of the allocation targets")
    approval = register.get_by_role("row").filter(has_text=f"Approval of the minutes: {held_reference}")
    expect(approval).to_have_count(1)
    expect(approval).to_contain_text(re.compile(r"Signed by Helena Marchetti"))
