"""programme closure: the dates of a programme's operational and financial closure.

A programme already closed keeps its closure: its operational closure date is the day it was closed (the
audit entry of the move, or its last change where the audit has none). No existing programme was financially
closed (no operation did it before).

Revision ID: e5a7c3d19b42
Revises: 8b41e6c2d7a5
Create Date: 2026-12-04 19:00:00.000000

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a7c3d19b42"
down_revision = "8b41e6c2d7a5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("proposals", sa.Column("operationally_closed_on", sa.Date(), nullable=True))
    op.add_column("proposals", sa.Column("financially_closed_on", sa.Date(), nullable=True))

    proposals = sa.table("proposals", sa.column("id", sa.Integer()), sa.column("state", sa.String()),
                         sa.column("updated_at", sa.DateTime(timezone=True)),
                         sa.column("operationally_closed_on", sa.Date()))  # fmt: skip
    audit = sa.table("audit_entries", sa.column("object_type", sa.String()), sa.column("object_id", sa.String()),
                     sa.column("action", sa.String()), sa.column("created_at", sa.DateTime(timezone=True)))  # fmt: skip
    connection = op.get_bind()
    closed = connection.execute(
        sa.select(proposals.c.id, proposals.c.updated_at).where(proposals.c.state == "closed").order_by(proposals.c.id)
    ).all()
    for proposal_id, updated_at in closed:
        moved = connection.scalar(
            sa.select(sa.func.max(audit.c.created_at)).where(
                audit.c.object_type == "proposal",
                audit.c.object_id == str(proposal_id),
                audit.c.action == "programme.closed",
            )
        )
        connection.execute(
            proposals.update()
            .where(proposals.c.id == proposal_id)
            .values(operationally_closed_on=as_date(moved or updated_at))
        )


def as_date(value: object) -> dt.date:
    """The day of a stored timestamp (SQLite may hand back text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.date()


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch would copy the table many others point to
    op.drop_column("proposals", "financially_closed_on")
    op.drop_column("proposals", "operationally_closed_on")
