"""finance: donor contributions, the fund's ledger, allocations and transfers.

Revision ID: a62030fc0cad
Revises: 718925c4b6d2
Create Date: 2026-11-24 14:58:52.763591

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "a62030fc0cad"
down_revision = "718925c4b6d2"
branch_labels = None
depends_on = None


def money() -> fundmgr.db.ScaledDecimal:
    return fundmgr.db.ScaledDecimal(precision=18, scale=2)


def upgrade() -> None:
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("commitment", "deposit", name="contributionkind", native_enum=False, length=40), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", money(), nullable=False),
        sa.Column("rate_to_usd", fundmgr.db.ScaledDecimal(precision=12, scale=6), nullable=False),
        sa.Column("usd_amount", money(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(amount > 0) = (usd_amount > 0)", name=op.f("ck_contributions_usd_same_sign")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_contributions_amount_not_zero")),
        sa.CheckConstraint("rate_to_usd > 0", name=op.f("ck_contributions_rate_positive")),
        sa.ForeignKeyConstraint(["area_id"], ["thematic_areas.id"], name=op.f("fk_contributions_area_id_thematic_areas")),
        sa.ForeignKeyConstraint(["corrects_id"], ["contributions.id"], name=op.f("fk_contributions_corrects_id_contributions")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_contributions_created_by_id_users")),
        sa.ForeignKeyConstraint(["donor_id"], ["organizations.id"], name=op.f("fk_contributions_donor_id_organizations")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_contributions_fund_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    op.create_index(op.f("ix_contributions_corrects_id"), "contributions", ["corrects_id"])
    op.create_index(op.f("ix_contributions_donor_id"), "contributions", ["donor_id"])
    op.create_index("ix_contributions_fund_date", "contributions", ["fund_id", "on_date"])
    op.create_index(op.f("ix_contributions_reference"), "contributions", ["reference"])

    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("direct", money(), nullable=False),
        sa.Column("indirect", money(), nullable=False),
        sa.Column("total", money(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direct >= 0 AND indirect >= 0", name=op.f("ck_allocations_parts_not_negative")),
        sa.CheckConstraint("total = direct + indirect", name=op.f("ck_allocations_total_is_sum")),
        sa.CheckConstraint("total > 0", name=op.f("ck_allocations_total_positive")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_allocations_created_by_id_users")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_allocations_fund_id_funds")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_allocations_organization_id_organizations")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_allocations_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["version_id"], ["proposal_versions.id"], name=op.f("fk_allocations_version_id_proposal_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("proposal_id", "organization_id", name=op.f("uq_allocations_proposal_id_organization_id")),
    )
    op.create_index(op.f("ix_allocations_fund_id"), "allocations", ["fund_id"])
    op.create_index(op.f("ix_allocations_organization_id"), "allocations", ["organization_id"])
    op.create_index(op.f("ix_allocations_proposal_id"), "allocations", ["proposal_id"])

    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=False),
        sa.Column("amount", money(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint("tranche >= 1", name=op.f("ck_transfers_tranche_positive")),
        sa.ForeignKeyConstraint(["allocation_id"], ["allocations.id"], name=op.f("fk_transfers_allocation_id_allocations")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_transfers_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("allocation_id", "tranche", name=op.f("uq_transfers_allocation_id_tranche")),
    )
    op.create_index(op.f("ix_transfers_allocation_id"), "transfers", ["allocation_id"])

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "deposit", "aa_fee", "interest", "allocation", "allocation_release", "transfer", "refund",
                name="entrykind", native_enum=False, length=40,
            ),
            nullable=False,
        ),
        sa.Column("amount", money(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("contribution_id", sa.Integer(), nullable=True),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(["allocation_id"], ["allocations.id"], name=op.f("fk_ledger_entries_allocation_id_allocations")),
        sa.ForeignKeyConstraint(["area_id"], ["thematic_areas.id"], name=op.f("fk_ledger_entries_area_id_thematic_areas")),
        sa.ForeignKeyConstraint(["contribution_id"], ["contributions.id"], name=op.f("fk_ledger_entries_contribution_id_contributions")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_ledger_entries_created_by_id_users")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_ledger_entries_fund_id_funds")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_ledger_entries_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_ledger_entries_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_allocation_id"), "ledger_entries", ["allocation_id"])
    op.create_index(op.f("ix_ledger_entries_area_id"), "ledger_entries", ["area_id"])
    op.create_index(op.f("ix_ledger_entries_contribution_id"), "ledger_entries", ["contribution_id"])
    op.create_index("ix_ledger_entries_fund_kind", "ledger_entries", ["fund_id", "kind"])
    op.create_index(op.f("ix_ledger_entries_on_date"), "ledger_entries", ["on_date"])
    op.create_index(op.f("ix_ledger_entries_proposal_id"), "ledger_entries", ["proposal_id"])
    op.create_index(op.f("ix_ledger_entries_transfer_id"), "ledger_entries", ["transfer_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    op.drop_table("ledger_entries")
    op.drop_table("transfers")
    op.drop_table("allocations")
    op.drop_table("contributions")
