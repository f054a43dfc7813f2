"""Budget revisions: direct costs moved between several budget lines (organization, category, year) at once with a
reason, never changing the approved total; decided by the FMU or, above the fund's share of the total the request
moves, by the Steering Committee; an approval freezes the revised budget as the proposal's next version and moves
the allocations between organizations."""

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
from fundmgr.finance.operations import (
    LineData,
    RevisionData,
    allocate_approved,
    decide_revision,
    record_transfer,
    request_revision,
)
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


def move(proposal, *, to="IOM", to_category=1, amount="20000.00", year=1):
    """One move as two lines: the amount taken from IOM's first category and added to another line."""
    cats = codes(proposal.fund)
    return [LineData(org(proposal, "IOM"), cats[0], year, -D(amount)),
            LineData(org(proposal, to), cats[to_category], year, D(amount))]  # fmt: skip


def ask(proposal, make_user, *, reason="Staff costs were overestimated.", lines=None, **kwargs):
    data = RevisionData(lines if lines is not None else move(proposal, **kwargs), reason)
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
    iom = org(funded, "IOM")
    bad = [LineData(-1, "nope", 9, D("-1.005")), LineData(iom, cats[0], 1, D("0")), LineData(iom, cats[1], 1, "x")]
    with pytest.raises(ValidationFailed) as refused:
        request_revision(funded, RevisionData(bad, ""), actor=lead)
    assert refused.value.problems == [
        "Give the reason for the revision.",
        "Line 1: choose one of the programme's organizations; choose a budget category; choose a year of the "
        "programme's budget; the amount can have at most two decimals.",
        "Line 2: the amount must be more than zero.",
        "Line 3: the amount must be a number.",
    ]
    with pytest.raises(ValidationFailed, match="Change at least two budget lines"):
        ask(funded, make_user, lines=[LineData(iom, cats[0], 1, D("-5"))])
    with pytest.raises(ValidationFailed, match=r"holds USD 350,000\.00; USD 350,000\.01 cannot be taken from it"):
        ask(funded, make_user, amount="350000.01")
    with pytest.raises(ValidationFailed, match="same budget line is changed twice"):
        ask(funded, make_user, to_category=0)
    with pytest.raises(NotAllowed):
        request_revision(funded, RevisionData(move(funded), "x"), actor=make_user(Role.agency, org="UNHCR"))
    ask(funded, make_user)
    with pytest.raises(ValidationFailed, match="already waiting"):
        ask(funded, make_user)
    assert db.session.scalar(sa.select(sa.func.count(BudgetRevision.id))) == 1


def test_the_lines_must_add_up_to_zero_and_every_problem_is_listed_at_once(funded, make_user):
    cats = codes(funded.fund)
    iom, unhcr = org(funded, "IOM"), org(funded, "UNHCR")
    lines = [LineData(iom, cats[0], 1, D("-1000.00")), LineData(iom, cats[1], 1, D("600.00")),
             LineData(unhcr, cats[0], 2, D("-300000.00")), LineData(iom, cats[2], 2, D("300.00"))]  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        ask(funded, make_user, lines=lines)
    assert refused.value.problems == [
        "The lines add up to USD -300,100.00: what the revision takes from some lines must be added to others, to the "
        "cent.",
        "Line 3: the budget line (UNHCR, Staff and other personnel costs, year 2) holds USD 250,000.00; USD 300,000.00 "
        "cannot be taken from it.",
    ]
    assert db.session.scalar(sa.select(sa.func.count(BudgetRevision.id))) == 0


def test_several_lines_are_one_revision_and_the_threshold_applies_to_what_it_moves_in_all(funded, make_user, fmu):
    """Three small moves, each below the fund's share, are one request above it: the committee decides."""
    cats = codes(funded.fund)
    iom, unhcr = org(funded, "IOM"), org(funded, "UNHCR")
    direct = funded.latest_version.direct_total  # 1,200,000
    share = funded.fund.revision_committee_share
    each = (direct * share / 2).quantize(D("0.01"))  # half the threshold each: 1.5 times it in all
    lines = [LineData(iom, cats[0], 1, -each), LineData(iom, cats[1], 1, each),
             LineData(iom, cats[0], 2, -each), LineData(iom, cats[2], 2, each),
             LineData(unhcr, cats[0], 1, -each), LineData(unhcr, cats[1], 2, each)]  # fmt: skip
    revision = ask(funded, make_user, lines=lines)
    assert len(revision.lines) == 6
    assert revision.amount == 3 * each
    assert revision.for_committee()
    with pytest.raises(ValidationFailed, match="decided by the Steering Committee"):
        decide_revision(revision, decision="approve", note="", actor=fmu, reference="X", decided_on=DECIDED)
    decide_revision(revision, decision="forward", note="Reviewed.", actor=fmu)
    version = decide_revision(revision, decision="approve", note="", actor=make_user(Role.sc_member),
                              reference="SC-2024-11", decided_on=date(2024, 10, 1))  # fmt: skip
    assert version.total == revision.base_version.total
    after = cells(version)
    assert after[("IOM", cats[0], 1)] == D("350000.00") - each
    assert after[("IOM", cats[1], 1)] == each
    assert after[("IOM", cats[2], 2)] == each
    assert after[("UNHCR", cats[0], 1)] == D("250000.00") - each
    assert after[("UNHCR", cats[1], 2)] == each
    # no organization's total changed: no money moved between them
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 2


