"""Fixtures of the deadlines tests: a Steering Committee scoring a proposal, a written procedure, a programme
reporting, and the reminders the command sent (e-mails recorded, notifications in the app)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.deadlines.cli import send_reminders
from fundmgr.extensions import mail
from fundmgr.notifications import Notification
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.conftest import TODAY
from tests.results import conftest as results_fixtures
from tests.steering import conftest as steering_fixtures

# The steering and results tests' fixtures, used here too.
committee, in_review, assign = steering_fixtures.committee, steering_fixtures.in_review, steering_fixtures.assign
submit_review = steering_fixtures.submit_review
framework, make_programme, lead_of = (
    results_fixtures.framework,
    results_fixtures.make_programme,
    results_fixtures.lead_of,
)

DUE = TODAY + timedelta(days=30)  # a scoring or procedure deadline the tests move towards


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    """Dates here are set around TODAY: freeze the clock on it, so the fund's day stays TODAY at any hour."""
    frozen_clock(TODAY)


@dataclass
class Sent:
    """What a run of the reminders sent: (recipient e-mail, subject) pairs, and the count per kind."""

    messages: list
    counts: dict

    @property
    def recipients(self) -> list[str]:
        return sorted(m.recipients[0] for m in self.messages)

    @property
    def subjects(self) -> list[str]:
        return [m.subject for m in self.messages]


@pytest.fixture
def outbox() -> Iterator[list]:
    with mail.record_messages() as messages:
        yield messages


@pytest.fixture
def run(outbox, frozen_clock):
    """Run the daily reminders on the given day (the clock stays there); returns what that run sent."""

    def _run(day: date) -> Sent:
        before = len(outbox)
        frozen_clock(day)
        counts, failures = send_reminders()
        assert failures == []
        db.session.expire_all()
        return Sent(outbox[before:], dict(counts))

    return _run


@pytest.fixture
def scoring(committee, in_review, assign):
    """A proposal in review assigned to the five members who are not recused (IOM's chair and UNHCR's are), due DUE."""
    proposal = in_review()
    members = assign(proposal, DUE)
    return proposal, members


@pytest.fixture
def procedure(committee, make_proposal):
    """An open written procedure (endorse) on an IOM-UNHCR proposal in review, closing on DUE."""
    proposal = make_proposal(ProposalState.in_review, lead="IOM", partners=("UNHCR",))
    result = steering_ops.circulate_written_procedure(
        proposal, steering_ops.DecisionData(DecisionOutcome.endorse), rationale="Endorse for the pipeline.",
        deadline=DUE, actor=committee.fmu,
    )  # fmt: skip
    db.session.commit()
    return result


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))
