"""proposals: several thematic areas with their shares; technical reviewers' invitations and comments.

`proposal_areas` holds every thematic area of a proposal with its share of the programme in percent (the primary
area's included; the shares add up to 100). Each existing proposal with a primary area gets that area at 100%.
`technical_reviewer` is a new value of the (non-native) role enum: no change of type is needed.
`review_invitations` are the FMU's invitations of technical reviewers to comment on a proposal;
`review_comments` what they wrote.

Revision ID: 9971a1b9b8d3
Revises: bf8cde206288
Create Date: 2026-12-04 23:00:00.000000

"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "9971a1b9b8d3"
down_revision = "bf8cde206288"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_areas",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("share", fundmgr.db.ScaledDecimal(precision=5, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_areas_proposal_id_proposals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["thematic_areas.id"], name=op.f("fk_proposal_areas_area_id_thematic_areas")),
        sa.PrimaryKeyConstraint("proposal_id", "area_id", name=op.f("pk_proposal_areas")),
    )
    # the proposals' primary areas at 100%, written through the column's type (scaled integers on SQLite)
    proposals = sa.table("proposals", sa.column("id", sa.Integer), sa.column("primary_area_id", sa.Integer))
    areas = sa.table("proposal_areas", sa.column("proposal_id", sa.Integer), sa.column("area_id", sa.Integer),
                     sa.column("share", fundmgr.db.ScaledDecimal(5, 2)))
    rows = op.get_bind().execute(
        sa.select(proposals.c.id, proposals.c.primary_area_id).where(proposals.c.primary_area_id.is_not(None))
    )
    primary = [{"proposal_id": pid, "area_id": area_id, "share": Decimal(100)} for pid, area_id in rows]
    if primary:
        op.bulk_insert(areas, primary)
    op.create_table(
        "review_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_review_invitations_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_review_invitations_reviewer_id_users")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"], name=op.f("fk_review_invitations_invited_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_invitations")),
        sa.UniqueConstraint("proposal_id", "reviewer_id", name=op.f("uq_review_invitations_proposal_id_reviewer_id")),
    )
    op.create_index(op.f("ix_review_invitations_proposal_id"), "review_invitations", ["proposal_id"])
    op.create_index(op.f("ix_review_invitations_reviewer_id"), "review_invitations", ["reviewer_id"])
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["review_invitations.id"],
                                name=op.f("fk_review_comments_invitation_id_review_invitations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
    )
    op.create_index(op.f("ix_review_comments_invitation_id"), "review_comments", ["invitation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_comments_invitation_id"), table_name="review_comments")
    op.drop_table("review_comments")
    op.drop_index(op.f("ix_review_invitations_reviewer_id"), table_name="review_invitations")
    op.drop_index(op.f("ix_review_invitations_proposal_id"), table_name="review_invitations")
    op.drop_table("review_invitations")
    op.drop_table("proposal_areas")
    # people holding the new role lose it (the role did not exist before)
    op.execute("DELETE FROM fund_roles WHERE role = 'technical_reviewer'")
