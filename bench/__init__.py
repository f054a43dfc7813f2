"""The large-fund benchmark: `python -m bench` (see README.md, Benchmark)."""
