"""Read-side queries: which proposals a user may see, filtered, searched and sorted for lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.db import apportion, db
from fundmgr.funds import queries as fq
from fundmgr.funds.models import Country, Fund, Marker, ThematicArea
from fundmgr.funds.rights import holding, is_fund_manager, is_sc_member, is_technical_reviewer
from fundmgr.lists import Column, Filter, ListSpec, ListState, scalar
from fundmgr.proposals.models import (
    HUNDRED,
    Participant,
    Proposal,
    ProposalArea,
    ProposalMarker,
    ProposalState,
    ReviewInvitation,
    proposal_countries,
)
from fundmgr.proposals.visibility import visible_to


def visible_proposals(user: Any, fund: Fund) -> sa.Select:
    """The proposals of the fund the user may know about, as a query others can refine."""
    return sa.select(Proposal).where(visible_to(user, fund))


def in_region(code: str) -> sa.ColumnElement[bool]:
    return sa.or_(Country.region_code == code, Country.subregion_code == code, Country.intermediate_code == code)


def has_country(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The proposal's country, or one of a multi-country programme's countries, meets the condition."""
    single = Proposal.country_id.in_(sa.select(Country.id).where(condition))
    multi = sa.exists(
        sa.select(proposal_countries.c.proposal_id)
        .join(Country, Country.id == proposal_countries.c.country_id)
        .where(proposal_countries.c.proposal_id == Proposal.id, condition)
    )
    return sa.or_(single, multi)


def in_area(query: sa.Select, code: str, fund: Fund) -> sa.Select:
    """The proposals whose primary area is the fund's area of this code (one at most: codes are unique per fund),
    compared as one value so that the index on the fund, area and last change reads a page of them in order."""
    area = sa.select(ThematicArea.id).where(ThematicArea.fund_id == fund.id, ThematicArea.code == code)
    return query.where(Proposal.primary_area_id == area.scalar_subquery())


def with_organization(query: sa.Select, code: str, _fund: Fund) -> sa.Select:
    return query.where(
        sa.exists(
            sa.select(Participant.id)
            .join(Organization, Organization.id == Participant.organization_id)
            .where(Participant.proposal_id == Proposal.id, Organization.code == code)
        )
    )


def marker_condition(fund: Fund, value: str) -> sa.ColumnElement[bool]:
    """Rated at least the given level on the given marker ("gender:2")."""
    code, _sep, level = value.partition(":")
    if not (level.isascii() and level.isdigit()) or len(level) > 3:
        return sa.true()
    return sa.exists(
        sa.select(ProposalMarker.id)
        .join(Marker, Marker.id == ProposalMarker.marker_id)
        .where(
            ProposalMarker.proposal_id == Proposal.id,
            Marker.fund_id == fund.id,
            Marker.code == code,
            ProposalMarker.level >= int(level),
        )
    )


def filter_choices(fund: Fund) -> dict[str, list[tuple[str, str]]]:
    """The options of each filter of the list, built once per fund definition and language (its lists and the M49
    geography change only when its definition is loaded again; the organizations' names may change sooner)."""
    return fq.per_definition("proposal filters", fund, build_filter_choices, shared_names=True)


def build_filter_choices(fund: Fund) -> dict[str, list[tuple[str, str]]]:
    markers = fq.active(fund.markers)
    return {
        "status": [(s.value, s.title) for s in ProposalState],
        "area": [(a.code, f"{a.number}. {a.label}") for a in fq.active(fund.thematic_areas)],
        "region": [(r.code, r.label) for r in fq.regions()],
        "country": [(c.iso3, c.label) for c in fq.countries()],
        "organization": [(o.code, o.label) for o in fund.participating_organizations],
        "marker": [
            (f"{m.code}:{level}", _("%(marker)s: %(level)d or above", marker=m.label, level=level))
            for m in markers
            for level in m.values
            if level > 0
        ],
    }


def choices_of(name: str) -> Any:
    return lambda fund: filter_choices(fund)[name]


def state_order() -> tuple[Any, ...]:
    """The states in the order of the programme cycle (the enum's), not the alphabet's."""
    return (sa.case(*[(Proposal.state == state, n) for n, state in enumerate(ProposalState)], else_=99),)


