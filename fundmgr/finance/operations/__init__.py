"""Writes to the fund's money. Every operation checks its rules, writes ledger entries and audits.

Operations that spend or move money lock the fund's row first (`SELECT ... FOR UPDATE` on
PostgreSQL), so that two of them running at once cannot both spend the last dollars: the
second waits, then reads the balances the first one committed. One module per kind of money
movement; import the operations from this package.
"""

from fundmgr.finance.operations.allocations import Share, allocate_approved, scale_to
from fundmgr.finance.operations.checks import add_entry, amount_problems
from fundmgr.finance.operations.closure import (
    close_financially,
    financial_closure_outstanding,
    financial_closure_problems,
)
from fundmgr.finance.operations.contributions import (
    ContributionData,
    add_contribution,
    correct_contribution,
    mirror_entries,
    post_deposit,
    record_contribution,
    record_interest,
)
from fundmgr.finance.operations.expenditure import (
    REPORTING_STATES,
    may_report_expenditure,
    record_expenditure,
    reporting_years,
)
from fundmgr.finance.operations.transfers import (
    begin_money_move,
    give_back,
    record_refund,
    record_transfer,
    release_allocation,
)

__all__ = [
    "REPORTING_STATES",
    "ContributionData",
    "Share",
    "add_contribution",
    "add_entry",
    "allocate_approved",
    "amount_problems",
    "begin_money_move",
    "close_financially",
    "correct_contribution",
    "financial_closure_outstanding",
    "financial_closure_problems",
    "give_back",
    "may_report_expenditure",
    "mirror_entries",
    "post_deposit",
    "record_contribution",
    "record_expenditure",
    "record_interest",
    "record_refund",
    "record_transfer",
    "release_allocation",
    "reporting_years",
    "scale_to",
]
