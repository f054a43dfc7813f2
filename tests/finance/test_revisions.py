"""Budget revisions: direct costs moved between budget lines (categories or organizations) with a reason, never
changing the approved total; decided by the FMU or, above the fund's share, by the Steering Committee; an approval
freezes the revised budget as the proposal's next version and moves the allocation between organizations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, BudgetRevision, TopUpState
from fundmgr.finance.operations import RevisionData, allocate_approved, decide_revision, request_revision
from fundmgr.finance.queries import allocation_money, balances
from fundmgr.proposals.models import ProposalState
from tests.factories import sign_in

D = Decimal
DECIDED = date(2024, 6, 1)


@pytest.fixture
def funded(make_deposit, make_proposal, fmu):
    """An active programme: IOM 350,000 and UNHCR 250,000 of direct costs a year for two years, at 7%."""
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.in_review)
    allocate_approved(proposal, proposal.latest_version, approved_amount=proposal.latest_version.total,
                      decided_on=DECIDED, reference="SC-2024-03", actor=fmu)  # fmt: skip
    proposal.state = ProposalState.active
    db.session.commit()
    return proposal


def org(proposal, code):
    return next(p.organization_id for p in proposal.participants if p.organization.code == code)


def codes(fund):
    return [c.code for c in fund.budget_categories]


def ask(proposal, make_user, *, to="IOM", to_category=1, amount="20000.00", reason="Staff costs were overestimated."):
    cats = codes(proposal.fund)
    data = RevisionData(org(proposal, "IOM"), cats[0], org(proposal, to), cats[to_category], 1, D(amount), reason)
    return request_revision(proposal, data, actor=make_user(Role.agency, org="IOM"))


def cells(version):
    return {(ln.organization, ln.category, ln.year): ln.amount for ln in version.snapshot.budget.lines}


def test_a_move_between_categories_is_frozen_as_the_next_version(funded, make_user, fmu, client):
    revision = ask(funded, make_user)
    version = decide_revision(revision, decision="approve", note="", actor=fmu, reference="FMU-R1",
                              decided_on=date(2024, 9, 2))  # fmt: skip
    assert (version.number, revision.version_id, revision.state) == (2, version.id, TopUpState.approved)
    assert version.total == revision.base_version.total  # the approved total does not change
    cats = codes(funded.fund)
    assert cells(version)[("IOM", cats[0], 1)] == D("330000.00")
    assert cells(version)[("IOM", cats[1], 1)] == D("20000.00")
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 2  # no money moved between organizations
    sign_in(client, fmu)
    compared = client.get(f"/proposals/{funded.id}/compare?old=1&new=2")
    assert compared.status_code == 200
    assert "330,000.00" in compared.get_data(as_text=True)


def test_a_large_move_between_organizations_goes_to_the_committee_and_moves_the_allocation(funded, make_user, fmu):
    fund = funded.fund
    allocated = balances(fund).allocated
    revision = ask(funded, make_user, to="UNHCR", to_category=0, amount="200000.00")  # 16.7% of the budget
    with pytest.raises(ValidationFailed, match="decided by the Steering Committee: forward it"):
        decide_revision(revision, decision="approve", note="", actor=fmu, reference="X", decided_on=DECIDED)
    decide_revision(revision, decision="forward", note="Reviewed.", actor=fmu)
    with pytest.raises(NotAllowed):
        decide_revision(revision, decision="approve", note="", actor=fmu, reference="X", decided_on=DECIDED)
    decide_revision(revision, decision="approve", note="", actor=make_user(Role.sc_member), reference="SC-2024-10",
                    decided_on=date(2024, 10, 1))  # fmt: skip
    assert balances(fund).allocated == allocated
    iom, _unhcr, unhcr_more = allocation_money(db.session.scalars(sa.select(Allocation).order_by(Allocation.id)).all())
    assert iom.released == D("214000.00")  # 200,000 and its 7%
    assert unhcr_more.allocation.organization.code == "UNHCR"
    assert unhcr_more.allocation.total == D("214000.00")
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.like("budget_revision.%")).order_by(AuditEntry.id)
    ).all()
    assert actions == ["budget_revision.requested", "budget_revision.forwarded", "budget_revision.approved"]


def test_a_request_is_checked_whole(funded, make_user):
    cats = codes(funded.fund)
    lead = make_user(Role.agency, org="IOM")
    with pytest.raises(ValidationFailed) as refused:
        request_revision(funded, RevisionData(-1, "nope", org(funded, "IOM"), cats[0], 9, D("-1"), ""), actor=lead)
    assert refused.value.problems == [
        "Give the reason for the revision.",
        "Choose the programme's Participating UN Organizations.",
        "Choose the budget categories.",
        "Choose a year of the programme's budget.",
        "The amount must be more than zero.",
    ]
    with pytest.raises(ValidationFailed, match="holds less than"):
        ask(funded, make_user, amount="350000.01")
    with pytest.raises(ValidationFailed, match="another budget line"):
        ask(funded, make_user, to_category=0)
    with pytest.raises(NotAllowed):
        request_revision(funded, RevisionData(org(funded, "IOM"), cats[0], org(funded, "IOM"), cats[1], 1, D(1), "x"),
                         actor=make_user(Role.agency, org="UNHCR"))  # fmt: skip
    ask(funded, make_user)
    with pytest.raises(ValidationFailed, match="already waiting"):
        ask(funded, make_user)
    assert db.session.scalar(sa.select(sa.func.count(BudgetRevision.id))) == 1


def test_the_revision_pages(funded, make_user, fmu, client):
    sign_in(client, make_user(Role.agency, org="IOM"))
    cats = codes(funded.fund)
    url = f"/finance/programmes/{funded.id}/revision"
    assert client.get(url).status_code == 200
    form = {"year": "1", "from_organization": org(funded, "IOM"), "from_category": cats[0],
            "to_organization": org(funded, "IOM"), "to_category": cats[1], "amount": "20000", "reason": ""}  # fmt: skip
    refused = client.post(url, data=form)
    assert "Give the reason for the revision." in refused.get_data(as_text=True)
    assert client.post(url, data=form | {"reason": "Staff costs."}).status_code == 302
    revision = db.session.scalars(sa.select(BudgetRevision)).one()
    sign_in(client, fmu)
    page = f"/finance/revisions/{revision.id}"
    assert "Staff costs." in client.get(page).get_data(as_text=True)
    approve = {"decision": "approve", "reference": "FMU-R1", "decided_on": "2024-09-02", "note": ""}
    assert client.post(page, data=approve).status_code == 302
    programme = client.get(f"/finance/programmes/{funded.id}").get_data(as_text=True)
    assert "Compare versions 1 and 2" in programme
