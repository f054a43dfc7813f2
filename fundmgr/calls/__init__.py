"""Calls for proposals: the FMU opens a call for a fund, proposals answer it, its outcome is counted."""

from fundmgr.calls import submission  # noqa: F401 - adds the call's rules to every proposal's submission
