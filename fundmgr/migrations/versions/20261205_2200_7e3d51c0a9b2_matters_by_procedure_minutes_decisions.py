"""steering: matters of the fund decided by written procedure; approving minutes is a decision of the register.

A written procedure may now be about a matter of the fund (adopting the allocation targets, opening a call,
approving the direct costs) as a meeting decides it as a whole: its `subject` says which (every procedure so far is
about a proposal), a matter's procedure has no proposal or version, carries the committee's wording (`matter`) and,
opening a call, the call. Approving a meeting's minutes is recorded as a decision about them (`decisions.minutes_id`,
subject `minutes`), taken by the approving meeting.

Existing rows: every approved set of minutes gets its decision, as approving them now records it: taken by the
meeting that approved them on its day, referenced "<that meeting>/MIN<n>" in the order they were approved there,
signed (presided over) by who signed them, recorded by who approved them when they did, with the quorum the audit
entry of the approval kept. Their link in the decision record is the minutes' own, unchanged. Downgrading removes
those decisions, and the matters decided by written procedure with what they carried out (their ledger entries and
links), which the old tables cannot hold.

Revision ID: 7e3d51c0a9b2
Revises: 0bc5d8ca558e
Create Date: 2026-12-05 22:00:00.000000

"""

import json
from contextlib import nullcontext
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "7e3d51c0a9b2"
down_revision = "0bc5d8ca558e"
branch_labels = None
depends_on = None

SUBJECTS = ("proposal", "allocation_targets", "call", "direct_costs", "minutes")
PROPOSAL_IFF_SUBJECT = "(subject = 'proposal') = (proposal_id IS NOT NULL AND version_id IS NOT NULL)"
MINUTES_IFF_SUBJECT = "(subject = 'minutes') = (minutes_id IS NOT NULL)"

minutes_table = sa.table(
    "minutes", sa.column("id"), sa.column("meeting_id"), sa.column("state"), sa.column("approved_in_id"),
    sa.column("approved_at", sa.DateTime), sa.column("approved_by_id"), sa.column("signed_by_id"),
)  # fmt: skip
meetings = sa.table("meetings", sa.column("id"), sa.column("fund_id"), sa.column("reference"),
                    sa.column("held_on", sa.Date))  # fmt: skip
audit_entries = sa.table("audit_entries", sa.column("id"), sa.column("action"), sa.column("object_type"),
                         sa.column("object_id"), sa.column("after", sa.JSON))  # fmt: skip
