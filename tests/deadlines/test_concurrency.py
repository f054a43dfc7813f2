"""Two runs of the daily reminders at the same time on PostgreSQL: each reminder is sent exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.deadlines import cli, queries
from fundmgr.deadlines.models import ReminderSent
from fundmgr.extensions import mail
from fundmgr.notifications import Notification
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.support import TODAY

pytestmark = pytest.mark.postgres_only
MEMBERS = 12
DUE = TODAY + timedelta(days=20)


@pytest.fixture
def deadlines(committed, make_user, make_proposal):
    """Three proposals in review assigned to MEMBERS members, and a written procedure, all due on DUE (committed)."""
    members = [make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-") for _ in range(MEMBERS)]
    fmu = make_user(Role.fmu)
    for _ in range(3):
        proposal = make_proposal(ProposalState.in_review, lead="UNDP", partners=("UNFPA",))
        steering_ops.assign_reviewers(proposal, members, DUE, actor=fmu)
    steering_ops.circulate_written_procedure(
        make_proposal(ProposalState.in_review, lead="UNDP", partners=("UNFPA",)),
        steering_ops.DecisionData(DecisionOutcome.endorse), rationale="Endorse.", deadline=DUE, actor=fmu,
    )  # fmt: skip
    db.session.commit()
    db.session.execute(sa.delete(Notification))  # the assignments' own notifications: not what is counted here
    db.session.commit()
    ids = [m.id for m in members]
    db.session.remove()
    return ids


def test_two_overlapping_runs_send_each_reminder_once(committed, deadlines, monkeypatch):
    """Both runs read the same reminders as due (they wait for each other after reading), then race to send them:
    every (deadline, member) gets one e-mail and one notification, and each run reports only what it sent."""
    day = DUE - timedelta(days=14)
    both_read = threading.Barrier(2, timeout=30)
    reading = queries.due_reminders

    def read_then_wait(fund, on):
        due = reading(fund, on)
        both_read.wait()  # neither sends before both have seen every reminder as due
        return due

    monkeypatch.setattr(cli, "due_reminders", read_then_wait)
    results: list[Counter] = []
    errors: list[BaseException] = []

    def job():
        with committed.app_context():
            try:
                sent, failures = cli.send_reminders(day)
                assert failures == []
                results.append(sent)
            except BaseException as exc:  # reported below, with the other thread's outcome
                errors.append(exc)
            finally:
                db.session.remove()

    with mail.record_messages() as outbox:
        threads = [threading.Thread(target=job) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    expected = 4 * MEMBERS  # three scoring deadlines and a procedure, every member waiting
    assert sum(sum(r.values()) for r in results) == expected
    assert len(outbox) == expected
    assert len({(m.recipients[0], m.subject) for m in outbox}) == expected
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == expected
    per_member = Counter(db.session.scalars(sa.select(Notification.user_id)))
    assert per_member == dict.fromkeys(deadlines, 4)
    monkeypatch.setattr(cli, "due_reminders", reading)
    again, _failures = cli.send_reminders(day)
    assert sum(again.values()) == 0
