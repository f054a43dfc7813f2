"""Read-side helpers for funds and reference data."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, has_request_context, session
from flask_login import current_user

from fundmgr.accounts.models import Organization, OrganizationKind, User
from fundmgr.db import db
from fundmgr.funds import rights
from fundmgr.funds.models import Country, Fund, Region, RegionLevel, ThematicArea, fund_own_organizations
from fundmgr.i18n import alphabetical, current_language

T = TypeVar("T")


def all_funds() -> list[Fund]:
    return list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))


def my_funds() -> list[Fund]:
    """The funds the signed-in person may work in: those they hold a role on (administrators: all)."""
    if not has_request_context():
        return rights.funds_of(current_user, all_funds())
    if "my_funds" not in g:  # the layout asks twice; the request reads them once
        g.my_funds = funds_held(current_user) if current_user.is_authenticated else []
    return list(g.my_funds)


def funds_held(user: User) -> list[Fund]:
    """The funds the user holds a role on (administrators: all), by id. A person's roles and their funds come with
    the signed-in user (`funds.models.roles_with_the_user`): only an administrator's funds are read here."""
    if user.is_admin:
        return all_funds()
    return sorted({held.fund.id: held.fund for held in user.fund_roles}.values(), key=lambda fund: fund.id)


def current_fund() -> Fund | None:
    """The fund the user works in: the one chosen in the session, else the first one they hold a role on, else
    the first one loaded (a visitor; a person holding no role anywhere, whom every page of the fund refuses)."""
    if has_request_context() and "current_fund" in g:
        return g.current_fund
    signed_in = has_request_context() and current_user.is_authenticated
    mine = my_funds() if signed_in else []
    funds = mine if mine else all_funds()  # no fund of one's own: the first one loaded
    if not signed_in:
        mine = funds
    code = session.get("fund") if has_request_context() else None
    fund = next((f for f in mine if f.code == code), None) or next(iter(mine), None) or next(iter(funds), None)
    if has_request_context():
        g.current_fund = fund
    return fund


# A fund's reference data (its lists: areas, objectives, principles, markers, budget categories) changes only when
# its definition is loaded again, which changes its definition_sha256: what is built from them, as plain data, is
# kept per process by (what, fund, definition, language). Every request reads the fund's row anyway, so a definition
# loaded by another process is seen at the next request.
PER_DEFINITION: dict[tuple[str, int, str, str], tuple[float, Any]] = {}

# What also names the organizations every fund shares is built again after at most this many seconds: `flask
# reference load` (or another fund's file) may correct a name without a new definition of this fund. The process
# that renames forgets at once (`organizations_renamed`); the others, which no statement tells, within a minute.
SHARED_NAMES_MAX_AGE = 60.0


def per_definition(what: str, fund: Fund, build: Callable[[Fund], T], *, shared_names: bool = False) -> T:
    """`build(fund)` (plain data, never ORM objects), built once per fund definition and language; with
    `shared_names` (it names organizations), also again once it is a minute old."""
    key = (what, fund.id, fund.definition_sha256, current_language())
    entry = PER_DEFINITION.get(key)
    if entry is None or (shared_names and monotonic() - entry[0] > SHARED_NAMES_MAX_AGE):
        entry = PER_DEFINITION[key] = (monotonic(), build(fund))
    return entry[1]


def organizations_renamed() -> None:
    """Forget, in this process, what was built with the organizations' former names."""
    PER_DEFINITION.clear()


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


def area_choices(fund: Fund) -> list[tuple[str, str]]:
    """The fund's thematic areas as a list filter's options: (id, "1. Label"), built once per definition."""
    return per_definition("area choices", fund, build_area_choices)


def build_area_choices(fund: Fund) -> list[tuple[str, str]]:
    return [(str(a.id), f"{a.number}. {a.label}") for a in active_areas(fund)]


class AreaLabel(NamedTuple):
    number: int
    label: str


def area_labels(fund: Fund) -> dict[str, AreaLabel]:
    """The fund's active thematic areas by code, as an earmark names them (number, name), built once per definition."""
    return per_definition("area labels", fund, build_area_labels)


def build_area_labels(fund: Fund) -> dict[str, AreaLabel]:
    return {a.code: AreaLabel(a.number, a.label) for a in active_areas(fund)}


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
    return sorted(db.session.scalars(query), key=lambda r: alphabetical(r.label))


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
    return sorted(db.session.scalars(query), key=lambda c: alphabetical(c.label))
