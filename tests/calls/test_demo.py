"""The demo's calls of the Migration MPTF: the first, closed, in three languages, its proposals' outcome counted; the
one open on the day the demo is seeded, with its first concept notes."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.calls.models import Call, CallState
from fundmgr.calls.queries import outcome
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalStage, ProposalState
from fundmgr.steering.models import Decision, Review, ReviewState
from tests.factories import sign_in


def test_the_demo_holds_the_first_call_with_every_proposal_received(demo_app):
    """Is the 2019-2020 call closed, titled in every language, answered by every proposal submitted but those
    answering the call open today?"""
    call = db.session.scalar(sa.select(Call).order_by(Call.id))
    assert call.state is CallState.closed
    assert (call.opens_on.year, call.closes_on.year) == (2019, 2020)
    assert all(call.title[language] for language in ("en", "fr", "es"))
    open_now = sa.select(Call.id).where(Call.state == CallState.published)
    received = db.session.scalars(
        sa.select(Proposal).where(Proposal.version_count > 0, Proposal.call_id.not_in(open_now))
    ).all()
    assert received
    assert {p.call_id for p in received} == {call.id}
    counts = {line.key: line.count for line in outcome(call)}
    assert counts["received"] == len([p for p in received if p.concept_note_id is None])  # a note with its document
    assert counts["selected"] >= 6
    assert counts["pipelined"] > 0


def test_the_demo_has_a_call_open_today_with_concept_notes_submitted_to_it(demo_app, fund):
    """Whenever the demo is tried, does it show a call open that day, in every language, on the public list of
    open calls, with a few concept notes received (one of them in screening), each an agency's complete note?"""
    today = clock.today(fund)
    call = db.session.scalars(sa.select(Call).where(Call.state == CallState.published)).one()
    assert call.is_open
    assert call.opens_on < today < call.closes_on
    assert all(call.title[language] and call.eligibility[language] for language in ("en", "fr", "es"))
    notes = db.session.scalars(sa.select(Proposal).where(Proposal.call_id == call.id)).all()
    assert len(notes) >= 3
    assert all(n.is_concept_note and n.version_count == 1 for n in notes)
    assert all(call.opens_on <= n.submitted_at.date() <= today for n in notes)
    assert {n.state for n in notes} == {ProposalState.submitted, ProposalState.screening}
    assert all(n.indicative_total <= call.ceiling and n.national_partners and n.sdg_targets for n in notes)
    assert any(n.corridors for n in notes)
    assert any(n.global_scope for n in notes)
    counts = {line.key: line.count for line in outcome(call)}
    assert counts["received"] == len(notes)
    assert call.reference in demo_app.test_client().get("/calls/open").text


def test_the_first_call_holds_dozens_of_concept_notes_at_every_outcome(demo_app, fund, make_user):
    """Did the first call receive dozens of concept notes (corridors across regions and a global one among them),
    the FMU return some, the committee's 1st meeting score, endorse and decline the others, and does the pipeline
    list the endorsed ones, with the FMU's invitation to develop offered on each?"""
    call = db.session.scalar(sa.select(Call).order_by(Call.id))
    notes = db.session.scalars(
        sa.select(Proposal).where(Proposal.call_id == call.id, Proposal.stage == ProposalStage.concept_note)
    ).all()
    assert len(notes) >= 40
    states = {state: sum(1 for n in notes if n.state is state) for state in ProposalState}
    # the selected ones are those the demo's programmes were developed from (derived at the end of the demo);
    # the first call's other notes (demo.yaml's first_call) are concept notes from the start, at their outcomes
    developed = set(db.session.scalars(sa.select(Proposal.concept_note_id).where(Proposal.call_id == call.id)))
    assert {n.id for n in notes if n.state is ProposalState.selected} == {n.id for n in notes if n.id in developed}
    assert len(developed - {None}) >= 6
    assert all(n.state is not ProposalState.selected for n in notes if n.id not in developed)
    assert states[ProposalState.endorsed] >= 10
    assert states[ProposalState.rejected] >= 10
    assert states[ProposalState.returned] + states[ProposalState.withdrawn] >= 10
    regions = [{stop.country.region_code for c in n.corridors for stop in c.stops} for n in notes]
    assert any(len(found) >= 2 for found in regions)  # a corridor crossing regions
    assert any(n.global_scope for n in notes)
    assert all(n.national_partners and n.sdg_targets for n in notes)
    decided = [n for n in notes if n.state in (ProposalState.endorsed, ProposalState.rejected)]
    decisions = db.session.scalars(sa.select(Decision).where(Decision.proposal_id.in_([n.id for n in decided])))
    assert {d.item.meeting.held_on.year for d in decisions} == {2020}
    reviewed = db.session.scalars(sa.select(Review.version_id).where(Review.state == ReviewState.submitted))
    assert {n.latest_version.id for n in decided} <= set(reviewed)  # scored beforehand: the meeting's ranking

    endorsed = [n for n in notes if n.state is ProposalState.endorsed]
    page = demo_app.test_client().get(f"/public/{fund.code}/pipeline")
    assert all(f'id="pipeline-{n.reference}"' in page.text for n in endorsed)
    fmu = sign_in(demo_app.test_client(), make_user(Role.fmu))
    invite = f"/proposals/{endorsed[0].id}/invite"
    assert invite in fmu.get(f"/proposals/{endorsed[0].id}").text
