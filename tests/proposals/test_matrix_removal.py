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
    response = client.post(f"/proposals/{proposal.id}/matrix/outputs/{first.id}/remove")
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
