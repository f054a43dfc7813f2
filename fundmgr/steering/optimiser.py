"""The portfolio proposal's arithmetic: the best selection under a budget and the FMU's rules, and why each
proposal left out is out.

Pure values in, pure values out (no database), so brute force can check it. Money is integer cents; scores
are Decimals, given to the solver in integer units of 1/10,000 (the ranking shows two decimals). The integer
programme (solved by HiGHS, through highspy) maximises the sum of the selected proposals' weighted scores:

    Σ cost·x ≤ budget                                    the budget
    Σ_i part_i·x ≥ floor · Σ cost·x                      a floor on a thematic area's or region's share of the money
    Σ_i part_i·x ≤ ceiling · Σ cost·x                    a ceiling on that share
    Σ_{i at the marker level} cost·x ≥ floor · Σ cost·x  the share at or above the marker level
    Σ_{i in country} cost·x ≤ country cap, Σ_{i in country} x ≤ N, Σ_{i of organization} cost·x ≤ organization cap
    x = 1 ticked to include, x = 0 ticked to exclude

A proposal's part in a region is its whole cost; its part in a thematic area is its share of that area (a 60/40
programme counts 60% of its cost to one area and 40% to the other, split to the cent by `fundmgr.db.apportion`
before it reaches the optimiser: `Option.areas`).

Ties are broken by a second solve that keeps the best score and prefers the proposals earlier in the stable
order (the ranking, then the reference); HiGHS runs on one thread, so the same inputs give the same answer.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

SCORE_UNITS = Decimal("10000")


class Group(enum.StrEnum):
    """What a share bound is about."""

    area = "area"
    region = "region"


@dataclass(frozen=True)
class Option:
    """One proposal as the optimiser sees it (in the stable order: earlier wins a tie)."""

    key: str  # the proposal's reference
    score: Decimal
    cost: int  # cents
    area: str = ""
    region: str = ""
    country: str = ""
    organization: str = ""
    marker: bool = False  # at or above the fund's marker level
    # the cost split over the thematic areas' shares, in cents adding up to `cost` (empty: all of it in `area`)
    areas: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if self.areas and sum(part for _code, part in self.areas) != self.cost:
            raise ValueError(f"{self.key}: the areas' parts do not add up to the cost")

    def parts(self, group: Group) -> tuple[tuple[str, int], ...]:
        """The option's cost by code of the group: its areas' parts, or all of it in its region (or one area)."""
        if group is Group.area and self.areas:
            return self.areas
        return ((group_of(self, group), self.cost),)

    def part_in(self, group: Group, code: str) -> int:
        return sum(part for c, part in self.parts(group) if c == code)


@dataclass(frozen=True)
class ShareBound:
    """A floor and/or a ceiling on one group's share of the selected money."""

    group: Group
    code: str
    floor: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True)
class Rules:
    """What the FMU asked for."""

    budget: int  # cents
    shares: tuple[ShareBound, ...] = ()
    marker_floor: Decimal | None = None
    country_cap: int | None = None  # cents
    organization_cap: int | None = None  # cents
    per_country: int | None = None
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()


class Reason(enum.StrEnum):
    """Why a proposal is left out (the first constraint that taking it alone would break)."""

    excluded = "excluded"
    budget = "budget"
    per_country = "per_country"
    country_cap = "country_cap"
    organization_cap = "organization_cap"
    ceiling = "ceiling"
    floor = "floor"
    marker_floor = "marker_floor"
    trade_off = "trade_off"  # breaks nothing alone, but the best whole needs the money elsewhere


@dataclass(frozen=True)
class LeftOut:
    """A proposal left out: the reason, what it names (a country, a group) and by how much."""

    key: str
    reason: Reason
    subject: str = ""  # the country, organization or group code the reason is about
    group: Group | None = None
    short_by: int = 0  # cents more the budget would need
    below_last: Decimal | None = None  # the last score taken minus this one (None when nothing is taken)


