"""Fixtures of the results tests: the bundled framework, programmes with known matrices and dates, reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.results import operations as ops
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import Programme, ProgressReport, ResultsFramework
from fundmgr.results.values import IndicatorEntry
from tests.factories import revise_snapshot

TODAY = date(2026, 6, 1)  # the results tests run on this day: their programmes' periods are placed around it


@pytest.fixture(autouse=True)
def on_today(frozen_clock) -> None:
    frozen_clock(TODAY)


def indicator(name: str, unit: str = "persons", baseline: str | None = "0", target: str | None = "200", **kw) -> dict:
    """An indicator as a version snapshot holds it."""
    return {
        "name": name,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "means_of_verification": kw.get("means_of_verification", "Attendance lists"),
        "disaggregation": kw.get("disaggregation", []),
    }


# One outcome with its own indicator and one output with two indicators (one disaggregated by sex).
MATRIX = [
    {
        "statement": "Migrants in the target districts access protection services.",
        "indicators": [indicator("Number of migrants assisted", target="1000", disaggregation=["sex"])],
        "outputs": [
            {
                "statement": "Service providers are trained.",
                "indicators": [
                    indicator("Number of officials trained", target="200"),
                    indicator("Share of trained officials applying the guidelines", "%", baseline="20", target="60"),
                ],
            }
        ],
    }
]


@pytest.fixture
def framework(fund) -> ResultsFramework:
    """The bundled Migration MPTF results framework, loaded."""
    spec, sha256 = read_framework(bundled_framework())
    loaded, _changed = ops.load_framework(fund, spec, sha256, actor=None)
    db.session.commit()
    return loaded


@pytest.fixture
def make_programme(make_proposal, framework) -> Callable[..., Programme]:
    """An established programme: make_programme(start=date(2024, 1, 1), duration_months=24, matrix=MATRIX, ...)."""

    def _make(
        *,
        start: date = date(2024, 1, 1),
        duration_months: int = 24,
        matrix: list[dict[str, Any]] | None = None,
        state: ProposalState = ProposalState.active,
        **proposal_options: Any,
    ) -> Programme:
        proposal = make_proposal(state, duration_months=duration_months, **proposal_options)
        version = proposal.latest_version
        revise_snapshot(version, start_date=start.isoformat(), matrix=MATRIX if matrix is None else matrix)
        programme = ops.establish_programme(proposal, actor=None)
        db.session.commit()
        return programme

    return _make


@pytest.fixture
def lead_of(make_user) -> Callable[[Programme], User]:
    """A new agency user of the programme's lead organization."""

    def _lead(programme: Programme) -> User:
        return make_user(Role.agency, org=programme.proposal.lead_organization.code)

    return _lead


def entries_for(programme: Programme, values: dict[str, str], **extra: dict[str, Any]) -> ops.ReportInput:
    """A complete report input: value and status per indicator name, a narrative per outcome."""
    entries = {}
    for item in programme.indicators:
        options = extra.get(item.name, {})
        entries[item.id] = IndicatorEntry(
            actual=values.get(item.name, ""),
            parts=options.get("parts", {}),
            status=options.get("status", "on_track"),
            comment=options.get("comment", ""),
        )
    return ops.ReportInput(
        entries=entries,
        narratives={o.id: f"Progress on outcome {o.position}." for o in programme.outcomes},
        lessons_learned="Working with municipalities early saves months.",
    )


@pytest.fixture
def accepted_report(lead_of, make_user) -> Callable[..., ProgressReport]:
    """Write, submit and accept a report on a programme's period with the given values by indicator name."""

    def _report(programme: Programme, number: int, values: dict[str, str], **extra: Any) -> ProgressReport:
        report = submitted_report(programme, number, values, lead_of(programme), **extra)
        ops.accept_report(report, actor=make_user(Role.fmu))
        db.session.commit()
        return report

    return _report


def submitted_report(programme: Programme, number: int, values: dict[str, str], lead: User, **extra) -> ProgressReport:
    period = next(p for p in programme.periods if p.number == number)
    report = ops.save_report(period, entries_for(programme, values, **extra), actor=lead)
    ops.submit_report(report, actor=lead)
    db.session.commit()
    return report
