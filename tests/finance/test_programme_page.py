"""The agency's programme page: the decision, the money per organization, delivery, what is due next; the agency
home lists its programmes. Read on the demo, where programmes were decided, paid, reported on and closed."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.funds.rights import holding
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.results.queries import next_report_due
from fundmgr.steering.queries import funding_decision
from tests.factories import sign_in


def programme_in(state: ProposalState, *, conditions: bool = False) -> Proposal:
    """A demo programme in the state (one approved with conditions when asked)."""
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.state == state).order_by(Proposal.id)).all()
    return next(p for p in proposals if (funding_decision(p).conditions != "") == conditions)


def staff_of(proposal: Proposal, organization_id: int) -> User:
    """A staff member of the organization, reading in English (the demo's people read in their own languages)."""
    user = db.session.scalar(
        sa.select(User)
        .where(holding(proposal.fund, Role.agency), User.organization_id == organization_id)
        .order_by(User.id)
        .limit(1)
    )
    user.locale = "en"
    db.session.flush()
    return user


def page_of(proposal: Proposal, user: User) -> str:
    from flask import current_app

    client = current_app.test_client()
    sign_in(client, user)
    response = client.get(f"/proposals/{proposal.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_lead_agency_sees_the_decision_the_money_and_what_is_due_next(demo_app):
    proposal = programme_in(ProposalState.active)
    decision = funding_decision(proposal)
    page = page_of(proposal, staff_of(proposal, proposal.lead_organization_id))
    assert decision.reference in page
    assert f"/steering/decisions/{decision.id}/letter.pdf" in page
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.proposal_id == proposal.id)).all()
    assert len(allocations) > 1
    for allocation in allocations:  # every organization's approved amount
        assert allocation.organization.label in page
    due = next_report_due(proposal)
    assert f"the progress report on period {due.number}" in page
    assert "Delivery rate" in page


def test_an_agency_sees_only_its_own_organizations_expenditure(demo_app):
    proposal = programme_in(ProposalState.active)
    allocations = db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == proposal.id).order_by(Allocation.id)
    ).all()
    other = next(a for a in allocations if a.organization_id != proposal.lead_organization_id)
    page = page_of(proposal, staff_of(proposal, other.organization_id))
    delivery = page[page.index("Delivery rate: expenditure") :]
    assert other.organization.label in delivery
    assert proposal.lead_organization.label not in delivery.split("</table>")[0]


def test_the_conditions_and_the_closure_show_on_the_page(demo_app):
    conditional = programme_in(ProposalState.active, conditions=True)
    page = page_of(conditional, staff_of(conditional, conditional.lead_organization_id))
    assert "Conditions:" in page
    closed = db.session.scalar(
        sa.select(Proposal).where(Proposal.financially_closed_on.is_not(None)).order_by(Proposal.id).limit(1)
    )
    page = page_of(closed, staff_of(closed, closed.lead_organization_id))
    assert f"Financial closure: {closed.financially_closed_on.isoformat()}" in page
    assert "Due next" not in page


def test_the_agency_home_lists_its_own_programmes_only(demo_app):
    from flask import current_app

    proposal = programme_in(ProposalState.active)
    staff = staff_of(proposal, proposal.lead_organization_id)
    client = current_app.test_client()
    sign_in(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert "Your programmes" in home
    assert proposal.reference in home
    others = db.session.scalars(
        sa.select(Proposal).where(Proposal.state.in_([ProposalState.active, ProposalState.closed]))
    ).all()
    for other in others:
        if not other.takes_part(staff):
            assert other.reference not in home
