"""Finance: donor contributions, the fund's ledger and balances, allocations, transfers, dashboards."""
