"""The portfolio optimiser: its answer is the best one brute force finds, it keeps every rule, reasons are right."""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmgr.db import apportion
from fundmgr.steering.optimiser import (
    Group,
    Option,
    Reason,
    Rules,
    ShareBound,
    breaks,
    optimise,
    score_units,
)

pytestmark = pytest.mark.once  # arithmetic and the solver: no database

PROPERTY = settings(max_examples=40, deadline=None, database=None, derandomize=True)

AREAS = ("TA1", "TA2", "TA3")
REGIONS = ("002", "019")
COUNTRIES = ("EC", "TJ", "MA", "")
ORGANIZATIONS = ("IOM", "UNDP", "")


def best_by_brute_force(options: list[Option], rules: Rules) -> int | None:
    """The highest sum of score units over every subset that breaks no rule (None: no subset does)."""
    best = None
    for size in range(len(options) + 1):
        for subset in combinations(options, size):
            if any(o.key in rules.include for o in options if o not in subset):
                continue
            if not breaks(list(subset), rules):
                value = sum(score_units(o.score) for o in subset)
                best = value if best is None else max(best, value)
    return best


def total_units(options: list[Option], keys: list[str]) -> int:
    return sum(score_units(o.score) for o in options if o.key in keys)


@st.composite
def area_parts(draw, cost: int) -> tuple[tuple[str, int], ...]:
    """No split (all in the primary area) or the cost over two or three areas' shares, to the cent (`apportion`)."""
    codes = draw(st.one_of(st.just([]), st.lists(st.sampled_from(AREAS), min_size=2, max_size=3, unique=True)))
    if not codes:
        return ()
    weights = [Decimal(draw(st.integers(min_value=5, max_value=95))) for _code in codes]
    parts = apportion(Decimal(cost), weights, Decimal(1))
    return tuple((code, int(part)) for code, part in zip(codes, parts, strict=True))


@st.composite
def option_lists(draw, max_size: int) -> list[Option]:
    size = draw(st.integers(min_value=0, max_value=max_size))
    costs = [draw(st.integers(min_value=1, max_value=50)) * 1_000_000 + draw(st.integers(0, 99)) for _i in range(size)]
    return [
        Option(
            key=f"P{i:03d}",
            score=Decimal(draw(st.integers(min_value=100, max_value=500))) / 100,
            cost=cost,
            areas=draw(area_parts(cost)),
            area=draw(st.sampled_from(AREAS)),
            region=draw(st.sampled_from(REGIONS)),
            country=draw(st.sampled_from(COUNTRIES)),
            organization=draw(st.sampled_from(ORGANIZATIONS)),
            marker=draw(st.booleans()),
        )
        for i, cost in enumerate(costs)
    ]


shares = st.one_of(st.none(), st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 100))


@st.composite
def rule_sets(draw, options: list[Option]) -> Rules:
    bounds = []
    for group, codes in ((Group.area, AREAS), (Group.region, REGIONS)):
        for code in draw(st.lists(st.sampled_from(codes), unique=True, max_size=2)):
            floor, ceiling = draw(shares), draw(shares)
            bounds.append(ShareBound(group, code, floor, ceiling))
    keys = [o.key for o in options]
    include = draw(st.sets(st.sampled_from(keys), max_size=1)) if keys else set()
    exclude = draw(st.sets(st.sampled_from(keys), max_size=2)) - include if keys else set()
    return Rules(
        budget=draw(st.integers(min_value=0, max_value=200)) * 1_000_000,
        shares=tuple(bounds),
        marker_floor=draw(shares),
        country_cap=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=120).map(lambda n: n * 1_000_000))),
        organization_cap=draw(st.one_of(st.none(), st.integers(1, 150).map(lambda n: n * 1_000_000))),
        per_country=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=3))),
        include=frozenset(include),
        exclude=frozenset(exclude),
    )


@PROPERTY
@given(st.data())
def test_the_answer_is_as_good_as_the_best_brute_force_finds(data):
    """On up to 9 proposals: the optimiser finds a selection exactly when one exists, and none scores higher."""
    options = data.draw(option_lists(max_size=9))
    rules = data.draw(rule_sets(options))
    outcome = optimise(options, rules)
    best = best_by_brute_force(options, rules)
    assert outcome.feasible == (best is not None)
    if best is not None:
        assert total_units(options, outcome.selected) == best


@PROPERTY
@given(st.data())
def test_every_rule_holds_on_larger_random_cases(data):
    """On up to 60 proposals: the selection breaks no rule, takes every must-include and no must-exclude, and every
    proposal left out has one reason."""
    options = data.draw(option_lists(max_size=60))
    rules = data.draw(rule_sets(options))
    outcome = optimise(options, rules)
    if not outcome.feasible:
        return
    chosen = [o for o in options if o.key in outcome.selected_set]
    assert breaks(chosen, rules) == []
    assert rules.include <= outcome.selected_set
    assert not rules.exclude & outcome.selected_set
    assert sorted([*outcome.selected, *(item.key for item in outcome.left_out)]) == sorted(o.key for o in options)


@PROPERTY
@given(st.data())
def test_the_same_inputs_give_the_same_answer(data):
    options = data.draw(option_lists(max_size=30))
    rules = data.draw(rule_sets(options))
    assert optimise(options, rules) == optimise(options, rules)


