"""Who may open which steering page: 404 for what a user may not know exists, 403 for what they may not use."""

from __future__ import annotations

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.seats import chair_term
from fundmgr.steering import operations as ops
from fundmgr.steering.models import MeetingMode
from tests.factories import sign_in
from tests.support import TODAY

pytestmark = pytest.mark.split  # who may open what does not depend on the engine: each case runs on one database

ROLES = ["anonymous", "agency_member", "agency_other", "sc_member", "sc_conflicted", "fmu", "viewer", "admin"]


@pytest.fixture
def world(fund, make_user, make_proposal, committee, in_review, assign):
    """An IOM-UNHCR proposal in review, assigned, on a meeting's agenda; a user of every kind."""
    proposal = in_review(lead="IOM", partners=("UNHCR",))
    assign(proposal)
    meeting = ops.schedule_meeting(fund, ops.MeetingData("SC", TODAY, MeetingMode.virtual), actor=committee.fmu)
    ops.add_agenda_items(meeting, [proposal], actor=committee.fmu)
    db.session.commit()
    users = {
        "anonymous": None,
        "agency_member": make_user(Role.agency, org="UNHCR"),
        "agency_other": make_user(Role.agency, org="WFP"),
        "sc_member": committee.germany,
        "sc_conflicted": committee.unhcr,  # UNHCR takes part: recused
        "fmu": committee.fmu,
        "viewer": make_user(Role.viewer, org="GOV-NLD"),
        "admin": make_user(Role.admin, org="IOM"),
    }
    return {"proposal": proposal, "meeting": meeting, "users": users, "committee": committee}


def answers(app, world, ask) -> dict[str, object]:
    """What each role gets: ask(client, user) with a client of the role's own, signed in as them (none: anonymous).
    The roles share one world: what they ask changes nothing another's answer depends on."""
    found = {}
    for role in ROLES:
        client, user = app.test_client(), world["users"][role]
        if user is not None:
            sign_in(client, user)
        found[role] = ask(client, user)
    return found


STEERING_ONLY = {"anonymous": 302, "agency_member": 403, "agency_other": 403, "sc_member": 200,
                 "sc_conflicted": 200, "fmu": 200, "viewer": 403, "admin": 200}  # fmt: skip
FMU_ONLY = STEERING_ONLY | {"sc_member": 403, "sc_conflicted": 403}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/steering/", STEERING_ONLY),
        ("/steering/ranking", STEERING_ONLY),
        ("/steering/portfolio", STEERING_ONLY),
        ("/steering/pipeline", STEERING_ONLY | {"viewer": 200}),
        ("/steering/criteria", FMU_ONLY),
        ("/steering/meetings", STEERING_ONLY),
        ("/steering/meetings/new", FMU_ONLY),
        ("/steering/written-procedures", STEERING_ONLY),
        ("/steering/written-procedures/new", FMU_ONLY),
        ("/steering/decisions", STEERING_ONLY),
    ],
)
def test_lists_per_role(app, world, path, expected):
    assert answers(app, world, lambda client, user: client.get(path).status_code) == expected


PROPOSAL_PAGE = {"anonymous": 302, "agency_member": 403, "agency_other": 404, "sc_member": 200, "sc_conflicted": 200,
                 "fmu": 200, "viewer": 404, "admin": 200}  # fmt: skip
REVIEW_PAGE = PROPOSAL_PAGE | {"sc_conflicted": 403, "fmu": 403, "admin": 403}


def test_proposal_pages_per_role(app, world):
    """An agency of another organization (and a viewer, before publication) gets 404; the proposal's own agency 403."""
    pid = world["proposal"].id
    found = answers(
        app,
        world,
        lambda client, user: (
            client.get(f"/steering/proposals/{pid}").status_code,
            client.get(f"/steering/proposals/{pid}/review").status_code,
        ),
    )
    assert found == {role: (PROPOSAL_PAGE[role], REVIEW_PAGE[role]) for role in ROLES}


@pytest.mark.parametrize("suffix", ["", "/board", "/board.json", "/pack.pdf", "/minutes.pdf"])
def test_meeting_pages_per_role(app, world, suffix):
    url = f"/steering/meetings/{world['meeting'].id}{suffix}"

    def ask(client, user) -> int:
        if suffix == "/pack.pdf":  # asked for (a job), then read on the job's page
            response = client.post(url)
            return 200 if response.status_code == 303 else response.status_code
        return client.get(url).status_code

    expected = dict(STEERING_ONLY)
    if suffix == "/minutes.pdf":  # the meeting has not started: no minutes yet
        expected = {role: 409 if status == 200 else status for role, status in expected.items()}
    assert answers(app, world, ask) == expected


@pytest.mark.parametrize("role", ["agency_member", "viewer", "sc_member"])
def test_posts_of_the_fmu_are_refused_to_others(client, world, role):
    """Assigning, scheduling, building the agenda, recording attendance: 403 for everyone but the FMU."""
    sign_in(client, world["users"][role])
    pid, mid = world["proposal"].id, world["meeting"].id
    assert client.post(f"/steering/proposals/{pid}/assign", data={}).status_code in (403, 404)
    assert client.post("/steering/meetings/new", data={"title": "x"}).status_code == 403
    assert client.post(f"/steering/meetings/{mid}/agenda", data={}).status_code == 403
    assert client.post(f"/steering/meetings/{mid}/attendance", data={}).status_code == 403
    assert client.post(f"/steering/meetings/{mid}/cancel", data={}).status_code == 403


def test_unknown_objects_are_404(client, world):
    sign_in(client, world["users"]["fmu"])
    meeting_id = world["meeting"].id
    paths = [
        "/steering/proposals/999999",
        "/steering/meetings/999999",
        "/steering/decisions/999999",
        "/steering/written-procedures/999999",
        f"/steering/meetings/{meeting_id}/items/999999/decision",
    ]
    for path in paths:
        assert client.get(path).status_code == 404
    assert client.post(f"/steering/meetings/{world['meeting'].id}/explode", data={}).status_code == 404


def test_the_chair_may_start_the_meeting_but_not_cancel_it(client, world, make_user):
    chair = world["committee"].chair
    assert chair_term(world["meeting"].fund).holder == chair  # she holds the chair's seat
    sign_in(client, chair)
    mid = world["meeting"].id
    assert client.post(f"/steering/meetings/{mid}/cancel").status_code == 403
    assert client.post(f"/steering/meetings/{mid}/start").status_code == 302
