"""calls for proposals: a fund's calls (window, ceiling, what they target, texts in every language), and the call a
proposal answers.

Existing proposals were sent before the fund had calls: they answer none (call_id stays NULL), and the checks a
call makes at submission do not apply to them; nothing else changes.

Revision ID: 3f7a9c2e5b14
Revises: 4f7a2c9e1b36
Create Date: 2026-12-04 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db
from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "3f7a9c2e5b14"
down_revision = "4f7a2c9e1b36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("state", sa.Enum("draft", "published", "closed", name="callstate", native_enum=False, length=40),
                  nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("ceiling", fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ceiling > 0", name=op.f("ck_calls_ceiling_positive")),
        sa.CheckConstraint("closes_on IS NULL OR closes_on >= opens_on", name=op.f("ck_calls_window_in_order")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_calls_created_by_id_users")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_calls_fund_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("reference", name=op.f("uq_calls_reference")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_fund_id"), ["fund_id"], unique=False)
    op.create_table(
        "call_areas",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["thematic_areas.id"], name=op.f("fk_call_areas_area_id_thematic_areas")),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_areas_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id", "area_id", name=op.f("pk_call_areas")),
    )
    op.create_table(
        "call_regions",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_regions_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_call_regions_region_code_regions")),
        sa.PrimaryKeyConstraint("call_id", "region_code", name=op.f("pk_call_regions")),
    )
    op.create_table(
        "call_objectives",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_objectives_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["objective_id"], ["objectives.id"],
                                name=op.f("fk_call_objectives_objective_id_objectives")),
        sa.PrimaryKeyConstraint("call_id", "objective_id", name=op.f("pk_call_objectives")),
    )
    add_call_reference()
    op.create_index(op.f("ix_proposals_call_id"), "proposals", ["call_id"], unique=False)
    # The data: every existing proposal answers no call (call_id NULL), which the new column already says.


def add_call_reference() -> None:
    """proposals.call_id. On SQLite without a batch rebuild: rebuilding proposals drops the table, and with foreign
    keys on that cascades to its participants, budget lines, versions and everything else that hangs from it. A
    column left by a downgrade on SQLite is reused."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if "call_id" not in {c["name"] for c in sa.inspect(bind).get_columns("proposals")}:
            op.execute("ALTER TABLE proposals ADD COLUMN call_id INTEGER "
                       "CONSTRAINT fk_proposals_call_id_calls REFERENCES calls (id)")
        return
    op.add_column("proposals", sa.Column("call_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_proposals_call_id_calls"), "proposals", "calls", ["call_id"], ["id"])


def downgrade() -> None:
    op.execute("UPDATE proposals SET call_id = NULL")  # the calls go: nothing may point at them
    op.drop_index(op.f("ix_proposals_call_id"), table_name="proposals")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_proposals_call_id_calls"), "proposals", type_="foreignkey")
        op.drop_column("proposals", "call_id")
    else:
        # a column that references another table goes only with a rebuild of proposals, which with foreign keys
        # on would cascade-delete everything that hangs from it; left in place, it would point at a dropped table
        with foreign_keys_off(), op.batch_alter_table("proposals", recreate="always") as batch_op:
            batch_op.drop_column("call_id")
    op.drop_table("call_objectives")
    op.drop_table("call_regions")
    op.drop_table("call_areas")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_fund_id"))
    op.drop_table("calls")
