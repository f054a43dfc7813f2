"""A funded programme established from its approved version: dates, periods and results matrix."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition
from fundmgr.funds.calendar import add_months
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.proposals.snapshot import Indicator, Outcome
from fundmgr.results.schedule import PLANNED, calendar_periods, default_periods, end_date_for
from fundmgr.results.standings import refresh_year_figures

__all__ = [
    "add_months",
    "build_matrix",
    "calendar_periods",
    "default_periods",
    "establish_on_approval",
    "establish_programme",
    "guess_measure",
]
from fundmgr.results.models import (
    Measure,
    Programme,
    ProgrammeIndicator,
    ProgrammeOutcome,
    ProgrammeOutput,
    ReportingPeriod,
)

PERCENT_WORDS = ("%", "percent", "pourcent", "porcentaje", "share of", "proportion")


def guess_measure(unit: str, name: str) -> Measure:
    """Percentage when the unit (or the name) says so; the FMU can correct it on the matrix."""
    text = f"{unit} {name if not unit else ''}".lower()
    return Measure.percentage if any(word in text for word in PERCENT_WORDS) else Measure.number


def establish_programme(proposal: Proposal, *, actor: User | None) -> Programme:
    """Give an approved proposal its live results matrix (from the approved version) and its reporting periods.

    Idempotent: a programme already established is returned unchanged.
    """
    existing = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
    if existing is not None:
        return existing
    if proposal.state not in FUNDED_STATES:
        raise InvalidTransition(_("Only approved programmes report results."))
    version = proposal.latest_version
    if version is None:
        raise InvalidTransition(_("The programme has no approved version to take its results matrix from."))
    snapshot = version.snapshot
    start = snapshot.start_date or proposal.start_date or clock.today(proposal.fund)
    duration = snapshot.duration_months or proposal.duration_months or proposal.fund.reporting_period_months
    programme = Programme(
        proposal=proposal,
        version=version,
        start_date=start,
        start_source=PLANNED,
        duration_months=duration,
        end_date=end_date_for(start, duration),
    )
    db.session.add(programme)
    build_matrix(programme, snapshot.matrix)
    for number, (period_start, period_end, due) in enumerate(
        calendar_periods(programme.start_date, programme.end_date, proposal.fund.calendar), start=1
    ):
        programme.periods.append(
            ReportingPeriod(number=number, start_date=period_start, end_date=period_end, due_date=due)
        )
    db.session.flush()
    record_audit(
        "programme.established",
        programme,
        actor=actor,
        after={
            "proposal": proposal.reference,
            "version": version.number,
            "start_date": programme.start_date,
            "end_date": programme.end_date,
            "indicators": len(programme.indicators),
            "periods": len(programme.periods),
        },
        fund_id=proposal.fund_id,
    )
    refresh_year_figures([programme.id])
    return programme


def build_matrix(programme: Programme, matrix: list[Outcome]) -> None:
    """Copy the approved version's results matrix into the programme's live matrix."""
    for outcome_position, frozen_outcome in enumerate(matrix, start=1):
        outcome = ProgrammeOutcome(position=outcome_position, statement=frozen_outcome.statement)
        programme.outcomes.append(outcome)
        add_indicators(programme, outcome, None, frozen_outcome.indicators)
        for output_position, frozen_output in enumerate(frozen_outcome.outputs, start=1):
            output = ProgrammeOutput(position=output_position, statement=frozen_output.statement)
            outcome.outputs.append(output)
            add_indicators(programme, outcome, output, frozen_output.indicators)


def add_indicators(
    programme: Programme, outcome: ProgrammeOutcome, output: ProgrammeOutput | None, items: list[Indicator]
) -> None:
    for position, item in enumerate(items, start=1):
        programme.indicators.append(
            ProgrammeIndicator(
                outcome=outcome,
                output=output,
                position=position,
                name=item.name,
                unit=item.unit,
                measure=guess_measure(item.unit, item.name),
                baseline=item.baseline,
                target=item.target,
                means_of_verification=item.means_of_verification,
                disaggregation=list(item.disaggregation),
            )
        )


def establish_on_approval(proposal: Proposal, *, after: Any, actor: User | None, **signal_data: Any) -> None:
    """Signal receiver: a proposal that becomes approved gets its programme in the same transaction; a funded
    programme's change of state (approved, active, closed) changes the fund's figures per year."""
    if after in FUNDED_STATES:
        existing = db.session.scalar(sa.select(Programme.id).where(Programme.proposal_id == proposal.id))
        if existing is None:
            establish_programme(proposal, actor=actor)  # counted in the figures per year as it is established
        else:
            refresh_year_figures([existing])  # counted in its new state
