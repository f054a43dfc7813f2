"""results: each programme indicator keeps its standing (the latest accepted value and the end of its period), each
fund indicator the totals its roll-up sums over those standings, and each reporting period whether its report is
handed in, so the results pages read them instead of the fund's whole reporting history.

`programme_indicators.latest_actual` and `latest_as_of`: the value of the indicator's most recent accepted report
giving one (by the end of the report's period, then the period's number), and that period's end; empty while no
accepted report gives one. `reporting_periods.handed_in`: whether the period's report is submitted or accepted, with
a partial index of the periods still waiting by due date (the overdue reports). `fund_indicator_totals`: per fund
indicator with linked standings (of funded programmes), their count, latest as-of date, the sum, count of known
values and maximum of their values, baselines and targets, and the newest one's (by as-of date, then programme and
indicator, the latest first). Existing rows: all computed from the reports. Downgrading drops them.

Revision ID: 5a8c1e7f3d92
Revises: a5c2e8d4f190
Create Date: 2026-12-06 01:30:00.000000

"""

import contextlib
from typing import Any

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal
from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "5a8c1e7f3d92"
down_revision = "a5c2e8d4f190"
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
# per fund indicator, over the standings of the programme indicators linked to it (as fundmgr.results.queries'
# rollup_totals sums them): count, latest as-of, (sum, known, max) of values, baselines and targets, the newest's
EACH = "OVER (PARTITION BY i.fund_indicator_id)"
TOTALS = f"""
INSERT INTO fund_indicator_totals (fund_indicator_id, count, as_of, actual_sum, actual_known, actual_max,
    baseline_sum, baseline_known, baseline_max, target_sum, target_known, target_max,
    newest_actual, newest_baseline, newest_target)
SELECT fund_indicator_id, n, as_of, actual_sum, actual_known, actual_max, baseline_sum, baseline_known, baseline_max,
    target_sum, target_known, target_max, actual, baseline, target
FROM (
    SELECT i.fund_indicator_id, count(*) {EACH} AS n, max(i.latest_as_of) {EACH} AS as_of,
        sum(i.latest_actual) {EACH} AS actual_sum, count(i.latest_actual) {EACH} AS actual_known,
        max(i.latest_actual) {EACH} AS actual_max,
        sum(i.baseline) {EACH} AS baseline_sum, count(i.baseline) {EACH} AS baseline_known,
        max(i.baseline) {EACH} AS baseline_max,
        sum(i.target) {EACH} AS target_sum, count(i.target) {EACH} AS target_known, max(i.target) {EACH} AS target_max,
        i.latest_actual AS actual, i.baseline AS baseline, i.target AS target,
        row_number() OVER (PARTITION BY i.fund_indicator_id
                           ORDER BY i.latest_as_of DESC, i.programme_id DESC, i.id DESC) AS newest
    FROM programme_indicators i
    JOIN programmes g ON g.id = i.programme_id
    JOIN proposals p ON p.id = g.proposal_id
    WHERE i.fund_indicator_id IS NOT NULL AND i.latest_actual IS NOT NULL
      AND p.state IN ('approved', 'active', 'closed')
) ranked
WHERE newest = 1
"""  # noqa: S608 - no input
HANDED_IN = """EXISTS (
    SELECT 1 FROM progress_reports r
    WHERE r.period_id = reporting_periods.id AND r.state IN ('submitted', 'accepted')
)"""


def rebuilding() -> Any:
    """Foreign keys off around SQLite's rebuild of a table (nothing to do on PostgreSQL, which alters it)."""
    return foreign_keys_off() if op.get_bind().dialect.name == "sqlite" else contextlib.nullcontext()


def upgrade() -> None:
    with rebuilding(), op.batch_alter_table("programme_indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_actual", ScaledDecimal(18, 4), nullable=True))
        batch_op.add_column(sa.Column("latest_as_of", sa.Date(), nullable=True))
    with rebuilding(), op.batch_alter_table("reporting_periods", schema=None) as batch_op:
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
    op.create_table(
        "fund_indicator_totals",
        sa.Column("fund_indicator_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        *(sa.Column(f"{part}_{what}", ScaledDecimal(18, 4) if what != "known" else sa.Integer(),
                    nullable=what != "known")
          for part in ("actual", "baseline", "target") for what in ("sum", "known", "max")),
        *(sa.Column(f"newest_{part}", ScaledDecimal(18, 4), nullable=True) for part in ("actual", "baseline", "target")),
        sa.ForeignKeyConstraint(["fund_indicator_id"], ["fund_indicators.id"], ondelete="CASCADE",
                                name=op.f("fk_fund_indicator_totals_fund_indicator_id_fund_indicators")),
        sa.PrimaryKeyConstraint("fund_indicator_id", name=op.f("pk_fund_indicator_totals")),
    )  # fmt: skip
    op.execute(TOTALS)


def downgrade() -> None:
    op.drop_table("fund_indicator_totals")
    op.drop_index("ix_reporting_periods_outstanding", table_name="reporting_periods")
    with rebuilding(), op.batch_alter_table("reporting_periods", schema=None) as batch_op:
        batch_op.drop_column("handed_in")
    with rebuilding(), op.batch_alter_table("programme_indicators", schema=None) as batch_op:
        batch_op.drop_column("latest_as_of")
        batch_op.drop_column("latest_actual")
