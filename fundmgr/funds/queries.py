"""Read-side helpers for funds and reference data."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context, session

from fundmgr.accounts.models import Organization, OrganizationKind
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund, Region, RegionLevel, ThematicArea, fund_own_organizations


def all_funds() -> list[Fund]:
    return list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))


def current_fund() -> Fund | None:
    """The fund the user works in: the one chosen in the session, else the first one loaded."""
    if has_request_context() and "current_fund" in g:
        return g.current_fund
    fund = None
    code = session.get("fund") if has_request_context() else None
    if code:
        fund = db.session.scalar(sa.select(Fund).where(Fund.code == code))
    if fund is None:
        fund = db.session.scalar(sa.select(Fund).order_by(Fund.id).limit(1))
    if has_request_context():
        g.current_fund = fund
    return fund


def active_areas(fund: Fund) -> list[ThematicArea]:
    """The fund's thematic areas with their objectives, loaded in one go."""
    return list(
        db.session.scalars(
            sa.select(ThematicArea)
            .where(ThematicArea.fund_id == fund.id, ThematicArea.retired.is_(False))
            .options(so.selectinload(ThematicArea.objectives))
            .order_by(ThematicArea.number)
        )
    )


def active(items: list) -> list:
    """Drop retired items from a fund's list."""
    return [item for item in items if not item.retired]


def organizations(fund: Fund, kind: OrganizationKind | None = None) -> list[Organization]:
    """The organizations shown with a fund: the shared ones and its own, never another fund's own."""
    others_own = sa.select(fund_own_organizations.c.organization_id).where(fund_own_organizations.c.fund_id != fund.id)
    own = sa.select(fund_own_organizations.c.organization_id).where(fund_own_organizations.c.fund_id == fund.id)
    query = (
        sa.select(Organization)
        .where(sa.or_(Organization.id.not_in(others_own), Organization.id.in_(own)))
        .order_by(Organization.code)
    )
    if kind is not None:
        query = query.where(Organization.kind == kind)
    return list(db.session.scalars(query))


def regions(level: RegionLevel | None = None) -> list[Region]:
    query = sa.select(Region).order_by(Region.code)
    if level is not None:
        query = query.where(Region.level == level)
    return sorted(db.session.scalars(query), key=lambda r: r.label)


def countries(region_code: str | None = None) -> list[Country]:
    """Countries, optionally of one region at any level, sorted by name in the user's language."""
    query = sa.select(Country)
    if region_code:
        query = query.where(
            sa.or_(
                Country.region_code == region_code,
                Country.subregion_code == region_code,
                Country.intermediate_code == region_code,
            )
        )
    return sorted(db.session.scalars(query), key=lambda c: c.label)
