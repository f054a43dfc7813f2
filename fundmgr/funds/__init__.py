"""Funds: the fund definition and its reference data (areas, objectives, principles, markers,
budget categories, criteria, eligibility checks), and the world's countries and regions."""
