"""Demo data: a realistic Migration MPTF drawn from the UN Network on Migration's 2019 work plan."""
