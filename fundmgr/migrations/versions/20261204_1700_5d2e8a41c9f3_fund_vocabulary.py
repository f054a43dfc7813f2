"""funds: the fund's own word for its objectives, its disaggregation dimensions, and the marker its share target is about.

Until now every fund showed "GCM objectives", offered the four disaggregations of the Migration MPTF and
read its gender target from `targets.gender_marker_*`. Existing funds keep exactly what they showed:
the GCM title, the four dimensions (sex, age, migratory status, disability), and their gender target
as `targets.marker_share = {marker, min_level, share}`; `flask fund load` then takes them from the file.

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


def upgrade() -> None:
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


def downgrade() -> None:
    connection = op.get_bind()
    for fund_id, targets in connection.execute(sa.select(funds.c.id, funds.c.targets)).all():
        connection.execute(funds.update().where(funds.c.id == fund_id).values(targets=old_targets(targets or {})))
    for column in ("disaggregations", "objectives_title"):
        op.execute(f"ALTER TABLE funds DROP COLUMN {column}")
