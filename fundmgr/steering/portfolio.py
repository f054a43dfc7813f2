"""The portfolio view: what funding a selection of pipeline proposals would do to the fund's balance.

The funded portfolio (net allocations) plus the selection's funding gaps give the shares per
thematic area, per UN M49 region, and the share at or above the gender-marker target level,
each next to the fund's target. The default selection is what the available money funds
taking the ranking in order (fundmgr.finance.queries.fundable); a user may try another one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fundmgr.db import db
from fundmgr.finance.queries import (
    Available,
    allocated_by_area,
    allocated_by_marker_level,
    allocated_by_region,
    fits_in_order,
    money_available,
    needs_and_shares,
    needs_of,
    region_parents,
    target_marker,
    top_region,
)
from fundmgr.funds.models import Country, Fund, Marker
from fundmgr.i18n import territory_name
from fundmgr.lists import Column, Listing, ListSpec
from fundmgr.proposals.models import Proposal, ProposalMarker
from fundmgr.proposals.queries import AreaShares, split_by_area
from fundmgr.steering import ranked
from fundmgr.steering.queries import PIPELINE_STATES
from fundmgr.steering.scoring import ProposalScore

ZERO = Decimal("0.00")


@dataclass
class Candidate:
    """A pipeline proposal in ranking order, with what it still needs and whether it is selected."""

    proposal: Proposal
    score: ProposalScore | None  # None when the user may not see its score yet
    gap: Decimal
    fits: bool  # funded by the available money, taking the ranking in order
    selected: bool = False


@dataclass
class Slice:
    """One thematic area, region or the gender target: its share now and after the selection, and the target."""

    key: str
    label: str
    target: Decimal | None
    funded: Decimal = ZERO
    after: Decimal = ZERO
    funded_share: Decimal | None = None
    after_share: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        if self.funded_share is None or self.after_share is None:
            return None
        return self.after_share - self.funded_share


@dataclass
class Portfolio:
    """The shares with a selection, and the proposals in ranking order one page at a time, the selected ticked."""

    available: Decimal
    listing: Listing  # every proposal in review and in the pipeline, in ranking order, paged (items: candidates)
    chosen: list[int]  # the selected proposals' ids, in ranking order (on every page)
    selected_total: Decimal
    areas: list[Slice]
    regions: list[Slice]
    gender: Slice | None
    custom: bool  # the user chose the selection

    @property
    def candidates(self) -> list[Candidate]:
        """The page of proposals shown."""
        return list(self.listing.page.items)

    @property
    def hidden_selection(self) -> list[int]:
        """The selected proposals not on the page shown: the form keeps them selected (hidden fields)."""
        shown = {c.proposal.id for c in self.candidates}
        return [pid for pid in self.chosen if pid not in shown]

    @property
    def over_budget(self) -> bool:
        return self.selected_total > self.available

    @property
    def remaining(self) -> Decimal:
        return self.available - self.selected_total


def fundability_in_order(
    fund: Fund, ids: Sequence[int], available: Available, among: sa.ColumnElement[bool] | None = None
) -> dict[int, tuple[Decimal, bool]]:
    """Each proposal's funding gap and whether the money available funds it, taking them all in the given order
    (`fits_in_order`); by id, in that order. Plain rows: every proposal's gap and areas are read (by the condition
    `among` when given, `needs_of`), none is loaded."""
    return in_order(ids, needs_of(fund, ids, among), available)


def in_order(
    ids: Sequence[int], needs: Mapping[int, tuple[Decimal, Any]], available: Available
) -> dict[int, tuple[Decimal, bool]]:
    """`fundability_in_order` of needs read already (`needs_of`)."""
    fits = fits_in_order(available, (needs[pid] for pid in ids))
    return {pid: (needs[pid][0], f) for pid, f in zip(ids, fits, strict=True)}


def candidates_of(
    fund: Fund, rows: Sequence[Any], fundability: dict[int, tuple[Decimal, bool]], selected: Collection[int] = ()
) -> list[Candidate]:
    """Rows of a list in ranking order (`ranked.in_ranking_order`) as candidates: the proposals loaded, their scores
    if the user may see them, gaps, fundability and whether they are `selected`."""
    return [
        Candidate(p, score, *fundability[p.id], selected=p.id in selected) for p, score in ranked.load_page(fund, rows)
    ]


def pipeline_spec(query: sa.Select, name: str = "pipeline") -> ListSpec:
    """A list of a query of `ranked.in_ranking_order` in ranking order (the ranked proposals, then the others by
    reference), paged; in that order only (what the money funds is taken in it)."""
    rank = Column("rank", _l("Rank"), ranked.order(query), reversible=False)
    return ListSpec(name, (rank,), "rank", (query.selected_columns.id,))


def pipeline_listing(
    fund: Fund,
    name: str,
    query: sa.Select,
    rows: Sequence[Any],
    fundability: Any,
    args: Mapping[str, Any],
    selected: Collection[int] = (),
) -> Listing:
    """The page of rows in ranking order the query string (`args`) asks for, as candidates."""
    spec = pipeline_spec(query, name)
    load = partial(candidates_of, fund, fundability=fundability, selected=selected)
    return Listing(spec, spec.read(args), query, fund, whole=rows, load=load)


def build_portfolio(
    user: Any, fund: Fund, selected_ids: set[int] | None = None, args: Mapping[str, Any] | None = None
) -> Portfolio:
    """The portfolio with the default selection, or with the proposals the user ticked (writes nothing); the
    proposals one page at a time (the page the query string `args` asks for)."""
    available = money_available(fund)
    _table, query = ranked.in_ranking_order(user, fund, PIPELINE_STATES)
    rows = ranked.rows_in_order(query)
    among = sa.and_(Proposal.fund_id == fund.id, Proposal.state.in_(PIPELINE_STATES))  # every row's proposal
    ids = [row.id for row in rows]
    needs, shares = needs_and_shares(fund, ids, among)  # the shares read once, for the fundability and the selection
    fundability = in_order(ids, needs, available)
    if selected_ids is None:
        chosen = [pid for pid, (_gap, fits) in fundability.items() if fits]
    else:
        chosen = [pid for pid in fundability if pid in selected_ids]
    marker = target_marker(fund)
    funded = funded_amounts(fund, marker)
    adding = selected_amounts(fund, marker, {pid: fundability[pid][0] for pid in chosen}, shares, among)
    return Portfolio(
        available=available.available,
        listing=pipeline_listing(fund, "portfolio", query, rows, fundability, args or {}, set(chosen)),
        chosen=chosen,
        selected_total=sum((fundability[pid][0] for pid in chosen), ZERO),
        areas=area_slices(fund, funded, adding),
        regions=region_slices(fund, funded, adding),
        gender=gender_slice(fund, marker, funded, adding),
        custom=selected_ids is not None,
    )


@dataclass(frozen=True)
class Placed:
    """Money of a proposal (its part in one thematic area) with the area, UN M49 region and gender-marker level."""

    area_code: str
    region_code: str  # the UN M49 region; "" for global programmes
    gender_level: int | None
    amount: Decimal


def rated_on(marker: Marker | None) -> sa.ColumnElement[bool]:
    return sa.and_(ProposalMarker.proposal_id == Proposal.id, ProposalMarker.marker_id == (marker and marker.id))


@dataclass(frozen=True)
class Funded:
    """What the fund allocated (net of releases) per thematic area code, per UN M49 region ("": global or several
    regions) and per level of the target marker (None: not rated): the finance dashboard's figures."""

    areas: list[tuple[str, Decimal]]
    regions: list[tuple[str, Decimal]]
    levels: list[tuple[int | None, Decimal]]


