"""Passwords hashed cheaply where a test makes accounts but is not about passwords."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher

from fundmgr.accounts import operations as account_operations


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Within, accounts' passwords are hashed with argon2id at the lowest cost (a fraction of a millisecond) instead
    of production's (a sixth of a second each): for seeding the demo's people and the like. A server rehashes a
    password with the production parameters when its account signs in (tests/test_account_security.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_operations, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield
