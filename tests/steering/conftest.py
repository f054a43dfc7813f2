"""Fixtures of the steering tests: a Steering Committee, proposals in review, a meeting under way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fundmgr.accounts.models import Constituency, Role, User
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering.models import Meeting, MeetingMode, Recommendation
from tests.conftest import TODAY


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    """Dates here are set around TODAY: freeze the clock on it, so the fund's day stays TODAY at any hour."""
    frozen_clock(TODAY)


@dataclass
class Committee:
    """Seven members: the chair (IOM), two UN members (UNHCR, ILO), two donors, a member state, a stakeholder."""

    chair: User
    unhcr: User
    ilo: User
    germany: User
    spain: User
    morocco: User
    stakeholder: User
    fmu: User

    @property
    def members(self) -> list[User]:
        return [self.chair, self.unhcr, self.ilo, self.germany, self.spain, self.morocco, self.stakeholder]


@pytest.fixture
def committee(make_user) -> Committee:
    sc = Role.sc_member
    return Committee(
        chair=make_user(sc, org="IOM", constituency=Constituency.chair, name="Helena Chair"),
        unhcr=make_user(sc, org="UNHCR", name="Karim UNHCR"),
        ilo=make_user(sc, org="ILO", name="Ingrid ILO"),
        germany=make_user(sc, org="GOV-DEU", constituency=Constituency.donor, name="Jonas Germany"),
        spain=make_user(sc, org="GOV-ESP", constituency=Constituency.donor, name="Carmen Spain"),
        morocco=make_user(sc, org="GOV-MAR", constituency=Constituency.member_state, name="Yasmine Morocco"),
        stakeholder=make_user(sc, org="OECD", constituency=Constituency.stakeholder, name="Grace Stakeholder"),
        fmu=make_user(Role.fmu, org="IOM", name="Fatou FMU"),
    )


@pytest.fixture
def in_review(make_proposal):
    """A proposal in review: IOM leads with UNHCR (so the chair and the UNHCR member are recused)."""

    def _make(**kw) -> Proposal:
        kw.setdefault("lead", "IOM")
        kw.setdefault("partners", ("UNHCR",))
        return make_proposal(ProposalState.in_review, **kw)

    return _make


@pytest.fixture
def assign(committee):
    """Assign a proposal to every member who is not recused, due in a week."""

    def _assign(proposal: Proposal, due_on: date | None = None) -> list[User]:
        members = [m for m in committee.members if not proposal.is_recused(m)]
        ops.assign_reviewers(proposal, members, due_on or TODAY + timedelta(days=7), actor=committee.fmu)
        db.session.commit()
        return members

    return _assign


def scores_for(fund, values: list[int]) -> ops.ReviewInput:
    """A review giving the fund's criteria these scores, in the criteria's order."""
    criteria = [c for c in fund.criteria if not c.retired]
    return ops.ReviewInput(
        scores={c.id: (v, "") for c, v in zip(criteria, values, strict=True)},
        recommendation=Recommendation.approve,
        comment="Sound design.",
    )


@pytest.fixture
def submit_review(fund):
    """Submit a member's review with one score for every criterion (or per-criterion values)."""

    def _submit(proposal: Proposal, member: User, values: int | list[int]):
        criteria = [c for c in fund.criteria if not c.retired]
        values = values if isinstance(values, list) else [values] * len(criteria)
        review = ops.save_review(
            proposal, member, scores_for(fund, values), actor=member, submit=True, no_conflict=True
        )
        db.session.commit()
        return review

    return _submit


@pytest.fixture
def meeting(fund, committee) -> Meeting:
    """A scheduled meeting (every member invited, nobody present yet)."""
    result = ops.schedule_meeting(
        fund,
        ops.MeetingData(title="Steering Committee, 12th meeting", held_on=TODAY, mode=MeetingMode.hybrid),
        actor=committee.fmu,
    )
    db.session.commit()
    return result


@pytest.fixture
def live_item(meeting, committee, in_review):
    """A meeting under way with everybody present and one proposal's item open for votes."""

    def _open(proposal: Proposal | None = None, present: list[User] | None = None):
        proposal = proposal or in_review()
        (item,) = ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
        ops.record_attendance(meeting, {m.id for m in (present or committee.members)}, actor=committee.fmu)
        ops.start_meeting(meeting, actor=committee.fmu)
        ops.open_item(item, actor=committee.fmu)
        db.session.commit()
        return item

    return _open


def money(text: str) -> Decimal:
    return Decimal(text)
