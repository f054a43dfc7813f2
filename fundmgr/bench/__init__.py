"""The large-fund benchmark: `python -m fundmgr.bench` (see README.md, Benchmark)."""
