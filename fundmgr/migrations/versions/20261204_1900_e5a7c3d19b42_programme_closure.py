"""programme closure and extensions: the dates of a programme's operational and financial closure, requests for
no-cost extensions, and the fund's settings after approval.

A programme already closed keeps its closure: its operational closure date is the day it was closed (the
audit entry of the move, or its last change where the audit has none). No existing programme was financially
closed (no operation did it before). Every fund takes the definition's defaults after approval (extensions asked 3
months before the end at the latest, decided by the committee beyond 6 months; the early warning at a delivery 25
points behind time, tranches released at 70% delivery) until its definition file is loaded again.

Revision ID: e5a7c3d19b42
Revises: a6d2b8e41f07
Create Date: 2026-12-04 19:00:00.000000

"""

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal

# revision identifiers, used by Alembic.
revision = "e5a7c3d19b42"
down_revision = "a6d2b8e41f07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("proposals", sa.Column("operationally_closed_on", sa.Date(), nullable=True))
    op.add_column("proposals", sa.Column("financially_closed_on", sa.Date(), nullable=True))
    op.add_column("funds", sa.Column("extension_notice_months", sa.Integer(), server_default="3", nullable=False))
    op.add_column("funds", sa.Column("extension_committee_months", sa.Integer(), server_default="6", nullable=False))
    # rates are stored scaled (integers of millionths on SQLite): the default is written in the dialect's form
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, share in (("delivery_warning_gap", "0.25"), ("tranche_min_delivery", "0.70")):
        default = str(int(Decimal(share) * 1_000_000)) if sqlite else share
        op.add_column("funds", sa.Column(column, ScaledDecimal(12, 6), server_default=default, nullable=False))
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("requested", "forwarded", "approved", "refused", name="extensionstate",
                                   native_enum=False, length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("current_end_date", sa.Date(), nullable=False),
        sa.Column("new_end_date", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("new_end_date > current_end_date", name=op.f("ck_extensions_ends_later")),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_extensions_programme_id_programmes"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_extensions_requested_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_extensions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
    )  # fmt: skip
    op.create_index(op.f("ix_extensions_programme_id"), "extensions", ["programme_id"])

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
    op.drop_index(op.f("ix_extensions_programme_id"), table_name="extensions")
    op.drop_table("extensions")
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch would copy the tables many others point to
    for column in ("tranche_min_delivery", "delivery_warning_gap", "extension_committee_months",
                   "extension_notice_months"):  # fmt: skip
        op.drop_column("funds", column)
    op.drop_column("proposals", "financially_closed_on")
    op.drop_column("proposals", "operationally_closed_on")
