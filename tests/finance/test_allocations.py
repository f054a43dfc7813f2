"""Allocations on approval, transfers in tranches, refunds and releases, with hand-computed amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import InsufficientFunds, NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, EntryKind, LedgerEntry
from fundmgr.finance.operations import (
    Share,
    allocate_approved,
    record_refund,
    record_transfer,
    release_allocation,
    scale_to,
)
from fundmgr.finance.queries import allocation_money, balances
from fundmgr.proposals.models import ProposalState

D = Decimal
DECIDED = date(2024, 6, 1)


def allocate(proposal, amount=None, actor=None):
    version = proposal.latest_version
    return allocate_approved(
        proposal,
        version,
        approved_amount=D(amount) if amount else version.total,
        decided_on=DECIDED,
        reference="SC-2024-03",
        actor=actor,
    )


def parts(allocations):
    return {a.organization.code: (a.direct, a.indirect, a.total) for a in allocations}


def test_approval_allocates_each_organizations_budget(fund, make_deposit, make_proposal, fmu):
    """IOM 700,000 + 7% and UNHCR 500,000 + 7%: 1,284,000.00 allocated, the rest still available."""
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.in_review)
    allocations = allocate(proposal, actor=fmu)
    assert parts(allocations) == {
        "IOM": (D("700000.00"), D("49000.00"), D("749000.00")),
        "UNHCR": (D("500000.00"), D("35000.00"), D("535000.00")),
    }
    result = balances(fund)
    assert result.allocated == D("1284000.00")
    assert result.available == D("1980000.00") - D("1284000.00")
    assert proposal.state is ProposalState.in_review  # the Steering Committee's decision moves it, not finance


def test_a_lower_approved_amount_is_scaled_to_the_cent():
    """1,000,000.00 of 1,284,000.00: each part scaled; the 3 cents lost rounding down go to the largest remainders."""
    shares = [Share(1, D("700000.00"), D("49000.00")), Share(2, D("500000.00"), D("35000.00"))]
    scaled = scale_to(shares, D("1000000.00"))
    # exact: 545171.3395..., 38161.9937..., 389408.0996..., 27258.5669...; floors sum to 999,999.97
    assert [(s.direct, s.indirect) for s in scaled] == [
        (D("545171.34"), D("38161.99")),
        (D("389408.10"), D("27258.57")),
    ]
    assert sum(s.total for s in scaled) == D("1000000.00")


def test_scaled_allocations_sum_exactly_to_the_approved_amount(fund, make_deposit, make_proposal):
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.endorsed, direct={"IOM": "333333.33", "UNHCR": "666666.67"})
    allocations = allocate(proposal, "777777.77")
    assert sum(a.total for a in allocations) == D("777777.77")
    assert all(a.total == a.direct + a.indirect for a in allocations)
    assert balances(fund).allocated == D("777777.77")


def organization_ids(proposal) -> dict[str, int]:
    return {p.organization.code: p.organization_id for p in proposal.participants}


def test_the_committee_sets_each_organizations_amount(fund, make_deposit, make_proposal):
    """1,000,000 approved of 1,284,000: the committee gives UNHCR its whole 535,000 and IOM the rest (pro rata
    would cut both); each amount is split between direct and indirect costs as in the budget."""
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.in_review)
    orgs = organization_ids(proposal)
    version = proposal.latest_version
    allocations = allocate_approved(
        proposal, version, approved_amount=D("1000000.00"), decided_on=DECIDED, reference="SC-2024-03", actor=None,
        amounts={orgs["IOM"]: D("465000.00"), orgs["UNHCR"]: D("535000.00")},
    )  # fmt: skip
    assert parts(allocations) == {
        "IOM": (D("434579.44"), D("30420.56"), D("465000.00")),
        "UNHCR": (D("500000.00"), D("35000.00"), D("535000.00")),
    }
    assert balances(fund).allocated == D("1000000.00")


def test_the_committees_amounts_must_add_up_and_stay_within_each_budget(fund, make_deposit, make_proposal):
    make_deposit("2000000.00")
    proposal = make_proposal(ProposalState.in_review)
    orgs, version = organization_ids(proposal), proposal.latest_version

    def split(amounts):
        with pytest.raises(ValidationFailed) as refused:
            allocate_approved(
                proposal, version, approved_amount=D("1000000.00"), decided_on=DECIDED, reference="SC-1",
                actor=None, amounts=amounts,
            )  # fmt: skip
        return refused.value.problems

    assert split({orgs["IOM"]: D("1000000.00")}) == [
        "Give an amount for each Participating UN Organization of the approved version."
    ]
    assert split({orgs["IOM"]: D("400000.00"), orgs["UNHCR"]: D("535000.00")}) == [
        "The organizations' amounts add up to 935,000.00, not the approved amount (1,000,000.00)."
    ]
    assert split({orgs["IOM"]: D("400000.00"), orgs["UNHCR"]: D("600000.00")}) == [
        "An organization's amount cannot exceed its budget in the version (535,000.00)."
    ]
    assert split({orgs["IOM"]: D("-1.00"), orgs["UNHCR"]: D("0.001")}) == [
        "Each organization's amount must be more than zero.",
        "Each organization's amount can have at most two decimals.",
    ]
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 0


def test_more_than_the_version_total_is_refused(fund, make_deposit, make_proposal):
    make_deposit("5000000.00")
    proposal = make_proposal(ProposalState.in_review)
    with pytest.raises(
        ValidationFailed, match=r"cannot exceed the budget of the approved version \(USD 1,284,000.00\)"
    ):
        allocate(proposal, "1284000.01")


def test_an_approval_the_fund_cannot_cover_is_refused_with_the_amounts(fund, make_deposit, make_proposal):
    make_deposit("1000000.00")  # 990,000.00 available after the fee
    proposal = make_proposal(ProposalState.in_review)
    with pytest.raises(InsufficientFunds) as refused:
        allocate(proposal)
    assert refused.value.message == "The fund cannot cover USD 1,284,000.00: only USD 990,000.00 is available."
    assert db.session.scalar(sa.select(sa.func.count(Allocation.id))) == 0


def test_the_areas_earmark_is_drawn_first(fund, make_deposit, make_proposal):
    make_deposit("500000.00", area="TA2")  # 495,000.00 earmarked
    make_deposit("1000000.00")  # 990,000.00 unearmarked
    allocate(make_proposal(ProposalState.in_review, area="TA2"))
    result = balances(fund)
    assert result.available_by_area == {"TA2": D("0.00")}
    assert result.unearmarked_available == D("990000.00") - (D("1284000.00") - D("495000.00"))


def test_another_areas_earmark_cannot_pay(fund, make_deposit, make_proposal):
    make_deposit("2000000.00", area="TA3")
    make_deposit("100000.00")
    with pytest.raises(InsufficientFunds, match=r"only USD 99,000.00 is available"):
        allocate(make_proposal(ProposalState.in_review, area="TA2"))


def test_the_refusal_names_the_earmark_it_counted(fund, make_deposit, make_proposal):
    make_deposit("100000.00", area="TA2")
    make_deposit("200000.00")
    with pytest.raises(InsufficientFunds) as refused:
        allocate(make_proposal(ProposalState.in_review, area="TA2"))
    assert "only USD 297,000.00 is available for this thematic area" in refused.value.message
    assert "(USD 198,000.00 unearmarked and USD 99,000.00 earmarked to it)" in refused.value.message


def test_a_proposal_is_allocated_once(fund, make_deposit, make_proposal):
    make_deposit("5000000.00")
    proposal = make_proposal(ProposalState.in_review)
    allocate(proposal)
    with pytest.raises(ValidationFailed, match="already has its allocations"):
        allocate(proposal)


@pytest.mark.parametrize("role", [Role.agency, Role.viewer])
def test_agencies_and_viewers_cannot_allocate(fund, make_deposit, make_proposal, make_user, role):
    """The refusal names who may record the deciding decision, not only the FMU."""
    make_deposit("5000000.00")
    who = "the Fund Management Unit, administrators, or members of the Steering Committee"
    with pytest.raises(NotAllowed, match=f"Only {who} may do this"):
        allocate(make_proposal(ProposalState.in_review), actor=make_user(role))


def test_a_proposal_not_before_the_committee_cannot_be_allocated(fund, make_deposit, make_proposal):
    make_deposit("5000000.00")
    with pytest.raises(ValidationFailed, match="Steering Committee is deciding on"):
        allocate(make_proposal(ProposalState.screening))


# --- Transfers ---------------------------------------------------------------------------------------


def test_first_transfer_activates_the_programme_and_tranches_are_numbered(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    proposal, (iom, _unhcr) = approve()
    first = record_transfer(iom, amount=D("300000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    assert proposal.state is ProposalState.active
    second = record_transfer(iom, amount=D("449000.00"), on_date=date(2025, 7, 1), reference="TR-2", actor=fmu)
    assert (first.tranche, second.tranche) == (1, 2)
    (money,) = allocation_money([iom])
    assert (money.transferred, money.to_transfer) == (D("749000.00"), D("0.00"))
    result = balances(fund)
    assert result.transferred == D("749000.00")
    assert result.available == D("1980000.00") - D("1284000.00")  # transfers move cash, not what is available
    assert result.cash_with_agent == D("1980000.00") - D("749000.00")


def test_transfers_never_exceed_the_allocation(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    record_transfer(iom, amount=D("700000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    with pytest.raises(InsufficientFunds, match=r"Only USD 49,000.00 of this allocation is left to transfer"):
        record_transfer(iom, amount=D("49000.01"), on_date=date(2024, 8, 1), reference="TR-2", actor=fmu)


def test_a_transfer_needs_a_plausible_date(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    with pytest.raises(ValidationFailed, match="cannot precede the decision"):
        record_transfer(iom, amount=D("1.00"), on_date=DECIDED - timedelta(days=1), reference="TR", actor=fmu)
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        record_transfer(iom, amount=D("1.00"), on_date=clock.today(fund) + timedelta(days=1), reference="TR", actor=fmu)


def test_a_closed_programme_receives_no_transfer(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    proposal, (iom, _unhcr) = approve(state=ProposalState.closed)
    with pytest.raises(ValidationFailed, match=f"Programme {proposal.reference} is closed: it is read-only"):
        record_transfer(iom, amount=D("1.00"), on_date=date(2024, 7, 1), reference="TR", actor=fmu)


def test_only_the_fmu_transfers(fund, make_deposit, approve, make_user):
    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    with pytest.raises(NotAllowed):
        record_transfer(
            iom, amount=D("1.00"), on_date=date(2024, 7, 1), reference="TR", actor=make_user(Role.sc_member)
        )


def test_a_refund_becomes_available_again(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    _proposal, (iom, _unhcr) = approve()
    record_transfer(iom, amount=D("749000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    record_refund(iom, amount=D("12345.67"), on_date=date(2026, 5, 1), reference="RF-1", actor=fmu)
    (money,) = allocation_money([iom])
    assert (money.net, money.net_transferred, money.to_transfer) == (D("736654.33"), D("736654.33"), 0)
    result = balances(fund)
    assert result.refunded == D("12345.67")
    assert result.allocated == D("1284000.00") - D("12345.67")
    assert result.available == D("696000.00") + D("12345.67")
    with pytest.raises(InsufficientFunds, match="has been transferred"):
        record_refund(iom, amount=D("736654.34"), on_date=date(2026, 5, 2), reference="RF-2", actor=fmu)


def test_a_release_goes_back_to_the_earmark_first(fund, make_deposit, approve, fmu):
    make_deposit("1000000.00", area="TA2")  # 990,000 earmarked
    make_deposit("1000000.00")  # 990,000 unearmarked
    _proposal, (_iom, unhcr) = approve()  # IOM 749,000 all from the earmark; UNHCR 241,000 earmark + 294,000
    release_allocation(unhcr, amount=D("300000.00"), on_date=date(2026, 1, 10), reference="REL-1", actor=fmu)
    result = balances(fund)
    assert result.available_by_area == {"TA2": D("241000.00")}
    assert result.unearmarked_available == D("990000.00") - D("294000.00") + D("59000.00")
    with pytest.raises(InsufficientFunds, match="cannot be released"):
        release_allocation(unhcr, amount=D("235000.01"), on_date=date(2026, 1, 11), reference="REL-2", actor=fmu)


def test_money_entries_link_the_programme(fund, make_deposit, approve, fmu):
    make_deposit("2000000.00")
    proposal, (iom, _unhcr) = approve()
    record_transfer(iom, amount=D("100.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    kinds = db.session.execute(
        sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.proposal_id == proposal.id)
        .group_by(LedgerEntry.kind)
    ).all()
    assert dict(kinds) == {EntryKind.allocation: D("-1284000.00"), EntryKind.transfer: D("-100.00")}


@pytest.mark.parametrize(("deposit", "accepted"), [("1296969.70", True), ("1296969.69", False)])
def test_the_last_cent_decides(fund, make_deposit, make_proposal, deposit, accepted):
    """1,296,969.70 less its 1% fee (12,969.70) is exactly 1,284,000.00; one cent less cannot fund the programme."""
    make_deposit(deposit)
    proposal = make_proposal(ProposalState.in_review)
    if accepted:
        allocate(proposal)
        assert balances(fund).available == 0
    else:
        with pytest.raises(InsufficientFunds, match=r"only USD 1,283,999\.99 is available"):
            allocate(proposal)