# The list of proposals (the page, its export, the API's filters): what it shows, sorts, searches and filters by.
PROPOSALS = ListSpec(
    name="proposals",
    columns=(
        Column("reference", _l("Reference"), (Proposal.reference,), lambda p: p.reference),
        Column("title", _l("Title"), (Proposal.title,), lambda p: p.title),
        Column("organizations", _l("Organizations"),
               scalar(Organization.code, Organization.id, Proposal.lead_organization_id)),
        Column("place", _l("Country or region"),
               lambda: (Proposal.region_code, *scalar(Country.iso3, Country.id, Proposal.country_id)())),
        Column("area", _l("Thematic area"), scalar(ThematicArea.number, ThematicArea.id, Proposal.primary_area_id)),
        Column("status", _l("Status"), state_order),
        Column("total", _l("Total"), (Proposal.total_amount,), first="desc", css="money"),
        Column("updated", _l("Last changed"), (Proposal.updated_at,), first="desc"),
        Column("submitted", _l("Last submitted"), (Proposal.submitted_at,), first="desc", shown=False),
    ),
    default_sort="updated",
    tiebreak=(Proposal.id,),
    search=(Proposal.title, Proposal.summary, Proposal.reference),
    search_label=_l("Words in the title, summary or reference"),
    filters=(
        Filter("status", _l("Status"), lambda q, v, _f: q.where(Proposal.state == ProposalState(v)),
               choices_of("status"), valid=lambda v: v in ProposalState._value2member_map_, aliases=("state",)),
        Filter("area", _l("Thematic area"), in_area, choices_of("area")),
        Filter("region", _l("Region"), lambda q, v, _f: q.where(
            sa.or_(Proposal.region_code == v, has_country(in_region(v)))), choices_of("region")),
        Filter("country", _l("Country"), lambda q, v, _f: q.where(has_country(Country.iso3 == v)),
               choices_of("country")),
        Filter("organization", _l("Organization"), with_organization, choices_of("organization")),
        Filter("marker", _l("Marker"), lambda q, v, fund: q.where(marker_condition(fund, v)), choices_of("marker")),
    ),
    sort_aliases={"total-desc": ("total", "desc"), "total-asc": ("total", "asc")},
)  # fmt: skip


def apply_filters(query: sa.Select, fund: Fund, state: ListState) -> sa.Select:
    """Narrow a proposals query by the list's filters and search (no order: the API pages by id)."""
    return PROPOSALS.narrow(query, state, fund)


def list_query(user: Any, fund: Fund, state: ListState) -> sa.Select:
    """The proposals a list or an export shows, sorted, with what its rows display eager-loaded."""
    return PROPOSALS.query(visible_proposals(user, fund), state, fund).options(*export_loads())


def row_loads() -> tuple[Any, ...]:
    """What a row of the list shows, eager-loaded (a page costs the same queries however many rows it has)."""
    return (
        so.joinedload(Proposal.country),
        so.joinedload(Proposal.primary_area),
        so.selectinload(Proposal.participants),
        so.selectinload(Proposal.countries),
    )


def export_loads() -> tuple[Any, ...]:
    """What a row of the export shows besides the list's: the lead, the areas' shares and the marker ratings (the
    page shows none of them: it does not read them)."""
    return (
        *row_loads(),
        so.joinedload(Proposal.lead_organization),
        so.selectinload(Proposal.area_rows),
        so.selectinload(Proposal.markers),
    )


def count_by_state(user: Any, fund: Fund, states: frozenset[ProposalState]) -> dict[ProposalState, int]:
    """How many of the proposals the user may see are in each of the states (for the home page)."""
    visible = visible_proposals(user, fund).where(Proposal.state.in_(states)).subquery()
    rows = db.session.execute(sa.select(visible.c.state, sa.func.count()).group_by(visible.c.state))
    return dict(rows.tuples().all())


# --- Thematic areas with shares --------------------------------------------------------------------------

AreaShares = list[tuple[int | None, Decimal]]


