"""consensus positions: members of a committee deciding by consensus state positions, not votes.

The votes already cast on items of funds deciding by consensus become positions (approve: support;
approve with conditions: support with a reservation, its text left empty; reject: object; defer and
abstain: stand aside), none minuted by name (nobody asked). The votes themselves stay as they were,
as history: the app no longer reads them for those funds. Votes of funds deciding by majority are
untouched (a changed vote now rewrites its one row, so they need no new column).

Revision ID: 5c1d7e2a9f30
Revises: 5d2e8a41c9f3
Create Date: 2026-12-04 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1d7e2a9f30"
down_revision = "5d2e8a41c9f3"
branch_labels = None
depends_on = None

STANCES = {
    "approve": "support",
    "approve_with_conditions": "reservation",
    "reject": "object",
    "defer": "stand_aside",
    "abstain": "stand_aside",
}


def upgrade() -> None:
    positions = op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "stance",
            sa.Enum("support", "reservation", "stand_aside", "object", name="stance", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("minute_by_name", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_positions_item_id_agenda_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_positions_member_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint("item_id", "member_id", name=op.f("uq_positions_item_id_member_id")),
    )
    op.create_index(op.f("ix_positions_item_id"), "positions", ["item_id"])
    op.create_index(op.f("ix_positions_member_id"), "positions", ["member_id"])

    votes = sa.table(
        "votes", sa.column("id"), sa.column("item_id"), sa.column("member_id"), sa.column("choice"),
        sa.column("cast_at", sa.DateTime(timezone=True)),  # typed: SQLite hands back text otherwise
    )  # fmt: skip
    items = sa.table("agenda_items", sa.column("id"), sa.column("meeting_id"))
    meetings = sa.table("meetings", sa.column("id"), sa.column("fund_id"))
    funds = sa.table("funds", sa.column("id"), sa.column("decision_rule"))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(votes.c.item_id, votes.c.member_id, votes.c.choice, votes.c.cast_at)
        .join(items, items.c.id == votes.c.item_id)
        .join(meetings, meetings.c.id == items.c.meeting_id)
        .join(funds, funds.c.id == meetings.c.fund_id)
        .where(funds.c.decision_rule == "consensus")
        .order_by(votes.c.id)
    ).all()
    if rows:
        op.bulk_insert(
            positions,
            [
                {"item_id": item_id, "member_id": member_id, "stance": STANCES[choice], "text": "",
                 "minute_by_name": False, "updated_at": cast_at}
                for item_id, member_id, choice, cast_at in rows
            ],
        )  # fmt: skip


def downgrade() -> None:
    # The votes were kept: dropping the positions loses only what members stated after the upgrade.
    op.drop_index(op.f("ix_positions_member_id"), table_name="positions")
    op.drop_index(op.f("ix_positions_item_id"), table_name="positions")
    op.drop_table("positions")
