"""steering: minutes approved by written procedure.

A written procedure may now propose to approve a meeting's draft minutes (`written_procedures.minutes_id`, subject
`minutes`): the check `not_minutes` becomes `minutes_iff_subject`, as on decisions. Approved minutes are frozen and
approved either at a meeting (`approved_in_id`) or by the written procedure that concluded (the new
`minutes.approved_by_procedure_id`), exactly one of them: the check `approved_is_frozen` says so.

Existing rows: no written procedure is about minutes (the old check refused it), and every approved set of minutes
was approved at a meeting (the old check required `approved_in_id`), so every row already holds under the new checks
and nothing is rewritten. Downgrading removes what the old tables cannot hold: the minutes approved by written
procedure go back to their drafts (their frozen content, file and link in the decision record dropped, with their
decision; the fund's later links are chained again over the gap, renumbered and rehashed as the record computes
them, so that the record still verifies), and the written procedures on minutes with their answers.

Revision ID: a5c2e8d4f190
Revises: 7d3e9b2c41a8
Create Date: 2026-12-06 01:00:00.000000

"""

import hashlib
import json
from contextlib import nullcontext

import sqlalchemy as sa
from alembic import op

from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "a5c2e8d4f190"
down_revision = "7d3e9b2c41a8"
branch_labels = None
depends_on = None

MINUTES_IFF_SUBJECT = "(subject = 'minutes') = (minutes_id IS NOT NULL)"
FROZEN_OLD = "state = 'draft' OR (storage_key IS NOT NULL AND content IS NOT NULL AND approved_in_id IS NOT NULL)"
FROZEN_NEW = ("state = 'draft' OR (storage_key IS NOT NULL AND content IS NOT NULL "
              "AND (approved_in_id IS NULL) <> (approved_by_procedure_id IS NULL))")  # fmt: skip


GENESIS = "0" * 64
links = sa.table(
    "decision_records", sa.column("id"), sa.column("fund_id"), sa.column("sequence"), sa.column("kind"),
    sa.column("minutes_id"), sa.column("payload_hash"), sa.column("previous_hash"), sa.column("record_hash"),
)  # fmt: skip
funds = sa.table("funds", sa.column("id"), sa.column("code"))
minutes = sa.table("minutes", sa.column("id"), sa.column("approved_by_procedure_id"))


def link_hash(fund_code: str, sequence: int, kind: str, payload_hash: str, previous_hash: str) -> str:
    """A link's hash as the decision record computes it (steering.records.link_hash, as of this revision)."""
    value = {"fund": fund_code, "sequence": sequence, "kind": kind, "payload": payload_hash, "previous": previous_hash}
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def rechain(connection: sa.Connection, fund_ids: set[int]) -> None:
    """Chain each fund's links again from the first gap: numbered from 1 in their order, each on the one before."""
    for fund_id in sorted(fund_ids):
        code = connection.scalar(sa.select(funds.c.code).where(funds.c.id == fund_id))
        query = sa.select(links).where(links.c.fund_id == fund_id).order_by(links.c.sequence)
        previous, changed = GENESIS, False
        for sequence, row in enumerate(connection.execute(query).all(), start=1):
            changed = changed or row.sequence != sequence or row.previous_hash != previous
            record_hash = row.record_hash
            if changed:
                record_hash = link_hash(code, sequence, row.kind, row.payload_hash, previous)
                connection.execute(links.update().where(links.c.id == row.id).values(
                    sequence=sequence, previous_hash=previous, record_hash=record_hash))  # fmt: skip
            previous = record_hash


def rebuilding(sqlite: bool):  # type: ignore[no-untyped-def]
    return foreign_keys_off() if sqlite else nullcontext()


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with rebuilding(sqlite), op.batch_alter_table(
        "written_procedures", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.add_column(sa.Column("minutes_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_written_procedures_minutes_id"), ["minutes_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_written_procedures_minutes_id_minutes"), "minutes",
                                    ["minutes_id"], ["id"])  # fmt: skip
        batch_op.drop_constraint(op.f("ck_written_procedures_not_minutes"), type_="check")
        batch_op.create_check_constraint(op.f("ck_written_procedures_minutes_iff_subject"), MINUTES_IFF_SUBJECT)
    with rebuilding(sqlite), op.batch_alter_table("minutes", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.add_column(sa.Column("approved_by_procedure_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_minutes_approved_by_procedure_id"), ["approved_by_procedure_id"],
                              unique=False)  # fmt: skip
        batch_op.create_foreign_key(batch_op.f("fk_minutes_approved_by_procedure_id_written_procedures"),
                                    "written_procedures", ["approved_by_procedure_id"], ["id"],
                                    deferrable=True, initially="IMMEDIATE")  # fmt: skip
        batch_op.drop_constraint(op.f("ck_minutes_approved_is_frozen"), type_="check")
        batch_op.create_check_constraint(op.f("ck_minutes_approved_is_frozen"), FROZEN_NEW)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    by_procedure = "SELECT id FROM minutes WHERE approved_by_procedure_id IS NOT NULL"
    connection = op.get_bind()
    approved_in_writing = sa.select(minutes.c.id).where(minutes.c.approved_by_procedure_id.is_not(None))
    gaps = set(connection.scalars(sa.select(links.c.fund_id).where(links.c.minutes_id.in_(approved_in_writing))))
    op.execute(f"DELETE FROM decision_records WHERE minutes_id IN ({by_procedure})")
    rechain(connection, gaps)
    op.execute(f"DELETE FROM decisions WHERE minutes_id IN ({by_procedure})")
    op.execute("UPDATE minutes SET state = 'draft', content = NULL, filename = NULL, content_type = NULL, size = NULL, "
               "sha256 = NULL, storage_key = NULL, approved_at = NULL, approved_by_id = NULL, signed_by_id = NULL, "
               "approved_by_procedure_id = NULL WHERE approved_by_procedure_id IS NOT NULL")  # fmt: skip
    on_minutes = "SELECT id FROM written_procedures WHERE subject = 'minutes'"
    op.execute(f"DELETE FROM written_procedure_responses WHERE procedure_id IN ({on_minutes})")
    op.execute(f"DELETE FROM decisions WHERE procedure_id IN ({on_minutes})")
    op.execute("DELETE FROM written_procedures WHERE subject = 'minutes'")
    with rebuilding(sqlite), op.batch_alter_table("minutes", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_minutes_approved_is_frozen"), type_="check")
        batch_op.create_check_constraint(op.f("ck_minutes_approved_is_frozen"), FROZEN_OLD)
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_minutes_approved_by_procedure_id_written_procedures"),
                                     type_="foreignkey")  # fmt: skip
        batch_op.drop_index(batch_op.f("ix_minutes_approved_by_procedure_id"))
        batch_op.drop_column("approved_by_procedure_id")
    with rebuilding(sqlite), op.batch_alter_table(
        "written_procedures", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.drop_constraint(op.f("ck_written_procedures_minutes_iff_subject"), type_="check")
        batch_op.create_check_constraint(op.f("ck_written_procedures_not_minutes"), "subject <> 'minutes'")
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_written_procedures_minutes_id_minutes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_written_procedures_minutes_id"))
        batch_op.drop_column("minutes_id")
