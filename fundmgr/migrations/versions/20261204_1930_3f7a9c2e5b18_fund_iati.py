"""funds: how a fund publishes to IATI 2.03 (its definition's `iati:` section).

Existing funds get an empty section: nothing is published at /iati/activities.xml for them until
`flask fund load` reads their file again, which now carries the reporting organization's IATI identifier,
the fund's activity identifier and its sectors.

Revision ID: 3f7a9c2e5b18
Revises: 3f7a9c2e5b14
Create Date: 2026-12-04 19:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3f7a9c2e5b18"
down_revision = "3f7a9c2e5b14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, never a batch rebuild: on SQLite, dropping the old `funds` table of a rebuild
    # would cascade to every row that refers to a fund. The server default fills the existing rows.
    op.add_column("funds", sa.Column("iati", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    op.execute("ALTER TABLE funds DROP COLUMN iati")