@dataclass
class Outcome:
    """The selection (keys in the stable order), or no selection when no choice meets all the rules."""

    feasible: bool
    selected: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def selected_set(self) -> frozenset[str]:
        return frozenset(self.selected)


def score_units(score: Decimal) -> int:
    """A score in whole units of 1/10,000, rounded half up."""
    return int((score * SCORE_UNITS).to_integral_value(rounding="ROUND_HALF_UP"))


@dataclass
class Tally:
    """The money and counts of a selection that the rules are about."""

    total: int = 0
    countries: dict[str, tuple[int, int]] = field(default_factory=dict)  # count, money
    organizations: dict[str, int] = field(default_factory=dict)
    groups: dict[tuple[Group, str], int] = field(default_factory=dict)
    marker: int = 0

    @classmethod
    def of(cls, chosen: Sequence[Option]) -> Tally:
        tally = cls()
        for option in chosen:
            tally.add(option)
        return tally

    def add(self, option: Option) -> None:
        self.total += option.cost
        if option.country:
            count, money = self.countries.get(option.country, (0, 0))
            self.countries[option.country] = (count + 1, money + option.cost)
        if option.organization:
            self.organizations[option.organization] = self.organizations.get(option.organization, 0) + option.cost
        for group in Group:
            for code, part in option.parts(group):
                self.groups[group, code] = self.groups.get((group, code), 0) + part
        if option.marker:
            self.marker += option.cost


def breaks(chosen: Sequence[Option], rules: Rules) -> list[LeftOut]:
    """Every rule the chosen set breaks, as reasons (empty when it meets them all).

    This is the one exact (integer and Decimal) check of a selection: the optimiser's answer, the brute force
    of the tests and the reasons all go through it.
    """
    problems = breaks_with(Tally.of(chosen), None, rules)
    if any(o.key in rules.exclude for o in chosen):
        problems.insert(0, LeftOut("", Reason.excluded))
    return problems


def breaks_with(tally: Tally, option: Option | None, rules: Rules) -> list[LeftOut]:
    """The rules that a selection (its tally) plus one option breaks; the reasons name that option.

    With an option, the tally is of a selection that meets the rules: only that option's country and
    organization are looked at.
    """
    key = option.key if option is not None else ""
    cost = option.cost if option is not None else 0
    total = tally.total + cost
    problems: list[LeftOut] = []

    if option is not None and option.key in rules.exclude:
        problems.append(LeftOut(key, Reason.excluded))
    if total > rules.budget:
        problems.append(LeftOut(key, Reason.budget, short_by=total - rules.budget))
    countries = tally.countries
    if option is not None:
        count, money = countries.get(option.country, (0, 0))
        countries = {option.country: (count + 1, money + cost)} if option.country else {}
    for country, (count, money) in sorted(countries.items()):
        if rules.per_country is not None and count > rules.per_country:
            problems.append(LeftOut(key, Reason.per_country, subject=country))
        if rules.country_cap is not None and money > rules.country_cap:
            problems.append(LeftOut(key, Reason.country_cap, subject=country))
    organizations = tally.organizations
    if option is not None:
        amount = organizations.get(option.organization, 0) + cost
        organizations = {option.organization: amount} if option.organization else {}
    for organization, amount in sorted(organizations.items()):
        if rules.organization_cap is not None and amount > rules.organization_cap:
            problems.append(LeftOut(key, Reason.organization_cap, subject=organization))
    for bound in rules.shares:
        amount = tally.groups.get((bound.group, bound.code), 0)
        if option is not None:
            amount += option.part_in(bound.group, bound.code)
        if bound.ceiling is not None and amount > bound.ceiling * total:
            problems.append(LeftOut(key, Reason.ceiling, subject=bound.code, group=bound.group))
        if bound.floor is not None and amount < bound.floor * total:
            problems.append(LeftOut(key, Reason.floor, subject=bound.code, group=bound.group))
    marker = tally.marker + (cost if option is not None and option.marker else 0)
    if rules.marker_floor is not None and marker < rules.marker_floor * total:
        problems.append(LeftOut(key, Reason.marker_floor))
    return problems


