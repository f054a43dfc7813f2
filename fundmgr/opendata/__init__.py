"""Open data: the fund's IATI 2.03 activity file, its public page, and a programme's dossier."""
