"""results: each programme indicator keeps its standing (the latest accepted value and the end of its period), and
each reporting period whether its report is handed in, so the results pages read them instead of the fund's whole
reporting history.

`programme_indicators.latest_actual` and `latest_as_of`: the value of the indicator's most recent accepted report
giving one (by the end of the report's period, then the period's number), and that period's end; empty while no
accepted report gives one. `reporting_periods.handed_in`: whether the period's report is submitted or accepted, with
a partial index of the periods still waiting by due date (the overdue reports). Existing rows: both computed from the
reports. Downgrading drops them.

Revision ID: 5a8c1e7f3d92
Revises: 7d3e9b2c41a8
Create Date: 2026-12-06 01:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal

# revision identifiers, used by Alembic.
revision = "5a8c1e7f3d92"
down_revision = "7d3e9b2c41a8"
branch_labels = None
depends_on = None

# the most recent accepted value of the programme indicator being updated (the column asked for)
NEWEST_ACCEPTED = """(
    SELECT {column} FROM indicator_values v
    JOIN progress_reports r ON r.id = v.report_id
    JOIN reporting_periods p ON p.id = r.period_id
    WHERE v.indicator_id = programme_indicators.id AND r.state = 'accepted' AND v.actual IS NOT NULL
    ORDER BY p.end_date DESC, p.number DESC
    LIMIT 1
)"""
HANDED_IN = """EXISTS (
    SELECT 1 FROM progress_reports r
    WHERE r.period_id = reporting_periods.id AND r.state IN ('submitted', 'accepted')
)"""


def upgrade() -> None:
    with op.batch_alter_table("programme_indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_actual", ScaledDecimal(18, 4), nullable=True))
        batch_op.add_column(sa.Column("latest_as_of", sa.Date(), nullable=True))
    with op.batch_alter_table("reporting_periods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_in", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_reporting_periods_outstanding",
        "reporting_periods",
        ["due_date"],
        sqlite_where=sa.text("NOT handed_in"),
        postgresql_where=sa.text("NOT handed_in"),
    )
    op.execute(
        "UPDATE programme_indicators SET latest_actual = {}, latest_as_of = {}".format(  # noqa: S608 - no input
            NEWEST_ACCEPTED.format(column="v.actual"), NEWEST_ACCEPTED.format(column="p.end_date")
        )
    )
    op.execute(f"UPDATE reporting_periods SET handed_in = {HANDED_IN}")  # noqa: S608 - no input


def downgrade() -> None:
    op.drop_index("ix_reporting_periods_outstanding", table_name="reporting_periods")
    with op.batch_alter_table("reporting_periods", schema=None) as batch_op:
        batch_op.drop_column("handed_in")
    with op.batch_alter_table("programme_indicators", schema=None) as batch_op:
        batch_op.drop_column("latest_as_of")
        batch_op.drop_column("latest_actual")
