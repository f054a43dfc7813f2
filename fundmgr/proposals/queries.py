"""Read-side queries: which proposals a user may see, filtered, searched and sorted for lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.db import apportion, db
from fundmgr.funds.models import Country, Fund, Marker, ThematicArea
from fundmgr.funds.rights import holding, is_fund_manager, is_sc_member, is_technical_reviewer
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


SORTS = {
    "updated": (Proposal.updated_at.desc(), Proposal.id.desc()),
    "reference": (Proposal.reference.asc(),),
    "title": (Proposal.title.asc(), Proposal.id.asc()),
    "total-desc": (Proposal.total_amount.desc(), Proposal.id.asc()),
    "total-asc": (Proposal.total_amount.asc(), Proposal.id.asc()),
    "submitted": (Proposal.submitted_at.desc().nulls_last(), Proposal.id.desc()),
}


@dataclass
class ProposalFilters:
    """What a list of proposals is narrowed to; every field optional."""

    status: str = ""
    area: str = ""
    region: str = ""
    country: str = ""
    organization: str = ""
    marker: str = ""  # "<marker code>:<minimum level>"
    q: str = ""
    sort: str = "updated"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ProposalFilters:
        """Read the filters from a query string; unknown values are ignored, not errors."""
        filters = cls(**{name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__})
        if filters.status not in {s.value for s in ProposalState}:
            filters.status = ""
        if filters.sort not in SORTS:
            filters.sort = "updated"
        return filters

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for page links and exports)."""
        defaults = ProposalFilters()
        return {name: value for name, value in vars(self).items() if value != getattr(defaults, name)}

    @property
    def active(self) -> bool:
        return any(value for name, value in vars(self).items() if name != "sort")


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


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_filters(query: sa.Select, fund: Fund, filters: ProposalFilters) -> sa.Select:
    """Narrow a proposals query by status, area, place, organization, marker and words in title or summary."""
    if filters.status:
        query = query.where(Proposal.state == ProposalState(filters.status))
    if filters.area:
        query = query.where(
            Proposal.primary_area_id.in_(
                sa.select(ThematicArea.id).where(ThematicArea.fund_id == fund.id, ThematicArea.code == filters.area)
            )
        )
    if filters.region:
        query = query.where(sa.or_(Proposal.region_code == filters.region, has_country(in_region(filters.region))))
    if filters.country:
        query = query.where(has_country(Country.iso3 == filters.country))
    if filters.organization:
        query = query.where(
            sa.exists(
                sa.select(Participant.id)
                .join(Organization, Organization.id == Participant.organization_id)
                .where(Participant.proposal_id == Proposal.id, Organization.code == filters.organization)
            )
        )
    if filters.marker:
        query = query.where(marker_condition(fund, filters.marker))
    if filters.q:
        pattern = like_pattern(filters.q)
        query = query.where(
            sa.or_(
                Proposal.title.ilike(pattern, escape="\\"),
                Proposal.summary.ilike(pattern, escape="\\"),
                Proposal.reference.ilike(pattern, escape="\\"),
            )
        )
    return query


def marker_condition(fund: Fund, value: str) -> sa.ColumnElement[bool]:
    """Rated at least the given level on the given marker ("gender:2")."""
    code, _sep, level = value.partition(":")
    if not level.isdigit():
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


def list_query(user: Any, fund: Fund, filters: ProposalFilters) -> sa.Select:
    """The proposals a list or an export shows, sorted, with what its rows display eager-loaded."""
    query = apply_filters(visible_proposals(user, fund), fund, filters)
    return query.order_by(*SORTS[filters.sort]).options(
        so.joinedload(Proposal.lead_organization),
        so.joinedload(Proposal.country),
        so.joinedload(Proposal.primary_area),
        so.selectinload(Proposal.area_rows),
        so.selectinload(Proposal.participants),
        so.selectinload(Proposal.countries),
        so.selectinload(Proposal.markers),
    )


def count_by_state(user: Any, fund: Fund, states: frozenset[ProposalState]) -> dict[ProposalState, int]:
    """How many of the proposals the user may see are in each of the states (for the home page)."""
    visible = visible_proposals(user, fund).where(Proposal.state.in_(states)).subquery()
    rows = db.session.execute(sa.select(visible.c.state, sa.func.count()).group_by(visible.c.state))
    return dict(rows.tuples().all())


# --- Thematic areas with shares --------------------------------------------------------------------------

AreaShares = list[tuple[int | None, Decimal]]


def area_shares_of(proposal_ids: Iterable[int]) -> dict[int, AreaShares]:
    """Each proposal's thematic area ids with their shares in percent, the primary first, in two queries
    (`Proposal.area_shares` for many): wholly its primary area (None: no area) when no share was given."""
    ids = list(set(proposal_ids))
    if not ids:
        return {}
    primary = dict(
        db.session.execute(sa.select(Proposal.id, Proposal.primary_area_id).where(Proposal.id.in_(ids))).tuples().all()
    )
    rows = (
        db.session.execute(
            sa.select(ProposalArea.proposal_id, ProposalArea.area_id, ProposalArea.share, ThematicArea.number)
            .join(ThematicArea, ThematicArea.id == ProposalArea.area_id)
            .where(ProposalArea.proposal_id.in_(ids))
        )
        .tuples()
        .all()
    )
    given: dict[int, list[tuple[bool, int, int, Decimal]]] = {}
    for pid, area_id, share, number in rows:
        given.setdefault(pid, []).append((area_id != primary.get(pid), number, area_id, share))
    return {
        pid: [(area_id, share) for _p, _n, area_id, share in sorted(given[pid])]
        if pid in given
        else [(primary.get(pid), HUNDRED)]
        for pid in ids
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
