"""Writes to the fund's money. Every operation checks its rules, writes ledger entries and audits.

Operations that spend or move money lock the fund's row first (`SELECT ... FOR UPDATE` on
PostgreSQL), so that two of them running at once cannot both spend the last dollars: the
second waits, then reads the balances the first one committed. One module per kind of money
movement; import the operations from this package.
"""

from fundmgr.finance.operations.allocations import (
    Share,
    allocate_approved,
    pro_rata_amounts,
    scale_to,
    version_shares,
)
from fundmgr.finance.operations.changes import changes_of, may_ask, may_decide, may_know
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
from fundmgr.finance.operations.direct_costs import charge_direct_costs
from fundmgr.finance.operations.expenditure import (
    REPORTING_STATES,
    may_report_expenditure,
    record_expenditure,
    reporting_years,
)
from fundmgr.finance.operations.final_statements import (
    certified_expenditure,
    final_statement_problems,
    final_statements_of,
    may_submit_statements,
    owing_organizations,
    record_final_statement,
    statement_organizations,
)
from fundmgr.finance.operations.revisions import LineData, RevisionData, decide_revision, request_revision
from fundmgr.finance.operations.top_ups import decide_top_up, request_top_up, top_up_organizations
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
    "LineData",
    "RevisionData",
    "Share",
    "add_contribution",
    "add_entry",
    "allocate_approved",
    "amount_problems",
    "begin_money_move",
    "certified_expenditure",
    "changes_of",
    "charge_direct_costs",
    "close_financially",
    "correct_contribution",
    "decide_revision",
    "decide_top_up",
    "final_statement_problems",
    "final_statements_of",
    "financial_closure_outstanding",
    "financial_closure_problems",
    "give_back",
    "may_ask",
    "may_decide",
    "may_know",
    "may_report_expenditure",
    "may_submit_statements",
    "mirror_entries",
    "owing_organizations",
    "post_deposit",
    "pro_rata_amounts",
    "record_contribution",
    "record_expenditure",
    "record_final_statement",
    "record_interest",
    "record_refund",
    "record_transfer",
    "release_allocation",
    "reporting_years",
    "request_revision",
    "request_top_up",
    "scale_to",
    "statement_organizations",
    "top_up_organizations",
    "version_shares",
]
