"""funds.concept_note: what a fund's concept notes ask beyond the common case (its definition's `concept_note:`):
migration corridors as a place, and the use of the UN Network on Migration's knowledge platform (required).

Data: every existing fund asks both, as every fund did until now; its definition is read again at its next
`flask fund load` (definition_sha256 emptied), which writes what its file says (a file without the section: neither).

Revision ID: c3e9a1f5d7b2
Revises: a6d3f8c1e925
Create Date: 2026-12-06 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e9a1f5d7b2"
down_revision = "a6d3f8c1e925"
branch_labels = None
depends_on = None

BOTH = {"migration_corridors": True, "knowledge_platform": True}


def upgrade():
    # A plain ADD COLUMN (no constraint names it): never a rebuild of funds.
    op.add_column("funds", sa.Column("concept_note", sa.JSON(), server_default="{}", nullable=False))
    funds = sa.table("funds", sa.column("concept_note", sa.JSON()), sa.column("definition_sha256"))
    op.get_bind().execute(funds.update().values(concept_note=BOTH, definition_sha256=""))


def downgrade():
    op.execute("ALTER TABLE funds DROP COLUMN concept_note")
