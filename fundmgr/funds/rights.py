"""Who holds which role on a fund, and the checks operations make with it: every rights question asks here.

Each question names the fund. People hold their role per fund (`FundRole`, the `fund_roles` table);
administrators hold theirs on the whole installation (`User.is_admin`). The system (the command line,
scheduled jobs) acts with actor None.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.errors import NotAllowed
from fundmgr.funds.models import Fund, FundRole
from fundmgr.i18n import current_language

# The people who manage a fund's data: its Fund Management Unit and the administrators.
FUND_MANAGERS = (Role.fmu, Role.admin)

# Who works with the fund's Steering Committee: its members, and the managers who run its secretariat.
COMMITTEE_ROLES = (*FUND_MANAGERS, Role.sc_member)

# Who holds a role, as a refusal names them ("Only the Fund Management Unit or administrators may do this.");
# agency staff are named with the fund's own term for its organizations (see `holders`).
HOLDERS = {
    Role.fmu: _l("the Fund Management Unit"),
    Role.admin: _l("administrators"),
    Role.sc_member: _l("members of the Steering Committee"),
    Role.viewer: _l("viewers"),
    Role.technical_reviewer: _l("technical reviewers"),
}


def role_on(user: Any, fund: Fund | None) -> Role | None:
    """The role the user holds on the fund; None for a visitor who has not signed in, the system, or no fund."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_admin:
        return Role.admin
    if fund is None:
        return None
    return next((held.role for held in user.fund_roles if held.fund_id == fund.id), None)


def has_role(user: Any, fund: Fund, *roles: Role) -> bool:
    """Whether the user holds one of the roles on the fund."""
    return role_on(user, fund) in roles


def holding(fund: Fund, *roles: Role) -> sa.ColumnElement[bool]:
    """SQL on users: those who hold one of the roles on the fund (`has_role` for every user at once)."""
    on_fund = User.id.in_(sa.select(FundRole.user_id).where(FundRole.fund_id == fund.id, FundRole.role.in_(roles)))
    return sa.or_(User.role == Role.admin, on_fund) if Role.admin in roles else on_fund


def holders_among(users: list[Any], fund: Fund, *roles: Role) -> set[int]:
    """The ids of those of the users who hold one of the roles on the fund, in one query (`has_role` for many)."""
    ids = [user.id for user in users]
    if not ids:
        return set()
    query = sa.select(User.id).where(User.id.in_(ids), holding(fund, *roles))
    return set(db.session.scalars(query))


def roles_held(user: Any) -> set[Role]:
    """Every role the user holds, on any fund (what concerns the person rather than one fund: their preferences)."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_admin:
        return {Role.admin}
    return {held.role for held in user.fund_roles}


def holds_any_role(user: Any, fund: Fund) -> bool:
    """Whether the user holds some role on the fund (administrators hold one on every fund)."""
    return role_on(user, fund) is not None


def funds_of(user: Any, funds: list[Fund]) -> list[Fund]:
    """Of the funds, those the user holds a role on (administrators: all of them)."""
    return [fund for fund in funds if holds_any_role(user, fund)]


def is_fund_manager(user: Any, fund: Fund) -> bool:
    """An officer of the fund's Fund Management Unit, or an administrator."""
    return has_role(user, fund, *FUND_MANAGERS)


def is_fmu(user: Any, fund: Fund) -> bool:
    """An officer of the fund's Fund Management Unit (administrators are not)."""
    return has_role(user, fund, Role.fmu)


def is_sc_member(user: Any, fund: Fund) -> bool:
    """A member of the fund's Steering Committee."""
    return has_role(user, fund, Role.sc_member)


def is_technical_reviewer(user: Any, fund: Fund) -> bool:
    """An expert (of the Network's working groups) the FMU may invite to comment on the fund's proposals."""
    return has_role(user, fund, Role.technical_reviewer)


def works_with_committee(user: Any, fund: Fund) -> bool:
    """A member of the fund's Steering Committee, or one of its managers (the FMU is the committee's secretariat)."""
    return has_role(user, fund, *COMMITTEE_ROLES)


def is_agency_staff(user: Any, fund: Fund) -> bool:
    """Staff of an agency (a participating organization) working on the fund's proposals."""
    return has_role(user, fund, Role.agency)


def require_fund_manager(actor: Any, fund: Fund) -> None:
    """Refuse unless the actor is the FMU, an administrator, or the system."""
    require_role_or_system(actor, fund, *FUND_MANAGERS)


def require_role_or_system(actor: Any, fund: Fund, *roles: Role) -> None:
    """Refuse unless the actor is the system or a person holding one of the roles on the fund."""
    if actor is not None and not has_role(actor, fund, *roles):
        raise refusal(roles, fund)


def require_person_with_role(actor: Any, fund: Fund, *roles: Role) -> None:
    """Refuse unless a person holding one of the roles acts: for acts that name who did them, never the system's."""
    if actor is None or not has_role(actor, fund, *roles):
        raise refusal(roles, fund)


def holders(role: Role, fund: Fund) -> str:
    """Who holds a role on the fund, as a refusal names them."""
    if role is Role.agency:
        return _("staff of %(organizations)s", organizations=fund.participants_label)
    return str(HOLDERS[role])


def refusal(roles: tuple[Role, ...], fund: Fund) -> NotAllowed:
    """The refusal that names the roles that may act."""
    who = format_list([holders(role, fund) for role in roles], style="or", locale=current_language())
    return NotAllowed(_("Only %(who)s may do this.", who=who))
