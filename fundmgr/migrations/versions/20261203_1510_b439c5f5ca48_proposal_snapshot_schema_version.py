"""proposal snapshots: label every stored snapshot with its schema version (1), after checking its shape.

Versions frozen before this revision hold the shape of schema version 1 without saying so. Each is
checked against that shape (every key present, none unknown); if any row differs, the upgrade stops
before writing anything and names the rows, so a malformed snapshot fails the deploy rather than a
meeting pack. The shape is written out here, frozen: it must not follow later changes of the model.

Revision ID: b439c5f5ca48
Revises: 707a5821fef5
Create Date: 2026-12-03 15:00:00.000000

"""

from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b439c5f5ca48"
down_revision = "707a5821fef5"
branch_labels = None
depends_on = None

BATCH = 500
versions = sa.table("proposal_versions", sa.column("id", sa.Integer), sa.column("snapshot", sa.JSON))

# The shape of schema version 1: a dict names its keys (all required, no other allowed), a one-item
# list describes every item, {"*": ...} every value of a mapping, str a string (money), None any value.
INDICATOR = dict.fromkeys(["name", "unit", "baseline", "target", "means_of_verification", "disaggregation"])
AMOUNTS = dict.fromkeys(["direct", "indirect", "total"], str)
VERSION_1: dict[str, Any] = {
    **dict.fromkeys(
        ["reference", "title", "summary", "country", "region", "countries", "primary_area", "objectives",
         "principles", "duration_months", "start_date", "government_endorsement", "lead"]
    ),  # fmt: skip
    "markers": {"*": {"level": None, "justification": None}},
    "participants": [{"organization_id": None, "code": None, "lead": None, "indirect_rate": str, **AMOUNTS}],
    "budget": {
        "years": None,
        "lines": [{"organization_id": None, "organization": None, "category": None, "year": None, "amount": str}],
    },
    "totals": AMOUNTS,
    "matrix": [
        {"statement": None, "indicators": [INDICATOR], "outputs": [{"statement": None, "indicators": [INDICATOR]}]}
    ],
    "attachments": [dict.fromkeys(["id", "kind", "filename", "size", "sha256"])],
}


def shape_problems(value: Any, shape: Any, where: str) -> list[str]:
    """How value differs from shape (see VERSION_1), each problem naming where it is."""
    if shape is None:
        return []
    if shape is str:
        return [] if isinstance(value, str) else [f"{where} is not a string"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where} is not a list"]
        return [p for i, item in enumerate(value) for p in shape_problems(item, shape[0], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where} is not an object"]
    if "*" in shape:
        return [p for key, item in value.items() for p in shape_problems(item, shape["*"], f"{where}.{key}")]
    problems = [f"{where}.{key} is missing" for key in shape if key not in value]
    problems += [f"{where}.{key} is not in schema version 1" for key in value if key not in shape]
    for key, inner in shape.items():
        if key in value:
            problems += shape_problems(value[key], inner, f"{where}.{key}")
    return problems


def batches(connection: sa.Connection) -> Any:
    """Every stored snapshot as (id, data), a batch at a time (snapshots can be large)."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(versions.c.id, versions.c.snapshot).where(versions.c.id > last).order_by(versions.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def write(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(
            versions.update().where(versions.c.id == sa.bindparam("ident")).values(snapshot=sa.bindparam("data")),
            rows,
        )


def upgrade() -> None:
    connection = op.get_bind()
    problems = []
    for rows in batches(connection):
        for row in rows:
            if isinstance(row.snapshot, dict) and row.snapshot.get("schema_version") == 1:
                continue
            problems += [f"proposal version {row.id}: {p}" for p in shape_problems(row.snapshot, VERSION_1, "snapshot")]
    if problems:
        listed = "\n".join(problems[:50])
        raise RuntimeError(
            f"{len(problems)} problem(s) in stored proposal snapshots; nothing was changed. Correct them and "
            f"upgrade again:\n{listed}"
        )
    for rows in batches(connection):
        write(
            connection,
            [{"ident": r.id, "data": {"schema_version": 1, **r.snapshot}} for r in rows if "schema_version" not in r.snapshot],
        )


def downgrade() -> None:
    connection = op.get_bind()
    for rows in batches(connection):
        write(
            connection,
            [
                {"ident": r.id, "data": {k: v for k, v in r.snapshot.items() if k != "schema_version"}}
                for r in rows
                if "schema_version" in r.snapshot
            ],
        )
