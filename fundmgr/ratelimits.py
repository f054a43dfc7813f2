"""Rate limits that hold however many workers serve the app: counters in the database, or in Redis.

Flask-Limiter's default store is each worker's memory: with N workers a limit is N times looser. The
default store here is `fundmgr://`, the `rate_limit_counters` table of the app's own database, which
every worker shares; `FUNDMGR_RATELIMIT_STORAGE_URL=redis://...` uses Redis instead (install `redis`).
Production refuses a `memory://` store (fundmgr.config).

A counter is one row per limit and key (a fixed window): one atomic `INSERT ... ON CONFLICT DO UPDATE
... RETURNING` statement counts a hit, on SQLite and PostgreSQL alike. On PostgreSQL it is committed at
once on a connection of its own (a request that fails afterwards still counts, and no lock is held).
SQLite has a single writer: a second connection would wait for the request's own open transaction, so
there the hit is counted in a savepoint of the request's transaction, saved when the request commits.
Expired rows are reused by the same key, and swept now and then.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlalchemy.orm as so
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from fundmgr import clock
from fundmgr.db import Base, db

KEY_LENGTH = 255
SWEEP_EVERY = 200  # hits (per worker) between two deletions of expired counters


class RateLimitCounter(Base):
    """How many hits a limit has counted for one key in its current window, and when the window ends."""

    __tablename__ = "rate_limit_counters"

    key: so.Mapped[str] = so.mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    count: so.Mapped[int]
    expires_at: so.Mapped[float]  # seconds since the epoch (the limits library's unit)


def stored_key(key: str) -> str:
    """The key as stored: long keys (a long e-mail address in it) are replaced by their hash."""
    return key if len(key) <= KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def epoch() -> float:
    return clock.now().timestamp()


class DatabaseStorage(Storage):
    """A `limits` storage on the app's database (`fundmgr://`), for the fixed-window strategy."""

    STORAGE_SCHEME = ["fundmgr"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.hits = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    @staticmethod
    @contextmanager
    def connection() -> Iterator[sa.Connection]:
        """Where a hit is counted: a connection of its own (PostgreSQL), the request's transaction (SQLite)."""
        if db.engine.dialect.name == "sqlite":
            with db.session.begin_nested():
                yield db.session.connection()
        else:
            with db.engine.begin() as connection:
                yield connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        table = RateLimitCounter.__table__
        now = epoch()
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(table).values(key=stored_key(key), count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": sa.case((expired, amount), else_=table.c.count + amount),
                "expires_at": sa.case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with self.connection() as connection:
            count = connection.execute(statement).scalar_one()
            if next(self.hits) % SWEEP_EVERY == 0:
                connection.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
        return count

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        query = sa.select(table.c.count).where(table.c.key == stored_key(key), table.c.expires_at > epoch())
        with self.connection() as connection:
            return connection.execute(query).scalar() or 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        query = sa.select(table.c.expires_at).where(table.c.key == stored_key(key))
        with self.connection() as connection:
            return connection.execute(query).scalar() or epoch()

    def check(self) -> bool:
        try:
            with self.connection() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.connection() as connection:
            return connection.execute(sa.delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.connection() as connection:
            connection.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.key == stored_key(key)))