decisions = sa.table(
    "decisions", sa.column("fund_id"), sa.column("reference"), sa.column("subject"), sa.column("matter"),
    sa.column("minutes_id"), sa.column("meeting_id"), sa.column("presided_by_id"),
    sa.column("quorum_record", sa.JSON), sa.column("outcome"), sa.column("conditions"),
    sa.column("decided_on", sa.Date), sa.column("recorded_by_id"), sa.column("recorded_at", sa.DateTime),
)  # fmt: skip


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with foreign_keys_off() if sqlite else nullcontext(), op.batch_alter_table(
        "written_procedures", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.add_column(sa.Column("subject", sa.Enum(*SUBJECTS, name="decisionsubject", native_enum=False,
                                                         length=40), server_default="proposal", nullable=False))  # fmt: skip
        batch_op.add_column(sa.Column("matter", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch_op.alter_column("proposal_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_written_procedures_call_id"), ["call_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_written_procedures_call_id_calls"), "calls", ["call_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_written_procedures_proposal_iff_subject"), PROPOSAL_IFF_SUBJECT)
        batch_op.create_check_constraint(op.f("ck_written_procedures_not_minutes"), "subject <> 'minutes'")
    with foreign_keys_off() if sqlite else nullcontext(), op.batch_alter_table(
        "decisions", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.add_column(sa.Column("minutes_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_decisions_minutes_id"), ["minutes_id"])
        batch_op.create_foreign_key(batch_op.f("fk_decisions_minutes_id_minutes"), "minutes", ["minutes_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_decisions_minutes_iff_subject"), MINUTES_IFF_SUBJECT)
    record_minutes_decisions(op.get_bind())


def approval_quorums(connection: sa.Connection) -> dict[int, Any]:
    """The quorum each approval of minutes kept in its audit entry (the last one per minutes)."""
    query = (
        sa.select(audit_entries.c.object_id, audit_entries.c.after)
        .where(audit_entries.c.action == "minutes.approved", audit_entries.c.object_type == "minutes")
        .order_by(audit_entries.c.id)
    )
    quorums = {}
    for object_id, after in connection.execute(query):
        after = json.loads(after) if isinstance(after, str) else after
        if isinstance(after, dict) and after.get("quorum") is not None and str(object_id).isdigit():
            quorums[int(object_id)] = after["quorum"]
    return quorums


def record_minutes_decisions(connection: sa.Connection) -> None:
    """A decision for every set of minutes approved so far, numbered per approving meeting in the order approved."""
    approving = meetings.alias("approving")
    query = (
        sa.select(minutes_table, approving.c.fund_id, approving.c.reference, approving.c.held_on)
        .join(approving, approving.c.id == minutes_table.c.approved_in_id)
        .where(minutes_table.c.state == "approved")
        .order_by(minutes_table.c.approved_in_id, minutes_table.c.approved_at, minutes_table.c.id)
    )
    quorums = approval_quorums(connection)
    numbers: dict[int, int] = {}
    for row in connection.execute(query).mappings().all():
        number = numbers[row["approved_in_id"]] = numbers.get(row["approved_in_id"], 0) + 1
        approved_at = row["approved_at"]
        if isinstance(approved_at, str):
            approved_at = datetime.fromisoformat(approved_at)
        connection.execute(decisions.insert().values(
            fund_id=row["fund_id"], reference=f"{row['reference']}/MIN{number}", subject="minutes", matter="",
            minutes_id=row["id"], meeting_id=row["approved_in_id"], presided_by_id=row["signed_by_id"],
            quorum_record=quorums.get(row["id"]), outcome="approve", conditions="", decided_on=row["held_on"],
            recorded_by_id=row["approved_by_id"], recorded_at=approved_at,
        ))  # fmt: skip


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    matters = "SELECT id FROM written_procedures WHERE subject <> 'proposal'"
    taken = f"SELECT id FROM decisions WHERE procedure_id IN ({matters})"
    op.execute(f"DELETE FROM ledger_entries WHERE decision_id IN ({taken})")
    op.execute(f"DELETE FROM decision_records WHERE decision_id IN ({taken})")
    op.execute(f"DELETE FROM decisions WHERE procedure_id IN ({matters})")
    op.execute(f"DELETE FROM written_procedure_responses WHERE procedure_id IN ({matters})")
    op.execute("DELETE FROM written_procedures WHERE subject <> 'proposal'")
    op.execute("DELETE FROM decisions WHERE subject = 'minutes'")
    with foreign_keys_off() if sqlite else nullcontext(), op.batch_alter_table(
        "decisions", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.drop_constraint(op.f("ck_decisions_minutes_iff_subject"), type_="check")
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_decisions_minutes_id_minutes"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_decisions_minutes_id"), type_="unique")
        batch_op.drop_column("minutes_id")
    with foreign_keys_off() if sqlite else nullcontext(), op.batch_alter_table(
        "written_procedures", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.drop_constraint(op.f("ck_written_procedures_not_minutes"), type_="check")
        batch_op.drop_constraint(op.f("ck_written_procedures_proposal_iff_subject"), type_="check")
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_written_procedures_call_id_calls"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_written_procedures_call_id"))
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("proposal_id", existing_type=sa.Integer(), nullable=False)
        for column in ("call_id", "matter", "subject"):
            batch_op.drop_column(column)

