"""funds: the fund's own word for its objectives, its disaggregations, the marker of its target, its own organizations.

Until now every fund showed "GCM objectives", offered the four disaggregations of the Migration MPTF and
read its gender target from `targets.gender_marker_*`. Existing funds keep exactly what they showed:
the GCM title, the four dimensions (sex, age, migratory status, disability), and their gender target
as `targets.marker_share = {marker, min_level, share}`; `flask fund load` then takes them from the file.
Organizations of one fund alone (`fund_own_organizations`) are shown with that fund only: in an installation
holding a single fund, its civil-society organizations and governments (the shared reference data holds
UN entities, donors and other international organizations) become that fund's own.

Revision ID: 5d2e8a41c9f3
Revises: 080c704b96e4
Create Date: 2026-12-04 17:00:00.000000

"""

from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d2e8a41c9f3"
down_revision = "080c704b96e4"
branch_labels = None
depends_on = None

GCM_OBJECTIVES = {
    "en": "GCM objectives",
    "fr": "Objectifs du Pacte mondial sur les migrations",
    "es": "Objetivos del Pacto Mundial para la Migración",
}
DISAGGREGATIONS = [
    {"code": "sex", "name": {"en": "Sex", "fr": "Sexe", "es": "Sexo"}},
    {"code": "age", "name": {"en": "Age", "fr": "Âge", "es": "Edad"}},
    {"code": "migratory_status", "name": {"en": "Migratory status", "fr": "Statut migratoire", "es": "Situación migratoria"}},
    {"code": "disability", "name": {"en": "Disability", "fr": "Handicap", "es": "Discapacidad"}},
]  # fmt: skip
OLD_KEYS = ("gender_marker_code", "gender_marker_min_level", "gender_marker_share")

funds = sa.table(
    "funds",
    sa.column("id", sa.Integer),
    sa.column("targets", sa.JSON),
    sa.column("objectives_title", sa.JSON),
    sa.column("disaggregations", sa.JSON),
)


def new_targets(targets: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in targets.items() if key not in OLD_KEYS}
    if targets.get("gender_marker_min_level") is None or targets.get("gender_marker_share") is None:
        return kept | {"marker_share": None}
    share = {
        "marker": targets.get("gender_marker_code", "gender"),
        "min_level": targets["gender_marker_min_level"],
        "share": targets["gender_marker_share"],
    }
    return kept | {"marker_share": share}


def old_targets(targets: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in targets.items() if key != "marker_share"}
    share = targets.get("marker_share")
    if not share:
        return kept
    old = {"gender_marker_min_level": share["min_level"], "gender_marker_share": share["share"]}
    if share["marker"] != "gender":
        old["gender_marker_code"] = share["marker"]
    return kept | old


organizations = sa.table("organizations", sa.column("id", sa.Integer), sa.column("kind", sa.String))
own = sa.table("fund_own_organizations", sa.column("fund_id", sa.Integer), sa.column("organization_id", sa.Integer))
FUND_OWN_KINDS = ("civil_society", "government")


def upgrade() -> None:
    op.create_table(
        "fund_own_organizations",
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_fund_own_organizations_fund_id_funds"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_fund_own_organizations_organization_id_organizations")),
        sa.PrimaryKeyConstraint("fund_id", "organization_id", name=op.f("pk_fund_own_organizations")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_fund_own_organizations_organization_id"), "fund_own_organizations", ["organization_id"], unique=False
    )
    # Plain ADD/DROP COLUMN, never a batch rebuild: on SQLite, dropping the old `funds` table of a rebuild
    # would cascade to every row that refers to a fund.
    op.add_column("funds", sa.Column("objectives_title", sa.JSON(), server_default="{}", nullable=False))
    op.add_column("funds", sa.Column("disaggregations", sa.JSON(), server_default="[]", nullable=False))
    connection = op.get_bind()
    for fund_id, targets in connection.execute(sa.select(funds.c.id, funds.c.targets)).all():
        connection.execute(
            funds.update()
            .where(funds.c.id == fund_id)
            .values(
                targets=new_targets(targets or {}),
                objectives_title=GCM_OBJECTIVES,
                disaggregations=DISAGGREGATIONS,
            )
        )
    fund_ids = list(connection.execute(sa.select(funds.c.id)).scalars())
    if len(fund_ids) == 1:
        ids = connection.execute(sa.select(organizations.c.id).where(organizations.c.kind.in_(FUND_OWN_KINDS)))
        rows = [{"fund_id": fund_ids[0], "organization_id": org_id} for org_id in ids.scalars()]
        if rows:
            connection.execute(own.insert(), rows)


def downgrade() -> None:
    connection = op.get_bind()
    for fund_id, targets in connection.execute(sa.select(funds.c.id, funds.c.targets)).all():
        connection.execute(funds.update().where(funds.c.id == fund_id).values(targets=old_targets(targets or {})))
    op.drop_index(op.f("ix_fund_own_organizations_organization_id"), table_name="fund_own_organizations")
    op.drop_table("fund_own_organizations")
    for column in ("disaggregations", "objectives_title"):
        op.execute(f"ALTER TABLE funds DROP COLUMN {column}")
