"""decision record: a tamper-evident chain of the committee's decisions per fund.

Each decision, and each approval of minutes, is a link holding the canonical JSON of what it was taken on, its
hash and the previous link's. The decisions and approvals taken before this revision are linked per fund in the
order they were taken, computed from the stored data by the same code that links new ones
(fundmgr.steering.operations.records.build_chain).

That code reads the current models, which later revisions extend, so it cannot run here: on a database at this
revision the models' later columns do not exist yet. It runs once an upgrade reaches the head (fundmgr/migrations/
env.py), where models and schema agree; it links only what is not yet linked, so it is a no-op afterwards.

Revision ID: 3f9a7c2e51b4
Revises: 04dc1252768a
Create Date: 2026-12-04 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3f9a7c2e51b4"
down_revision = "04dc1252768a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("decision", "minutes", name="recordkind", native_enum=False, length=40),
                  nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("minutes_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(decision_id IS NULL) <> (minutes_id IS NULL)",
                           name=op.f("ck_decision_records_one_subject")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_decision_records_fund_id_funds")),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"],
                                name=op.f("fk_decision_records_decision_id_decisions")),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], name=op.f("fk_decision_records_minutes_id_minutes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_records")),
        sa.UniqueConstraint("fund_id", "sequence", name=op.f("uq_decision_records_fund_id_sequence")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_decision_records_decision_id")),
        sa.UniqueConstraint("minutes_id", name=op.f("uq_decision_records_minutes_id")),
        sa.UniqueConstraint("record_hash", name=op.f("uq_decision_records_record_hash")),
    )  # fmt: skip
    op.create_index(op.f("ix_decision_records_fund_id"), "decision_records", ["fund_id"])
    # The decisions taken before this revision are linked after the upgrade reaches the head (see the docstring).


def downgrade() -> None:
    op.drop_index(op.f("ix_decision_records_fund_id"), table_name="decision_records")
    op.drop_table("decision_records")
