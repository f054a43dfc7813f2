"""content-addressed storage: rows holding the same file share its storage key.

New files are stored under the sha256 of their content (fundmgr/storage.py), so two rows that keep the same bytes
(the same letter attached to two proposals) point at one object: the storage_key columns are no longer unique, and
get a plain index instead (a removal deletes the object only when no row still points at it, found by that index).
Existing rows keep their random keys and their files; nothing is renamed.

Revision ID: 1b4c8b24a585
Revises: c4ee83f48b86
Create Date: 2026-12-04 23:00:00.000000

"""

from contextlib import AbstractContextManager, nullcontext

from alembic import op

from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "1b4c8b24a585"
down_revision = "c4ee83f48b86"
branch_labels = None
depends_on = None

TABLES = ("attachments", "report_evidence", "minutes")


def rebuilding() -> AbstractContextManager[object]:
    """SQLite rebuilds each table: with foreign keys on, dropping the old minutes would fail (or cascade)."""
    return foreign_keys_off() if op.get_bind().dialect.name == "sqlite" else nullcontext()


def upgrade() -> None:
    with rebuilding():
        for table in TABLES:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(f"uq_{table}_storage_key", type_="unique")
                batch_op.create_index(f"ix_{table}_storage_key", ["storage_key"], unique=False)


def downgrade() -> None:
    # fails if two rows share a file (content stored once since this revision): that is what uniqueness forbade
    with rebuilding():
        for table in TABLES:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_index(f"ix_{table}_storage_key")
                batch_op.create_unique_constraint(f"uq_{table}_storage_key", ["storage_key"])
