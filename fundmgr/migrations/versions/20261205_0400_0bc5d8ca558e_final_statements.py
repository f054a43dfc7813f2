"""finance: the certified final financial statements of each organization on a programme closed financially are
recorded (received on a date, by whom, the document), instead of counting as received once the organization
certifies its expenditure for the year of the closure.

Existing rows: where an organization of a financially closed programme has certified (annual) expenditure for the
closure's year, its statements are recorded as received on the day that certification was first recorded, by whom
recorded it, the document naming the certified expenditure. Downgrading forgets the records (the rule before them
reads the certified expenditure again).

Revision ID: 0bc5d8ca558e
Revises: 1b4c8b24a585
Create Date: 2026-12-05 04:00:00.000000

"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0bc5d8ca558e"
down_revision = "1b4c8b24a585"
branch_labels = None
depends_on = None

proposals = sa.table("proposals", sa.column("id"), sa.column("fund_id"), sa.column("financially_closed_on", sa.Date))
allocations = sa.table("allocations", sa.column("id"), sa.column("proposal_id"), sa.column("organization_id"))
expenditures = sa.table(
    "expenditures",
    sa.column("allocation_id"),
    sa.column("year"),
    sa.column("kind", sa.String),
    sa.column("updated_by_id"),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    statements = op.create_table(
        "final_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("document", sa.String(length=300), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_final_statements_fund_id_funds")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"],
                                name=op.f("fk_final_statements_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_final_statements_organization_id_organizations")),
        sa.ForeignKeyConstraint(["received_by_id"], ["users.id"],
                                name=op.f("fk_final_statements_received_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_final_statements")),
        sa.UniqueConstraint("proposal_id", "organization_id",
                            name=op.f("uq_final_statements_proposal_id_organization_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_final_statements_fund_id"), "final_statements", ["fund_id"])
    op.create_index(op.f("ix_final_statements_proposal_id"), "final_statements", ["proposal_id"])
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            proposals.c.id,
            proposals.c.fund_id,
            proposals.c.financially_closed_on,
            allocations.c.organization_id,
            expenditures.c.year,
            expenditures.c.updated_by_id,
            expenditures.c.updated_at,
        )
        .join(allocations, allocations.c.proposal_id == proposals.c.id)
        .join(expenditures, expenditures.c.allocation_id == allocations.c.id)
        .where(proposals.c.financially_closed_on.is_not(None), expenditures.c.kind == "annual")
        .order_by(expenditures.c.updated_at)
    ).all()
    first: dict[tuple[int, int], dict[str, object]] = {}
    for proposal_id, fund_id, closed_on, organization_id, year, by, at in rows:
        if year != closed_on.year or (proposal_id, organization_id) in first:
            continue
        at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        first[(proposal_id, organization_id)] = {
            "fund_id": fund_id,
            "proposal_id": proposal_id,
            "organization_id": organization_id,
            "received_on": at.date(),
            "document": f"Certified expenditure for {year}",
            "received_by_id": by,
            "recorded_at": at,
        }
    if first:
        op.bulk_insert(statements, list(first.values()))


def downgrade() -> None:
    op.drop_index(op.f("ix_final_statements_proposal_id"), table_name="final_statements")
    op.drop_index(op.f("ix_final_statements_fund_id"), table_name="final_statements")
    op.drop_table("final_statements")
