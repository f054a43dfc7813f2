"""official minutes: one set of minutes per meeting, a draft until the committee approves it, then frozen.

Every meeting that has already ended gets its minutes as a draft, drafted when it ended (nothing was approved
before: the minutes were generated for each reader at any time).

Revision ID: 8b41e6c2d7a5
Revises: 1c45176e08cf
Create Date: 2026-12-04 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8b41e6c2d7a5"
down_revision = "1c45176e08cf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    minutes = op.create_table(
        "minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("draft", "approved", name="minutesstate", native_enum=False, length=40),
                  nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_in_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=80), nullable=True),
        sa.CheckConstraint("state = 'draft' OR (storage_key IS NOT NULL AND content IS NOT NULL "
                           "AND approved_in_id IS NOT NULL)", name=op.f("ck_minutes_approved_is_frozen")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_minutes_meeting_id_meetings"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["approved_in_id"], ["meetings.id"], name=op.f("fk_minutes_approved_in_id_meetings")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_minutes_approved_by_id_users")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_minutes_signed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_minutes_meeting_id")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_minutes_storage_key")),
    )  # fmt: skip
    op.create_index(op.f("ix_minutes_approved_in_id"), "minutes", ["approved_in_id"])

    meetings = sa.table("meetings", sa.column("id"), sa.column("state"),
                        sa.column("ended_at", sa.DateTime(timezone=True)),
                        sa.column("created_at", sa.DateTime(timezone=True)))  # fmt: skip
    connection = op.get_bind()
    ended = connection.execute(
        sa.select(meetings.c.id, sa.func.coalesce(meetings.c.ended_at, meetings.c.created_at)).where(meetings.c.state == "closed").order_by(meetings.c.id)
    ).all()
    if ended:
        op.bulk_insert(
            minutes,
            [{"meeting_id": meeting_id, "state": "draft", "summary": "", "drafted_at": ended_at,
              "updated_at": ended_at} for meeting_id, ended_at in ended],
        )  # fmt: skip


def downgrade() -> None:
    op.drop_index(op.f("ix_minutes_approved_in_id"), table_name="minutes")
    op.drop_table("minutes")
