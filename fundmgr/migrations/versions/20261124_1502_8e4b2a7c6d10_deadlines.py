"""deadlines: reminders sent (each exactly once) for scoring, written-procedure and reporting deadlines.

Revision ID: 8e4b2a7c6d10
Revises: 5c0d1f3e9a21
Create Date: 2026-11-24 15:02:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e4b2a7c6d10"
down_revision = "5c0d1f3e9a21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("scoring", "procedure", "report", name="deadlinekind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_reminders_sent_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_reminders_sent_recipient_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_reminders_sent_sent_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        # One scheduled reminder per deadline, person and offset: what makes each one go out once.
        sa.UniqueConstraint(
            "kind",
            "object_id",
            "recipient_id",
            "due_on",
            "offset_days",
            name=op.f("uq_reminders_sent_kind_object_id_recipient_id_due_on_offset_days"),
        ),
    )
    op.create_index(op.f("ix_reminders_sent_fund_id"), "reminders_sent", ["fund_id"])
    op.create_index(op.f("ix_reminders_sent_recipient_id"), "reminders_sent", ["recipient_id"])
    op.create_index("ix_reminders_sent_deadline", "reminders_sent", ["kind", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_reminders_sent_deadline", table_name="reminders_sent")
    op.drop_index(op.f("ix_reminders_sent_recipient_id"), table_name="reminders_sent")
    op.drop_index(op.f("ix_reminders_sent_fund_id"), table_name="reminders_sent")
    op.drop_table("reminders_sent")
