"""A proposal's page costs the same SQL statements however much the proposal holds: its results matrix, budget
lines, organizations and markers are read with one statement per kind of row (eager loads), never one row at a
time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.operations import record_transfer
from fundmgr.proposals.models import MatrixIndicator, MatrixOutcome, MatrixOutput, ProposalState
from tests.factories import sign_in
from tests.opendata.test_statement_counts import count_statements


def grow_matrix(proposal, outcomes: int, outputs: int) -> None:
    """More outcomes, each with more outputs, each outcome and output with an indicator of its own."""
    for o in range(outcomes):
        outcome = MatrixOutcome(position=10 + o, statement=f"Outcome {o}")
        outcome.indicators.append(MatrixIndicator(position=1, name=f"Outcome indicator {o}", unit="persons"))
        for p in range(outputs):
            output = MatrixOutput(position=p + 1, statement=f"Output {o}.{p}")
            outcome.outputs.append(output)
            output.indicators.append(MatrixIndicator(outcome=outcome, position=p + 2, name=f"Indicator {o}.{p}"))
        proposal.outcomes.append(outcome)
    db.session.commit()


@pytest.mark.parametrize("role", [Role.fmu, Role.sc_member])
def test_the_proposal_page_costs_the_same_statements_for_a_larger_proposal(app, approve, make_deposit, make_user, role):
    """A funded programme with one organization and one outcome, then one with three organizations (transferred
    to) and four outcomes of three outputs each: the FMU reads the live draft, a member the submitted version."""
    make_deposit("50000000.00")
    small, _allocations = approve(state=ProposalState.active, partners=())
    large, allocations = approve(state=ProposalState.active, partners=("UNHCR", "UNICEF"))
    grow_matrix(large, outcomes=4, outputs=3)
    for allocation in allocations:
        record_transfer(allocation, amount=Decimal("1000.00"), on_date=large.latest_version.submitted_at.date(),
                        reference=f"TR-{allocation.id}", actor=None)  # fmt: skip
    db.session.commit()
    client = sign_in(app.test_client(), make_user(role, org="UNDP"))  # not one of the programmes' organizations
    count_statements(app, client, f"/proposals/{small.id}")  # the process's first answer may fill caches of its own
    few = count_statements(app, client, f"/proposals/{small.id}")
    many = count_statements(app, client, f"/proposals/{large.id}")
    assert many == few, f"{few} statements for the small proposal, {many} for the large one"
