"""proposals, results: indexes for the public page's countries and the reports waiting for review.

`ix_proposal_countries_country_id`: the public fund page asks, country by country, whether a funded programme works
there; without it each question read every funded programme. `ix_progress_reports_state_submitted_at`: the reports
of a state by submission time, so the page of reports to review reads its first rows in order instead of every
submitted report (not a partial index on the submitted ones: the state is a bound parameter, and a generic plan
cannot match a parameter to an index's predicate). No data changes.

Revision ID: e1b7d4a92c63
Revises: c3e8a1f5d27b
Create Date: 2026-12-06 08:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e1b7d4a92c63"
down_revision = "c3e8a1f5d27b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal_countries", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_countries_country_id", ["country_id"], unique=False)
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.create_index("ix_progress_reports_state_submitted_at", ["state", "submitted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_progress_reports_state_submitted_at")
    with op.batch_alter_table("proposal_countries", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_countries_country_id")
