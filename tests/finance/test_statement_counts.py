"""The finance dashboard costs the same SQL statements however many programmes the fund finances and however many
years its ledger spans: its figures are grouped in the database or read from the totals kept as entries are added."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.operations import record_interest
from tests.factories import sign_in
from tests.opendata.test_statement_counts import add_programmes, count_statements


def test_the_dashboard_costs_the_same_statements_for_more_programmes_and_years(
    app, fund, make_deposit, approve, make_proposal, make_user
):
    make_deposit("50000000.00")
    client = sign_in(app.test_client(), make_user(Role.fmu))
    add_programmes(approve, make_proposal, 1)
    count_statements(app, client, "/finance/")  # the process's first answer may fill caches of its own
    few = count_statements(app, client, "/finance/")
    add_programmes(approve, make_proposal, 3)
    for year in (2019, 2020, 2021):
        record_interest(fund, amount=Decimal("100.00"), on_date=date(year, 12, 31), reference=f"INT-{year}", actor=None)
    db.session.commit()
    many = count_statements(app, client, "/finance/")
    assert many == few, f"{few} statements for 2 programmes, {many} for 8 over more years"
