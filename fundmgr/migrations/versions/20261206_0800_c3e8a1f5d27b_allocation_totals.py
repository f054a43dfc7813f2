"""finance: the fund's net allocations kept per programme, per thematic area and place, and per marker level.

The dashboard's allocations by thematic area, by region and by the fund's target marker added up every allocation
entry of the fund on each request. Three tables now keep them up to date as entries are added (in the entry's
transaction): `programme_allocations` (each programme's net allocation: allocations less releases),
`allocation_totals` (per fund, area, country and region of the programmes; a programme in several areas counts in
each for its part of its net allocation, split to the cent over the areas' shares, the primary area first) and
`allocation_marker_totals` (per fund, marker and level the programmes rated themselves at). Existing rows: every
programme's net allocation is summed from the ledger and split as the application splits it. Downgrading drops the
tables (the ledger keeps every entry).

Revision ID: c3e8a1f5d27b
Revises: 9b4e2d7c5a13
Create Date: 2026-12-06 08:00:00.000000

"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal, apportion

# revision identifiers, used by Alembic.
revision = "c3e8a1f5d27b"
down_revision = "9b4e2d7c5a13"
branch_labels = None
depends_on = None

MONEY = ScaledDecimal(18, 2)
ledger_entries = sa.table(
    "ledger_entries",
    sa.column("fund_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("proposal_id", sa.Integer),
    sa.column("amount", MONEY),
)
proposals = sa.table(
    "proposals",
    sa.column("id", sa.Integer),
    sa.column("primary_area_id", sa.Integer),
    sa.column("country_id", sa.Integer),
    sa.column("region_code", sa.String),
)
proposal_areas = sa.table(
    "proposal_areas", sa.column("proposal_id", sa.Integer), sa.column("area_id", sa.Integer), sa.column("share", MONEY)
)
thematic_areas = sa.table("thematic_areas", sa.column("id", sa.Integer), sa.column("number", sa.Integer))
proposal_markers = sa.table(
    "proposal_markers", sa.column("proposal_id", sa.Integer), sa.column("marker_id", sa.Integer),
    sa.column("level", sa.Integer),
)  # fmt: skip


def create_tables() -> None:
    op.create_table(
        "programme_allocations",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_programme_allocations_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_programme_allocations_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_programme_allocations")),
    )
    with op.batch_alter_table("programme_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_allocations_fund_id"), ["fund_id"], unique=False)
    op.create_table(
        "allocation_totals",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("area_key", sa.Integer(), nullable=False),
        sa.Column("country_key", sa.Integer(), nullable=False),
        sa.Column("region_key", sa.String(length=3), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_allocation_totals_fund_id_funds")),
        sa.PrimaryKeyConstraint("fund_id", "area_key", "country_key", "region_key", name=op.f("pk_allocation_totals")),
    )
    op.create_table(
        "allocation_marker_totals",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("marker_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_allocation_marker_totals_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["marker_id"], ["markers.id"], name=op.f("fk_allocation_marker_totals_marker_id_markers")
        ),
        sa.PrimaryKeyConstraint("fund_id", "marker_id", "level", name=op.f("pk_allocation_marker_totals")),
    )


def area_shares(connection: sa.Connection, ids: list[int]) -> dict[int, list[tuple[int | None, Decimal]]]:
    """Each programme's areas with their shares, the primary first then by number (the order the application splits
    in); wholly its primary area when it gave no shares."""
    primary = dict(connection.execute(sa.select(proposals.c.id, proposals.c.primary_area_id)).tuples().all())
    given: dict[int, list[tuple[bool, int, int, Decimal]]] = {}
    rows = connection.execute(
        sa.select(proposal_areas.c.proposal_id, proposal_areas.c.area_id, proposal_areas.c.share, thematic_areas.c.number)
        .join(thematic_areas, thematic_areas.c.id == proposal_areas.c.area_id)
    )
    for pid, area_id, share, number in rows:
        given.setdefault(pid, []).append((area_id != primary.get(pid), number, area_id, share))
    return {
        pid: [(area_id, share) for _p, _n, area_id, share in sorted(given[pid])]
        if pid in given
        else [(primary.get(pid), Decimal(100))]
        for pid in ids
    }


def fill_tables(connection: sa.Connection) -> None:
    """Every programme's net allocation from the ledger, split over its areas' shares, per place and marker level."""
    nets = connection.execute(
        sa.select(ledger_entries.c.proposal_id, ledger_entries.c.fund_id, sa.func.sum(ledger_entries.c.amount))
        .where(ledger_entries.c.kind.in_(["allocation", "allocation_release"]), ledger_entries.c.proposal_id.is_not(None))
        .group_by(ledger_entries.c.proposal_id, ledger_entries.c.fund_id)
    ).all()
    if not nets:
        return
    programme_allocations = sa.table(
        "programme_allocations", sa.column("proposal_id"), sa.column("fund_id"), sa.column("amount", MONEY)
    )
    connection.execute(
        programme_allocations.insert(), [{"proposal_id": p, "fund_id": f, "amount": a} for p, f, a in nets]
    )
    shares = area_shares(connection, [p for p, _f, _a in nets])
    places = {
        pid: (country_id or 0, region_code or "")
        for pid, country_id, region_code in connection.execute(
            sa.select(proposals.c.id, proposals.c.country_id, proposals.c.region_code)
        )
    }
    totals: dict[tuple[int, int, int, str], Decimal] = {}
    for pid, fund_id, amount in nets:
        areas = [area_id for area_id, _share in shares[pid]]
        parts = apportion(amount, [share for _area, share in shares[pid]]) if amount else [Decimal("0.00")] * len(areas)
        for area_id, part in zip(areas, parts, strict=True):
            key = (fund_id, area_id or 0, *places[pid])
            totals[key] = totals.get(key, Decimal("0.00")) + part
    allocation_totals = sa.table(
        "allocation_totals", sa.column("fund_id"), sa.column("area_key"), sa.column("country_key"),
        sa.column("region_key"), sa.column("amount", MONEY),
    )  # fmt: skip
    connection.execute(
        allocation_totals.insert(),
        [{"fund_id": k[0], "area_key": k[1], "country_key": k[2], "region_key": k[3], "amount": a}
         for k, a in totals.items()],
    )  # fmt: skip
    markers = (
        sa.select(programme_allocations.c.fund_id, proposal_markers.c.marker_id, proposal_markers.c.level,
                  sa.func.sum(programme_allocations.c.amount))
        .join(proposal_markers, proposal_markers.c.proposal_id == programme_allocations.c.proposal_id)
        .where(proposal_markers.c.level.is_not(None))
        .group_by(programme_allocations.c.fund_id, proposal_markers.c.marker_id, proposal_markers.c.level)
    )  # fmt: skip
    marker_totals = sa.table(
        "allocation_marker_totals", sa.column("fund_id"), sa.column("marker_id"), sa.column("level"),
        sa.column("amount", MONEY),
    )  # fmt: skip
    connection.execute(marker_totals.insert().from_select(["fund_id", "marker_id", "level", "amount"], markers))


def upgrade():
    create_tables()
    fill_tables(op.get_bind())


def downgrade():
    op.drop_table("allocation_marker_totals")
    op.drop_table("allocation_totals")
    with op.batch_alter_table("programme_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_allocations_fund_id"))
    op.drop_table("programme_allocations")
