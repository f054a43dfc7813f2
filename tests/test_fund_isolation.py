"""Roles are held per fund: the people of a second fund reach nothing of the Migration MPTF's.

The access world (tests/access/world.py) fills the Migration MPTF. A second, small fund is loaded next to it
from its definition file (docs/examples/food-systems-fund.yaml); its FMU officer, a member of its Steering
Committee, and agency staff of IOM (the organization that leads every proposal of the world) hold their role
on it only. Every route of the URL map that names an object of the Migration MPTF refuses them (403 or 404)
and writes nothing; the pages of their own fund show none of the Migration MPTF's proposals; they cannot
switch to it; and the Migration MPTF's reminders and notices are not for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.funds import rights
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import load_fund_file
from fundmgr.jobs.models import Job
from tests.access import harness
from tests.access.harness import payload, recording_writes, response_text, url_of
from tests.access.routes import CASES, Case, none
from tests.access.world import CODES
from tests.factories import sign_in
from tests.support import SECOND_FUND_FILE, sampled_pairs

# The second fund's people: (role, organization, seat).
OUTSIDERS = {
    "fmu": (Role.fmu, "IOM", None),
    "sc_member": (Role.sc_member, "GOV-DEU", "MS-DONOR-"),
    "agency": (Role.agency, "IOM", None),  # IOM leads every proposal of the Migration MPTF's world
}
OBJECT_CASES = [case for case in CASES if case.params is not none and case.guessable]
PAGE_CASES = [case for case in CASES if case.params is none and case.method == "GET"]

app, world_state, world = harness.app, harness.world_state, harness.world


@dataclass
class Second:
    """The second fund and its people, built once per module next to the world (in the module's transaction)."""

    fund_id: int = 0
    users: dict[str, int] = field(default_factory=dict)


SECONDS: dict[int, Second] = {}  # per world (one per database)


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, app: Flask, world_state: harness.WorldState) -> Iterator[None]:
    """The access harness's savepoint per test, the second fund built once beside the world first."""

    def second_fund() -> None:
        if id(world_state) not in SECONDS:
            SECONDS[id(world_state)] = build_second(request.getfixturevalue("make_user"))
            db.session.commit()

    with harness.in_world(request, app, world_state, beside=second_fund):
        yield


def build_second(make_user) -> Second:
    fund, _changed, _added = load_fund_file(SECOND_FUND_FILE, actor=None)
    db.session.flush()
    users = {
        name: make_user(role, org=org, seat=seat, funds=[fund], name=f"Second {name}")
        for name, (role, org, seat) in OUTSIDERS.items()
    }
    return Second(fund.id, {name: user.id for name, user in users.items()})


@pytest.fixture
def second(world_state: harness.WorldState) -> Second:
    return SECONDS[id(world_state)]


def client_of(app: Flask, second: Second, name: str):
    client = app.test_client()
    sign_in(client, db.session.get(User, second.users[name]))
    return client


def titles_in(text: str) -> list[str]:
    """The code words of the Migration MPTF's proposals (in their titles) the text shows."""
    return [code for code in CODES.values() if code in text]


@pytest.mark.parametrize(("case", "name"), sampled_pairs(OBJECT_CASES, list(OUTSIDERS), lambda case: case.id))
def test_people_of_another_fund_are_refused_every_object_of_this_one(app, world, world_state, second, case: Case,
                                                                    name: str):  # fmt: skip
    """Does every route naming a Migration MPTF object refuse the second fund's people, writing nothing?"""
    params = case.params(world)
    data = payload(app, world, case)
    client = client_of(app, second, name)
    mark = harness.savepoint(world_state) if case.method == "POST" else None  # the tables as they were
    with recording_writes() as writes:
        response = client.open(url_of(case, world, params), method=case.method, data=data)
        body = response_text(response)
        response.close()
    db.session.expire_all()
    asked = set(db.session.scalars(sa.select(Job.fund_id).where(Job.asked_by_id == second.users[name])))
    assert response.status_code < 500, body[-2000:]
    if any(name.endswith("_id") for name in params):  # an object's id (a year, a format, a token are not)
        assert response.status_code in (403, 404), f"{case.id} as the second fund's {name}: {response.status_code}"
        assert not writes.statements, f"{case.id} as the second fund's {name} wrote: {writes.tables}"
    if mark is not None:
        changed = harness.tables_changed_since(mark, writes.tables) - {"user_sessions"}
        if changed == {"jobs"}:  # a document asked for where no object is named: of the person's own fund only
            assert asked == {second.fund_id}, f"{case.id} as the second fund's {name} asked for {asked}"
        else:
            assert changed == set(), f"{case.id} as the second fund's {name} changed {changed}"
    assert not titles_in(body), f"{case.id} showed the second fund's {name} a Migration MPTF proposal"


@pytest.mark.parametrize(("case", "name"), sampled_pairs(PAGE_CASES, list(OUTSIDERS), lambda case: case.id))
def test_the_pages_of_ones_own_fund_show_nothing_of_another(app, world, second, case: Case, name: str):
    """Do the second fund's lists, dashboards and exports show none of the Migration MPTF's proposals?"""
    response = client_of(app, second, name).get(url_of(case, world))
    body = response_text(response)
    assert response.status_code < 500, body[-2000:]
    assert not titles_in(body), f"{case.id} showed the second fund's {name} a Migration MPTF proposal"


@pytest.mark.parametrize("name", OUTSIDERS)
def test_one_cannot_switch_to_a_fund_one_holds_no_role_on(app, world, second, name: str):
    """Does the fund switcher offer only one's own fund, and refuse to move to another?"""
    client = client_of(app, second, name)
    client.post("/fund/switch", data={"fund": "MIG", "next": "/fund/"})
    page = client.get("/fund/").get_data(as_text=True)
    assert "Food Systems Fund" in page
    assert 'value="MIG"' not in page
    assert client.get("/proposals/").status_code == 200  # the second fund's list, empty of the world's


def test_the_migration_funds_notices_are_not_for_the_second_funds_people(world, second):
    """Are the second fund's people outside every SQL question about the Migration MPTF (who is told, reminded)?"""
    mig = db.session.scalar(sa.select(Fund).where(Fund.code == "MIG"))
    other = db.session.get(Fund, second.fund_id)
    every_role = tuple(Role)
    on_mig = set(db.session.scalars(sa.select(User.id).where(rights.holding(mig, *every_role))))
    on_other = set(db.session.scalars(sa.select(User.id).where(rights.holding(other, *every_role))))
    assert not on_mig & set(second.users.values())
    assert set(second.users.values()) <= on_other
    assert world.users["admin"] in on_mig & on_other  # administrators hold every fund
    assert world.users["fmu"] not in on_other


def test_a_person_with_no_role_on_the_fund_is_refused_its_pages(app, world, make_user):
    """Is a signed-in person holding no role anywhere refused the fund's pages, but not their own account?"""
    nobody = make_user(Role.viewer, org="GOV-NLD", funds=[])
    client = app.test_client()
    sign_in(client, nobody)
    assert client.get("/proposals/").status_code == 403
    assert client.get("/fund/").status_code == 403
    assert client.get("/account/").status_code == 200