def test_between_three_lines_of_two_organizations_the_allocations_follow_each_organization(funded, make_user, fmu):
    """IOM gives 30,000 from one line; UNHCR receives 10,000 and IOM 20,000 on others: only 10,000 (and its 7%)
    moves from IOM's allocation to a new one of UNHCR's."""
    cats = codes(funded.fund)
    iom, unhcr = org(funded, "IOM"), org(funded, "UNHCR")
    lines = [LineData(iom, cats[0], 1, D("-30000.00")), LineData(unhcr, cats[1], 1, D("10000.00")),
             LineData(iom, cats[1], 2, D("20000.00"))]  # fmt: skip
    allocated = balances(funded.fund).allocated
    revision = ask(funded, make_user, lines=lines)
    decide_revision(revision, decision="approve", note="", actor=fmu, reference="FMU-R2", decided_on=DECIDED)
    assert balances(funded.fund).allocated == allocated
    first_iom, _first_unhcr, more = allocation_money(
        db.session.scalars(sa.select(Allocation).order_by(Allocation.id)).all()
    )
    assert first_iom.released == D("10700.00")
    assert (more.allocation.organization.code, more.allocation.total) == ("UNHCR", D("10700.00"))


def test_an_organization_gives_up_only_money_not_transferred_to_it(funded, make_user, fmu):
    """The rule every revision keeps, per organization: IOM's money already transferred does not move."""
    iom_allocation = db.session.scalars(
        sa.select(Allocation).where(Allocation.organization_id == org(funded, "IOM"))
    ).one()
    record_transfer(iom_allocation, amount=iom_allocation.total - D("5000.00"), on_date=DECIDED, reference="T1",
                    actor=fmu)  # fmt: skip
    db.session.commit()
    with pytest.raises(ValidationFailed, match=r"IOM: only USD 5,000\.00 of its allocations is not transferred yet"):
        ask(funded, make_user, to="UNHCR", to_category=0, amount="20000.00")
    ask(funded, make_user, to="IOM", to_category=1, amount="20000.00")  # within IOM: nothing moves between them


def test_the_revision_pages(funded, make_user, fmu, client):
    sign_in(client, make_user(Role.agency, org="IOM"))
    cats = codes(funded.fund)
    iom, unhcr = str(org(funded, "IOM")), str(org(funded, "UNHCR"))
    url = f"/finance/programmes/{funded.id}/revision"
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="lines-3-amount"') == 1
    assert 'name="lines-4-amount"' not in page
    form = {"lines-0-organization": iom, "lines-0-category": cats[0], "lines-0-year": "1",
            "lines-0-change": "decrease", "lines-0-amount": "20,000",
            "lines-1-organization": iom, "lines-1-category": cats[1], "lines-1-year": "1",
            "lines-1-change": "increase", "lines-1-amount": "15000",
            "lines-2-organization": "", "lines-2-category": "", "lines-2-year": "", "lines-2-change": "decrease",
            "lines-2-amount": "",  # a row left blank, as the browser sends it
            "lines-3-organization": unhcr, "lines-3-category": cats[2], "lines-3-year": "2",
            "lines-3-change": "increase", "lines-3-amount": "5000.00", "reason": ""}  # fmt: skip
    # "Add a line" shows the form again with a fifth row, keeping everything typed, and asks nothing
    more = client.post(url, data=form | {"add_line": "Add a line"}).get_data(as_text=True)
    assert 'name="lines-4-amount"' in more
    assert 'value="15000"' in more
    assert db.session.scalar(sa.select(sa.func.count(BudgetRevision.id))) == 0
    refused = client.post(url, data=form).get_data(as_text=True)
    assert "Give the reason for the revision." in refused
    assert 'value="15000"' in refused  # nothing typed is lost
    done = client.post(url, data=form | {"reason": "Staff costs."})
    assert done.status_code == 302
    revision = db.session.scalars(sa.select(BudgetRevision)).one()
    assert sorted(line.amount for line in revision.lines) == [D("-20000.00"), D("5000.00"), D("15000.00")]
    sign_in(client, fmu)
    page = f"/finance/revisions/{revision.id}"
    shown = client.get(page).get_data(as_text=True)
    assert "Staff costs." in shown
    assert "−20,000.00" in shown
    assert "+15,000.00" in shown
    assert "+5,000.00" in shown
    programme = client.get(f"/finance/programmes/{funded.id}").get_data(as_text=True)
    assert "USD 20,000.00" in programme  # the total the request moves
    approve = {"decision": "approve", "reference": "FMU-R1", "decided_on": "2024-09-02", "note": ""}
    assert client.post(page, data=approve).status_code == 302
    programme = client.get(f"/finance/programmes/{funded.id}").get_data(as_text=True)
    assert "Compare versions 1 and 2" in programme
