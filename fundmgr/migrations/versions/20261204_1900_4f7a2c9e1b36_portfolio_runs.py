"""portfolio runs: the portfolio proposals the FMU asks for (rules, candidates and answer, kept as computed).

A new table; no existing row has anything to migrate (no proposal was computed before).

Revision ID: 4f7a2c9e1b36
Revises: e7a3c9d14b62
Create Date: 2026-12-04 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "4f7a2c9e1b36"
down_revision = "e7a3c9d14b62"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portfolio_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("budget", fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
        sa.Column("feasible", sa.Boolean(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_portfolio_runs_fund_id_funds")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_portfolio_runs_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_runs")),
    )
    op.create_index(op.f("ix_portfolio_runs_fund_id"), "portfolio_runs", ["fund_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_portfolio_runs_fund_id"), table_name="portfolio_runs")
    op.drop_table("portfolio_runs")
