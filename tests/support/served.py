"""A PostgreSQL database holding the demo, for tests that serve it from production servers (bench.server.Server),
and what they set up on it: a meeting under way with a proposal open on its agenda."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import flask_migrate
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask

from fundmgr import clock, create_app
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, seed_demo
from fundmgr.funds.queries import current_fund
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import AgendaItem, Meeting, MeetingMode
from tests.support.database import app_config, create_postgres_database, drop_postgres_database


@contextmanager
def demo_database(folder: Path) -> Iterator[tuple[str, Flask]]:
    """A fresh PostgreSQL database, migrated, with the fund and the demo data; its URL and an app on it (for
    setting up and counting from the test; its files in folder/storage). Dropped afterwards.

    The demo's accounts are hashed cheaply (argon2id all the same): a second each saved; a server rehashes a
    password with the production parameters when its account signs in. Every demo account's password is
    DEFAULT_PASSWORD.
    """
    name, url = create_postgres_database()
    app = create_app(app_config(url, folder) | {"TESTING": False, "SERVER_NAME": None, "MAIL_SUPPRESS_SEND": True})
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        with app.app_context(), mock.patch("fundmgr.accounts.operations.hasher", cheap):
            flask_migrate.upgrade()
            seed_demo(DEFAULT_PASSWORD)
            db.session.commit()
            db.session.remove()
        yield url, app
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_postgres_database(name)


TAKEN: set[int] = set()  # proposals an attack has used


def free_proposal(state: ProposalState = ProposalState.endorsed) -> Proposal:
    """A demo proposal in this state on no open route to a decision, not used by another attack."""
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.state == state).order_by(Proposal.id)):
        if proposal.id not in TAKEN and not ops.open_route_problems(proposal):
            TAKEN.add(proposal.id)
            return proposal
    raise AssertionError(f"the demo has no free proposal {state.value} left")


def meeting_under_way(title: str) -> Meeting:
    """A meeting in progress, every member present (the FMU set it up earlier)."""
    people = demo_people(current_fund())
    meeting = ops.schedule_meeting(current_fund(), ops.MeetingData(title, clock.today(), MeetingMode.virtual),
                                   actor=people.fmu)  # fmt: skip
    ops.record_attendance(meeting, {m.id for m in people.members}, actor=people.fmu)
    ops.start_meeting(meeting, actor=people.fmu)
    return meeting


def open_on_agenda(meeting: Meeting, proposal: Proposal, *, behind_the_rule: bool = False) -> AgendaItem:
    """Put the proposal on the agenda and open its item for votes. `behind_the_rule`: as a second route to a
    decision, which only data written before the one-route rule may hold; deciding must hold on its own."""
    people = demo_people(current_fund())
    if behind_the_rule:
        item = AgendaItem(position=len(meeting.items) + 1, proposal_id=proposal.id,
                          version_id=proposal.latest_version.id)  # fmt: skip
        meeting.items.append(item)
        db.session.flush()
    else:
        (item,) = ops.add_agenda_items(meeting, [proposal], actor=people.fmu)
    ops.open_item(item, actor=people.fmu)
    return item
