"""reference at submission: a proposal's reference number is given when it is first submitted, not when the draft
is started; drafts have none (the pages show "Draft" in its place).

Existing drafts never submitted give their reference back (it stays consumed: the counter does not go back, so no
later proposal takes it). A downgrade gives each draft without one a reference of its own, FUND-DRAFT-<id>.

Revision ID: c4ee83f48b86
Revises: 9971a1b9b8d3
Create Date: 2026-12-04 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "c4ee83f48b86"
down_revision = "9971a1b9b8d3"
branch_labels = None
depends_on = None

proposals = sa.table(
    "proposals",
    sa.column("id", sa.Integer),
    sa.column("fund_id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("stage", sa.String),
    sa.column("concept_note_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("version_count", sa.Integer),
)
funds = sa.table("funds", sa.column("id", sa.Integer), sa.column("code", sa.String))


def set_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # a rebuild of proposals, which with foreign keys on would cascade-delete everything that hangs from it
        with foreign_keys_off(), op.batch_alter_table("proposals", recreate="always") as batch_op:
            batch_op.alter_column("reference", existing_type=sa.String(length=30), nullable=nullable)
    else:
        op.alter_column("proposals", "reference", existing_type=sa.String(length=30), nullable=nullable)


def upgrade() -> None:
    set_nullable(True)
    op.get_bind().execute(
        proposals.update()
        .where(proposals.c.state == "draft", proposals.c.version_count == 0)
        .values(reference=None)
    )


def downgrade() -> None:
    """Every draft gets a reference again; a draft concept note its programme document's with "-CN" (or its own id's
    when it has none), which the concept notes' upgrade (bf8cde206288) recognises and links again."""
    connection = op.get_bind()
    codes = dict(connection.execute(sa.select(funds.c.id, funds.c.code)).all())
    document_of = dict(
        connection.execute(
            sa.select(proposals.c.concept_note_id, proposals.c.id).where(proposals.c.concept_note_id.is_not(None))
        ).all()
    )
    for proposal_id, fund_id, stage in connection.execute(
        sa.select(proposals.c.id, proposals.c.fund_id, proposals.c.stage).where(proposals.c.reference.is_(None))
    ).all():
        if stage == "concept_note":
            reference = f"{codes[fund_id]}-DRAFT-{document_of.get(proposal_id, proposal_id)}-CN"[:30]
        else:
            reference = f"{codes[fund_id]}-DRAFT-{proposal_id}"[:30]
        connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(reference=reference))
    set_nullable(False)
