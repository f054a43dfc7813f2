"""Who holds which role on a fund, and the three checks operations make with it (fundmgr.funds.rights)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fundmgr.accounts.models import AnonymousUser, Role, User
from fundmgr.db import db
from fundmgr.errors import NotAllowed
from fundmgr.funds.rights import (
    has_role,
    holding,
    is_fund_manager,
    require_fund_manager,
    require_person_with_role,
    require_role_or_system,
)

ONLY_FMU = "Only the Fund Management Unit may do this."


def refusal(check: Callable[[], None]) -> str | None:
    """The message of the check's refusal; None when it lets the actor act."""
    try:
        check()
    except NotAllowed as refused:
        return refused.message
    return None


@pytest.mark.parametrize("role", list(Role))
def test_the_fund_is_managed_by_its_fmu_the_administrators_and_the_system(fund, make_user, role):
    person = make_user(role)
    manages = role in (Role.fmu, Role.admin)
    assert is_fund_manager(person, fund) is manages
    expected = None if manages else "Only the Fund Management Unit or administrators may do this."
    assert refusal(lambda: require_fund_manager(person, fund)) == expected
    assert refusal(lambda: require_fund_manager(None, fund)) is None  # the command line, scheduled jobs
    assert not is_fund_manager(AnonymousUser(), fund)


@pytest.mark.parametrize("role", list(Role))
def test_where_only_some_roles_act_the_system_may_act_but_no_one_else(fund, make_user, role):
    person = make_user(role)
    assert refusal(lambda: require_role_or_system(None, fund, Role.fmu)) is None
    expected = None if role is Role.fmu else ONLY_FMU
    assert refusal(lambda: require_role_or_system(person, fund, Role.fmu)) == expected


def test_an_act_that_names_its_person_is_refused_to_the_system(fund, make_user):
    assert refusal(lambda: require_person_with_role(make_user(Role.fmu), fund, Role.fmu)) is None
    assert refusal(lambda: require_person_with_role(None, fund, Role.fmu)) == ONLY_FMU
    assert refusal(lambda: require_person_with_role(make_user(Role.admin), fund, Role.fmu)) == ONLY_FMU


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Only the Fund Management Unit, administrators, or members of the Steering Committee may do this."),
        ("fr", "Action réservée à : l'Unité de gestion du Fonds, les administrateurs ou les membres du Comité de "
               "pilotage."),
        ("es", "Acción reservada a: la Unidad de Gestión del Fondo, los administradores o los miembros del Comité "
               "Rector."),
    ],
)  # fmt: skip
def test_a_refusal_names_the_roles_that_may_act_in_the_readers_language(fund, make_user, language, message):
    viewer = make_user(Role.viewer)
    with force_locale(language):
        assert refusal(lambda: require_role_or_system(viewer, fund, Role.fmu, Role.admin, Role.sc_member)) == message


def test_the_role_holders_selected_in_sql_are_those_the_question_names(fund, make_user):
    people = {role: make_user(role) for role in Role}
    for roles in [(role,) for role in Role] + [(Role.fmu, Role.admin)]:
        selected = db.session.scalars(
            sa.select(User.id).where(holding(fund, *roles), User.id.in_([p.id for p in people.values()]))
        )
        assert set(selected) == {p.id for p in people.values() if has_role(p, fund, *roles)}, roles
