"""finance: the sum of each fund's ledger entries per kind and earmark, kept up to date as entries are added.

`ledger_totals` holds one row per fund, entry kind and earmark (`area_key`: the thematic area's id, 0 for
unearmarked money) with the sum of those entries; the application adds each new entry's amount to its row in the
entry's transaction, and the balances read these rows instead of the whole ledger. Existing rows: every fund's
totals are summed from its ledger. Downgrading drops the table (the ledger keeps every entry).

Revision ID: 5c1f0e7a9d42
Revises: 5a8c1e7f3d92
Create Date: 2026-12-06 02:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal

# revision identifiers, used by Alembic.
revision = "5c1f0e7a9d42"
down_revision = "5a8c1e7f3d92"
branch_labels = None
depends_on = None

ENTRY_KINDS = (
    "deposit", "aa_fee", "interest", "allocation", "allocation_release", "transfer", "refund", "direct_costs"
)  # fmt: skip


def upgrade():
    op.create_table(
        "ledger_totals",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*ENTRY_KINDS, name="entrykind", native_enum=False, length=40), nullable=False),
        sa.Column("area_key", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_ledger_totals_fund_id_funds")),
        sa.PrimaryKeyConstraint("fund_id", "kind", "area_key", name=op.f("pk_ledger_totals")),
    )
    op.execute(
        "INSERT INTO ledger_totals (fund_id, kind, area_key, amount) SELECT fund_id, kind, COALESCE(area_id, 0), "
        "SUM(amount) FROM ledger_entries GROUP BY fund_id, kind, COALESCE(area_id, 0)"
    )


def downgrade():
    op.drop_table("ledger_totals")
