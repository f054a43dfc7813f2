"""steering: review assignments, conflicts of interest, reviews and scores, meetings with attendance,
agenda items and votes, written procedures with their answers, and the Steering Committee's decisions.

Revision ID: abab91837d87
Revises: a62030fc0cad
Create Date: 2026-11-24 14:59:54.549599

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "abab91837d87"
down_revision = "a62030fc0cad"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("in_person", "virtual", "hybrid", name="meetingmode", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("quorum_share", fundmgr.db.ScaledDecimal(precision=12, scale=6), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled", "in_progress", "closed", "cancelled", name="meetingstate", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("language IN ('en', 'fr', 'es')", name=op.f("ck_meetings_language_known")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_meetings_fund_id_funds")),
        sa.ForeignKeyConstraint(["scheduled_by_id"], ["users.id"], name=op.f("fk_meetings_scheduled_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("reference", name=op.f("uq_meetings_reference")),
    )
    op.create_index(op.f("ix_meetings_fund_id"), "meetings", ["fund_id"])

    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waived_by_id", sa.Integer(), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_conflicts_member_id_users")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_conflicts_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["waived_by_id"], ["users.id"], name=op.f("fk_conflicts_waived_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
        sa.UniqueConstraint("proposal_id", "member_id", name=op.f("uq_conflicts_proposal_id_member_id")),
    )
    op.create_index(op.f("ix_conflicts_member_id"), "conflicts", ["member_id"])
    op.create_index(op.f("ix_conflicts_proposal_id"), "conflicts", ["proposal_id"])

    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_attendance_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_meeting_attendance_member_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("meeting_id", "member_id", name=op.f("uq_meeting_attendance_meeting_id_member_id")),
    )
    op.create_index(op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance", ["meeting_id"])
    op.create_index(op.f("ix_meeting_attendance_member_id"), "meeting_attendance", ["member_id"])

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "open", "closed", "decided", name="itemstate", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quorum_record", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_agenda_items_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_agenda_items_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint("meeting_id", "proposal_id", name=op.f("uq_agenda_items_meeting_id_proposal_id")),
    )
    op.create_index(op.f("ix_agenda_items_meeting_id"), "agenda_items", ["meeting_id"])
    op.create_index(op.f("ix_agenda_items_proposal_id"), "agenda_items", ["proposal_id"])

    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_review_assignments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_review_assignments_member_id_users")),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_review_assignments_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_review_assignments_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint("version_id", "member_id", name=op.f("uq_review_assignments_version_id_member_id")),
    )
    op.create_index(op.f("ix_review_assignments_member_id"), "review_assignments", ["member_id"])
    op.create_index(op.f("ix_review_assignments_proposal_id"), "review_assignments", ["proposal_id"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "state", sa.Enum("draft", "submitted", name="reviewstate", native_enum=False, length=40), nullable=False
        ),
        sa.Column(
            "recommendation",
            sa.Enum(
                "approve",
                "approve_with_conditions",
                "revise",
                "reject",
                name="recommendation",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state = 'draft' OR (recommendation IS NOT NULL AND submitted_at IS NOT NULL)",
            name=op.f("ck_reviews_submitted_is_complete"),
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_reviews_member_id_users")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_reviews_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_reviews_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("version_id", "member_id", name=op.f("uq_reviews_version_id_member_id")),
    )
    op.create_index(op.f("ix_reviews_member_id"), "reviews", ["member_id"])
    op.create_index(op.f("ix_reviews_proposal_id"), "reviews", ["proposal_id"])
    op.create_index(op.f("ix_reviews_version_id"), "reviews", ["version_id"])

    op.create_table(
        "written_procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "approve",
                "approve_with_conditions",
                "endorse",
                "defer",
                "reject",
                name="decisionoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("approved_amount", fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open", "adopted", "objected", "withdrawn", name="writtenprocedurestate", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("circulated_by_id", sa.Integer(), nullable=True),
        sa.Column("circulated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["circulated_by_id"], ["users.id"], name=op.f("fk_written_procedures_circulated_by_id_users")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_written_procedures_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_written_procedures_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_written_procedures_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_written_procedures")),
        sa.UniqueConstraint("reference", name=op.f("uq_written_procedures_reference")),
    )
    op.create_index(op.f("ix_written_procedures_fund_id"), "written_procedures", ["fund_id"])
    op.create_index(op.f("ix_written_procedures_proposal_id"), "written_procedures", ["proposal_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "approve",
                "approve_with_conditions",
                "endorse",
                "defer",
                "reject",
                name="decisionoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("approved_amount", fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(outcome IN ('approve', 'approve_with_conditions')) = (approved_amount IS NOT NULL)",
            name=op.f("ck_decisions_amount_iff_funded"),
        ),
        sa.CheckConstraint("(item_id IS NULL) <> (procedure_id IS NULL)", name=op.f("ck_decisions_one_origin")),
        sa.CheckConstraint("approved_amount IS NULL OR approved_amount > 0", name=op.f("ck_decisions_amount_positive")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_decisions_fund_id_funds")),
        sa.ForeignKeyConstraint(["item_id"], ["agenda_items.id"], name=op.f("fk_decisions_item_id_agenda_items")),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["written_procedures.id"], name=op.f("fk_decisions_procedure_id_written_procedures")
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_decisions_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_decisions_recorded_by_id_users")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_decisions_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("item_id", name=op.f("uq_decisions_item_id")),
        sa.UniqueConstraint("procedure_id", name=op.f("uq_decisions_procedure_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_decisions_reference")),
    )
    op.create_index(op.f("ix_decisions_fund_id"), "decisions", ["fund_id"])
    op.create_index(op.f("ix_decisions_proposal_id"), "decisions", ["proposal_id"])

    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["criterion_id"], ["criteria.id"], name=op.f("fk_review_scores_criterion_id_criteria")),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_scores_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_scores")),
        sa.UniqueConstraint("review_id", "criterion_id", name=op.f("uq_review_scores_review_id_criterion_id")),
    )
    op.create_index(op.f("ix_review_scores_review_id"), "review_scores", ["review_id"])

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum(
                "approve",
                "approve_with_conditions",
                "defer",
                "reject",
                "abstain",
                name="votechoice",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_votes_item_id_agenda_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_votes_member_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("item_id", "member_id", name=op.f("uq_votes_item_id_member_id")),
    )
    op.create_index(op.f("ix_votes_item_id"), "votes", ["item_id"])
    op.create_index(op.f("ix_votes_member_id"), "votes", ["member_id"])

    op.create_table(
        "written_procedure_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("objects", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_written_procedure_responses_member_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["written_procedures.id"],
            name=op.f("fk_written_procedure_responses_procedure_id_written_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_written_procedure_responses")),
        sa.UniqueConstraint(
            "procedure_id", "member_id", name=op.f("uq_written_procedure_responses_procedure_id_member_id")
        ),
    )
    op.create_index(op.f("ix_written_procedure_responses_member_id"), "written_procedure_responses", ["member_id"])
    op.create_index(
        op.f("ix_written_procedure_responses_procedure_id"), "written_procedure_responses", ["procedure_id"]
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    op.drop_table("written_procedure_responses")
    op.drop_table("votes")
    op.drop_table("review_scores")
    op.drop_table("decisions")
    op.drop_table("written_procedures")
    op.drop_table("reviews")
    op.drop_table("review_assignments")
    op.drop_table("agenda_items")
    op.drop_table("meeting_attendance")
    op.drop_table("conflicts")
    op.drop_table("meetings")