def group_of(option: Option, group: Group) -> str:
    return option.area if group is Group.area else option.region


def optimise(options: Sequence[Option], rules: Rules) -> Outcome:
    """The best selection under the rules (the highest sum of scores; ties to the earlier options), with reasons."""
    import highspy  # the solver loads only when a proposal is asked for

    model = SelectionModel(highspy, options, rules)
    values = model.solve([score_units(o.score) for o in options])
    if values is None:
        return Outcome(feasible=False)
    chosen = prefer_earlier(options, [o for o, x in zip(options, values, strict=True) if x], rules)
    if breaks(chosen, rules):  # the solver's tolerances let through what exact arithmetic refuses
        return Outcome(feasible=False)
    return Outcome(feasible=True, selected=[o.key for o in chosen], left_out=reasons(options, chosen, rules))


def prefer_earlier(options: Sequence[Option], chosen: list[Option], rules: Rules) -> list[Option]:
    """Among selections of equal score, the one taking earlier options: swap a later selected option for an
    earlier one left out with the same score, cost, group, country, organization and marker (the swap changes
    no sum the rules are about), so equal inputs in another order of the solver's search give one answer."""
    taken = {o.key for o in chosen}
    twins: dict[tuple, list[Option]] = {}
    for option in options:
        if option.key not in rules.include and option.key not in rules.exclude:
            twins.setdefault(twin_key(option), []).append(option)
    result: set[str] = set(taken)
    for group in twins.values():
        count = sum(1 for o in group if o.key in taken)
        for i, option in enumerate(group):
            (result.add if i < count else result.discard)(option.key)
    return [o for o in options if o.key in result]


def twin_key(option: Option) -> tuple:
    return (score_units(option.score), option.cost, option.parts(Group.area), option.region, option.country,
            option.organization, option.marker)  # fmt: skip


