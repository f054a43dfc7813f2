"""When a reminder is due: the fund's days before, the last reminder, and what a run that missed days sends."""

from __future__ import annotations

import pytest

from fundmgr.deadlines.models import DeadlineKind
from fundmgr.deadlines.queries import CATCH_UP_DAYS, due_offset, offsets_for

SCORING, PROCEDURE, REPORT = DeadlineKind.scoring, DeadlineKind.procedure, DeadlineKind.report
DAYS = [14, 3]


def test_the_last_reminder_is_on_the_deadline_day_or_the_day_a_report_is_overdue():
    """Scoring and written procedures close with their day; a report may still come late."""
    assert offsets_for(SCORING, DAYS) == [14, 3, 0]
    assert offsets_for(PROCEDURE, [3, 14, 3]) == [14, 3, 0]
    assert offsets_for(REPORT, DAYS) == [14, 3, -1]
    assert offsets_for(REPORT, []) == [-1]


@pytest.mark.parametrize(
    ("days_left", "scoring", "report"),
    [
        (30, None, None),  # too early
        (15, None, None),
        (14, 14, 14),  # 14 days before
        (13, 14, 14),  # the day after: a run that missed the 14th still sends it (once)
        (14 - CATCH_UP_DAYS, 14, 14),  # ... up to a week late
        (14 - CATCH_UP_DAYS - 1, None, None),  # then it is too late for it; the next one is 3 days before
        (3, 3, 3),
        (2, 3, 3),
        (1, 3, 3),
        (0, 0, 3),  # the deadline day: the last call to score or answer; a report's 3-day one if it was missed
        (-1, None, -1),  # scoring closed; the report is overdue
        (-1 - CATCH_UP_DAYS, None, -1),
        (-2 - CATCH_UP_DAYS, None, None),  # long overdue: left to the FMU's "send a reminder now"
    ],
)
def test_the_reminder_due_is_the_latest_whose_day_has_come(days_left, scoring, report):
    assert due_offset(SCORING, DAYS, days_left) == scoring
    assert due_offset(PROCEDURE, DAYS, days_left) == scoring
    assert due_offset(REPORT, DAYS, days_left) == report


def test_a_fund_without_days_before_still_sends_the_last_reminder():
    assert due_offset(SCORING, [], 5) is None
    assert due_offset(SCORING, [], 0) == 0
    assert due_offset(REPORT, [], -1) == -1
