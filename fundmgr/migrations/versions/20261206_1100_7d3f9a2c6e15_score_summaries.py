"""steering: each proposal's score summary, kept up to date as its reviews and their admissibility change.

The ranking, the portfolio and the pipeline aggregated every admissible submitted review and score of the candidates
on each request. `score_summaries` keeps one row per proposal before the committee (in review or endorsed) that has a
version: its latest version, the weighted mean of that version's admissible submitted reviews over the fund's active
criteria (to 10 decimal places, empty when unscored) and how many they are; the application recomputes a proposal's
row in the transaction of every change that moves it (its state included), and a ranking is a window over these
rows. Existing rows: every such proposal's summary is computed from its reviews as the application computes it
(`steering.summaries.computed`). Downgrading drops the table (the reviews keep every score).

Revision ID: 7d3f9a2c6e15
Revises: e1b7d4a92c63
Create Date: 2026-12-06 11:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d3f9a2c6e15"
down_revision = "e1b7d4a92c63"
branch_labels = None
depends_on = None

# The summaries from the rows, as the application computes them at this revision: the latest version of each
# proposal; its submitted reviews by members neither taking part in the proposal (participant or lead) nor with a
# declared conflict not waived; per active criterion the mean of the scores given; Σ weight × mean / Σ weight.
SUMMARIES = """
INSERT INTO score_summaries (proposal_id, fund_id, version_id, weighted, reviews)
WITH versions AS (
    SELECT p.id AS proposal_id, p.fund_id, (
        SELECT v.id FROM proposal_versions v WHERE v.proposal_id = p.id ORDER BY v.number DESC LIMIT 1
    ) AS version_id
    FROM proposals p WHERE p.state IN ('in_review', 'endorsed')
), admitted AS (
    SELECT r.id AS review_id, r.version_id
    FROM reviews r JOIN users u ON u.id = r.member_id JOIN proposals p ON p.id = r.proposal_id
    WHERE r.version_id IN (SELECT version_id FROM versions) AND r.state = 'submitted'
      AND NOT EXISTS (SELECT 1 FROM participants pp
                      WHERE pp.proposal_id = r.proposal_id AND pp.organization_id = u.organization_id)
      AND NOT COALESCE(p.lead_organization_id = u.organization_id, false)
      AND NOT EXISTS (SELECT 1 FROM conflicts c
                      WHERE c.proposal_id = r.proposal_id AND c.member_id = r.member_id AND c.waived_at IS NULL)
), counted AS (
    SELECT version_id, COUNT(*) AS reviews FROM admitted GROUP BY version_id
), means AS (
    SELECT a.version_id, s.criterion_id, CAST(SUM(s.value) AS {number}) / COUNT(s.value) AS mean
    FROM admitted a JOIN review_scores s ON s.review_id = a.review_id JOIN criteria k ON k.id = s.criterion_id
    WHERE NOT k.retired AND s.value IS NOT NULL
    GROUP BY a.version_id, s.criterion_id
), weighted AS (
    SELECT m.version_id, SUM(k.weight * m.mean) / NULLIF(SUM(k.weight), 0) AS weighted
    FROM means m JOIN criteria k ON k.id = m.criterion_id
    GROUP BY m.version_id
)
SELECT v.proposal_id, v.fund_id, v.version_id, ROUND(w.weighted, 10), COALESCE(c.reviews, 0)
FROM versions v LEFT JOIN weighted w ON w.version_id = v.version_id LEFT JOIN counted c ON c.version_id = v.version_id
WHERE v.version_id IS NOT NULL
"""


def upgrade():
    op.create_table(
        "score_summaries",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Numeric(30, 10).with_variant(sa.Float(), "sqlite"), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_score_summaries_fund_id_funds")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_score_summaries_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["proposal_versions.id"], name=op.f("fk_score_summaries_version_id_proposal_versions")
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_score_summaries")),
    )
    with op.batch_alter_table("score_summaries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_summaries_fund_id"), ["fund_id"], unique=False)
    number = "REAL" if op.get_bind().dialect.name == "sqlite" else "NUMERIC"
    op.execute(SUMMARIES.format(number=number))


def downgrade():
    with op.batch_alter_table("score_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_summaries_fund_id"))
    op.drop_table("score_summaries")
