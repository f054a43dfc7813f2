"""Removing outputs and indicators from a draft's results matrix (the access matrix found both crashing)."""

from __future__ import annotations

from fundmgr.db import db
from fundmgr.proposals import operations as ops
from fundmgr.proposals.operations import IndicatorValues
from tests.factories import sign_in


def test_an_output_is_removed_with_its_indicators(client, make_proposal):
    """Does removing an output through the page take its indicators with it (and not fail)?"""
    proposal = make_proposal()
    outcome = proposal.outcomes[0]
    ops.add_output(outcome, "A second output.", actor=proposal.created_by)
    db.session.commit()
    first = outcome.outputs[0]
    sign_in(client, proposal.created_by)
    url = f"/proposals/{proposal.id}/matrix/outputs/{first.id}/remove"
    asked = client.post(url)  # first the page that asks, removing nothing
    assert asked.status_code == 200
    assert "Remove the output" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert len(outcome.outputs) == 2
    response = client.post(url, data={"confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(o.position, o.statement) for o in outcome.outputs] == [(1, "A second output.")]
    assert outcome.indicators == []


def test_an_outcome_indicator_is_removed_and_the_others_renumbered(make_proposal):
    proposal = make_proposal()
    outcome = proposal.outcomes[0]
    first = ops.add_indicator(outcome, None, IndicatorValues(name="Cases referred"), actor=proposal.created_by)
    ops.add_indicator(outcome, None, IndicatorValues(name="Shelters opened"), actor=proposal.created_by)
    db.session.commit()
    ops.remove_matrix_item(first, actor=proposal.created_by)
    db.session.commit()
    db.session.expire_all()
    assert [(i.position, i.name) for i in outcome.outcome_indicators] == [(1, "Shelters opened")]


def test_removing_an_outcome_asks_first_and_can_be_undone(client, make_proposal):
    """“Remove the outcome” asks (dialog or page), then removes the outcome with its outputs and indicators;
    the flash message's Undo puts everything back where it stood."""
    proposal = make_proposal()
    ops.add_outcome(proposal, "A second outcome.", actor=proposal.created_by)
    db.session.commit()
    first = proposal.outcomes[0]
    before = [(o.position, o.statement, [(p.statement, [i.name for i in p.indicators]) for p in o.outputs],
               [i.name for i in o.indicators]) for o in proposal.outcomes]  # fmt: skip
    sign_in(client, proposal.created_by)
    matrix = client.get(f"/proposals/{proposal.id}/matrix").get_data(as_text=True)
    assert f'data-confirm="Remove the outcome “{first.statement}”?"' in matrix
    url = f"/proposals/{proposal.id}/matrix/outcomes/{first.id}/remove"
    page = client.post(url).get_data(as_text=True)
    assert "Its outputs and indicators are removed with it." in page
    assert 'name="confirmed" value="yes"' in page
    shown = client.post(url, data={"confirmed": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert "Removed from the results matrix." in shown
    assert f'action="/proposals/{proposal.id}/restore"' in shown
    db.session.expire_all()
    assert [o.statement for o in proposal.outcomes] == ["A second outcome."]
    assert client.post(f"/proposals/{proposal.id}/restore").status_code == 302
    db.session.expire_all()
    after = [(o.position, o.statement, [(p.statement, [i.name for i in p.indicators]) for p in o.outputs],
              [i.name for i in o.indicators]) for o in proposal.outcomes]  # fmt: skip
    assert after == before
    again = client.post(f"/proposals/{proposal.id}/restore", follow_redirects=True).get_data(as_text=True)
    assert "There is nothing to undo." in again
