"""The ranking, the portfolio view and the pipeline cost the same number of SQL statements however many proposals
are before the committee, however many reviews they have and however many programmes the fund has funded: scores
are summed in the database and the rest is eager-loaded or aggregated, never read one proposal at a time."""

from __future__ import annotations

import pytest

from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from tests.factories import sign_in
from tests.opendata.test_statement_counts import count_statements

PAGES = ("/steering/ranking", "/steering/portfolio", "/steering/pipeline")


@pytest.fixture
def grow(fund, committee, in_review, assign, submit_review, make_proposal, make_deposit, approve):
    """grow(n): n more proposals in review scored by three members (one of whom then declares a conflict), n
    endorsed proposals scored by two, and n funded programmes."""
    make_deposit("50000000.00")

    def _grow(n: int) -> None:
        for k in range(n):
            reviewed = in_review(lead="UNDP", partners=("UNFPA",))
            assign(reviewed)
            for member, value in ((committee.germany, 3 + k % 3), (committee.spain, 2), (committee.morocco, 4)):
                submit_review(reviewed, member, value)
            ops.declare_conflict(reviewed, committee.spain, "A co-financing ministry.", actor=committee.spain)
            endorsed = make_proposal(ProposalState.in_review, lead="UNDP", partners=("UNFPA",))
            assign(endorsed)
            submit_review(endorsed, committee.germany, 5)
            submit_review(endorsed, committee.stakeholder, 1 + k % 5)
            endorsed.state = ProposalState.endorsed
            db.session.commit()
            approve("100000.00", partners=("UNICEF",))

    return _grow


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("reader", ["fmu", "germany", "ilo"])
def test_a_steering_page_costs_the_same_statements_for_n_and_3n_proposals(app, committee, grow, path, reader):
    """Counted with 2 then 6 proposals in review, endorsed and funded, for the FMU, a member who scored them all and
    one who scored none (who sees no score before the deadline)."""
    client = app.test_client()
    sign_in(client, getattr(committee, reader))
    grow(2)
    count_statements(app, client, path)  # the process's first answer may fill caches of its own
    few = count_statements(app, client, path)
    grow(4)
    many = count_statements(app, client, path)
    assert many == few, f"{path} for {reader}: {few} statements for 2 proposals of each kind, {many} for 6"