def funded_amounts(fund: Fund, marker: Marker | None) -> Funded:
    """The funded portfolio, read from the totals the ledger keeps per area, place and marker level (a few rows,
    however many allocations the fund has made)."""
    codes = {area.id: area.code for area in fund.thematic_areas}
    return Funded(
        areas=[(codes.get(area_id or 0, ""), amount) for area_id, amount in allocated_by_area(fund).items()],
        regions=list(allocated_by_region(fund).items()),
        levels=list(allocated_by_marker_level(fund, marker).items()) if marker is not None else [],
    )


def selected_amounts(
    fund: Fund,
    marker: Marker | None,
    gaps: dict[int, Decimal],
    shares: Mapping[int, AreaShares],
    among: sa.ColumnElement[bool],
) -> list[Placed]:
    """The selected proposals' funding gaps with their areas (`shares`: by proposal id, read with their needs), place
    and gender-marker level; `among`: a condition on Proposal they all meet, by which their rows are read (no list of
    their ids to send: its parameters cost more than the rows to read)."""
    if not gaps:
        return []
    # the level looked up per proposal (a subquery on the marker's unique index): as an outer join, PostgreSQL read
    # every proposal's markers to hash them (10 ms at a large fund's scale, against 2)
    level = sa.select(ProposalMarker.level).where(rated_on(marker)).scalar_subquery()
    rows = db.session.execute(
        sa.select(Proposal.id, Country.region_code, Proposal.region_code, level)
        .outerjoin(Country, Country.id == Proposal.country_id)
        .where(among)
    )
    return placed(
        fund, [(pid, country, region, level, gaps[pid]) for pid, country, region, level in rows if pid in gaps], shares
    )


