"""results: implementation dates follow reality, report sections a donor reads; funds: their reporting calendar.

Programmes get where their start comes from (planned, first transfer, set by the FMU with a reason) and their
duration in months; funds get their reporting calendar (empty: the MPTF Office's defaults, calendar years, until
the definition file is loaded again). Existing rows: each programme's duration is counted from its dates; a
programme with transfers starts on the date of its first one, its end follows from the duration, and its
periods without a progress report are drawn again by calendar year (a period with a report is kept as it is).
Progress reports get their narrative sections (challenges and risks, markers and guiding principles, partnerships
and participation, a human-interest story), empty in existing reports.

Revision ID: a6d2b8e41f07
Revises: 3f7a9c2e5b18
Create Date: 2026-12-04 19:00:00.000000

"""

import calendar
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a6d2b8e41f07"
down_revision = "3f7a9c2e5b18"
branch_labels = None
depends_on = None

REPORT_SECTIONS = ("challenges", "principles_applied", "partnerships", "human_story")
programmes = sa.table(
    "programmes",
    sa.column("id", sa.Integer),
    sa.column("proposal_id", sa.Integer),
    sa.column("start_date", sa.Date),
    sa.column("end_date", sa.Date),
    sa.column("start_source", sa.String),
    sa.column("duration_months", sa.Integer),
)
periods = sa.table(
    "reporting_periods",
    sa.column("id", sa.Integer),
    sa.column("programme_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("start_date", sa.Date),
    sa.column("end_date", sa.Date),
    sa.column("due_date", sa.Date),
)
reports = sa.table("progress_reports", sa.column("period_id", sa.Integer))
transfers = sa.table("transfers", sa.column("allocation_id", sa.Integer), sa.column("on_date", sa.Date))
allocations = sa.table("allocations", sa.column("id", sa.Integer), sa.column("proposal_id", sa.Integer))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """The whole months from start to the day after end (at least one)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    return max(1, months)


def calendar_year_periods(start: date, end: date) -> list[tuple[date, date, date]]:
    """As fundmgr.results.schedule.calendar_periods with the default calendar (due 31 March; final: 4 months)."""
    result = []
    for year in range(start.year, end.year + 1):
        period_start, period_end = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        due = add_months(end, 4) if period_end == end else date(year + 1, 3, 31)
        result.append((period_start, period_end, due))
    return result


def upgrade():
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporting_calendar", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_source", sa.String(length=20), server_default="planned", nullable=False))
        batch_op.add_column(sa.Column("start_reason", sa.Text(), server_default="", nullable=False))
        # counted below for every row; the default only lets SQLite add a NOT NULL column without rebuilding the
        # table (programmes is referenced by other tables), dropped where the database can
        batch_op.add_column(sa.Column("duration_months", sa.Integer(), server_default="0", nullable=False))
    for column in REPORT_SECTIONS:  # empty in existing reports: written from now on
        op.add_column("progress_reports", sa.Column(column, sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    first_transfers = dict(
        connection.execute(
            sa.select(allocations.c.proposal_id, sa.func.min(transfers.c.on_date))
            .join(allocations, allocations.c.id == transfers.c.allocation_id)
            .group_by(allocations.c.proposal_id)
        ).all()
    )
    reported = {row[0] for row in connection.execute(sa.select(reports.c.period_id))}
    for programme_id, proposal_id, start, end in connection.execute(
        sa.select(programmes.c.id, programmes.c.proposal_id, programmes.c.start_date, programmes.c.end_date)
    ).all():
        months = months_between(start, end)
        values = {"duration_months": months}
        first = first_transfers.get(proposal_id)
        own = connection.execute(
            sa.select(periods.c.id, periods.c.start_date, periods.c.end_date)
            .where(periods.c.programme_id == programme_id)
            .order_by(periods.c.number)
        ).all()
        kept = [p for p in own if p.id in reported]
        if first is not None:
            values["start_source"] = "first_transfer"
            new_end = add_months(first, months) - timedelta(days=1)
            outside = any(p.start_date < first or p.end_date > new_end for p in kept)
            if first != start and not outside:
                values.update(start_date=first, end_date=new_end)
                redraw(connection, programme_id, own, kept, first, new_end)
        connection.execute(programmes.update().where(programmes.c.id == programme_id).values(**values))
    if connection.dialect.name != "sqlite":
        op.alter_column("programmes", "duration_months", server_default=None)


def redraw(connection, programme_id, own, kept, start, end) -> None:
    """Periods without a report drawn again by calendar year; kept ones keep their dates; all renumbered."""
    kept_ids = {p.id for p in kept}
    stale = [p.id for p in own if p.id not in kept_ids]
    if stale:
        connection.execute(periods.delete().where(periods.c.id.in_(stale)))
    for p in kept:
        connection.execute(periods.update().where(periods.c.id == p.id).values(number=-p.id))
    fresh = [
        (s, e, d)
        for s, e, d in calendar_year_periods(start, end)
        if not any(k.start_date <= e and s <= k.end_date for k in kept)
    ]
    ordered = sorted([(k.start_date, k.id, None) for k in kept] + [(s, None, (s, e, d)) for s, e, d in fresh],
                     key=lambda item: item[0])  # fmt: skip
    for number, (_start, period_id, dates) in enumerate(ordered, start=1):
        if period_id is not None:
            connection.execute(periods.update().where(periods.c.id == period_id).values(number=number))
        else:
            s, e, d = dates
            connection.execute(
                periods.insert().values(programme_id=programme_id, number=number, start_date=s, end_date=e, due_date=d)
            )


def downgrade():
    for column in REPORT_SECTIONS:
        op.drop_column("progress_reports", column)
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): both tables are referenced by others, never rebuilt
    for column in ("duration_months", "start_reason", "start_source"):
        op.drop_column("programmes", column)
    op.drop_column("funds", "reporting_calendar")
