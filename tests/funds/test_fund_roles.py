"""Granting and ending a role on a fund: administrators only, one role per person and fund, audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from fundmgr.accounts.models import Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.funds import rights
from fundmgr.funds.operations import end_role, grant_role, load_fund_file
from fundmgr.i18n import LANGUAGES
from tests.factories import sign_in
from tests.support import SECOND_FUND_FILE


@pytest.fixture
def second_fund():
    fund, _changed, _added = load_fund_file(SECOND_FUND_FILE, actor=None)
    db.session.commit()
    return fund


def test_a_granted_role_holds_on_that_fund_only_and_is_audited(fund, second_fund, make_user):
    """Does a role granted on one fund give rights there, not on the other, with an entry by the administrator?"""
    admin, officer = make_user(Role.admin), make_user(Role.fmu)
    grant_role(officer, second_fund, Role.viewer, actor=admin)
    assert rights.role_on(officer, second_fund) is Role.viewer
    assert rights.is_fmu(officer, fund)
    assert not rights.is_fmu(officer, second_fund)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fund_role.granted"))
    assert (entry.actor_id, entry.fund_id, entry.after["role"]) == (admin.id, second_fund.id, "viewer")

    assert end_role(officer, fund, actor=admin) is Role.fmu
    assert rights.role_on(officer, fund) is None
    assert (
        db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fund_role.ended")).before["role"] == "fmu"
    )


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_grants_are_refused_with_every_problem_translated(fund, make_user, language):
    """Are a second role, an unknown role, an unknown person and the administrator's role refused in the language?"""
    admin, agency = make_user(Role.admin), make_user(Role.agency)
    with force_locale(language), pytest.raises(ValidationFailed) as refused:
        grant_role(agency, fund, "treasurer", actor=admin)
    assert len(refused.value.problems) == 2  # every problem at once: the unknown role, and the role already held
    for attempt in (
        lambda: grant_role(agency, fund, Role.viewer, actor=admin),
        lambda: grant_role(None, fund, Role.viewer, actor=admin),
        lambda: grant_role(make_user(Role.viewer, funds=[]), fund, Role.admin, actor=admin),
        lambda: end_role(make_user(Role.viewer, funds=[]), fund, actor=admin),
    ):
        with force_locale(language), pytest.raises(ValidationFailed) as refused:
            attempt()
        english = refused.value.problems
        with force_locale("en"), pytest.raises(ValidationFailed) as in_english:
            attempt()
        assert english != in_english.value.problems  # translated
    assert rights.role_on(agency, fund) is Role.agency


@pytest.mark.parametrize("actor_role", [Role.fmu, Role.sc_member, Role.agency, Role.viewer])
def test_only_administrators_grant_or_end_roles(fund, make_user, actor_role):
    """Is anyone but an administrator (or the system) refused, even the fund's own FMU?"""
    actor, newcomer = make_user(actor_role), make_user(Role.viewer, funds=[])
    with pytest.raises(NotAllowed):
        grant_role(newcomer, fund, Role.viewer, actor=actor)
    with pytest.raises(NotAllowed):
        end_role(actor, fund, actor=actor)
    grant_role(newcomer, fund, Role.viewer, actor=None)  # the system (command line, demo)
    assert rights.role_on(newcomer, fund) is Role.viewer


def test_the_people_page_grants_and_ends_roles(client, fund, make_user):
    """Can an administrator grant a role by e-mail on the People and roles page, be refused a second, and end it?"""
    admin, newcomer = make_user(Role.admin), make_user(Role.viewer, funds=[], email="new.person@example.org")
    sign_in(client, admin)
    form = {"email": "New.Person@example.org", "fund": fund.id, "role": "agency"}
    assert client.post("/fund/people", data=form).status_code == 302
    db.session.expire_all()
    assert rights.role_on(db.session.get(User, newcomer.id), fund) is Role.agency
    again = client.post("/fund/people", data=form | {"role": "viewer"})
    assert "already holds a role on this fund" in again.get_data(as_text=True)
    assert client.post(f"/fund/people/{newcomer.id}/{fund.id}/end", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert rights.role_on(db.session.get(User, newcomer.id), fund) is None


def test_create_user_names_the_fund_when_several_are_loaded(app, fund, second_fund):
    """Does `flask create-user` refuse to guess the fund among several, and grant the role on the one named?"""
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "officer@example.org", "--name", "Officer", "--role", "fmu",
            "--organization", "IOM", "--password", "long enough pass"]  # fmt: skip
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0
    assert "--fund" in refused.output
    assert db.session.scalar(sa.select(User).where(User.email == "officer@example.org")) is None
    done = runner.invoke(args=[*args, "--fund", "FSF"])
    assert done.exit_code == 0, done.output
    officer = db.session.scalar(sa.select(User).where(User.email == "officer@example.org"))
    assert rights.role_on(officer, second_fund) is Role.fmu
    assert rights.role_on(officer, fund) is None