def test_equal_proposals_go_to_the_earlier_one():
    """Two identical proposals, money for one: the earlier in the stable order (the ranking) is taken."""
    twins = [Option(key, Decimal("4.00"), 100, area="TA1") for key in ("A-1", "A-2")]
    assert optimise(twins, Rules(budget=100)).selected == ["A-1"]


def test_a_budget_bound_reason_says_how_much_more_and_the_score_gap():
    options = [Option("A", Decimal("4.50"), 600), Option("B", Decimal("4.00"), 300), Option("C", Decimal("3.25"), 500)]
    outcome = optimise(options, Rules(budget=1000))
    assert outcome.selected == ["A", "B"]
    (left,) = outcome.left_out
    assert (left.key, left.reason, left.short_by, left.below_last) == ("C", Reason.budget, 400, Decimal("0.75"))


def test_a_cap_bound_reason_names_the_country():
    """At most one per country, and money enough: the second in Ecuador is out for Ecuador, not for the budget."""
    options = [Option("A", Decimal("5"), 100, country="EC"), Option("B", Decimal("4"), 100, country="EC"),
               Option("C", Decimal("3"), 100, country="TJ")]  # fmt: skip
    outcome = optimise(options, Rules(budget=10_000, per_country=1))
    assert outcome.selected == ["A", "C"]
    (left,) = outcome.left_out
    assert (left.key, left.reason, left.subject) == ("B", Reason.per_country, "EC")


def test_a_share_ceiling_is_named():
    """TA1 at most half the money: the second TA1 proposal is out for that ceiling."""
    options = [Option("A", Decimal("5"), 100, area="TA1"), Option("B", Decimal("4"), 100, area="TA1"),
               Option("C", Decimal("3"), 100, area="TA2")]  # fmt: skip
    outcome = optimise(options, Rules(budget=10_000, shares=(ShareBound(Group.area, "TA1", ceiling=Decimal("0.5")),)))
    assert outcome.selected == ["A", "C"]
    (left,) = outcome.left_out
    assert (left.key, left.reason, left.group, left.subject) == ("B", Reason.ceiling, Group.area, "TA1")


def test_an_organization_cap_is_named_before_a_ceiling_it_also_breaks():
    """The best whole leaves out the best-scored proposal: it would break IOM's cap (and TA1's ceiling)."""
    options = [Option("A", Decimal("5"), 100, area="TA1", organization="IOM"),
               Option("B", Decimal("4"), 100, area="TA1", organization="UNDP"),
               Option("C", Decimal("3"), 100, area="TA2", organization="IOM")]  # fmt: skip
    rules = Rules(budget=10_000, shares=(ShareBound(Group.area, "TA1", ceiling=Decimal("0.5")),), organization_cap=150)
    outcome = optimise(options, rules)
    assert outcome.selected == ["B", "C"]
    (left,) = outcome.left_out
    assert (left.key, left.reason, left.subject, left.below_last) == ("A", Reason.organization_cap, "IOM", Decimal(-2))


def test_rules_no_selection_can_meet_give_no_selection():
    """Must include a proposal bigger than the budget: nothing meets the rules, and nothing is proposed."""
    outcome = optimise([Option("A", Decimal("5"), 1000)], Rules(budget=10, include=frozenset({"A"})))
    assert not outcome.feasible
    assert outcome.selected == []


def test_a_programme_in_two_areas_counts_its_shares_against_the_bounds():
    """A 60/40 programme counts 60% of its cost to one area and 40% to the other, to the cent: with TA2 at most
    40% of the money, it fits alone (40% of it in TA2), while a programme wholly in TA2 does not."""
    cost = 1_000_001  # 10,000.01: 60% is 6,000.006, apportioned 6,000.01 and 4,000.00
    parts = apportion(Decimal(cost), [Decimal(60), Decimal(40)], Decimal(1))
    split = Option("A", Decimal("5"), cost, area="TA1", areas=(("TA1", int(parts[0])), ("TA2", int(parts[1]))))
    assert split.areas == (("TA1", 600_001), ("TA2", 400_000))
    rules = Rules(budget=2_000_000, shares=(ShareBound(Group.area, "TA2", ceiling=Decimal("0.40")),
                                            ShareBound(Group.area, "TA1", floor=Decimal("0.60"))))  # fmt: skip
    assert breaks([split], rules) == []
    assert optimise([split], rules).selected == ["A"]
    wholly = Option("B", Decimal("5"), cost, area="TA2")
    assert optimise([wholly], rules).selected == []
    # one cent more in TA2 breaks the 40% ceiling
    over = Option("C", Decimal("5"), cost, area="TA1", areas=(("TA1", 600_000), ("TA2", 400_001)))
    assert [p.reason for p in breaks([over], rules)] == [Reason.ceiling, Reason.floor]
    assert optimise([over], rules).left_out[0].reason is Reason.ceiling


def test_the_areas_parts_must_add_up_to_the_cost():
    with pytest.raises(ValueError, match="add up"):
        Option("A", Decimal("5"), 100, areas=(("TA1", 60), ("TA2", 39)))
