"""Results test data: the day the results tests run on, a known results matrix, complete report inputs."""

from __future__ import annotations

from datetime import date
from typing import Any

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.results import operations as ops
from fundmgr.results.models import Programme, ProgressReport
from fundmgr.results.values import IndicatorEntry

RESULTS_DAY = date(2026, 6, 1)  # the results tests run on this day: their programmes' periods are placed around it


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

# the values reported on every period of the closure tests' programme, by indicator name
CLOSURE_VALUES = {
    "Number of migrants assisted": "100",
    "Number of officials trained": "20",
    "Share of trained officials applying the guidelines": "30",
}


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


def submitted_report(programme: Programme, number: int, values: dict[str, str], lead: User, **extra) -> ProgressReport:
    period = next(p for p in programme.periods if p.number == number)
    report = ops.save_report(period, entries_for(programme, values, **extra), actor=lead)
    ops.submit_report(report, actor=lead)
    db.session.commit()
    return report
