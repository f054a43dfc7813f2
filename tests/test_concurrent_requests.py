"""Identical requests sent at the same moment (a double click, a retried form): one is carried out, every other one
is refused cleanly (a 4xx with a message), never a 500; on SQLite too, where a losing writer finds the database
locked."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from fundmgr.accounts.models import Role
from fundmgr.db import db, is_concurrent_conflict
from fundmgr.finance.models import Allocation
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import AttachmentKind, Proposal, ProposalState, ProposalVersion
from fundmgr.steering import operations as ops
from fundmgr.steering.models import Decision, MeetingMode
from tests.factories import sign_in
from tests.support.files import upload

pytestmark = pytest.mark.both_engines  # each engine's transactions

RACERS = 10
JSON = {"Accept": "application/json"}


def post_at_once(app: Flask, user, url: str, data: dict[str, str], headers: dict[str, str]) -> list[int]:
    """RACERS clients signed in as user POST the same form at the same instant; their status codes."""
    clients: list[FlaskClient] = [sign_in(app.test_client(), user) for _ in range(RACERS)]
    db.session.close()  # the test's own read transaction would hold SQLite's shared lock through the race
    start = threading.Barrier(RACERS)
    statuses: list[int] = []

    def send(client: FlaskClient) -> None:
        start.wait()
        statuses.append(client.post(url, data=data, headers=headers).status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == RACERS, "a request raised instead of answering"
    return statuses


def test_ten_identical_submits_at_once_submit_once_and_refuse_nine_cleanly(committed, make_proposal):
    """The lead agency's submit button, clicked by ten tabs at once: one version, nine clean 409s."""
    draft = make_proposal(ProposalState.draft)
    proposal_ops.add_attachment(draft, AttachmentKind.endorsement_letter, upload(), actor=draft.created_by)
    db.session.commit()
    lead, proposal_id = draft.created_by, draft.id
    statuses = post_at_once(committed, lead, f"/proposals/{proposal_id}/submit", {}, JSON)
    assert Counter(statuses) == {302: 1, 409: RACERS - 1}
    db.session.expire_all()
    assert db.session.get(Proposal, proposal_id).state is ProposalState.submitted
    versions = db.session.scalar(sa.select(sa.func.count()).where(ProposalVersion.proposal_id == proposal_id))
    assert versions == 1


def test_ten_identical_approvals_at_once_allocate_once(committed, fund, make_user, make_proposal, make_deposit):
    """The chair's decision form sent ten times at once: one decision, its allocations once, no 500."""
    members = [make_user(Role.sc_member, org="OECD", seat="CHAIR")]  # presides over the item
    members += [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(3)]
    fmu = make_user(Role.fmu)
    make_deposit("5000000.00")
    proposal = make_proposal(ProposalState.in_review, lead="UNDP", partners=("UNFPA",))
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Race", date(2026, 3, 1), MeetingMode.virtual), actor=fmu)
    (item,) = ops.add_agenda_items(meeting, [proposal], actor=fmu)
    ops.record_attendance(meeting, {m.id for m in members}, actor=fmu)
    ops.start_meeting(meeting, actor=fmu)
    ops.open_item(item, actor=fmu)
    ops.close_item(item, actor=fmu)
    db.session.commit()
    total, proposal_id = proposal.latest_version.total, proposal.id
    url = f"/steering/meetings/{meeting.id}/items/{item.id}/decision"
    statuses = post_at_once(committed, fmu, url, {"outcome": "approve", "approved_amount": str(total)}, JSON)
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) == 1, statuses
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Decision.proposal_id == proposal_id)) == 1
    allocated = db.session.scalar(sa.select(sa.func.sum(Allocation.total)).where(Allocation.proposal_id == proposal_id))
    assert allocated == total


@pytest.mark.once
@pytest.mark.parametrize(
    ("message", "conflict"),
    [
        ("database is locked", True),
        ("UNIQUE constraint failed: votes.item_id, votes.member_id", True),
        ("no such table: proposals", False),
    ],
)
def test_only_errors_of_a_lost_race_become_the_clean_refusal(message, conflict):
    """SQLite's lost races are told apart from faults, which stay errors (500) and are logged."""
    error = sa.exc.OperationalError("INSERT ...", {}, sqlite3.OperationalError(message))
    if message.startswith("UNIQUE"):
        error = sa.exc.IntegrityError("INSERT ...", {}, sqlite3.IntegrityError(message))
    assert is_concurrent_conflict(error) is conflict
