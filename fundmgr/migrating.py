"""What Alembic revisions share: SQLite table rebuilds with foreign keys off."""

from __future__ import annotations

from typing import Any

from alembic import op


class foreign_keys_off:  # noqa: N801 - used as `with foreign_keys_off():`, like a function
    """SQLite: foreign keys off around a table rebuild. The pragma is ignored inside a transaction: alembic's
    autocommit block commits the migration's transaction, and the BEGIN the app's `begin` hook still emits for the
    block is ended on the driver's connection before the pragma (the next transaction begins after the block)."""

    def __enter__(self) -> None:
        self.pragma("OFF")

    def __exit__(self, *exc: object) -> None:
        self.pragma("ON")

    @staticmethod
    def pragma(value: str) -> None:
        with op.get_context().autocommit_block():
            driver: Any = op.get_bind().connection.dbapi_connection  # sqlite3's own connection
            if driver.in_transaction:
                driver.execute("COMMIT")
            driver.execute(f"PRAGMA foreign_keys={value}")