def placed(
    fund: Fund,
    rows: Iterable[tuple[int, str | None, str | None, int | None, Decimal]],
    shares: Mapping[int, AreaShares],
) -> list[Placed]:
    """Each proposal's money split over its thematic areas' shares (by proposal id), with the UN M49 region of its
    country (or multi-country region)."""
    rows = list(rows)
    parents = region_parents()
    codes = {area.id: area.code for area in fund.thematic_areas}
    regions: dict[str | None, str] = {}
    result = []
    for pid, country_region, region, level, amount in rows:
        code = country_region or region
        if code not in regions:
            regions[code] = top_region(code, parents) or ""
        for area_id, part in split_by_area(amount, shares[pid]):
            result.append(Placed(codes.get(area_id or 0, ""), regions[code], level, part))
    return result


def slices(
    keys: Iterable[tuple[str, str, Decimal | None]],
    funded: Iterable[tuple[str, Decimal]],
    adding: Iterable[tuple[str, Decimal]],
) -> list[Slice]:
    """Group the funded amounts, and the funded plus the selected ones, by key; shares of each total."""
    result = {key: Slice(key, label, target) for key, label, target in keys}

    def slice_of(key: str) -> Slice:
        if key not in result:
            result[key] = Slice(key, territory_name(key) if key else _("Global or several regions"), None)
        return result[key]

    for key, amount in funded:
        slice_of(key).funded += amount
        slice_of(key).after += amount
    for key, amount in adding:
        slice_of(key).after += amount
    funded_total = sum((s.funded for s in result.values()), ZERO)
    after_total = sum((s.after for s in result.values()), ZERO)
    for s in result.values():
        s.funded_share = s.funded / funded_total if funded_total else None
        s.after_share = s.after / after_total if after_total else None
    return list(result.values())


def area_slices(fund: Fund, funded: Funded, adding: list[Placed]) -> list[Slice]:
    keys = [(a.code, f"{a.number}. {a.label}", fund.target_share("thematic_area_share", a.code))
            for a in fund.thematic_areas if not a.retired]  # fmt: skip
    return slices(keys, funded.areas, [(p.area_code, p.amount) for p in adding])


def region_slices(fund: Fund, funded: Funded, adding: list[Placed]) -> list[Slice]:
    targets = (fund.targets or {}).get("region_share", {})
    keys = [(code, territory_name(code), fund.target_share("region_share", code)) for code in targets]
    return slices(keys, funded.regions, [(p.region_code, p.amount) for p in adding])


def gender_slice(fund: Fund, marker: Marker | None, funded: Funded, adding: list[Placed]) -> Slice | None:
    """The share of the money at or above the fund's gender-marker level, now and after the selection."""
    spec = fund.marker_share or {}
    min_level = spec.get("min_level")
    if marker is None or min_level is None:
        return None
    target = spec.get("share")
    result = Slice(
        "gender",
        _("%(marker)s at level %(level)d or above", marker=marker.label, level=min_level),
        Decimal(target) if target is not None else None,
    )

    def share(amounts: list[tuple[int | None, Decimal]]) -> tuple[Decimal, Decimal | None]:
        total = sum((amount for _level, amount in amounts), ZERO)
        at_level = sum((amount for level, amount in amounts if (level or 0) >= min_level), ZERO)
        return at_level, (at_level / total if total else None)

    result.funded, result.funded_share = share(funded.levels)
    result.after, result.after_share = share(funded.levels + [(p.gender_level, p.amount) for p in adding])
    return result
