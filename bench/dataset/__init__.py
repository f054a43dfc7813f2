"""A large, realistic fund generated in bulk for the benchmark.

At scale 1: 5,000 proposals created over ten years, each with its draft (participants, markers,
about 20 budget lines, a results matrix of 10 indicators), its submitted versions (snapshots of
ProposalSnapshots as fundmgr.proposals.versions.snapshot_of builds them) and FMU screenings; reviews and
scores by a Steering Committee of 50 members; monthly meetings with attendance, agenda items,
positions (votes, in a fund deciding by majority) and decisions (some by written procedure); ten
years of donor commitments and deposits; the ledger with every allocation, transfer, release and
fee; 2,000 funded programmes with their live matrices (20,000 indicators), reporting periods and
progress reports with disaggregated values; and a live meeting in progress today for the
positions and board measurements.

Rows go in through the bulk writer (COPY on PostgreSQL), not through the operations one by one,
but they follow the operations' rules: every proposal's history follows the transition table,
a balance is the sum of its ledger entries and never went below zero (allocations draw on the
area's earmark first, then on unearmarked money, as fundmgr.finance.operations does), check
constraints hold, and a funded programme's matrix and periods are what
fundmgr.results.operations.establish_programme would build from its approved version.
tests/bench checks these invariants on a small scale.

One module per part: context (sizes, world, texts), plans and planning, the rows of proposals
and of decisions, money, results, the world's reference data, and the generator that runs them.
"""

from bench.dataset.context import BENCH_PASSWORD, EMAIL_DOMAIN, MEMBERS, Size
from bench.dataset.generator import generate

__all__ = [
    "BENCH_PASSWORD",
    "EMAIL_DOMAIN",
    "MEMBERS",
    "Size",
    "generate",
]
