"""funds: the fund's time zone, where its calendar deadlines end at midnight (existing funds: UTC).

Revision ID: 707a5821fef5
Revises: 8e4b2a7c6d10
Create Date: 2026-12-03 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "707a5821fef5"
down_revision = "8e4b2a7c6d10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing funds keep the UTC days they were run on until their definition file names a zone
    # (`flask fund load` then sets it, e.g. Europe/Zurich for the Migration MPTF).
    op.add_column("funds", sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("funds") as batch_op:
        batch_op.drop_column("time_zone")
