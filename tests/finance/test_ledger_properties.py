"""Property-based: any sequence of money operations keeps the ledger's invariants.

Hypothesis draws sequences of deposits (earmarked or not), commitments, corrections,
interest, approvals, transfers, refunds and releases. A plain Python model of the fund
predicts every balance and every refusal; after each step the ledger must agree with it
to the cent, and: available >= 0 (overall, unearmarked, every earmark), every balance is the
sum of its entries, received - fees + interest - allocated = available, and no allocation
has more transferred than it holds.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fundmgr.db import db, to_cents
from fundmgr.errors import InsufficientFunds
from fundmgr.finance import operations as ops
from fundmgr.finance.models import (
    Allocation,
    AllocationMarkerTotal,
    AllocationTotal,
    ContributionKind,
    EntryKind,
    LedgerEntry,
    ProgrammeAllocation,
    Transfer,
    rebuild_allocation_totals,
)
from fundmgr.finance.queries import (
    allocation_money,
    allocations_by_area,
    allocations_by_organization,
    allocations_by_region,
    allocations_by_target_marker,
    balances,
    capitalization_by_year,
    ledger_sums,
    money_by_organization,
)
from fundmgr.proposals.models import ProposalArea, ProposalState
from tests.factories import organization

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL

ZERO = Decimal("0.00")
AREAS = [None, "TA2", "TA3"]
REFERENCES = itertools.count(1)


def cents(n: int) -> Decimal:
    return Decimal(n) / 100


@dataclass
class ModelAllocation:
    """What the model knows of one allocation."""

    total: Decimal
    from_earmark: Decimal
    area: str | None
    transferred: Decimal = ZERO  # every transfer made
    refunded: Decimal = ZERO
    released: Decimal = ZERO
    given_back_to_earmark: Decimal = ZERO

    @property
    def left(self) -> Decimal:
        """Still to transfer: a refund lowers both the allocation and what was transferred."""
        return self.total - self.released - self.transferred

    @property
    def net_transferred(self) -> Decimal:
        return self.transferred - self.refunded


@dataclass
class Model:
    """The fund as the test expects it to be."""

    buckets: dict[str | None, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    received: Decimal = ZERO
    fees: Decimal = ZERO
    interest: Decimal = ZERO
    allocated: Decimal = ZERO
    transferred: Decimal = ZERO
    refunded: Decimal = ZERO
    deposits: list = field(default_factory=list)  # (contribution, net, area) still counting
    allocations: dict[int, ModelAllocation] = field(default_factory=dict)

    def give_back(self, a: ModelAllocation, amount: Decimal) -> None:
        """Money back from an allocation: to the earmark it came from first, then unearmarked."""
        to_earmark = min(amount, a.from_earmark - a.given_back_to_earmark)
        a.given_back_to_earmark += to_earmark
        self.buckets[a.area] += to_earmark
        self.buckets[None] += amount - to_earmark
        self.allocated -= amount


# NOK up to 10 million (USD 934,000), in cents: tens of thousands of NOK plus any odd cents
amounts = st.builds(lambda big, small: big * 1_000_000 + small, st.integers(0, 1000), st.integers(1, 999_999))
percent = st.integers(min_value=1, max_value=120)  # of what is left: above 100 must be refused
actions = st.one_of(
    st.tuples(st.just("deposit"), amounts, st.sampled_from(AREAS)),
    st.tuples(st.just("commitment"), amounts),
    st.tuples(st.just("interest"), st.integers(1, 5_000_000)),
    st.tuples(st.just("correct"), st.integers(0, 10), st.one_of(st.none(), amounts)),
    st.tuples(st.just("approve"), st.integers(0, 2), st.integers(1, 100)),
    st.tuples(st.just("transfer"), st.integers(0, 5), percent),
    st.tuples(st.just("refund"), st.integers(0, 5), percent),
    st.tuples(st.just("release"), st.integers(0, 5), percent),
)


@pytest.fixture
def programmes(fund, make_proposal):
    """Three proposals before the Steering Committee, in areas with and without earmarks; the last in two areas
    without earmarks (TA1 60%, TA4 40%), in a region rather than a country."""
    result = [
        make_proposal(ProposalState.in_review, area=area, direct={"IOM": "300000.00", "UNHCR": "200000.00"}, **place)
        for area, place in (("TA2", {}), ("TA3", {}), ("TA1", {"country": None, "region": "142"}))
    ]
    areas = {a.code: a for a in fund.thematic_areas}
    result[-1].area_rows = [ProposalArea(area_id=areas["TA1"].id, share=Decimal(60)),
                            ProposalArea(area_id=areas["TA4"].id, share=Decimal(40))]  # fmt: skip
    db.session.flush()
    return result


AGREEMENTS = itertools.count(1)


def deposit_data(fund, amount: Decimal, area: str | None, kind=ContributionKind.deposit) -> ops.ContributionData:
    return ops.ContributionData(
        donor=organization("GOV-NOR"),
        kind=kind,
        on_date=date(2023, 5, 2),
        currency="NOK",
        amount=amount,
        rate_to_usd=Decimal("0.0934"),
        area=next((a for a in fund.thematic_areas if a.code == area), None),
        reference="SAA-NOR-PROPERTY",
    )


def attempt(label: str, operation, expect_refusal: bool) -> tuple[bool, object]:
    """Run an operation in a savepoint; a refusal must come exactly when the model predicts it."""
    try:
        with db.session.begin_nested():
            result = operation()
    except InsufficientFunds:
        assert expect_refusal, f"{label} refused although the model had the money"
        event(f"{label} refused")
        return False, None
    assert not expect_refusal, f"{label} accepted although the model said the money was short"
    event(f"{label} accepted")
    return True, result


def step(fund, model: Model, programmes, action) -> None:
    kind = action[0]
    if kind in ("deposit", "commitment"):
        nok = cents(action[1])
        area = action[2] if kind == "deposit" else None
        data = deposit_data(fund, nok, area, ContributionKind(kind))
        # each its own agreement: the same entry twice is refused as a repeat (test_contributions.py)
        data = replace(data, reference=f"SAA-NOR-PROPERTY-{next(AGREEMENTS)}")
        if data.usd_amount <= 0:
            return
        contribution = ops.record_contribution(fund, data, actor=None)
        if kind == "deposit":
            fee = to_cents(data.usd_amount * fund.aa_fee_rate)
            model.received += data.usd_amount
            model.fees += fee
            model.buckets[area] += data.usd_amount - fee
            model.deposits.append((contribution, data.usd_amount, fee, area))
    elif kind == "interest":
        amount = cents(action[1])
        ops.record_interest(fund, amount=amount, on_date=date(2024, 12, 31), reference="INT", actor=None)
        model.interest += amount
        model.buckets[None] += amount
    elif kind == "correct" and model.deposits:
        index = action[1] % len(model.deposits)
        contribution, usd, fee, area = model.deposits[index]
        replacement = None
        buckets = dict(model.buckets)
        buckets[area] = buckets.get(area, ZERO) - (usd - fee)
        new = None
        if action[2] is not None:
            replacement = replace(deposit_data(fund, cents(action[2]), area), on_date=date(2023, 6, 1))
            new_usd = replacement.usd_amount
            if new_usd <= 0:
                return
            new_fee = to_cents(new_usd * fund.aa_fee_rate)
            buckets[area] += new_usd - new_fee
            new = (new_usd, new_fee)
        short = any(amount < 0 for amount in buckets.values())
        accepted, result = attempt(
            "correction",
            lambda: ops.correct_contribution(contribution, replacement=replacement, reason="Fix.", actor=None),
            short,
        )
        if accepted:
            model.deposits.pop(index)
            model.received -= usd
            model.fees -= fee
            model.buckets.clear()
            model.buckets.update(buckets)
            if new:
                model.received += new[0]
                model.fees += new[1]
                model.deposits.append((result[1], new[0], new[1], area))
    elif kind == "approve":
        proposal = programmes[action[1]]
        if proposal.state is not ProposalState.in_review:
            return
        version = proposal.latest_version
        approved = to_cents(version.total * action[2] / 100)
        area = proposal.primary_area.code
        earmark = model.buckets[area] if area in AREAS else ZERO
        short = approved > model.buckets[None] + earmark
        accepted, allocations = attempt(
            "approval",
            lambda: ops.allocate_approved(
                proposal, version, approved_amount=approved, decided_on=date(2024, 6, 1), reference="SC", actor=None
            ),
            short,
        )
        if not accepted:
            return
        assert sum(a.total for a in allocations) == approved
        proposal.state = ProposalState.approved
        from_earmark = min(earmark, approved)
        model.buckets[area] -= from_earmark
        model.buckets[None] -= approved - from_earmark
        model.allocated += approved
        for allocation in allocations:
            part = min(from_earmark, allocation.total)
            from_earmark -= part
            model.allocations[allocation.id] = ModelAllocation(allocation.total, part, area)
    elif kind in ("transfer", "refund", "release") and model.allocations:
        ids = sorted(model.allocations)
        allocation = db.session.get(Allocation, ids[action[1] % len(ids)])
        mine = model.allocations[allocation.id]
        base = mine.net_transferred if kind == "refund" else mine.left
        amount = to_cents(base * action[2] / 100)
        if amount <= 0:
            return
        # each movement its own reference: the same reference twice on one allocation is refused as a duplicate
        args = {"amount": amount, "on_date": date(2025, 3, 3), "reference": f"{kind}-{next(REFERENCES)}", "actor": None}
        if kind == "transfer":
            if attempt(kind, lambda: ops.record_transfer(allocation, **args), amount > mine.left)[0]:
                mine.transferred += amount
                model.transferred += amount
        elif kind == "refund":
            if attempt(kind, lambda: ops.record_refund(allocation, **args), amount > mine.net_transferred)[0]:
                mine.refunded += amount
                model.refunded += amount
                model.give_back(mine, amount)
        elif attempt(kind, lambda: ops.release_allocation(allocation, **args), amount > mine.left)[0]:
            mine.released += amount
            model.give_back(mine, amount)


def check_invariants(fund, model: Model) -> None:
    result = balances(fund)
    # every balance agrees with the model, to the cent
    assert (result.received, result.fees, result.interest) == (model.received, model.fees, model.interest)
    assert (result.allocated, result.transferred, result.refunded) == (
        model.allocated,
        model.transferred,
        model.refunded,
    )
    assert result.unearmarked_available == model.buckets[None]
    for code in ("TA2", "TA3"):
        assert result.available_by_area.get(code, ZERO) == model.buckets[code]
    # nothing is overdrawn
    assert result.available >= 0
    assert result.unearmarked_available >= 0
    assert all(amount >= 0 for amount in result.available_by_area.values())
    # the Gateway identities
    assert result.received - result.fees + result.interest - result.allocated == result.available
    assert result.unearmarked_available + sum(result.available_by_area.values(), ZERO) == result.available
    assert result.cash_with_agent == result.available + result.undisbursed
    # every balance is the sum of its entries (added up here in Python, not by the database)
    entries = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.fund_id == fund.id)).all()
    by_kind: dict[EntryKind, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        by_kind[entry.kind] += entry.amount
    assert by_kind[EntryKind.deposit] == result.received
    assert -by_kind[EntryKind.aa_fee] == result.fees
    assert -(by_kind[EntryKind.allocation] + by_kind[EntryKind.allocation_release]) == result.allocated
    assert -by_kind[EntryKind.transfer] == result.transferred
    # the totals kept up to date as entries are added (what the balances read) are those of the raw rows, per kind
    # and earmark, to the cent; the balances read from the ledger's rows (as at a day after them all) are the same
    by_kind_area: dict[tuple[EntryKind, int | None], Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        by_kind_area[(entry.kind, entry.area_id)] += entry.amount
    assert ledger_sums(fund) == dict(by_kind_area)
    assert balances(fund, as_at=date(9999, 12, 31)) == result
    # the capitalization per year and the money per organization, read from the totals kept per year and
    # organization, are those summed from the ledger's rows
    for figures in (capitalization_by_year, money_by_organization, allocations_by_organization, allocations_by_area,
                    allocations_by_region, allocations_by_target_marker):  # fmt: skip
        assert figures(fund) == figures(fund, date(9999, 12, 31))
    # the allocations kept per programme, area and place, and marker level are those summed afresh from the entries
    assert kept_allocation_totals() == rebuilt_allocation_totals()
    # no allocation has more transferred (less refunds) than it holds (less releases and refunds)
    transferred = dict(
        db.session.execute(
            sa.select(Transfer.allocation_id, sa.func.sum(Transfer.amount)).group_by(Transfer.allocation_id)
        ).all()
    )
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.fund_id == fund.id)).all()
    for money in allocation_money(allocations):
        assert transferred.get(money.allocation.id, ZERO) == model.allocations[money.allocation.id].transferred
        assert 0 <= money.net_transferred <= money.net


def kept_allocation_totals() -> list[list[tuple]]:
    """Every row of the allocation totals kept as entries are added (zero totals left out)."""
    return [
        sorted(tuple(row) for row in db.session.execute(sa.select(table.__table__)).all() if row.amount)
        for table in (ProgrammeAllocation, AllocationTotal, AllocationMarkerTotal)
    ]


def rebuilt_allocation_totals() -> list[list[tuple]]:
    """The same rows summed afresh from the ledger's entries (undone afterwards)."""
    savepoint = db.session.begin_nested()
    rebuild_allocation_totals(db.session.connection())
    rows = kept_allocation_totals()
    savepoint.rollback()
    return rows


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.lists(st.tuples(st.just("deposit"), amounts, st.sampled_from(AREAS)), max_size=3),
    sequence=st.lists(actions, min_size=1, max_size=30),
)
def test_any_sequence_of_money_operations_keeps_the_ledger_sound(fund, programmes, opening, sequence):
    """Opening deposits make approvals (and so transfers, refunds, releases) likely in the sequence."""
    known = set(db.session.identity_map.keys())
    savepoint = db.session.begin_nested()
    try:
        model = Model()
        for action in opening + sequence:
            step(fund, model, programmes, action)
            db.session.flush()
            check_invariants(fund, model)
    finally:
        savepoint.rollback()
        # What the example made is gone from the database, but an object it loaded through a relationship stays in
        # the session; SQLite then gives the next example's rows the same ids, and the session would hold two.
        for key, obj in list(db.session.identity_map.items()):
            if key not in known:
                db.session.expunge(obj)
