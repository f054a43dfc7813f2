"""Writes to results: the framework, programme matrices and periods, progress reports and their review.

Every operation checks the actor's rights and the rules itself, flushes, never commits, and audits. One
module per part of the work; import the operations from this package.
"""

from fundmgr.results.operations.closure import close_operationally, closure_checklist, operational_closure_problems
from fundmgr.results.operations.dates import set_programme_start, start_on_first_transfer
from fundmgr.results.operations.editing import (
    IndicatorSpec,
    save_fund_indicator,
    save_outcome,
    save_output,
    set_indicator_retired,
    update_goal,
)
from fundmgr.results.operations.establishing import (
    add_months,
    calendar_periods,
    default_periods,
    establish_on_approval,
    establish_programme,
    guess_measure,
)
from fundmgr.results.operations.evidence import add_evidence, remove_evidence
from fundmgr.results.operations.extensions import decide_extension, last_day_to_ask, request_extension
from fundmgr.results.operations.links import IndicatorLink, set_indicator_links
from fundmgr.results.operations.loading import framework_of, load_framework
from fundmgr.results.operations.periods import add_period, remove_period, update_period
from fundmgr.results.operations.progress_reports import (
    ReportInput,
    accept_report,
    return_report,
    review_report,
    save_report,
    submit_report,
    why_no_report,
)

__all__ = [
    "IndicatorLink",
    "IndicatorSpec",
    "ReportInput",
    "accept_report",
    "add_evidence",
    "add_months",
    "add_period",
    "calendar_periods",
    "close_operationally",
    "closure_checklist",
    "decide_extension",
    "default_periods",
    "establish_on_approval",
    "establish_programme",
    "framework_of",
    "guess_measure",
    "last_day_to_ask",
    "load_framework",
    "operational_closure_problems",
    "remove_evidence",
    "remove_period",
    "request_extension",
    "return_report",
    "review_report",
    "save_fund_indicator",
    "save_outcome",
    "save_output",
    "save_report",
    "set_indicator_links",
    "set_indicator_retired",
    "set_programme_start",
    "start_on_first_transfer",
    "submit_report",
    "update_goal",
    "update_period",
    "why_no_report",
]
