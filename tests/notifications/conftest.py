"""Fixtures of the notification tests: a cast of people in three languages, the outbox, the domain's steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_mail import Message

from fundmgr.accounts.models import Constituency, Role, User
from fundmgr.db import db
from fundmgr.extensions import mail
from fundmgr.notifications.mail import KIND_HEADER
from fundmgr.notifications.models import Notification
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import AttachmentKind, Proposal, ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import AgendaItem, Decision, DecisionOutcome, Meeting, MeetingMode
from tests.conftest import TODAY
from tests.proposals.conftest import upload


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    """Dates here are set around TODAY: freeze the clock on it, so the fund's day stays TODAY at any hour."""
    frozen_clock(TODAY)


@dataclass
class Cast:
    """IOM leads the proposals with UNHCR; UNDP has nothing to do with them. Languages differ on purpose."""

    fmu: User  # English
    fmu_es: User  # Spanish
    iom: User  # IOM agency staff, French: submits
    iom_colleague: User  # IOM agency staff, English
    unhcr: User  # UNHCR agency staff (participating), Spanish
    undp: User  # another organization's agency staff
    sc: User  # a donor on the Steering Committee
    chair: User  # the chair
    sc_unhcr: User  # UNHCR on the Steering Committee: recused from IOM-UNHCR proposals
    viewer: User
    admin: User
    inactive: User  # an IOM account that was closed

    def everyone(self) -> list[User]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


@pytest.fixture
def cast(make_user) -> Cast:
    sc = Role.sc_member
    return Cast(
        fmu=make_user(Role.fmu, name="Fatou FMU", locale="en"),
        fmu_es=make_user(Role.fmu, name="Tomás FMU", locale="es"),
        iom=make_user(Role.agency, org="IOM", name="Pierre IOM", locale="fr"),
        iom_colleague=make_user(Role.agency, org="IOM", name="Nadia IOM", locale="en"),
        unhcr=make_user(Role.agency, org="UNHCR", name="Sofía UNHCR", locale="es"),
        undp=make_user(Role.agency, org="UNDP", name="Rajesh UNDP"),
        sc=make_user(sc, org="GOV-DEU", constituency=Constituency.donor, name="Jonas Germany"),
        chair=make_user(sc, org="GOV-ESP", constituency=Constituency.chair, name="Helena Chair", locale="es"),
        sc_unhcr=make_user(sc, org="UNHCR", name="Karim UNHCR"),
        viewer=make_user(Role.viewer, org="GOV-NLD"),
        admin=make_user(Role.admin),
        inactive=make_user(Role.agency, org="IOM", is_active_account=False),
    )


@pytest.fixture
def outbox(app) -> Iterator[list[Message]]:
    """The e-mails sent (delivered after a commit) while the test runs."""
    with mail.record_messages() as messages:
        yield messages


def kind_of(message: Message) -> str | None:
    return message.extra_headers.get(KIND_HEADER) if message.extra_headers else None


def sent_to(outbox: list[Message], user: User, kind: str | None = None) -> list[Message]:
    """The e-mails a user received (of a kind of notification)."""
    return [m for m in outbox if m.recipients == [user.email] and (kind is None or kind_of(m) == kind)]


def told(cast: Cast, outbox: list[Message], kind: str) -> set[str]:
    """The names (Cast fields) of those who received an e-mail of the kind."""
    return {name for name in cast.__dataclass_fields__ if sent_to(outbox, getattr(cast, name), kind)}


def notifications_of(user: User, kind: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def in_app(cast: Cast, kind: str) -> set[str]:
    """The names (Cast fields) of those who have an in-app notification of the kind."""
    return {name for name in cast.__dataclass_fields__ if notifications_of(getattr(cast, name), kind)}


@pytest.fixture
def submitted(make_proposal, cast) -> Callable[..., Proposal]:
    """A proposal of IOM (with UNHCR) submitted by the French IOM officer."""

    def _make(**kw) -> Proposal:
        kw.setdefault("partners", ("UNHCR",))
        proposal = make_proposal(ProposalState.draft, lead="IOM", creator=cast.iom, **kw)
        proposal_ops.add_attachment(proposal, AttachmentKind.endorsement_letter, upload(), actor=cast.iom)
        proposal_ops.submit_proposal(proposal, actor=cast.iom)
        db.session.commit()
        return proposal

    return _make


@pytest.fixture
def screening(submitted, cast) -> Callable[..., Proposal]:
    """A submitted proposal whose screening checklist has all passed."""

    def _make(**kw) -> Proposal:
        proposal = submitted(**kw)
        checklist = proposal_ops.start_screening(proposal, actor=cast.fmu)
        proposal_ops.record_screening(proposal, {i.check_id: (True, "") for i in checklist.items}, actor=cast.fmu)
        db.session.commit()
        return proposal

    return _make


@pytest.fixture
def in_review(make_proposal, cast) -> Callable[..., Proposal]:
    def _make(**kw) -> Proposal:
        kw.setdefault("partners", ("UNHCR",))
        return make_proposal(ProposalState.in_review, lead="IOM", creator=cast.iom, **kw)

    return _make


@pytest.fixture
def meeting(fund, cast) -> Meeting:
    """A scheduled meeting (every SC member invited), scheduled by the FMU."""
    result = steering_ops.schedule_meeting(
        fund,
        steering_ops.MeetingData("Steering Committee, 12th meeting", TODAY + timedelta(days=20), MeetingMode.hybrid,
                                 "Geneva"),
        actor=cast.fmu,
    )  # fmt: skip
    db.session.commit()
    return result


@pytest.fixture
def decide(fund, cast, in_review, make_deposit) -> Callable[..., Decision]:
    """A proposal decided in a meeting under way, recorded by the FMU: decide(DecisionOutcome.approve)."""

    def _decide(outcome: DecisionOutcome = DecisionOutcome.approve, conditions: str = "") -> Decision:
        make_deposit("20000000.00")
        proposal = in_review(direct={"IOM": "600000.00", "UNHCR": "400000.00"})
        live = steering_ops.schedule_meeting(
            fund, steering_ops.MeetingData("Extraordinary meeting", TODAY, MeetingMode.virtual), actor=cast.fmu
        )
        (item,) = steering_ops.add_agenda_items(live, [proposal], actor=cast.fmu)
        steering_ops.record_attendance(live, {cast.sc.id, cast.chair.id, cast.sc_unhcr.id}, actor=cast.fmu)
        steering_ops.start_meeting(live, actor=cast.fmu)
        steering_ops.open_item(item, actor=cast.fmu)
        db.session.commit()
        amount = proposal.latest_version.total if outcome.funds else None
        decision = steering_ops.record_decision(item, steering_ops.DecisionData(outcome, conditions, amount),
                                                actor=cast.fmu)  # fmt: skip
        db.session.commit()
        return decision

    return _decide


def open_item_of(meeting: Meeting) -> AgendaItem:
    return meeting.items[0]


AMOUNT = Decimal("1000000.00")


@pytest.fixture
def framework(fund):
    """The bundled results framework (programmes link to it)."""
    from fundmgr.results import operations as results_ops
    from fundmgr.results.framework import bundled_framework, read_framework

    loaded, _changed = results_ops.load_framework(fund, *read_framework(bundled_framework()), actor=None)
    db.session.commit()
    return loaded
