"""Proposals: joint programme proposals, their budgets, results matrix drafts, attachments,
immutable submitted versions and the FMU's screening."""
