"""Who may see which proposals and programmes: the rule's Python predicate and its SQL clause agree.

On the whole access world (tests/access/world.py), for every person and every proposal, `may_see` answers
yes exactly for the proposals `visible_to` selects; the lists of programmes (results) and of
programmes' money (finance) show exactly the programmes whose page the person may open.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fundmgr.accounts.models import AnonymousUser, User
from fundmgr.db import db
from fundmgr.finance.views import visible_programmes
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.proposals.visibility import may_see, visible_to
from fundmgr.results import operations as results_ops
from fundmgr.results.models import Programme
from fundmgr.results.queries import programmes_query
from tests.access import harness
from tests.access.world import World

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world


def people(world: World) -> dict[str, Any]:
    """Everyone of the world, signed out included."""
    return {role: db.session.get(User, uid) if uid else AnonymousUser() for role, uid in world.users.items()}


def add_programme_its_creator_left(world: World, make_proposal) -> Proposal:
    """A funded programme started by UNDP's officer, whose organization then handed it to UNICEF and UNFPA."""
    creator = db.session.get(User, world.users["agency_other"])
    proposal = make_proposal(ProposalState.approved, lead="UNICEF", partners=("UNFPA",), creator=creator)
    results_ops.establish_programme(proposal, actor=None)
    db.session.commit()
    return proposal


def ids(query: sa.Select) -> set[int]:
    return set(db.session.scalars(query))


def test_the_predicate_and_the_clause_agree_for_every_person_and_proposal(world, fund, make_proposal):
    created = add_programme_its_creator_left(world, make_proposal)
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.fund_id == fund.id)).all()
    seen_by = {}
    for role, user in people(world).items():
        seen_by[role] = {p.id for p in proposals if may_see(user, p)}
        assert seen_by[role] == ids(sa.select(Proposal.id).where(visible_to(user, fund))), role
        assert seen_by[role] == {p.id for p in proposals if p.can_view(user)}, role
    # The world tells every branch of the rule apart (else agreeing would prove little).
    everything = {p.id for p in proposals}
    assert seen_by["fmu"] == seen_by["admin"] == everything
    assert seen_by["anonymous"] == set()
    assert created.id in seen_by["agency_other"]
    assert created.id not in seen_by["agency_lead"]
    assert set() < seen_by["viewer"] < seen_by["sc_member"] < everything
    assert seen_by["agency_lead"] != seen_by["agency_other"]


def test_lists_of_programmes_show_the_programmes_whose_pages_open(world, fund, make_proposal):
    created = add_programme_its_creator_left(world, make_proposal)
    programmes = db.session.scalars(sa.select(Programme)).all()
    funded = db.session.scalars(sa.select(Proposal).where(Proposal.state.in_(FUNDED_STATES))).all()
    assert len(programmes) == len(funded) == 2
    for role, user in people(world).items():
        results_list = ids(programmes_query(fund, user).with_only_columns(Programme.id))
        assert results_list == {p.id for p in programmes if p.can_view(user)}, role
        finance_list = ids(visible_programmes(fund, user).with_only_columns(Proposal.id))
        assert finance_list == {p.id for p in funded if p.can_view(user)}, role
    creator = db.session.get(User, world.users["agency_other"])
    assert created.id in ids(visible_programmes(fund, creator).with_only_columns(Proposal.id))