def area_shares_of(proposal_ids: Iterable[int], connection: sa.Connection | None = None) -> dict[int, AreaShares]:
    """Each proposal's thematic area ids with their shares in percent, the primary first, in two queries
    (`Proposal.area_shares` for many): wholly its primary area (None: no area) when no share was given. `connection`:
    read on it rather than through the session (inside a flush, as the ledger's kept totals do)."""
    ids = list(set(proposal_ids))
    if not ids:
        return {}
    execute = connection.execute if connection is not None else db.session.execute
    found = execute(sa.select(Proposal.id, Proposal.primary_area_id).where(Proposal.id.in_(ids))).tuples().all()
    primary: dict[int, int | None] = dict.fromkeys(ids)
    primary.update(found)
    return in_share_order(primary, execute(shares_query(ProposalArea.proposal_id.in_(ids))))


def area_shares_among(primary: Mapping[int, int | None], among: sa.ColumnElement[bool]) -> dict[int, AreaShares]:
    """`area_shares_of` the proposals a condition on Proposal selects (many: no list of their ids to send), whose
    primary areas the caller has read with the same condition: one query."""
    rows = db.session.execute(shares_query(among).join(Proposal, Proposal.id == ProposalArea.proposal_id))
    return in_share_order(primary, rows)


def shares_query(*conditions: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(ProposalArea.proposal_id, ProposalArea.area_id, ProposalArea.share, ThematicArea.number)
        .join(ThematicArea, ThematicArea.id == ProposalArea.area_id)
        .where(*conditions)
    )


def in_share_order(primary: Mapping[int, int | None], rows: Iterable[Any]) -> dict[int, AreaShares]:
    """The proposals' (`primary`: their primary area by id) given shares in order, the primary first, then by area
    number; wholly the primary area when none was given."""
    given: dict[int, list[tuple[bool, int, int, Decimal]]] = {}
    for pid, area_id, share, number in rows:
        given.setdefault(pid, []).append((area_id != primary.get(pid), number, area_id, share))
    return {
        pid: [(area_id, share) for _p, _n, area_id, share in sorted(given[pid])] if pid in given else [(area, HUNDRED)]
        for pid, area in primary.items()
    }


def split_by_area(amount: Decimal, shares: AreaShares) -> AreaShares:
    """An amount of one proposal split over its areas' shares to the cent, the parts adding up exactly (`apportion`)."""
    return list(
        zip([area for area, _share in shares], apportion(amount, [share for _area, share in shares]), strict=True)
    )


# --- Technical review ------------------------------------------------------------------------------------


def may_read_technical_review(user: Any, proposal: Proposal) -> bool:
    """The technical reviewers' comments go to the FMU (and administrators), to Steering Committee members who read
    the proposal, and to each invited reviewer (their own)."""
    fund = proposal.fund
    if is_fund_manager(user, fund):
        return True
    if is_sc_member(user, fund) or is_technical_reviewer(user, fund):
        return proposal.can_see_content(user)
    return False


def technical_review_of(proposal: Proposal, user: Any) -> list[ReviewInvitation]:
    """The invitations of the proposal with their comments that the user may read (a reviewer: their own)."""
    if not may_read_technical_review(user, proposal):
        return []
    query = (
        sa.select(ReviewInvitation)
        .where(ReviewInvitation.proposal_id == proposal.id)
        .options(so.selectinload(ReviewInvitation.comments))
        .order_by(ReviewInvitation.invited_at, ReviewInvitation.id)
    )
    if is_technical_reviewer(user, proposal.fund):
        query = query.where(ReviewInvitation.reviewer_id == user.id)
    return list(db.session.scalars(query))


def reviewers_to_invite(proposal: Proposal) -> list[User]:
    """The fund's technical reviewers who may be invited: not invited yet (or withdrawn), without a conflict."""
    invited = sa.select(ReviewInvitation.reviewer_id).where(
        ReviewInvitation.proposal_id == proposal.id, ReviewInvitation.withdrawn_at.is_(None)
    )
    candidates = db.session.scalars(
        sa.select(User)
        .where(holding(proposal.fund, Role.technical_reviewer), User.id.not_in(invited))
        .order_by(User.name)
    )
    return [user for user in candidates if not proposal.is_recused(user)]
