"""Results: the fund's results framework, programme results matrices, progress reporting and
results reports (PDF and Excel)."""
