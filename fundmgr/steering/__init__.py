"""Steering: the Steering Committee's assignments, conflicts of interest, scoring, ranking,
portfolio view, pipeline, meetings with live votes, decisions and written procedures."""
