"""finance: the ledger totals kept per year and per organization too, for the dashboard.

`ledger_totals` held one row per fund, entry kind and earmark; it now holds one per fund, kind, earmark, year (of
the entries' dates) and organization (of the entries' allocation, 0 for entries of no allocation), so the
dashboard's capitalization per year and its money per organization read these few rows instead of the fund's whole
ledger (the balances sum a fund's rows over the years and organizations). The table only ever holds sums of the
ledger: upgrading recreates it and sums every fund's entries per year and organization; downgrading recreates the
former table and sums them again without either.

Revision ID: 9b4e2d7c5a13
Revises: 5c1f0e7a9d42
Create Date: 2026-12-06 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal

# revision identifiers, used by Alembic.
revision = "9b4e2d7c5a13"
down_revision = "5c1f0e7a9d42"
branch_labels = None
depends_on = None

ENTRY_KINDS = (
    "deposit", "aa_fee", "interest", "allocation", "allocation_release", "transfer", "refund", "direct_costs"
)  # fmt: skip

ledger_entries = sa.table(
    "ledger_entries",
    sa.column("fund_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("area_id", sa.Integer),
    sa.column("allocation_id", sa.Integer),
    sa.column("on_date", sa.Date),
    sa.column("amount", sa.Numeric(18, 2)),
)
allocations = sa.table("allocations", sa.column("id", sa.Integer), sa.column("organization_id", sa.Integer))


def create_totals(*, detailed: bool) -> None:
    """The totals table (per year and organization, or not) filled with the sums of every fund's ledger entries."""
    keys = ["fund_id", "kind", "area_key", *(["year", "organization_key"] if detailed else [])]
    op.create_table(
        "ledger_totals",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*ENTRY_KINDS, name="entrykind", native_enum=False, length=40), nullable=False),
        sa.Column("area_key", sa.Integer(), nullable=False),
        *([sa.Column("year", sa.Integer(), nullable=False)] if detailed else []),
        *([sa.Column("organization_key", sa.Integer(), nullable=False)] if detailed else []),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_ledger_totals_fund_id_funds")),
        sa.PrimaryKeyConstraint(*keys, name=op.f("pk_ledger_totals")),
    )
    groups = [ledger_entries.c.fund_id, ledger_entries.c.kind, sa.func.coalesce(ledger_entries.c.area_id, 0)]
    if detailed:
        groups += [
            sa.cast(sa.extract("year", ledger_entries.c.on_date), sa.Integer),
            sa.func.coalesce(allocations.c.organization_id, 0),
        ]
    sums = (
        sa.select(*groups, sa.func.sum(ledger_entries.c.amount))
        .select_from(ledger_entries.outerjoin(allocations, allocations.c.id == ledger_entries.c.allocation_id))
        .group_by(*groups)
    )
    totals = sa.table("ledger_totals", *(sa.column(name) for name in [*keys, "amount"]))
    op.get_bind().execute(totals.insert().from_select([*keys, "amount"], sums))


def upgrade():
    op.drop_table("ledger_totals")
    create_totals(detailed=True)


def downgrade():
    op.drop_table("ledger_totals")
    create_totals(detailed=False)
