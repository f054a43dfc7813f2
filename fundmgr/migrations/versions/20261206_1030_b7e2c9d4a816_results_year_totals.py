"""results: the fund's figures per year kept as programmes, indicators and reports change, for the annual page.

The annual report's page counted, on each request, every funded programme running in the year (per state and
country), their indicators (with a standing, at their target), the reports accepted on periods ending in it and
the programmes started by its end per thematic area: its cost grew with the fund's history. `results_year_totals`
keeps these counts per fund, year, figure and key (the state, the country's or the area's id; "" for none), and
`programme_year_figures` each programme's part of them (what a refresh of the programme takes back before adding its
figures anew). A programme counts in each year from its start's to its end's: its state, its country, its
indicators, those with a standing and those at target; in its start's year, each thematic area it has a share in
(wholly its primary area when it gave no shares); in the year each of its periods ends, the accepted report on it.
Existing rows: every funded programme counted as the application counts it. Downgrading drops the tables.

Revision ID: b7e2c9d4a816
Revises: 7d3f9a2c6e15
Create Date: 2026-12-06 10:30:00.000000

"""

from collections import Counter

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e2c9d4a816"
down_revision = "7d3f9a2c6e15"
branch_labels = None
depends_on = None

FUNDED = ("approved", "active", "closed")
programmes = sa.table(
    "programmes", sa.column("id", sa.Integer), sa.column("proposal_id", sa.Integer),
    sa.column("start_date", sa.Date), sa.column("end_date", sa.Date),
)  # fmt: skip
proposals = sa.table(
    "proposals", sa.column("id", sa.Integer), sa.column("fund_id", sa.Integer), sa.column("state", sa.String),
    sa.column("country_id", sa.Integer), sa.column("primary_area_id", sa.Integer),
)  # fmt: skip
proposal_areas = sa.table("proposal_areas", sa.column("proposal_id", sa.Integer), sa.column("area_id", sa.Integer))
periods = sa.table(
    "reporting_periods", sa.column("id", sa.Integer), sa.column("programme_id", sa.Integer),
    sa.column("end_date", sa.Date),
)  # fmt: skip
reports = sa.table("progress_reports", sa.column("period_id", sa.Integer), sa.column("state", sa.String))
# per programme: its indicators, those with a standing, those at their target (progress rounded to four decimals at
# least 1, compared without a division as fundmgr.results.rollup.reaches_target does)
INDICATORS = """
SELECT programme_id, count(*), count(latest_actual), count(CASE WHEN latest_actual IS NOT NULL AND target IS NOT NULL
    AND ((target > coalesce(baseline, 0) AND 20000 * (latest_actual - coalesce(baseline, 0))
                                             >= 19999 * (target - coalesce(baseline, 0)))
      OR (target < coalesce(baseline, 0) AND 20000 * (latest_actual - coalesce(baseline, 0))
                                             <= 19999 * (target - coalesce(baseline, 0))))
    THEN 1 END)
FROM programme_indicators GROUP BY programme_id
"""


def create_tables() -> None:
    op.create_table(
        "results_year_totals",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_results_year_totals_fund_id_funds")),
        sa.PrimaryKeyConstraint("fund_id", "year", "figure", "key", name=op.f("pk_results_year_totals")),
    )
    op.create_table(
        "programme_year_figures",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], ondelete="CASCADE",
                                name=op.f("fk_programme_year_figures_programme_id_programmes")),
        sa.PrimaryKeyConstraint("programme_id", "year", "figure", "key", name=op.f("pk_programme_year_figures")),
    )  # fmt: skip


def fill_tables(connection: sa.Connection) -> None:
    """Every funded programme's figures, and their sums per fund."""
    facts = connection.execute(
        sa.select(programmes.c.id, programmes.c.proposal_id, proposals.c.fund_id, proposals.c.state,
                  proposals.c.country_id, proposals.c.primary_area_id, programmes.c.start_date, programmes.c.end_date)
        .join(proposals, proposals.c.id == programmes.c.proposal_id)
        .where(proposals.c.state.in_(FUNDED))
    ).all()  # fmt: skip
    if not facts:
        return
    counts = {row[0]: tuple(row[1:]) for row in connection.execute(sa.text(INDICATORS))}
    accepted: dict[int, Counter] = {}
    for programme_id, end_date, n in connection.execute(
        sa.select(periods.c.programme_id, periods.c.end_date, sa.func.count())
        .join(reports, reports.c.period_id == periods.c.id)
        .where(reports.c.state == "accepted")
        .group_by(periods.c.programme_id, periods.c.end_date)
    ):
        accepted.setdefault(programme_id, Counter())[end_date.year] += n
    areas: dict[int, list[int]] = {}
    for proposal_id, area_id in connection.execute(sa.select(proposal_areas.c.proposal_id, proposal_areas.c.area_id)):
        areas.setdefault(proposal_id, []).append(area_id)
    rows, totals = [], Counter()
    for programme_id, proposal_id, fund_id, state, country_id, primary_area_id, start, end in facts:
        figures = Counter()
        indicators, reported, at_target = counts.get(programme_id, (0, 0, 0))
        for year in range(start.year, end.year + 1):
            figures[(year, "state", state)] = 1
            if country_id is not None:
                figures[(year, "country", str(country_id))] = 1
            figures.update({(year, "indicators", ""): indicators, (year, "reported", ""): reported,
                            (year, "achieved", ""): at_target})  # fmt: skip
        for area_id in areas.get(proposal_id) or ([primary_area_id] if primary_area_id is not None else []):
            figures[(start.year, "started_in_area", str(area_id))] += 1
        for year, n in accepted.get(programme_id, Counter()).items():
            figures[(year, "accepted", "")] += n
        for (year, figure, key), n in figures.items():
            if n:
                rows.append({"programme_id": programme_id, "year": year, "figure": figure, "key": key, "count": n})
                totals[(fund_id, year, figure, key)] += n
    names = ("year", "figure", "key", "count")
    kept = sa.table("programme_year_figures", sa.column("programme_id"), *(sa.column(name) for name in names))
    connection.execute(kept.insert(), rows)
    connection.execute(
        sa.table("results_year_totals", sa.column("fund_id"), *(sa.column(name) for name in names)).insert(),
        [{"fund_id": f, "year": y, "figure": figure, "key": key, "count": n}
         for (f, y, figure, key), n in totals.items()],
    )  # fmt: skip


def upgrade():
    create_tables()
    fill_tables(op.get_bind())


def downgrade():
    op.drop_table("programme_year_figures")
    op.drop_table("results_year_totals")