class SelectionModel:
    """The integer programme of one request in HiGHS: binary columns in the options' order, rows for the rules."""

    def __init__(self, highspy, options: Sequence[Option], rules: Rules) -> None:
        self.highspy = highspy
        # The core binding (in highspy's __all__): the Highs wrapper adds interrupt callbacks a web request does not
        # need and prints a banner to standard output each time it is made.
        self.h = highspy._Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("random_seed", 0)
        self.h.setOptionValue("presolve", "off")  # on these models presolve costs more than it saves (bench)
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.h.setOptionValue("mip_abs_gap", 0.5)  # objectives are integers: closer than 1/2 is optimal
        self.n = len(options)
        inf = highspy.kHighsInf
        for o in options:
            lower = 1.0 if o.key in rules.include else 0.0
            upper = 0.0 if o.key in rules.exclude else 1.0
            self.h.addCol(0.0, lower, upper, 0, [], [])
        if self.n:
            self.h.changeColsIntegrality(self.n, list(range(self.n)), [highspy.HighsVarType.kInteger] * self.n)
        # Money in units that keep the rows near 1 for the solver (HiGHS warns of, and slows on, bounds of 10^9);
        # a whole cent stays well above its feasibility tolerance, and `breaks` checks the answer exactly.
        self.unit = money_unit(rules.budget)
        costs = [o.cost / self.unit for o in options]
        # The total selected money is a column of its own, so each share row names only its group's options.
        self.total = self.n
        self.h.addCol(0.0, 0.0, inf, 0, [], [])
        self.add_row(0.0, 0.0, {**{i: costs[i] for i in range(self.n)}, self.total: -1.0})
        self.add_row(-inf, rules.budget / self.unit, {self.total: 1.0})
        for bound in rules.shares:
            inside = {i: o.part_in(bound.group, bound.code) / self.unit for i, o in enumerate(options)}
            if bound.floor is not None:  # Σ_group cost·x − floor·total ≥ 0
                self.add_row(0.0, inf, {**inside, self.total: -float(bound.floor)})
            if bound.ceiling is not None:  # Σ_group cost·x − ceiling·total ≤ 0
                self.add_row(-inf, 0.0, {**inside, self.total: -float(bound.ceiling)})
        if rules.marker_floor is not None:
            marked = {i: costs[i] for i, o in enumerate(options) if o.marker}
            self.add_row(0.0, inf, {**marked, self.total: -float(rules.marker_floor)})
        countries = members(options, "country")
        for indices in countries.values():
            if rules.per_country is not None:
                self.add_row(-inf, float(rules.per_country), {i: 1.0 for i in indices})
            if rules.country_cap is not None:
                self.add_row(-inf, rules.country_cap / self.unit, {i: costs[i] for i in indices})
        if rules.organization_cap is not None:
            for indices in members(options, "organization").values():
                self.add_row(-inf, rules.organization_cap / self.unit, {i: costs[i] for i in indices})

    def add_row(self, lower: float, upper: float, coefficients: dict[int, float]) -> None:
        entries = {i: c for i, c in coefficients.items() if c != 0.0}
        self.h.addRow(lower, upper, len(entries), list(entries), list(entries.values()))

    def require_at_least(self, weights: Sequence[int], value: int) -> None:
        self.add_row(float(value) - 0.5, self.highspy.kHighsInf, {i: float(w) for i, w in enumerate(weights)})

    def solve(self, weights: Sequence[int]) -> list[bool] | None:
        """Maximise Σ weight·x; the 0/1 values, or None when no selection meets the rules."""
        if self.n:
            self.h.changeColsCost(self.n, list(range(self.n)), [-float(w) for w in weights])
        self.h.run()
        status = self.h.getModelStatus()
        if status != self.highspy.HighsModelStatus.kOptimal:
            return None
        if not self.n:
            return []
        return [value > 0.5 for value in self.h.getSolution().col_value[: self.n]]


def money_unit(budget: int) -> int:
    """A power of ten of cents (at most 10^6: a cent stays 10^-6 of a unit) bringing the budget near 1,000."""
    unit = 1
    while budget // unit > 1000 and unit < 10**6:
        unit *= 10
    return unit


def members(options: Sequence[Option], attribute: str) -> dict[str, list[int]]:
    """Indices of the options per country (or organization), in a stable order; options without one are left out."""
    result: dict[str, list[int]] = {}
    for i, option in enumerate(options):
        value = getattr(option, attribute)
        if value:
            result.setdefault(value, []).append(i)
    return dict(sorted(result.items()))


# The order in which a left-out proposal's reasons are named: the FMU's own choice first, then what more money
# would not change (caps, shares), the money last.
REASON_ORDER = [
    Reason.excluded,
    Reason.per_country,
    Reason.country_cap,
    Reason.organization_cap,
    Reason.ceiling,
    Reason.floor,
    Reason.marker_floor,
    Reason.budget,
]


def reasons(options: Sequence[Option], chosen: Sequence[Option], rules: Rules) -> list[LeftOut]:
    """For each option left out: the first rule that adding it to the selection would break, and its score gap."""
    taken = {o.key for o in chosen}
    tally = Tally.of(chosen)
    last = min((o.score for o in chosen), default=None)
    result = []
    for option in options:
        if option.key in taken:
            continue
        below = last - option.score if last is not None else None
        if option.key in rules.exclude:
            result.append(LeftOut(option.key, Reason.excluded, below_last=below))
            continue
        broken = breaks_with(tally, option, rules)
        broken.sort(key=lambda p: REASON_ORDER.index(p.reason))
        first = broken[0] if broken else LeftOut(option.key, Reason.trade_off)
        result.append(
            LeftOut(
                option.key,
                first.reason,
                subject=first.subject,
                group=first.group,
                short_by=first.short_by,
                below_last=below,
            )
        )
    return result
