"""finance: expenditure reported by each participating organization, per year, budget category and kind.

A new table: existing funds have no expenditure yet (organizations report it from now on), so no row is
migrated; the demo records its expenditure through the operation.

Revision ID: 1c45176e08cf
Revises: cb782e6b153c
Create Date: 2026-12-04 17:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "1c45176e08cf"
down_revision = "cb782e6b153c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "expenditures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("interim", "annual", name="expenditurekind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("amount", fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_expenditures_amount_not_negative")),
        sa.ForeignKeyConstraint(["allocation_id"], ["allocations.id"], name=op.f("fk_expenditures_allocation_id_allocations")),
        sa.ForeignKeyConstraint(["category_id"], ["budget_categories.id"], name=op.f("fk_expenditures_category_id_budget_categories")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_expenditures_fund_id_funds")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_expenditures_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expenditures")),
        sa.UniqueConstraint(
            "allocation_id", "year", "category_id", "kind",
            name=op.f("uq_expenditures_allocation_id_year_category_id_kind"),
        ),
    )
    with op.batch_alter_table("expenditures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expenditures_allocation_id"), ["allocation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expenditures_fund_id"), ["fund_id"], unique=False)


def downgrade():
    with op.batch_alter_table("expenditures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expenditures_fund_id"))
        batch_op.drop_index(batch_op.f("ix_expenditures_allocation_id"))
    op.drop_table("expenditures")
