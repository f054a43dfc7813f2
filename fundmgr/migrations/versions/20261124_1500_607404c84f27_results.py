"""results: the fund's results framework, programme results matrices, reporting periods and progress reports.

Revision ID: 607404c84f27
Revises: abab91837d87
Create Date: 2026-11-24 15:00:56.318728

"""

import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = "607404c84f27"
down_revision = "abab91837d87"
branch_labels = None
depends_on = None


def quantity() -> fundmgr.db.ScaledDecimal:
    """Indicator values: fundmgr.results.models.Quantity()."""
    return fundmgr.db.ScaledDecimal(precision=18, scale=4)


def upgrade() -> None:
    op.create_table(
        "results_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("goal", sa.JSON(), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("note", sa.JSON(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_results_frameworks_fund_id_funds"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results_frameworks")),
        sa.UniqueConstraint("fund_id", name=op.f("uq_results_frameworks_fund_id")),
    )

    op.create_table(
        "fund_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["thematic_areas.id"], name=op.f("fk_fund_outcomes_area_id_thematic_areas")),
        sa.ForeignKeyConstraint(
            ["framework_id"], ["results_frameworks.id"], name=op.f("fk_fund_outcomes_framework_id_results_frameworks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_outcomes")),
        sa.UniqueConstraint("framework_id", "code", name=op.f("uq_fund_outcomes_framework_id_code")),
    )

    op.create_index(op.f("ix_fund_outcomes_area_id"), "fund_outcomes", ["area_id"])
    op.create_index(op.f("ix_fund_outcomes_framework_id"), "fund_outcomes", ["framework_id"])
    op.create_table(
        "fund_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["fund_outcomes.id"], name=op.f("fk_fund_outputs_outcome_id_fund_outcomes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_outputs")),
        sa.UniqueConstraint("outcome_id", "code", name=op.f("uq_fund_outputs_outcome_id_code")),
    )

    op.create_index(op.f("ix_fund_outputs_outcome_id"), "fund_outputs", ["outcome_id"])
    op.create_table(
        "fund_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("output_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("unit", sa.JSON(), nullable=False),
        sa.Column("measure", sa.Enum("number", "percentage", name="measure", native_enum=False, length=40), nullable=False),
        sa.Column("baseline", quantity(), nullable=True),
        sa.Column("target", quantity(), nullable=True),
        sa.Column("means_of_verification", sa.JSON(), nullable=False),
        sa.Column("disaggregation", sa.JSON(), nullable=False),
        sa.Column("rule", sa.Enum("sum", "average", "max", "latest", name="aggregationrule", native_enum=False, length=40), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"], ["results_frameworks.id"], name=op.f("fk_fund_indicators_framework_id_results_frameworks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["outcome_id"], ["fund_outcomes.id"], name=op.f("fk_fund_indicators_outcome_id_fund_outcomes")),
        sa.ForeignKeyConstraint(["output_id"], ["fund_outputs.id"], name=op.f("fk_fund_indicators_output_id_fund_outputs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_indicators")),
        sa.UniqueConstraint("framework_id", "code", name=op.f("uq_fund_indicators_framework_id_code")),
    )

    op.create_index(op.f("ix_fund_indicators_framework_id"), "fund_indicators", ["framework_id"])
    op.create_index(op.f("ix_fund_indicators_outcome_id"), "fund_indicators", ["outcome_id"])
    op.create_index(op.f("ix_fund_indicators_output_id"), "fund_indicators", ["output_id"])
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("established_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_programmes_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["version_id"], ["proposal_versions.id"], name=op.f("fk_programmes_version_id_proposal_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_programmes_proposal_id")),
    )

    op.create_table(
        "programme_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_outcomes_programme_id_programmes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_outcomes")),
    )

    op.create_index(op.f("ix_programme_outcomes_programme_id"), "programme_outcomes", ["programme_id"])
    op.create_table(
        "reporting_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.CheckConstraint("due_date >= end_date", name=op.f("ck_reporting_periods_due_after_end")),
        sa.CheckConstraint("start_date <= end_date", name=op.f("ck_reporting_periods_starts_before_end")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_reporting_periods_programme_id_programmes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_periods")),
        sa.UniqueConstraint("programme_id", "number", name=op.f("uq_reporting_periods_programme_id_number")),
    )

    op.create_index(op.f("ix_reporting_periods_due_date"), "reporting_periods", ["due_date"])
    op.create_index(op.f("ix_reporting_periods_programme_id"), "reporting_periods", ["programme_id"])
    op.create_table(
        "programme_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["programme_outcomes.id"], name=op.f("fk_programme_outputs_outcome_id_programme_outcomes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_outputs")),
    )

    op.create_index(op.f("ix_programme_outputs_outcome_id"), "programme_outputs", ["outcome_id"])
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column(
            "state", sa.Enum("draft", "submitted", "returned", "accepted", name="reportstate", native_enum=False, length=40), nullable=False
        ),
        sa.Column("lessons_learned", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_progress_reports_created_by_id_users")),
        sa.ForeignKeyConstraint(["period_id"], ["reporting_periods.id"], name=op.f("fk_progress_reports_period_id_reporting_periods")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], name=op.f("fk_progress_reports_submitted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_reports")),
        sa.UniqueConstraint("period_id", name=op.f("uq_progress_reports_period_id")),
    )

    op.create_index(op.f("ix_progress_reports_state"), "progress_reports", ["state"])
    op.create_table(
        "outcome_narratives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["programme_outcomes.id"], name=op.f("fk_outcome_narratives_outcome_id_programme_outcomes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["progress_reports.id"], name=op.f("fk_outcome_narratives_report_id_progress_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_narratives")),
        sa.UniqueConstraint("report_id", "outcome_id", name=op.f("uq_outcome_narratives_report_id_outcome_id")),
    )

    op.create_index(op.f("ix_outcome_narratives_report_id"), "outcome_narratives", ["report_id"])
    op.create_table(
        "programme_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("output_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("measure", sa.Enum("number", "percentage", name="measure", native_enum=False, length=40), nullable=False),
        sa.Column("baseline", quantity(), nullable=True),
        sa.Column("target", quantity(), nullable=True),
        sa.Column("means_of_verification", sa.Text(), nullable=False),
        sa.Column("disaggregation", sa.JSON(), nullable=False),
        sa.Column("fund_indicator_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_indicator_id"], ["fund_indicators.id"], name=op.f("fk_programme_indicators_fund_indicator_id_fund_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["programme_outcomes.id"],
            name=op.f("fk_programme_indicators_outcome_id_programme_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["output_id"], ["programme_outputs.id"], name=op.f("fk_programme_indicators_output_id_programme_outputs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_programme_indicators_programme_id_programmes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_indicators")),
    )

    op.create_index(op.f("ix_programme_indicators_fund_indicator_id"), "programme_indicators", ["fund_indicator_id"])
    op.create_index(op.f("ix_programme_indicators_outcome_id"), "programme_indicators", ["outcome_id"])
    op.create_index(op.f("ix_programme_indicators_output_id"), "programme_indicators", ["output_id"])
    op.create_index(op.f("ix_programme_indicators_programme_id"), "programme_indicators", ["programme_id"])
    op.create_table(
        "report_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["progress_reports.id"], name=op.f("fk_report_evidence_report_id_progress_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_report_evidence_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_evidence")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_report_evidence_storage_key")),
    )

    op.create_index(op.f("ix_report_evidence_report_id"), "report_evidence", ["report_id"])
    op.create_table(
        "report_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Enum("returned", "accepted", name="reviewdecision", native_enum=False, length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["progress_reports.id"], name=op.f("fk_report_reviews_report_id_progress_reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_report_reviews_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reviews")),
    )

    op.create_index(op.f("ix_report_reviews_report_id"), "report_reviews", ["report_id"])
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("actual", quantity(), nullable=True),
        sa.Column(
            "status", sa.Enum("on_track", "off_track", "achieved", name="indicatorstatus", native_enum=False, length=40), nullable=True
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["programme_indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_programme_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["progress_reports.id"], name=op.f("fk_indicator_values_report_id_progress_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint("report_id", "indicator_id", name=op.f("uq_indicator_values_report_id_indicator_id")),
    )

    op.create_index(op.f("ix_indicator_values_indicator_id"), "indicator_values", ["indicator_id"])
    op.create_index(op.f("ix_indicator_values_report_id"), "indicator_values", ["report_id"])
    op.create_table(
        "programme_indicator_objectives",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["programme_indicators.id"],
            name=op.f("fk_programme_indicator_objectives_indicator_id_programme_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name=op.f("fk_programme_indicator_objectives_objective_id_objectives")
        ),
        sa.PrimaryKeyConstraint("indicator_id", "objective_id", name=op.f("pk_programme_indicator_objectives")),
    )


def downgrade() -> None:
    # indexes go with their tables
    op.drop_table("programme_indicator_objectives")
    op.drop_table("indicator_values")
    op.drop_table("report_reviews")
    op.drop_table("report_evidence")
    op.drop_table("programme_indicators")
    op.drop_table("outcome_narratives")
    op.drop_table("progress_reports")
    op.drop_table("programme_outputs")
    op.drop_table("reporting_periods")
    op.drop_table("programme_outcomes")
    op.drop_table("programmes")
    op.drop_table("fund_indicators")
    op.drop_table("fund_outputs")
    op.drop_table("fund_outcomes")
    op.drop_table("results_frameworks")
