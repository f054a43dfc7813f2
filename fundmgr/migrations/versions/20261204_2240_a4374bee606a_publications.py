"""opendata: what the FMU publishes on a fund's public page (annual reports as frozen PDFs, decisions' summaries).

Two new tables: nothing was published before, so no row is migrated.

Revision ID: a4374bee606a
Revises: 0131edfac1ad
Create Date: 2026-12-04 22:40:17.354157

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4374bee606a"
down_revision = "0131edfac1ad"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("annual_report", "decision_summary", name="publicationkind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'annual_report') = (year IS NOT NULL)", name=op.f("ck_publications_year_iff_annual_report")
        ),
        sa.CheckConstraint(
            "(kind = 'decision_summary') = (decision_id IS NOT NULL)", name=op.f("ck_publications_decision_iff_summary")
        ),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_publications_decision_id_decisions")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_publications_fund_id_funds")),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], name=op.f("fk_publications_published_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "publication_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_publication_files_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_files")),
        sa.UniqueConstraint("publication_id", "language", name=op.f("uq_publication_files_publication_id_language")),
    )
    with op.batch_alter_table("publication_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_files_publication_id"), ["publication_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publication_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_files_publication_id"))

    op.drop_table("publication_files")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_fund_id"))
        batch_op.drop_index(batch_op.f("ix_publications_decision_id"))

    op.drop_table("publications")
