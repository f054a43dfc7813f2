"""finance: a budget revision moves direct costs between several budget lines at once; the certified final
financial statements are uploaded as a file with their certified total.

Budget revisions: the lines a request changes move to `budget_revision_lines` (revision, organization, category,
programme year, a signed amount; a request's lines add up to zero), and the revision's own columns for its one move
(from and to organization and category, year, amount) are dropped. Existing rows: each revision's one move becomes
its two lines, the amount taken from the line moved from and added to the line moved to. Downgrading writes each
revision's move back from its lines: the line losing most is the one moved from, the line gaining most the one moved
to, the amount what the request moves in all (a revision of more than two lines keeps only those two lines'
organizations and categories, and the year of the line moved from).

Final statements: the file (name, type, size, sha256, storage key) and the certified total; rows recorded before
have neither (their `document` names the statements). Downgrading forgets the files' link (the stored files stay
until no row points at them) and the totals; a statement without a reference gets its file's name as one.

Revision ID: 7d3e9b2c41a8
Revises: 7e3d51c0a9b2
Create Date: 2026-12-05 22:00:00.000000

"""

import contextlib
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal
from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "7d3e9b2c41a8"
down_revision = "7e3d51c0a9b2"
branch_labels = None
depends_on = None

MOVE_COLUMNS = ("from_organization_id", "from_category", "to_organization_id", "to_category", "year", "amount")

revisions = sa.table(
    "budget_revisions",
    sa.column("id", sa.Integer),
    sa.column("from_organization_id", sa.Integer),
    sa.column("from_category", sa.String),
    sa.column("to_organization_id", sa.Integer),
    sa.column("to_category", sa.String),
    sa.column("year", sa.Integer),
    sa.column("amount", ScaledDecimal(18, 2)),
)


def rebuilding() -> Any:
    """Foreign keys off around SQLite's rebuild of a table (nothing to do on PostgreSQL, which alters it)."""
    return foreign_keys_off() if op.get_bind().dialect.name == "sqlite" else contextlib.nullcontext()


def lines_table() -> sa.Table:
    return op.create_table(
        "budget_revision_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_budget_revision_lines_amount_not_zero")),
        sa.ForeignKeyConstraint(["revision_id"], ["budget_revisions.id"], ondelete="CASCADE",
                                name=op.f("fk_budget_revision_lines_revision_id_budget_revisions")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_budget_revision_lines_organization_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_revision_lines")),
        sa.UniqueConstraint("revision_id", "organization_id", "category", "year",
                            name=op.f("uq_budget_revision_lines_revision_id_organization_id_category_year")),
    )  # fmt: skip


def upgrade() -> None:
    connection = op.get_bind()
    moves = connection.execute(sa.select(revisions).order_by(revisions.c.id)).all()
    with rebuilding(), op.batch_alter_table("budget_revisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_budget_revisions_amount_positive"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_budget_revisions_from_organization_id_organizations"),
                                 type_="foreignkey")  # fmt: skip
        batch_op.drop_constraint(batch_op.f("fk_budget_revisions_to_organization_id_organizations"),
                                 type_="foreignkey")  # fmt: skip
        for name in MOVE_COLUMNS:
            batch_op.drop_column(name)
    lines = lines_table()
    op.create_index(op.f("ix_budget_revision_lines_revision_id"), "budget_revision_lines", ["revision_id"])
    rows = []
    for move in moves:
        rows.append({"revision_id": move.id, "organization_id": move.from_organization_id,
                     "category": move.from_category, "year": move.year, "amount": -move.amount})  # fmt: skip
        rows.append({"revision_id": move.id, "organization_id": move.to_organization_id,
                     "category": move.to_category, "year": move.year, "amount": move.amount})  # fmt: skip
    if rows:
        op.bulk_insert(lines, rows)
    with rebuilding(), op.batch_alter_table("final_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certified_total", ScaledDecimal(18, 2), nullable=True))
        batch_op.add_column(sa.Column("filename", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("content_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("storage_key", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_final_statements_storage_key"), ["storage_key"])


def downgrade() -> None:
    connection = op.get_bind()
    statements = sa.table("final_statements", sa.column("document", sa.String), sa.column("filename", sa.String))
    connection.execute(
        statements.update()
        .where(sa.func.trim(statements.c.document) == "", statements.c.filename.is_not(None))
        .values(document=statements.c.filename)
    )
    with rebuilding(), op.batch_alter_table("final_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_final_statements_storage_key"))
        for name in ("storage_key", "sha256", "size", "content_type", "filename", "certified_total"):
            batch_op.drop_column(name)
    lines = sa.table(
        "budget_revision_lines",
        sa.column("id", sa.Integer),
        sa.column("revision_id", sa.Integer),
        sa.column("organization_id", sa.Integer),
        sa.column("category", sa.String),
        sa.column("year", sa.Integer),
        sa.column("amount", ScaledDecimal(18, 2)),
    )
    by_revision: dict[int, list[Any]] = {}
    for line in connection.execute(sa.select(lines).order_by(lines.c.id)):
        by_revision.setdefault(line.revision_id, []).append(line)
    op.drop_index(op.f("ix_budget_revision_lines_revision_id"), table_name="budget_revision_lines")
    op.drop_table("budget_revision_lines")
    with rebuilding(), op.batch_alter_table("budget_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("from_category", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("to_organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("to_category", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("amount", ScaledDecimal(18, 2), nullable=True))
    for revision_id, own in by_revision.items():
        source = min(own, key=lambda line: line.amount)
        target = max(own, key=lambda line: line.amount)
        moved = sum((line.amount for line in own if line.amount > 0), Decimal("0.00"))
        connection.execute(
            revisions.update()
            .where(revisions.c.id == revision_id)
            .values(from_organization_id=source.organization_id, from_category=source.category,
                    to_organization_id=target.organization_id, to_category=target.category, year=source.year,
                    amount=moved)
        )  # fmt: skip
    with rebuilding(), op.batch_alter_table("budget_revisions", schema=None) as batch_op:
        for name in MOVE_COLUMNS:
            batch_op.alter_column(name, nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_budget_revisions_amount_positive"), "amount > 0")
        batch_op.create_foreign_key(batch_op.f("fk_budget_revisions_from_organization_id_organizations"),
                                    "organizations", ["from_organization_id"], ["id"])  # fmt: skip
        batch_op.create_foreign_key(batch_op.f("fk_budget_revisions_to_organization_id_organizations"),
                                    "organizations", ["to_organization_id"], ["id"])  # fmt: skip
