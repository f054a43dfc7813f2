"""Accounts: organizations, users, roles, sign-in."""
