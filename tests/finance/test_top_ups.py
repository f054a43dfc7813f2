"""Top-ups (cost extensions): the lead agency asks with a reason, the FMU decides or, above the fund's threshold,
forwards to the Steering Committee; an approval is a new allocation to the same programme that transfers follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, TopUp, TopUpState
from fundmgr.finance.operations import allocate_approved, decide_top_up, record_transfer, request_top_up
from fundmgr.finance.queries import allocation_money, balances
from fundmgr.proposals.models import ProposalState
from tests.factories import sign_in

D = Decimal
DECIDED = date(2024, 6, 1)


@pytest.fixture
def funded(make_deposit, make_proposal, fmu):
    """An active programme: IOM 749,000 and UNHCR 535,000 allocated of the 1,980,000 available."""
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.in_review)
    allocate_approved(proposal, proposal.latest_version, approved_amount=proposal.latest_version.total,
                      decided_on=DECIDED, reference="SC-2024-03", actor=fmu)  # fmt: skip
    proposal.state = ProposalState.active
    proposal.fund.top_up_committee_above = D("100000.00")
    db.session.commit()
    return proposal


def org_id(proposal, code):
    return next(p.organization_id for p in proposal.participants if p.organization.code == code)


def ask(proposal, make_user, amount="50000.00", code="UNHCR", reason="More arrivals than planned."):
    lead = make_user(Role.agency, org=proposal.lead_organization.code)
    return request_top_up(proposal, organization_id=org_id(proposal, code), amount=D(amount), reason=reason,
                          actor=lead)  # fmt: skip


def test_the_fmu_approves_a_small_top_up_a_new_allocation_that_transfers_follow(funded, make_user, fmu, fund):
    top_up = ask(funded, make_user)
    assert (top_up.number, top_up.state) == (1, TopUpState.requested)
    allocated_before = balances(fund).allocated
    allocation = decide_top_up(top_up, decision="approve", note="", actor=fmu, reference="FMU-2024-07",
                               decided_on=date(2024, 9, 2))  # fmt: skip
    assert allocation is not None
    assert allocation.top_up_id == top_up.id
    # UNHCR's 7% indirect rate holds in the top-up: 46,728.97 + 3,271.03
    assert (allocation.direct, allocation.indirect, allocation.total) == (D("46728.97"), D("3271.03"), D("50000.00"))
    assert balances(fund).allocated == allocated_before + D("50000.00")
    unhcr = db.session.scalars(sa.select(Allocation).where(Allocation.organization_id == allocation.organization_id))
    assert len(unhcr.all()) == 2  # the approval's allocation and the top-up's
    record_transfer(allocation, amount=D("50000.00"), on_date=date(2024, 9, 10), reference="TR-TOPUP-1", actor=fmu)
    assert allocation_money([allocation])[0].to_transfer == 0
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.like("top_up.%")).order_by(AuditEntry.id)
    ).all()
    assert actions == ["top_up.requested", "top_up.approved"]


def test_a_large_top_up_goes_to_the_steering_committee(funded, make_user, fmu):
    top_up = ask(funded, make_user, amount="150000.00")
    with pytest.raises(ValidationFailed, match="decided by the Steering Committee: forward it"):
        decide_top_up(top_up, decision="approve", note="", actor=fmu, reference="X", decided_on=date(2024, 9, 2))
    decide_top_up(top_up, decision="forward", note="Reviewed: the budget holds.", actor=fmu)
    with pytest.raises(NotAllowed):
        decide_top_up(top_up, decision="approve", note="", actor=fmu, reference="X", decided_on=date(2024, 9, 2))
    member = make_user(Role.sc_member)
    with pytest.raises(ValidationFailed) as refused:
        decide_top_up(top_up, decision="approve", note="", actor=member)
    assert refused.value.problems == ["The decision reference is required.", "The decision date is required."]
    decide_top_up(
        top_up, decision="approve", note="", actor=member, reference="SC-2024-09", decided_on=date(2024, 9, 2)
    )
    assert top_up.state is TopUpState.approved
    assert top_up.reference == "SC-2024-09"
    with pytest.raises(InvalidTransition):
        decide_top_up(top_up, decision="refuse", note="Too late.", actor=fmu)


def test_a_request_is_checked_whole_and_one_at_a_time(funded, make_user, fmu):
    for role in (Role.fmu, Role.sc_member):
        with pytest.raises(NotAllowed):
            request_top_up(funded, organization_id=org_id(funded, "IOM"), amount=D(1), reason="x",
                           actor=make_user(role))  # fmt: skip
    lead = make_user(Role.agency, org=funded.lead_organization.code)
    with pytest.raises(ValidationFailed) as refused:
        request_top_up(funded, organization_id=-1, amount=D("-5"), reason=" ", actor=lead)
    assert refused.value.problems == [
        "Give the reason for the top-up.",
        "Choose one of the programme's Participating UN Organizations.",
        "The amount must be more than zero.",
    ]
    ask(funded, make_user)
    with pytest.raises(ValidationFailed, match="already waiting for a decision"):
        ask(funded, make_user)
    assert db.session.scalar(sa.select(sa.func.count(TopUp.id))) == 1


def test_a_top_up_the_fund_cannot_cover_is_refused_and_nothing_is_written(funded, make_user, fmu, fund):
    funded.fund.top_up_committee_above = D("1000000.00")
    top_up = ask(funded, make_user, amount="900000.00")  # 696,000 is available
    db.session.commit()
    with pytest.raises(InsufficientFunds):
        decide_top_up(top_up, decision="approve", note="", actor=fmu, reference="FMU-1", decided_on=date(2024, 9, 2))
    db.session.rollback()
    assert db.session.get(TopUp, top_up.id).state is TopUpState.requested
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id)).where(Allocation.top_up_id.is_not(None))) == 0


def test_a_closed_programme_gets_no_top_up(funded, make_user, fmu):
    top_up = ask(funded, make_user)
    funded.state = ProposalState.closed
    with pytest.raises(ValidationFailed, match="Only an approved or active programme can be changed"):
        decide_top_up(top_up, decision="approve", note="", actor=fmu, reference="FMU-1", decided_on=date(2024, 9, 2))


def test_the_top_up_pages(funded, make_user, fmu, client):
    lead = make_user(Role.agency, org=funded.lead_organization.code)
    sign_in(client, lead)
    page = client.get(f"/finance/programmes/{funded.id}")
    assert "Ask for a top-up" in page.get_data(as_text=True)
    url = f"/finance/programmes/{funded.id}/top-up"
    refused = client.post(url, data={"organization": org_id(funded, "UNHCR"), "amount": "50000", "reason": ""})
    assert refused.status_code == 200
    assert "Give the reason for the top-up." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(TopUp.id))) == 0
    asked = client.post(url, data={"organization": org_id(funded, "UNHCR"), "amount": "50000", "reason": "Arrivals."})
    assert asked.status_code == 302
    top_up = db.session.scalars(sa.select(TopUp)).one()
    page_url = f"/finance/top-ups/{top_up.id}"
    assert "Arrivals." in client.get(page_url).get_data(as_text=True)
    assert client.post(page_url, data={"decision": "approve"}).status_code == 403  # the lead agency does not decide
    sign_in(client, make_user(Role.agency, org="UNDP"))  # not part of the programme
    assert client.get(page_url).status_code == 404
    assert client.get(url).status_code == 404  # nor its programme
    sign_in(client, fmu)
    approve = {"decision": "approve", "reference": "FMU-2024-07", "decided_on": "2024-09-02", "note": ""}
    assert client.post(page_url, data=approve).status_code == 302
    page = client.get(f"/finance/programmes/{funded.id}").get_data(as_text=True)
    assert "Top-up 1" in page
    assert "FMU-2024-07" in page
