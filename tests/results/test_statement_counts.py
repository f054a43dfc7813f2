"""The results pages cost the same number of SQL statements however many programmes the fund has, and however
many reports they handed in: rows are eager-loaded, aggregated or read from the kept standings, never read one
programme (or one outcome) at a time."""

from __future__ import annotations

import pytest

from fundmgr.accounts.models import Role
from tests.factories import sign_in
from tests.opendata.test_statement_counts import count_statements
from tests.support.results import CLOSURE_VALUES, submitted_report

N = 2


@pytest.fixture
def grow(make_programme, accepted_report, lead_of):
    """grow(n): n more programmes, each with its first period's report accepted, its second submitted (waiting for
    review) and the others not handed in (overdue)."""

    def _grow(n: int) -> None:
        for _ in range(n):
            programme = make_programme()
            accepted_report(programme, 1, CLOSURE_VALUES)
            submitted_report(programme, 2, CLOSURE_VALUES, lead_of(programme))

    return _grow


@pytest.mark.parametrize("path", ["/results/", "/results/framework", "/results/annual", "/results/reports"])
def test_a_results_page_costs_the_same_statements_for_n_and_3n_programmes(app, grow, make_user, path):
    """Counted for N then 3N programmes with their reports, by the FMU."""
    client = sign_in(app.test_client(), make_user(Role.fmu))
    grow(N)
    count_statements(app, client, path)  # the process's first answer may fill caches of its own
    few = count_statements(app, client, path)
    grow(2 * N)
    many = count_statements(app, client, path)
    assert many == few, f"{path}: {few} statements for {N} programmes, {many} for {3 * N}"
