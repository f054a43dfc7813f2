"""The results tests run on RESULTS_DAY (their programmes' periods are placed around it): the clock is frozen on it.
Their fixtures are the plugins in tests/fixtures/, but for the closure tests' programme (`running`, `finished`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundmgr.db import db
from fundmgr.finance import operations as finance_ops
from fundmgr.results import operations as ops
from fundmgr.results.models import Programme
from tests.factories import revise_snapshot
from tests.support.results import CLOSURE_VALUES, MATRIX, RESULTS_DAY

D = Decimal


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    frozen_clock(RESULTS_DAY)


@pytest.fixture
def running(fund, framework, make_deposit, approve, fmu) -> Programme:
    """An active programme (2024-2025, two organizations paid USD 300,000 and 100,000), its periods ended."""
    make_deposit("2000000.00")
    proposal, (iom, unhcr) = approve()
    revise_snapshot(proposal.latest_version, start_date="2024-01-01", matrix=MATRIX)
    # the first transfer activates the programme, which establishes its matrix and periods
    finance_ops.record_transfer(iom, amount=D("300000.00"), on_date=date(2024, 7, 1), reference="TR-1", actor=fmu)
    finance_ops.record_transfer(unhcr, amount=D("100000.00"), on_date=date(2024, 7, 1), reference="TR-2", actor=fmu)
    programme = ops.establish_programme(proposal, actor=None)
    # activities began with the year, before the money arrived: the FMU sets the start (2024-2025)
    ops.set_programme_start(programme, start=date(2024, 1, 1), reason="Activities began in January.", actor=fmu)
    db.session.commit()
    return programme


@pytest.fixture
def finished(running, accepted_report) -> Programme:
    """The running programme with every report accepted, the final one included."""
    for period in running.periods:
        accepted_report(running, period.number, CLOSURE_VALUES)
    return running
